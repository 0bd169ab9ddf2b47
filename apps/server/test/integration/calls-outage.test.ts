/**
 * A call whose PBX link died: Switchboard learns on reconnecting that its channels are
 * gone, and ends the call at the last moment media was known to flow (when the ARI
 * WebSocket dropped), not when it found out. The ARI emulator plays Asterisk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answeredOutboundCall, callStatus, startServerWithPbx, waitFor, type PbxTest } from '../support/pbx.js';

describe('a call through a PBX outage', () => {
  let pbx: PbxTest;

  beforeAll(async () => {
    pbx = await startServerWithPbx();
  });
  afterAll(async () => {
    await pbx.close();
  });

  it('ends a call whose channels vanished during the outage at the time the link dropped', async () => {
    const { api, ari } = pbx;
    const { agent, callId, customerLeg } = await answeredOutboundCall(pbx);
    const answered = (await api.request('GET', `/api/calls/${callId}`, { token: agent.token })).body;

    const beforeDrop = Date.now();
    ari.setAcceptingWebSockets(false);
    ari.dropWebSockets();
    await waitFor(async () => (await api.request('GET', '/ready')).body.checks.pbx === 'disconnected', 'link down');
    // Both parties hang up while nobody listens; the PBX stays out of reach for a while.
    ari.hangupChannel(customerLeg.channelId, 16);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const restoredAt = Date.now();
    ari.setAcceptingWebSockets(true);

    await waitFor(async () => (await callStatus(api, agent.token, callId)) === 'completed', 'reconciled', 15_000);
    const call = (await api.request('GET', `/api/calls/${callId}`, { token: agent.token })).body;
    const endedAt = Date.parse(call.ended_at);
    // Ended when the link dropped: before the PBX could even be reached again.
    expect(endedAt).toBeGreaterThanOrEqual(beforeDrop);
    expect(endedAt).toBeLessThan(restoredAt);
    expect(endedAt).toBeGreaterThanOrEqual(Date.parse(answered.answered_at));
    // Talk time stops at the drop: the outage is not billed.
    expect(call.billable_seconds).toBe(Math.floor((endedAt - Date.parse(answered.answered_at)) / 1000));
    expect(call).toMatchObject({ status: 'completed', ended_by: 'system' });
  });
});
