export { registerVoicebotRoutes } from './voicebot.routes.js';
export type { MediaSessions, MediaSessionView, MediaRole } from './voicebot.ports.js';
