/**
 * Calls from the carrier (SIPp sending INVITEs to one of our numbers through the kit's
 * trunk) to an agent's SIPp phone, mapped in [switchboard-dids] as docs/asterisk.md says;
 * hangups from each side and a blind transfer to a colleague's phone.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectSocket } from '../support/socket.js';
import { audioStats, channels, eventsOf, header, sipMessages, waitForCall } from './support/calls.js';
import { startPbxHarness, transitionsOf, type PbxHarness, type Phone } from './support/harness.js';
import { waitUntil } from './support/processes.js';
import { Sipp } from './support/sipp.js';

const CALLER = '11987654321';
/** How the kit's dialplan shows a Brazilian caller: +E.164. */
const CALLER_E164 = '+5511987654321';

describe.skipIf(inject('pbxSkipReason'))('inbound calls on a real Asterisk', () => {
  let pbx: PbxHarness;
  let did = 551130001000;

  beforeAll(async () => {
    pbx = await startPbxHarness();
  });
  afterAll(async () => {
    await pbx?.close();
  });

  /** A new DID for the phone's agent, as an operator maps one. */
  const numberFor = (phone: Phone): string => {
    did += 1;
    pbx.asterisk.mapDid(String(did), `sb-to-agent,s,1(${phone.sipUsername})`);
    return String(did);
  };

  const callFromCarrier = (number: string, scenario: 'call' | 'call-wait', pauseMs = 4_000) =>
    Sipp.start({
      scenario,
      port: pbx.carrierUacPort,
      remote: pbx.sipAddress,
      service: number,
      keys: { caller: CALLER },
      pauseMs,
      toneHz: 700,
    });

  const callIdFrom = async (socket: Awaited<ReturnType<typeof connectSocket>>) => {
    await socket.waitFor((events) => events.some((event) => event.event === 'call_initiated'), 15_000);
    return socket.received.find((event) => event.event === 'call_initiated')!.data.call_id as string;
  };

  it('reaches the agent, is recorded, and ends when the caller hangs up', async () => {
    const phone = await pbx.phone();
    const number = numberFor(phone);
    const socket = await connectSocket(pbx.api.baseUrl, { token: phone.token });
    const agentPhone = await Sipp.start({ scenario: 'answer', port: phone.port, toneHz: 440 });
    const carrier = await callFromCarrier(number, 'call', 4_000);

    const callId = await callIdFrom(socket);
    const call = await waitForCall(pbx, phone.token, callId, 'completed');
    expect(call).toMatchObject({
      direction: 'inbound',
      from_number: CALLER_E164,
      to_number: String(phone.extension),
      agent_id: phone.userId,
      ended_by: 'customer',
      has_recording: true,
    });
    const [agentSide, carrierSide] = await Promise.all([agentPhone.succeeded(), carrier.succeeded()]);
    // The agent's phone shows who calls; the carrier heard ringing before the answer.
    expect(header(sipMessages(agentSide.messages, /^INVITE sip:/)[0]!, 'From')).toContain(CALLER_E164);
    expect(sipMessages(carrierSide.messages, /^SIP\/2\.0 180/).length).toBeGreaterThan(0);

    expect(await transitionsOf(pbx.sql, callId)).toEqual([
      '-→initiated (pbx:inbound)',
      'initiated→ringing (pbx:agent_ringing)',
      'ringing→in_progress (pbx:inbound-agent)',
      'in_progress→completed (pbx:customer_hangup)',
    ]);
    await socket.waitFor((events) => eventsOf(events, callId).includes('call_ended'));
    const events = eventsOf(socket.received, callId);
    // The screen pop (contacts, ADR 21) is looked up beside the call: its place varies.
    expect(events).toContain('call_contact_identified');
    expect(events.filter((event) => event !== 'call_contact_identified')).toEqual([
      'call_initiated',
      'call_ringing',
      'call_answered',
      'call_ended',
    ]);
    socket.socket.close();

    await waitUntil(
      async () =>
        (await pbx.api.request('GET', `/api/calls/${callId}/recording`, { token: phone.token })).status === 200,
      15_000,
      'the recording',
    );
    const recording = await fetch(`${pbx.api.baseUrl}/api/calls/${callId}/recording`, {
      headers: { authorization: `Bearer ${phone.token}` },
    });
    expect(audioStats(Buffer.from(await recording.arrayBuffer())).rms).toBeGreaterThan(0.05);
  });

  it('the agent hangs up through the API: the caller gets a BYE', async () => {
    const phone = await pbx.phone();
    const number = numberFor(phone);
    const socket = await connectSocket(pbx.api.baseUrl, { token: phone.token });
    const agentPhone = await Sipp.start({ scenario: 'answer', port: phone.port });
    const carrier = await callFromCarrier(number, 'call-wait');
    const callId = await callIdFrom(socket);
    await waitForCall(pbx, phone.token, callId, 'in_progress');

    expect((await pbx.api.request('POST', `/api/calls/${callId}/hangup`, { token: phone.token })).status).toBeLessThan(
      300,
    );
    const call = await waitForCall(pbx, phone.token, callId, 'completed');
    expect(call.ended_by).toBe('agent');
    await Promise.all([agentPhone.succeeded(), carrier.succeeded()]);
    await waitUntil(() => channels(pbx).length === 0, 10_000, 'no channel left');
    socket.socket.close();
  });

  it('blind transfer: the caller ends up talking to a colleague, the first agent is released', async () => {
    const first = await pbx.phone();
    const colleague = await pbx.phone();
    const number = numberFor(first);
    const socket = await connectSocket(pbx.api.baseUrl, { token: first.token });
    const firstPhone = await Sipp.start({ scenario: 'answer', port: first.port });
    const colleaguePhone = await Sipp.start({ scenario: 'answer', port: colleague.port });
    const carrier = await callFromCarrier(number, 'call', 8_000);
    const callId = await callIdFrom(socket);
    await waitForCall(pbx, first.token, callId, 'in_progress');

    const transfer = await pbx.api.request('POST', `/api/calls/${callId}/transfer`, {
      token: first.token,
      body: { to: String(colleague.extension) },
    });
    expect(transfer.status).toBe(200);
    expect(transfer.body).toMatchObject({ status: 'transferred', transferred_to: String(colleague.extension) });
    await firstPhone.succeeded();
    // The colleague is rung by the dialplan (outside Switchboard) and talks until the caller hangs up.
    const [colleagueSide] = await Promise.all([colleaguePhone.succeeded(), carrier.succeeded()]);
    expect(sipMessages(colleagueSide.messages, /^INVITE sip:/)[0]).toContain(`sip:${colleague.sipUsername}@`);
    expect((await transitionsOf(pbx.sql, callId)).at(-1)).toBe('in_progress→transferred (api:transfer)');
    await socket.waitFor((events) => eventsOf(events, callId).includes('call_transferred'));
    socket.socket.close();
  });
});
