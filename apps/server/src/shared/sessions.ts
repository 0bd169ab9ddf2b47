import type { DomainEvent } from './events.js';

/**
 * Sessions ended by the server (logout, logout everywhere, refresh-token reuse,
 * deactivation, a role or password change). Published on the event bus like any domain
 * event so that every node hears it (ADR 13); `realtime/` reacts by disconnecting the
 * user's sockets — those of one session, or all of them — after telling them why. Its
 * audience is empty: no socket receives it through the ordinary fan-out or a replay.
 */
export const SESSIONS_REVOKED = 'sessions.revoked';

export const REVOCATION_REASONS = [
  'logout',
  'logout_all',
  'refresh_token_reused',
  'deactivated',
  'role_changed',
  'password_changed',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export type SessionsRevokedData = {
  user_id: string;
  /** The refresh-token family (the `sid` of its access tokens); null: every session. */
  session_id: string | null;
  reason: RevocationReason;
};

export function sessionsRevoked(input: {
  companyId: string;
  userId: string;
  sessionId: string | null;
  reason: RevocationReason;
}): DomainEvent<SessionsRevokedData> {
  return {
    name: SESSIONS_REVOKED,
    companyId: input.companyId,
    audience: {},
    data: { user_id: input.userId, session_id: input.sessionId, reason: input.reason },
  };
}

export function isSessionsRevokedData(data: Record<string, unknown>): data is SessionsRevokedData {
  return (
    typeof data.user_id === 'string' &&
    (data.session_id === null || typeof data.session_id === 'string') &&
    REVOCATION_REASONS.includes(data.reason as RevocationReason)
  );
}
