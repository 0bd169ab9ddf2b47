/** Web chat: the embeddable widget's channels, visitors and their Socket.IO namespace (issue 14, ADR 25). */
export { createWebchatModule, type WebchatModule, type WebchatModuleOptions } from './webchat.module.js';
export { WEBCHAT_NAMESPACE } from './webchat.socket.js';
