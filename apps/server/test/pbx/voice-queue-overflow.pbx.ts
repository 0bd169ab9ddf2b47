/**
 * A voice queue that cannot answer in time, on a real Asterisk 22.10.1 (issue 11): the
 * carrier (SIPp) calls a DID the kit hands to Switchboard, nobody takes the call within
 * max_wait_seconds, and the overflow applies. Voicemail: the caller hears the greeting
 * (espeak-ng, played from ASTERISK_PROMPTS_DIR), speaks (a tone from the test's RTP
 * socket) and hangs up; Asterisk's ARI recording reaches the inbox as a voice message in
 * the caller's conversation, non-silent, and that conversation is routed to an agent like
 * any other. Callback: the caller presses 1 (RFC 2833 from SIPp) and is hung up on; their
 * callback item is offered to an agent who accepts it, their phone rings, and the carrier
 * receives the INVITE for the caller's number.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createUserAndLogin } from '../support/server.js';
import { connectSocket } from '../support/socket.js';
import { audioStats, channels, sipMessages, waitForCall } from './support/calls.js';
import { startPbxHarness, type PbxHarness } from './support/harness.js';
import { freeUdpPort, waitUntil } from './support/processes.js';
import { RtpPeer } from './support/rtp.js';
import { Sipp } from './support/sipp.js';

const CALLER_HZ = 700;

describe.skipIf(inject('pbxSkipReason'))('voice queue overflow on a real Asterisk', () => {
  let pbx: PbxHarness;
  let admin: string;
  const peers: RtpPeer[] = [];
  const promptsDir = mkdtempSync(join(tmpdir(), 'switchboard-pbx-prompts-'));

  beforeAll(async () => {
    pbx = await startPbxHarness({ env: { ASTERISK_PROMPTS_DIR: promptsDir } });
    admin = await pbx.api.adminToken();
  });
  afterAll(async () => {
    for (const peer of peers) await peer.close();
    await pbx?.close();
    rmSync(promptsDir, { recursive: true, force: true });
  });

  const online = async (token: string) => {
    const socket = await connectSocket(pbx.api.baseUrl, { token });
    const ack = await new Promise<{ ok: boolean }>((resolve) =>
      socket.socket.emit('update_status', { status: 'online' }, resolve),
    );
    expect(ack.ok).toBe(true);
    return socket;
  };

  const queueWithDid = async (did: string, body: Record<string, unknown>) => {
    const queue = await pbx.api.request('POST', '/api/queues', {
      token: admin,
      body: { channels: ['voice'], offer_mode: 'accept', offer_timeout_seconds: 10, max_wait_seconds: 2, ...body },
    });
    expect(queue.status).toBe(201);
    pbx.asterisk.mapDid(did, 'sb-to-queue,s,1');
    const routed = await pbx.api.request('PUT', `/api/voice/entry-points/${did}`, {
      token: admin,
      body: { default_queue_id: queue.body.id },
    });
    expect(routed.status).toBe(200);
    return queue.body.id as string;
  };

  it('voicemail: the caller’s message reaches the inbox as a non-silent voice message, routed to an agent', async () => {
    // The voicemail's conversation is routed like any other: here, to a WhatsApp queue with one agent.
    const writer = await createUserAndLogin(pbx.api, admin);
    const writerSocket = await online(writer.token);
    const chats = await pbx.api.request('POST', '/api/queues', {
      token: admin,
      body: { name: 'Recados', channels: ['whatsapp'] },
    });
    expect(chats.status).toBe(201);
    await pbx.api.request('PUT', `/api/queues/${chats.body.id}/members`, {
      token: admin,
      body: [{ user_id: writer.id, priority: 0 }],
    });
    const whatsappRouting = await pbx.api.request('PUT', '/api/channels/whatsapp/routing', {
      token: admin,
      body: { default_queue_id: chats.body.id },
    });
    expect(whatsappRouting.status).toBe(200);

    const queueId = await queueWithDid('551130009201', { name: 'Recado', overflow: { action: 'voicemail' } });
    const manager = await connectSocket(pbx.api.baseUrl, { token: admin });
    const rtp = await RtpPeer.start(await freeUdpPort(2), CALLER_HZ);
    peers.push(rtp);
    // Long enough for the wait, the greeting and some seconds of message, then the caller hangs up.
    const carrier = await Sipp.start({
      scenario: 'call-media',
      port: pbx.carrierUacPort,
      remote: pbx.sipAddress,
      service: '551130009201',
      keys: { caller: '11987650301', rtp_port: String(rtp.port) },
      pauseMs: 16_000,
    });
    await manager.waitFor((r) => r.some((e) => e.event === 'entry_overflowed'), 30_000);
    const overflowed = manager.received.find((e) => e.event === 'entry_overflowed')!.data;
    expect(overflowed).toMatchObject({ queue_id: queueId });
    const callId = overflowed.call_id as string;
    expect((await carrier.done).code).toBe(0);

    const phone = '+5511987650301';
    // The call's end and the recording's are two events, handled in either order: wait for
    // both the voice message and the call's outcome line. They share one conversation, the
    // caller's WhatsApp one (ADR 21's amendment).
    let conversations: any[] = [];
    let conversation: any;
    let message: any;
    await waitUntil(
      async () => {
        const list = await pbx.api.request('GET', `/api/conversations?q=${encodeURIComponent(phone)}&limit=5`, {
          token: admin,
        });
        conversations = (list.body.items as any[]).filter((c) => c.contact.phone === phone);
        conversation = conversations.find((c) => c.channel === 'whatsapp');
        if (!conversation) return false;
        const messages = await pbx.api.request('GET', `/api/conversations/${conversation.id}/messages`, {
          token: admin,
        });
        const items = messages.body.items as any[];
        message = items.find((m) => m.media?.kind === 'audio');
        return message !== undefined && items.some((m) => m.metadata?.call_id === callId);
      },
      30_000,
      'the voicemail and the call’s outcome line in the inbox',
      250,
    );
    expect(conversations.map((c) => c.id)).toEqual([conversation.id]);
    expect(message).toMatchObject({ direction: 'inbound', type: 'media' });
    expect(message.media).toMatchObject({ kind: 'audio', mime_type: 'audio/wav' });
    const file = await fetch(`${pbx.api.baseUrl}/api/conversations/${conversation.id}/messages/${message.id}/media`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(file.status).toBe(200);
    const stats = audioStats(Buffer.from(await file.arrayBuffer()));
    // What the caller said after the beep: seconds of their tone, not silence.
    expect(stats.seconds).toBeGreaterThan(2);
    expect(stats.rms).toBeGreaterThan(0.05);

    await writerSocket.waitFor(
      (r) =>
        r.some(
          (e) =>
            e.event === 'conversation_assigned' && e.data.id === conversation.id && e.data.assignee_id === writer.id,
        ),
      30_000,
    );
    const routing = (await pbx.api.request('GET', `/api/calls/${callId}/routing`, { token: admin })).body;
    expect(routing.entries[0]).toMatchObject({ state: 'overflowed', end_reason: 'max_wait' });
    // The greeting played from the prompts directory: Asterisk reported no failed playback.
    expect(pbx.asterisk.logLines().filter((line) => /playback|does not exist|music on hold/i.test(line))).toEqual([]);
    await pbx.api.request('PUT', '/api/channels/whatsapp/routing', { token: admin, body: { default_queue_id: null } });
    for (const socket of [writerSocket, manager]) socket.socket.close();
  });

  it('callback: the caller presses 1 and hangs up; the agent accepts the item and Switchboard dials the caller', async () => {
    const queueId = await queueWithDid('551130009202', { name: 'Retorno', overflow: { action: 'callback' } });
    // Pressed again and again from 3 s after the answer: only a press after the offer counts.
    const caller = await Sipp.start({
      scenario: 'call-keys',
      port: pbx.carrierUacPort,
      remote: pbx.sipAddress,
      service: '551130009202',
      keys: { caller: '11987650302' },
      pauseMs: 3_000,
      dtmf: '1   1   1   1   1   1   1   1',
      dtmfGapMs: 500,
    });
    // Confirmed, then hung up by Switchboard: SIPp got the BYE.
    await caller.succeeded();
    let waiting: any[] = [];
    await waitUntil(
      async () => {
        waiting = (await pbx.api.request('GET', `/api/queues/${queueId}/entries?state=waiting`, { token: admin })).body
          .items;
        return waiting.length === 1;
      },
      20_000,
      'the callback item waiting',
    );
    expect(waiting[0]).toMatchObject({ label: 'Retorno: +5511987650302', position: 1 });
    const callId = waiting[0].call_id as string;
    const routing = (await pbx.api.request('GET', `/api/calls/${callId}/routing`, { token: admin })).body;
    // Overflowed at max wait, back in line with the offer, ended when 1 was pressed; then the
    // callback item, still live (it keeps its place past max wait: no further overflow).
    const reasons = routing.entries.map((e: any) => e.end_reason);
    expect(reasons).toEqual(['max_wait', 'callback_requested', null]);

    // At their turn an agent is offered the item; accepting it rings their phone, then the carrier.
    const phone = await pbx.phone();
    const agentSocket = await online(phone.token);
    const agentPhone = await Sipp.start({ scenario: 'answer', port: phone.port });
    const carrier = await Sipp.start({ scenario: 'answer-hangup', port: pbx.carrierUasPort, pauseMs: 3_000 });
    await pbx.api.request('PUT', `/api/queues/${queueId}/members`, {
      token: admin,
      body: [{ user_id: phone.userId, priority: 0 }],
    });
    await agentSocket.waitFor((r) => r.some((e) => e.event === 'offer_created' && e.data.call_id === callId), 30_000);
    const offer = agentSocket.received.find((e) => e.event === 'offer_created' && e.data.call_id === callId)!.data;
    const accepted = await pbx.api.request('POST', `/api/routing/offers/${offer.id}/accept`, { token: phone.token });
    expect(accepted.status).toBe(200);

    const customerTrace = await carrier.succeeded();
    const invite = sipMessages(customerTrace.messages, /^INVITE sip:/)[0]!;
    expect(invite.split('\n')[0]).toContain('5511987650302');
    await agentPhone.succeeded();
    let callback: any;
    await waitUntil(
      async () => {
        const list = await pbx.api.request('GET', '/api/calls/history?direction=outbound&limit=10', {
          token: phone.token,
        });
        callback = (list.body.items as any[]).find((c) => c.direction === 'outbound');
        return callback !== undefined;
      },
      20_000,
      'the callback call in the agent’s calls',
    );
    const ended = await waitForCall(pbx, phone.token, callback.id, 'completed');
    expect(ended).toMatchObject({ agent_id: phone.userId, to_number: '+5511987650302', ended_by: 'customer' });
    await waitUntil(() => channels(pbx).length === 0, 15_000, 'no channel left on Asterisk');
    agentSocket.socket.close();
  });
});
