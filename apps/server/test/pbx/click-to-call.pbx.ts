/**
 * Click-to-call against Asterisk 22.10.1: the agent's SIPp phone (registered with the
 * device the API created) rings first; on answer the carrier (SIPp behind the kit's
 * trunk) is dialled; both are bridged, recorded and ended from either side.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectSocket } from '../support/socket.js';
import {
  audioStats,
  callOf,
  channels,
  CUSTOMER_E164,
  CUSTOMER_NUMBER,
  eventsOf,
  header,
  sipMessages,
  waitForCall,
} from './support/calls.js';
import { OUTBOUND_CALLER_ID, startPbxHarness, transitionsOf, type PbxHarness } from './support/harness.js';
import { waitUntil } from './support/processes.js';
import { Sipp } from './support/sipp.js';

describe.skipIf(inject('pbxSkipReason'))('click-to-call on a real Asterisk', () => {
  let pbx: PbxHarness;

  beforeAll(async () => {
    pbx = await startPbxHarness();
  });
  afterAll(async () => {
    await pbx?.close();
  });

  const make = async (token: string) => {
    const made = await pbx.api.request('POST', '/api/calls/make', { token, body: { to: CUSTOMER_NUMBER } });
    expect(made.status).toBe(201);
    return made.body.id as string;
  };

  it('answered: the carrier sees our caller ID, the call is recorded with both sides audible, the customer hangs up', async () => {
    const phone = await pbx.phone();
    const agentPhone = await Sipp.start({ scenario: 'answer', port: phone.port, toneHz: 440 });
    const carrier = await Sipp.start({
      scenario: 'answer-hangup',
      port: pbx.carrierUasPort,
      pauseMs: 4_000,
      toneHz: 1_000,
    });
    const socket = await connectSocket(pbx.api.baseUrl, { token: phone.token });

    const callId = await make(phone.token);
    await waitForCall(pbx, phone.token, callId, 'in_progress');
    const call = await waitForCall(pbx, phone.token, callId, 'completed');
    expect(call).toMatchObject({
      direction: 'outbound',
      to_number: `+${CUSTOMER_E164}`,
      ended_by: 'customer',
      hangup_cause: 16,
      has_recording: true,
    });
    expect(call.billable_seconds).toBeGreaterThanOrEqual(3);

    const [agentSide, carrierSide] = await Promise.all([agentPhone.succeeded(), carrier.succeeded()]);
    // The agent's phone was called as the device the API created, and released by Switchboard.
    expect(sipMessages(agentSide.messages, /^INVITE sip:/)[0]).toContain(`sip:${phone.sipUsername}@127.0.0.1`);
    expect(sipMessages(agentSide.messages, /^BYE /)).toHaveLength(1);

    // The carrier got the number in E.164 and our caller ID, and no later identity update.
    const invites = sipMessages(carrierSide.messages, /^INVITE sip:/);
    expect(invites).toHaveLength(1);
    expect(invites[0]).toMatch(new RegExp(`^INVITE sip:${CUSTOMER_E164}@127\\.0\\.0\\.1`));
    expect(header(invites[0]!, 'P-Asserted-Identity')).toContain(`sip:${OUTBOUND_CALLER_ID}@`);
    expect(header(invites[0]!, 'From')).toContain('sip:switchboard@127.0.0.1');
    expect(sipMessages(carrierSide.messages, /^UPDATE /)).toEqual([]);

    expect(await transitionsOf(pbx.sql, callId)).toEqual([
      '-→initiated (api:make)',
      // The agent's own phone ringing is the first thing the PBX reports.
      'initiated→ringing (pbx:ringing)',
      'ringing→in_progress (pbx:outbound-customer)',
      'in_progress→completed (pbx:customer_hangup)',
    ]);
    await socket.waitFor((events) => eventsOf(events, callId).includes('call_ended'));
    expect(eventsOf(socket.received, callId)).toEqual([
      'call_initiated',
      'call_ringing',
      'call_answered',
      'call_ended',
    ]);
    socket.socket.close();

    // The recording: served with Range, and it holds the two tones the phones sent.
    await waitUntil(
      async () =>
        (await pbx.api.request('GET', `/api/calls/${callId}/recording`, { token: phone.token })).status === 200,
      15_000,
      'the recording to be served',
    );
    const partial = await fetch(`${pbx.api.baseUrl}/api/calls/${callId}/recording`, {
      headers: { authorization: `Bearer ${phone.token}`, range: 'bytes=0-43' },
    });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toMatch(/^bytes 0-43\/\d+$/);
    const head = Buffer.from(await partial.arrayBuffer());
    expect(head.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(head.subarray(8, 12).toString('latin1')).toBe('WAVE');
    const full = await fetch(`${pbx.api.baseUrl}/api/calls/${callId}/recording`, {
      headers: { authorization: `Bearer ${phone.token}` },
    });
    expect(full.status).toBe(200);
    const stats = audioStats(Buffer.from(await full.arrayBuffer()));
    expect(stats.seconds).toBeGreaterThan(2);
    expect(stats.rms).toBeGreaterThan(0.05);
    expect(channels(pbx)).toEqual([]);
  });

  it('the agent hangs up through the API: both legs are released', async () => {
    const phone = await pbx.phone();
    const agentPhone = await Sipp.start({ scenario: 'answer', port: phone.port });
    const carrier = await Sipp.start({ scenario: 'answer', port: pbx.carrierUasPort });
    const callId = await make(phone.token);
    await waitForCall(pbx, phone.token, callId, 'in_progress');

    const hangup = await pbx.api.request('POST', `/api/calls/${callId}/hangup`, { token: phone.token });
    expect(hangup.status).toBeLessThan(300);
    const call = await waitForCall(pbx, phone.token, callId, 'completed');
    expect(call.ended_by).toBe('agent');
    // Both SIPp legs received a BYE and answered it: their scenarios end successfully.
    await Promise.all([agentPhone.succeeded(), carrier.succeeded()]);
    await waitUntil(() => channels(pbx).length === 0, 10_000, 'no channel left');
  });

  it('the agent hangs up on the phone', async () => {
    const phone = await pbx.phone();
    const agentPhone = await Sipp.start({ scenario: 'answer-hangup', port: phone.port, pauseMs: 3_000 });
    const carrier = await Sipp.start({ scenario: 'answer', port: pbx.carrierUasPort });
    const callId = await make(phone.token);
    const call = await waitForCall(pbx, phone.token, callId, 'completed');
    expect(call).toMatchObject({ ended_by: 'agent', hangup_cause: 16 });
    await Promise.all([agentPhone.succeeded(), carrier.succeeded()]);
    expect((await transitionsOf(pbx.sql, callId)).at(-1)).toBe('in_progress→completed (pbx:agent_hangup)');
  });

  it('busy: the carrier answers 486 and the call ends as busy', async () => {
    const phone = await pbx.phone();
    const agentPhone = await Sipp.start({ scenario: 'answer', port: phone.port });
    const carrier = await Sipp.start({ scenario: 'busy', port: pbx.carrierUasPort });
    const socket = await connectSocket(pbx.api.baseUrl, { token: phone.token });
    const callId = await make(phone.token);
    const call = await waitForCall(pbx, phone.token, callId, 'busy');
    expect(call.has_recording).toBe(false);
    await Promise.all([agentPhone.succeeded(), carrier.succeeded()]);
    await socket.waitFor((events) => eventsOf(events, callId).includes('call_ended'));
    expect(eventsOf(socket.received, callId)).toEqual(['call_initiated', 'call_ringing', 'call_ended']);
    socket.socket.close();
  });

  it('not answered: the carrier rings until Switchboard gives up', async () => {
    const phone = await pbx.phone();
    const agentPhone = await Sipp.start({ scenario: 'answer', port: phone.port });
    const carrier = await Sipp.start({ scenario: 'ring', port: pbx.carrierUasPort });
    const callId = await make(phone.token);
    const call = await waitForCall(pbx, phone.token, callId, 'no_answer', 40_000);
    expect(call.has_recording).toBe(false);
    await Promise.all([agentPhone.succeeded(), carrier.succeeded()]);
    expect(await callOf(pbx, phone.token, callId)).toMatchObject({ status: 'no_answer' });
  });

  it('the agent rejects the call on the phone (busy): nobody is dialled', async () => {
    const phone = await pbx.phone();
    const agentPhone = await Sipp.start({ scenario: 'busy', port: phone.port });
    const callId = await make(phone.token);
    const call = await waitForCall(pbx, phone.token, callId, 'busy');
    expect(call.answered_at ?? null).toBeNull();
    await agentPhone.succeeded();
  });
});
