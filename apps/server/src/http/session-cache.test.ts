import { describe, expect, it } from 'vitest';
import type { Actor } from '../shared/actor.js';
import type { PublishedEvent } from '../shared/events.js';
import { sessionsRevoked } from '../shared/sessions.js';
import { SessionCache, type SessionAuthenticator } from './session-cache.js';

const COMPANY = '00000000-0000-4000-8000-000000000001';
const ALICE = '00000000-0000-4000-8000-00000000000a';
const BOB = '00000000-0000-4000-8000-00000000000b';

/** A JWT-shaped token whose payload carries `exp` (the cache reads it after verification). */
const tokenFor = (name: string, expSeconds: number) =>
  `h.${Buffer.from(JSON.stringify({ sub: name, exp: expSeconds })).toString('base64url')}.s`;

/** Sessions read from a map, counting the reads: what the database would answer. */
function sessionsStore() {
  const live = new Map<string, { actor: Actor; sessionId: string }>();
  let reads = 0;
  let pending: (() => void) | undefined;
  const authenticator: SessionAuthenticator & { holdNextRead(): () => void } = {
    async authenticateSession(token) {
      reads += 1;
      const session = live.get(token);
      if (pending) {
        await new Promise<void>((resolve) => (pending = resolve));
      }
      if (!session) throw new Error('session revoked');
      return session;
    },
    holdNextRead() {
      pending = () => undefined;
      return () => {
        const release = pending;
        pending = undefined;
        release?.();
      };
    },
  };
  return { live, authenticator, reads: () => reads };
}

const revoked = (userId: string, sessionId: string | null): PublishedEvent => ({
  ...sessionsRevoked({ companyId: COMPANY, userId, sessionId, reason: 'logout' }),
  seq: 1,
  at: new Date(0),
});

