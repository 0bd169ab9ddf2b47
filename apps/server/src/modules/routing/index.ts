/**
 * Routing (ACD): queues, members, skills, capacity, the engine that offers and assigns
 * calls and conversations exactly once, and its periodic sweep. The voice side
 * (modules/voice-routing) acts on the engine's published events, which reach whichever node
 * holds the ARI connection (ADR 18), and calls the engine (`enqueue`, `acceptOffer`,
 * `endEntry`); `RoutingListener` is told only on the node that made a decision.
 */
export { createRoutingModule, type RoutingModule, type RoutingModuleOptions } from './routing.module.js';
export { RoutingEngine, MISSED_OFFERS_REASON, type EnqueueInput } from './routing.engine.js';
export type {
  ConversationsPort,
  PresencePort,
  RoutingListener,
  RoutingTexts,
  TransactionScope,
} from './routing.ports.js';
export type { Offer, Queue, QueueEntry, RoutingChannel } from './routing.js';
export { estimateWaitSeconds, isOpenAt, SHORT_ABANDON_SECONDS } from './routing.js';
export { assignWaitingEntry, type DirectAssignDeps } from './routing.direct-assign.js';
export { moveWaitingCall, type MoveCallDeps } from './routing.move-call.js';
export { toEntryDto } from './routing.dto.js';
