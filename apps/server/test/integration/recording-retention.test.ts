/**
 * Recording retention end to end: a real call recorded through the ARI emulator, its file
 * in the recordings directory, the retention job as the server wires it from
 * RECORDING_RETENTION_DAYS, and what the API answers afterwards.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRecordings } from '../../src/db/schema/index.js';
import { answeredOutboundCall, requestsTo, startServerWithPbx, type PbxTest } from '../support/pbx.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('recording retention', () => {
  let pbx: PbxTest;

  beforeAll(async () => {
    pbx = await startServerWithPbx({ RECORDING_RETENTION_DAYS: '30', RECORDING_RETENTION_INTERVAL_MINUTES: '1440' });
  });
  afterAll(async () => {
    await pbx.close();
  });

  /** A click-to-call answered and recorded; the recording's file written where Asterisk would. */
  async function recordedCall(endedDaysAgo: number) {
    const { api, ari } = pbx;
    const { agent, callId } = await answeredOutboundCall(pbx, '+55 11 3333-0000');
    const name = requestsTo(ari, 'POST', `/bridges/${callId}/record`)[0]!.query.name as string;
    const dir = api.config.asterisk.recordingsDir;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.wav`);
    writeFileSync(file, Buffer.alloc(800));
    const endedAt = new Date(Date.now() - endedDaysAgo * DAY_MS);
    await api.server.database.db
      .update(callRecordings)
      .set({ status: 'done', endedAt })
      .where(eq(callRecordings.callId, callId));
    return { agent, callId, file };
  }

  it('deletes recordings past the retention, file and all, and keeps the call', async () => {
    const { api } = pbx;
    const old = await recordedCall(31);
    const recent = await recordedCall(29);
    const retention = api.server.recordingRetention;
    expect(retention).toBeDefined();

    const sweep = await retention!.sweepOnce();
    expect(sweep).toMatchObject({ isLeader: true, failed: 0 });
    expect(sweep.deleted).toBeGreaterThanOrEqual(1);

    expect(existsSync(old.file)).toBe(false);
    expect(existsSync(recent.file)).toBe(true);
    const gone = await api.request('GET', `/api/calls/${old.callId}/recording`, { token: old.agent.token });
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('recording.deleted');
    const call = await api.request('GET', `/api/calls/${old.callId}`, { token: old.agent.token });
    expect(call.status).toBe(200);
    expect(call.body.has_recording).toBe(false);
    const kept = await api.request('GET', `/api/calls/${recent.callId}/recording`, { token: recent.agent.token });
    expect(kept.status).toBe(200);
    expect((await api.request('GET', `/api/calls/${recent.callId}`, { token: recent.agent.token })).body).toMatchObject(
      { has_recording: true },
    );

    // Nothing left to do: a second sweep deletes nothing.
    expect(await retention!.sweepOnce()).toMatchObject({ isLeader: true, deleted: 0, failed: 0 });
  });

  it('marks a recording whose file is already gone as deleted too', async () => {
    const { api } = pbx;
    const old = await recordedCall(45);
    rmSync(old.file);
    expect(await api.server.recordingRetention!.sweepOnce()).toMatchObject({ deleted: 1, failed: 0 });
    const [row] = await api.server.database.db
      .select({ status: callRecordings.status })
      .from(callRecordings)
      .where(eq(callRecordings.callId, old.callId));
    expect(row?.status).toBe('deleted');
  });
});
