export { EventBus } from './event-bus.js';
export { EventLogRepository } from './event-log.repository.js';
export { RealtimeServer, toEnvelope, wireNameOf, rooms, type Envelope } from './socket.server.js';