describe('SessionCache', () => {
  const now = 1_000_000_000_000;
  const alice: Actor = { userId: ALICE, companyId: COMPANY, role: 'agent' };
  const bob: Actor = { userId: BOB, companyId: COMPANY, role: 'agent' };

  /** Alice's live session (a token valid 15 minutes) before a cache with `ttlMs`, whose clock `advance` moves. */
  function aliceBefore(ttlMs: number) {
    let clock = now;
    const store = sessionsStore();
    const token = tokenFor('a', now / 1000 + 900);
    store.live.set(token, { actor: alice, sessionId: 's1' });
    const cache = new SessionCache(store.authenticator, { ttlMs, nowMs: () => clock });
    return { store, token, cache, advance: (ms: number) => (clock += ms) };
  }

  it('answers a token seen within the TTL without reading again, and reads it again after', async () => {
    const { store, token, cache, advance } = aliceBefore(5_000);

    expect(await cache.authenticate(token)).toEqual(alice);
    expect(await cache.authenticate(token)).toEqual(alice);
    expect(store.reads()).toBe(1);
    advance(5_001);
    expect(await cache.authenticate(token)).toEqual(alice);
    expect(store.reads()).toBe(2);
  });

  it('never trusts a token past its own expiry', async () => {
    let clock = now;
    const store = sessionsStore();
    const token = tokenFor('a', now / 1000 + 1);
    store.live.set(token, { actor: alice, sessionId: 's1' });
    const cache = new SessionCache(store.authenticator, { ttlMs: 60_000, nowMs: () => clock });
    await cache.authenticate(token);
    clock += 1_000;
    store.live.delete(token); // the verifier refuses an expired token
    await expect(cache.authenticate(token)).rejects.toThrow('session revoked');
  });

  it('drops the ended session at once on sessions.revoked, keeping the user’s other sessions and other users', async () => {
    const store = sessionsStore();
    const ended = tokenFor('a1', now / 1000 + 900);
    const kept = tokenFor('a2', now / 1000 + 900);
    const other = tokenFor('b', now / 1000 + 900);
    store.live.set(ended, { actor: alice, sessionId: 's1' });
    store.live.set(kept, { actor: alice, sessionId: 's2' });
    store.live.set(other, { actor: bob, sessionId: 's3' });
    const cache = new SessionCache(store.authenticator, { ttlMs: 60_000, nowMs: () => now });
    for (const token of [ended, kept, other]) await cache.authenticate(token);

    store.live.delete(ended);
    cache.onEvent(revoked(ALICE, 's1'));
    await expect(cache.authenticate(ended)).rejects.toThrow('session revoked');
    expect(await cache.authenticate(kept)).toEqual(alice);
    expect(await cache.authenticate(other)).toEqual(bob);
    expect(store.reads()).toBe(4);

    store.live.delete(kept);
    cache.onEvent(revoked(ALICE, null));
    await expect(cache.authenticate(kept)).rejects.toThrow('session revoked');
    expect(await cache.authenticate(other)).toEqual(bob);
  });

  it('does not cache a read that a revocation overtook', async () => {
    const store = sessionsStore();
    const token = tokenFor('a', now / 1000 + 900);
    store.live.set(token, { actor: alice, sessionId: 's1' });
    const cache = new SessionCache(store.authenticator, { ttlMs: 60_000, nowMs: () => now });

    const release = store.authenticator.holdNextRead();
    const inFlight = cache.authenticate(token); // read the session as live, answer not back yet
    store.live.delete(token);
    cache.onEvent(revoked(ALICE, 's1'));
    release();
    expect(await inFlight).toEqual(alice); // it began before the logout
    await expect(cache.authenticate(token)).rejects.toThrow('session revoked');
    expect(cache.size).toBe(0);
  });

  it('answers a token used past half its TTL from the cache and verifies it again meanwhile', async () => {
    const { store, token, cache, advance } = aliceBefore(5_000);
    await cache.authenticate(token);

    advance(3_000);
    const release = store.authenticator.holdNextRead();
    // Answered while the database read it started is still held.
    expect(await cache.authenticate(token)).toEqual(alice);
    expect(store.reads()).toBe(2);
    expect(await cache.authenticate(token)).toEqual(alice);
    expect(store.reads()).toBe(2); // one background read at a time
    release();
    await new Promise((resolve) => setImmediate(resolve));

    advance(3_000); // past the first read's TTL, within the renewed one's
    const releaseAgain = store.authenticator.holdNextRead();
    expect(await cache.authenticate(token)).toEqual(alice);
    releaseAgain();
  });

  it('drops a token the background verification finds ended', async () => {
    const { store, token, cache, advance } = aliceBefore(5_000);
    await cache.authenticate(token);

    store.live.delete(token); // ended, and the event missed (Redis down)
    advance(3_000);
    expect(await cache.authenticate(token)).toEqual(alice); // still within the TTL it was trusted for
    await new Promise((resolve) => setImmediate(resolve));
    await expect(cache.authenticate(token)).rejects.toThrow('session revoked');
    expect(cache.size).toBe(0);
  });

  it('shares one read among requests that miss at once, but not across a revocation', async () => {
    const reads: {
      token: string;
      resolve: (session: { actor: Actor; sessionId: string }) => void;
      reject: (error: Error) => void;
    }[] = [];
    const authenticator: SessionAuthenticator = {
      authenticateSession: (token) => new Promise((resolve, reject) => reads.push({ token, resolve, reject })),
    };
    const token = tokenFor('a', now / 1000 + 900);
    const cache = new SessionCache(authenticator, { ttlMs: 60_000, nowMs: () => now });

    const first = cache.authenticate(token);
    const second = cache.authenticate(token);
    expect(reads).toHaveLength(1);
    cache.onEvent(revoked(ALICE, 's1'));
    const afterLogout = cache.authenticate(token);
    expect(reads).toHaveLength(2);
    reads[0]!.resolve({ actor: alice, sessionId: 's1' }); // read as live before the logout
    reads[1]!.reject(new Error('session revoked'));
    expect(await first).toEqual(alice);
    expect(await second).toEqual(alice);
    await expect(afterLogout).rejects.toThrow('session revoked');
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxEntries tokens', async () => {
    const store = sessionsStore();
    const cache = new SessionCache(store.authenticator, { ttlMs: 60_000, maxEntries: 3, nowMs: () => now });
    for (let i = 0; i < 5; i += 1) {
      const token = tokenFor(`t${i}`, now / 1000 + 900);
      store.live.set(token, { actor: alice, sessionId: `s${i}` });
      await cache.authenticate(token);
    }
    expect(cache.size).toBe(3);
  });

  it('with a TTL of 0 reads every time', async () => {
    const store = sessionsStore();
    const token = tokenFor('a', now / 1000 + 900);
    store.live.set(token, { actor: alice, sessionId: 's1' });
    const cache = new SessionCache(store.authenticator, { ttlMs: 0, nowMs: () => now });
    await cache.authenticate(token);
    await cache.authenticate(token);
    expect(store.reads()).toBe(2);
  });
});
