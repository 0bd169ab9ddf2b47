export {
  createPresenceModule,
  installPresence,
  type PresenceModule,
  type PresenceModuleOptions,
} from './presence.module.js';
export { PresenceService, PRESENCE_CHANGED_EVENT, type SweepResult } from './presence.service.js';
export type { AgentPresence, PresenceStatus, PresenceView } from './presence.js';
