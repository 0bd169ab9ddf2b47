/**
 * Losing the PBX mid-call: the ARI connection cut (the call goes on in Stasis and
 * Switchboard picks it up again), and Asterisk killed and started again (the call is gone
 * and Switchboard ends it once it reconnects).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectSocket } from '../support/socket.js';
import { channels, CUSTOMER_NUMBER, eventsOf, waitForCall } from './support/calls.js';
import { startPbxHarness, transitionsOf, type PbxHarness } from './support/harness.js';
import { waitUntil } from './support/processes.js';
import { Sipp } from './support/sipp.js';

describe.skipIf(inject('pbxSkipReason'))('losing the PBX mid-call', () => {
  let pbx: PbxHarness;

  beforeAll(async () => {
    pbx = await startPbxHarness();
  });
  afterAll(async () => {
    await pbx?.close();
  });

  it('ARI connection cut: the call carries on, and its end is still recorded', async () => {
    const phone = await pbx.phone();
    const socket = await connectSocket(pbx.api.baseUrl, { token: phone.token });
    const agentPhone = await Sipp.start({ scenario: 'answer', port: phone.port });
    const carrier = await Sipp.start({ scenario: 'answer-hangup', port: pbx.carrierUasPort, pauseMs: 6_000 });
    const made = await pbx.api.request('POST', '/api/calls/make', {
      token: phone.token,
      body: { to: CUSTOMER_NUMBER },
    });
    const callId: string = made.body.id;
    await waitForCall(pbx, phone.token, callId, 'in_progress');

    expect(pbx.dropAriConnections()).toBeGreaterThan(0);
    await pbx.waitForPbx('disconnected', 5_000);
    await pbx.waitForPbx('up');
    // Reconciliation found both legs still in Stasis: the call is still on.
    expect((await pbx.api.request('GET', `/api/calls/${callId}`, { token: phone.token })).body.status).toBe(
      'in_progress',
    );

    const call = await waitForCall(pbx, phone.token, callId, 'completed');
    expect(call).toMatchObject({ ended_by: 'customer', has_recording: true });
    await Promise.all([agentPhone.succeeded(), carrier.succeeded()]);
    await waitUntil(() => channels(pbx).length === 0, 10_000, 'no channel left');
    await socket.waitFor((events) => eventsOf(events, callId).includes('call_ended'));
    expect(eventsOf(socket.received, callId)).toEqual([
      'call_initiated',
      'call_ringing',
      'call_answered',
      'call_ended',
    ]);
    socket.socket.close();
  });

  it('Asterisk killed and restarted: the vanished call is ended once Switchboard reconnects', async () => {
    const phone = await pbx.phone();
    const socket = await connectSocket(pbx.api.baseUrl, { token: phone.token });
    const agentPhone = await Sipp.start({ scenario: 'answer', port: phone.port });
    const carrier = await Sipp.start({ scenario: 'answer', port: pbx.carrierUasPort });
    const made = await pbx.api.request('POST', '/api/calls/make', {
      token: phone.token,
      body: { to: CUSTOMER_NUMBER },
    });
    const callId: string = made.body.id;
    await waitForCall(pbx, phone.token, callId, 'in_progress');

    await pbx.asterisk.kill();
    await pbx.waitForPbx('disconnected', 10_000);
    // A dead PBX sends no BYE: the phones would wait for ever.
    await Promise.all([agentPhone.stop(), carrier.stop()]);
    await pbx.asterisk.start();
    await pbx.waitForPbx('up');

    const call = await waitForCall(pbx, phone.token, callId, 'completed');
    expect(call).toMatchObject({
      ended_by: 'system',
      hangup_cause_text: 'channel gone while the PBX link was down',
    });
    expect((await transitionsOf(pbx.sql, callId)).at(-1)).toBe('in_progress→completed (pbx:reconcile)');
    await socket.waitFor((events) => eventsOf(events, callId).includes('call_ended'));
    socket.socket.close();

    // The restarted PBX still knows the phone (its registration is a row in ps_contacts)
    // and places the next call.
    const nextAgent = await Sipp.start({ scenario: 'answer', port: phone.port });
    const nextCarrier = await Sipp.start({ scenario: 'answer-hangup', port: pbx.carrierUasPort, pauseMs: 1_000 });
    const next = await pbx.api.request('POST', '/api/calls/make', {
      token: phone.token,
      body: { to: CUSTOMER_NUMBER },
    });
    await waitForCall(pbx, phone.token, next.body.id, 'completed');
    await Promise.all([nextAgent.succeeded(), nextCarrier.succeeded()]);
  });
});
