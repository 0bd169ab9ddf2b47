/**
 * Refresh tokens nobody can use any more are deleted under the leader lock: the rows of
 * ended sessions at once, expired ones once they expire. Rotated tokens of a live session
 * stay until they expire, because presenting one again is how reuse is detected.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTokens } from '../../src/db/schema/index.js';
import { SessionPruner } from '../../src/modules/auth/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';

const DAY_MS = 24 * 3600 * 1000;

describe('pruning refresh tokens', () => {
  let api: TestServer;
  let now = new Date('2026-12-01T12:00:00Z');
  const clock = { now: () => now };
  let pruner: SessionPruner;

  const rowsOf = async (userId: string) =>
    api.server.database.db.select().from(refreshTokens).where(eq(refreshTokens.userId, userId));

  beforeAll(async () => {
    api = await startTestServer({}, { clock });
    pruner = new SessionPruner({ db: api.server.database.db, clock, logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await api.close();
  });

  it('deletes the rows of a session that ended, and keeps a live session with its rotated tokens', async () => {
    const adminToken = await api.adminToken();
    const ended = await createUserAndLogin(api, adminToken);
    const live = await createUserAndLogin(api, adminToken);
    const rotated = await api.request('POST', '/api/users/refresh', { body: { refresh_token: live.refreshToken } });
    expect(rotated.status).toBe(200);
    const endedRotation = await api.request('POST', '/api/users/refresh', {
      body: { refresh_token: ended.refreshToken },
    });
    await api.request('POST', '/api/users/logout', { body: { refresh_token: endedRotation.body.refresh_token } });
    expect(await rowsOf(ended.id)).toHaveLength(2);

    const sweep = await pruner.pruneOnce();

    expect(sweep.deleted).toBeGreaterThanOrEqual(2);
    expect(await rowsOf(ended.id)).toHaveLength(0);
    expect(await rowsOf(live.id)).toHaveLength(2);
    // The rotated token is still known: presenting it again is caught as reuse.
    const replay = await api.request('POST', '/api/users/refresh', { body: { refresh_token: live.refreshToken } });
    expect(replay.body.code).toBe('auth.refresh_token_reused');
  });

  it('deletes tokens once they expire, and nothing that is still usable', async () => {
    const user = await createUserAndLogin(api, await api.adminToken());
    now = new Date(now.getTime() + 29 * DAY_MS);
    await pruner.pruneOnce();
    expect(await rowsOf(user.id)).toHaveLength(1);
    const usable = await api.request('POST', '/api/users/refresh', { body: { refresh_token: user.refreshToken } });
    expect(usable.status).toBe(200);

    now = new Date(now.getTime() + 31 * DAY_MS);
    const sweep = await pruner.pruneOnce();
    expect(sweep.deleted).toBeGreaterThanOrEqual(2);
    expect(await rowsOf(user.id)).toHaveLength(0);
  });
});
