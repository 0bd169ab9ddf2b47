/**
 * Agent productivity (issue 14): labels on conversations and contacts, canned responses
 * and private notes with `@` mentions. Reached over HTTP and events only.
 */
export { installProductivity } from './productivity.module.js';
