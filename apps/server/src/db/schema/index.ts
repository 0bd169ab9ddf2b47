export * from './auth.js';
export * from './users.js';
export * from './pjsip.js';
export * from './events.js';
export * from './calls.js';
export * from './presence.js';
