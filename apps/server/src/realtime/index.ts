export { EventBus, type EventBusOptions } from './event-bus.js';
export { EventLogRepository } from './event-log.repository.js';
export { EventLogRetention } from './event-log-retention.js';
export { channelTransport, type EventTransport, type MessageChannel } from './event-transport.js';
export {
  DEFAULT_SOCKET_LIMITS,
  RealtimeServer,
  toEnvelope,
  wireNameOf,
  rooms,
  type Envelope,
  type SocketLimits,
} from './socket.server.js';
