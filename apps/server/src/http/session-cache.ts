/**
 * A short-lived cache of verified access tokens in front of the per-request session check
 * (ADR 16, amended): a token seen within `ttlMs` skips the signature check and the
 * database read of its user and session. Revocation is what the cache must never delay:
 * every `sessions.revoked` event (logout, logout everywhere, refresh-token reuse,
 * deactivation, a role or password change), which every node receives from the event bus
 * (ADR 13), drops the user's entries — one session's or all of them — before the next
 * request is looked up. An answer read from the database while a revocation arrived is
 * not cached, so a read that started before the revocation cannot put the ended session
 * back. The TTL only bounds how long a missed event (Redis down, so the other nodes hear
 * it at their next log poll) can keep a token working on another node.
 *
 * A token used again past half its TTL is answered from the cache and verified again in
 * the background (the entry renewed, or dropped if the session ended), so a client that
 * keeps sending requests never has one wait for the database; the TTL bound above holds,
 * as every entry is still verified within its TTL or dropped. Requests that miss at once
 * share one read; a revocation ends that sharing, so no later request joins a read that
 * began before it.
 */
import type { Actor } from '../shared/actor.js';
import type { PublishedEvent } from '../shared/events.js';
import { isSessionsRevokedData, SESSIONS_REVOKED } from '../shared/sessions.js';
import type { Authenticator } from './auth.js';

export interface SessionAuthenticator {
  authenticateSession(accessToken: string): Promise<{ actor: Actor; sessionId: string }>;
}

export interface SessionCacheOptions {
  /** How long a verified token is trusted without reading the database (default 5 s). */
  ttlMs?: number;
  /** Entries kept at most; the oldest go first (default 10,000). */
  maxEntries?: number;
  nowMs?: () => number;
}

interface Entry {
  actor: Actor;
  sessionId: string;
  /** The earlier of the TTL and the token's own expiry. */
  expiresAtMs: number;
  /**
   * Past this, a use verifies it again in the background (half the TTL); never for a token
   * whose own expiry comes first, which a renewal could not extend.
   */
  refreshAtMs: number;
}

type Session = { actor: Actor; sessionId: string };

export const DEFAULT_SESSION_CACHE_TTL_MS = 5_000;

export class SessionCache implements Authenticator {
  private readonly entries = new Map<string, Entry>();
  /** Reads under way, by token: a request that misses while one is running waits for it. */
  private readonly reads = new Map<string, Promise<Session>>();
  /** Incremented by every revocation: a read that straddles one is not cached. */
  private revocations = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly nowMs: () => number;

  constructor(
    private readonly sessions: SessionAuthenticator,
    options: SessionCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_SESSION_CACHE_TTL_MS;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.nowMs = options.nowMs ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  async authenticate(accessToken: string): Promise<Actor> {
    const now = this.nowMs();
    const cached = this.entries.get(accessToken);
    if (cached) {
      if (cached.expiresAtMs > now) {
        if (now >= cached.refreshAtMs && !this.reads.has(accessToken)) this.refresh(accessToken, cached);
        return cached.actor;
      }
      this.entries.delete(accessToken);
    }
    return (await this.read(accessToken)).actor;
  }

  /** The session from the database, cached unless a revocation arrived meanwhile; one read per token at a time. */
  private read(accessToken: string): Promise<Session> {
    const running = this.reads.get(accessToken);
    if (running) return running;
    const revocationsBefore = this.revocations;
    const startedAtMs = this.nowMs();
    const reading = this.sessions
      .authenticateSession(accessToken)
      .then((session) => {
        if (this.ttlMs > 0 && this.revocations === revocationsBefore) this.store(accessToken, session, startedAtMs);
        return session;
      })
      .finally(() => {
        if (this.reads.get(accessToken) === reading) this.reads.delete(accessToken);
      });
    this.reads.set(accessToken, reading);
    return reading;
  }

  /** Verifies a cached token again without anyone waiting: renewed, or dropped when refused. */
  private refresh(accessToken: string, cached: Entry): void {
    this.read(accessToken).catch(() => {
      if (this.entries.get(accessToken) === cached) this.entries.delete(accessToken);
    });
  }

  /** Trusted for the TTL from when its read began (the session was live then, or later). */
  private store(accessToken: string, session: Session, now: number): void {
    const tokenExpiresAtMs = expiryOf(accessToken) ?? now;
    const expiresAtMs = Math.min(now + this.ttlMs, tokenExpiresAtMs);
    if (expiresAtMs <= now) return;
    this.entries.delete(accessToken);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(accessToken, {
      actor: session.actor,
      sessionId: session.sessionId,
      expiresAtMs,
      refreshAtMs: tokenExpiresAtMs > expiresAtMs ? now + this.ttlMs / 2 : Infinity,
    });
  }

  /** The event bus subscriber: drops the entries of ended sessions. */
  onEvent(event: PublishedEvent): void {
    if (event.name !== SESSIONS_REVOKED || !isSessionsRevokedData(event.data)) return;
    this.revoke(event.companyId, event.data.user_id, event.data.session_id);
  }

  /** Drops a user's entries: one session's, or every one when `sessionId` is null. */
  revoke(companyId: string, userId: string, sessionId: string | null): void {
    this.revocations += 1;
    // A read under way may be of this session: later requests start their own.
    this.reads.clear();
    for (const [token, entry] of this.entries) {
      if (entry.actor.userId !== userId || entry.actor.companyId !== companyId) continue;
      if (sessionId === null || entry.sessionId === sessionId) this.entries.delete(token);
    }
  }

  clear(): void {
    this.revocations += 1;
    this.reads.clear();
    this.entries.clear();
  }
}

/** The `exp` of a JWT already verified, in ms; undefined when it has none. */
function expiryOf(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
