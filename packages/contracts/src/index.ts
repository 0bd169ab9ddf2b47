export * from './common.js';
export * from './auth.js';
export * from './users.js';
export * from './calls.js';
export * from './presence.js';
export * from './conversations.js';
export * from './channels.js';
export * from './voicebot.js';
