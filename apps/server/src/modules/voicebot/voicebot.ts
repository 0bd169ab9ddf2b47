import type { Actor } from '../../shared/actor.js';
import type { MediaSessionView } from './voicebot.ports.js';

/**
 * Who may see or end a media session: the intercom's own integrations (API key) see all;
 * admins and supervisors see the sessions their company's voice bot tagged as theirs.
 */
export type MediaCaller = { kind: 'api_key' } | { kind: 'user'; actor: Actor };

export function canSeeSession(caller: MediaCaller, session: MediaSessionView): boolean {
  if (caller.kind === 'api_key') return true;
  const { actor } = caller;
  return actor.role !== 'agent' && session.intentData.company_id === actor.companyId;
}
