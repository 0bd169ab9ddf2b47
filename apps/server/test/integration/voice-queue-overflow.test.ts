/**
 * When a voice queue cannot answer: past max_wait_seconds the caller leaves a voicemail
 * (it arrives in the inbox as a voice message in their WhatsApp conversation) or asks to
 * be called back (the agent gets a callback item that dials them); closed hours with the
 * voicemail action go straight to the voicemail.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/integrations/audio/index.js';
import { callerDials, finishRecording, playbacksOn, pressDigit } from '../support/ari-emulator.queue.js';
import { originates, requestsTo, waitFor } from '../support/pbx.js';
import { connectSocket } from '../support/socket.js';
import {
  callOfChannel,
  hangupsOf,
  newDid,
  phoneAgentOnline,
  routeDid,
  spokenText,
  startVoiceQueueServer,
  voiceQueue,
  type VoiceQueueTest,
} from '../support/voice-queue.js';

describe('voice queue: overflow', () => {
  let t: VoiceQueueTest;

  beforeAll(async () => {
    t = await startVoiceQueueServer();
  });
  afterAll(async () => {
    await t.close();
  });

  const playsOn = (channelId: string) =>
    t.ari.requests.filter((r) => r.method === 'POST' && r.path === `/ari/channels/${channelId}/play`);

  /** The caller hears the greeting, speaks after the beep, presses #: Asterisk has written the file. */
  async function leaveVoicemail(channelId: string, audio: Buffer) {
    const { ari, api } = t;
    await waitFor(() => playsOn(channelId).length >= 1, 'voicemail greeting');
    const greeting = playsOn(channelId).at(-1)!;
    expect(spokenText(greeting.query.media!)).toContain('Deixe sua mensagem após o sinal');
    ari.finishPlayback(playbacksOn(ari, channelId).at(-1)!.id);
    await waitFor(() => requestsTo(ari, 'POST', `/channels/${channelId}/record`).length === 1, 'recording');
    const record = requestsTo(ari, 'POST', `/channels/${channelId}/record`)[0]!;
    expect(record.query).toMatchObject({ format: 'wav', beep: 'true', terminateOn: '#', ifExists: 'fail' });
    const dir = api.config.asterisk.recordingsDir;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${record.query.name}.wav`), audio);
    finishRecording(ari, record.query.name!, 3);
    return record.query.name!;
  }

  /**
   * The music starts before the call's entry is written (with the clock's time): the clock
   * moves only once the entry is there, or the entry would start after the jump.
   */
  async function waitingIn(queueId: string) {
    await waitFor(async () => {
      const waiting = await t.api.request('GET', `/api/queues/${queueId}/entries?state=waiting`, { token: t.admin });
      return waiting.body.items.length === 1;
    }, 'the call waiting in the queue');
  }

  async function voiceMessageOf(phone: string) {
    const { api, admin } = t;
    let found: any;
    await waitFor(async () => {
      const list = await api.request('GET', `/api/conversations?q=${encodeURIComponent(phone)}&limit=5`, {
        token: admin,
      });
      found = (list.body.items as any[]).find((c) => c.contact.phone === phone);
      return found !== undefined;
    }, `conversation of ${phone}`);
    const messages = await api.request('GET', `/api/conversations/${found.id}/messages`, { token: admin });
    return { conversation: found, message: (messages.body.items as any[]).find((m) => m.media?.kind === 'audio') };
  }

  it('takes a voicemail past the maximum wait and delivers it to the inbox as a voice message', async () => {
    const { api, ari, admin, clock } = t;
    const manager = await connectSocket(api.baseUrl, { token: admin });
    const queue = await voiceQueue(
      api,
      admin,
      { name: `Recado ${newDid()}`, max_wait_seconds: 10, overflow: { action: 'voicemail' } },
      [],
    );
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });
    const phone = '+5511987650201';
    const caller = callerDials(ari, { channelId: `vm-${did}`, did, callerNumber: phone });
    const call = await callOfChannel(api, admin, caller.id);
    await waitFor(() => requestsTo(ari, 'POST', `/channels/${caller.id}/moh`).length === 1, 'music');
    await waitingIn(queue.id);

    clock.advance(11_000);
    await manager.waitFor((r) => r.some((e) => e.event === 'entry_overflowed' && e.data.call_id === call.id));
    await waitFor(() => requestsTo(ari, 'DELETE', `/channels/${caller.id}/moh`).length === 1, 'music stopped');
    const audio = encodeWav(Buffer.alloc(16_000, 7), 8000);
    await leaveVoicemail(caller.id, audio);

    const { conversation, message } = await voiceMessageOf(phone);
    expect(conversation).toMatchObject({ channel: 'whatsapp', status: 'open' });
    expect(message).toMatchObject({ direction: 'inbound', type: 'media' });
    expect(message.media).toMatchObject({ kind: 'audio', mime_type: 'audio/wav' });
    const file = await fetch(`${api.baseUrl}/api/conversations/${conversation.id}/messages/${message.id}/media`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(audio)).toBe(true);

    // Thanked, then hung up.
    await waitFor(() => playsOn(caller.id).length === 2, 'thanks');
    expect(spokenText(playsOn(caller.id)[1]!.query.media!)).toContain('Sua mensagem foi gravada');
    ari.finishPlayback(playbacksOn(ari, caller.id).at(-1)!.id);
    await waitFor(() => hangupsOf(ari, caller.id).length === 1, 'caller hung up');
    const routing = (await api.request('GET', `/api/calls/${call.id}/routing`, { token: admin })).body;
    expect(routing.entries[0]).toMatchObject({ state: 'overflowed', end_reason: 'max_wait' });
    manager.socket.close();
  });

  it('sends callers to voicemail while the queue is closed', async () => {
    const { api, ari, admin } = t;
    const queue = await voiceQueue(
      api,
      admin,
      { name: `Fechada ${newDid()}`, business_hours: { ranges: [], closed_action: { action: 'voicemail' } } },
      [],
    );
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });
    // The voicemail's conversation is routed like any other: here, to a WhatsApp queue.
    const writer = await phoneAgentOnline(api, admin);
    const chats = await api.request('POST', '/api/queues', {
      token: admin,
      body: { name: `Recados ${did}`, channels: ['whatsapp'] },
    });
    await api.request('PUT', `/api/queues/${chats.body.id}/members`, {
      token: admin,
      body: [{ user_id: writer.id, priority: 0 }],
    });
    const routed = await api.request('PUT', '/api/channels/whatsapp/routing', {
      token: admin,
      body: { default_queue_id: chats.body.id },
    });
    expect(routed.status).toBe(200);
    const phone = '+5511987650202';
    const caller = callerDials(ari, { channelId: `closed-${did}`, did, callerNumber: phone });
    const call = await callOfChannel(api, admin, caller.id);
    await leaveVoicemail(caller.id, encodeWav(Buffer.alloc(8000, 3), 8000));
    expect(requestsTo(ari, 'POST', `/channels/${caller.id}/moh`)).toHaveLength(0);
    const { conversation, message } = await voiceMessageOf(phone);
    expect(message.media.kind).toBe('audio');
    await writer.waitFor((r) =>
      r.some(
        (e) => e.event === 'conversation_assigned' && e.data.id === conversation.id && e.data.assignee_id === writer.id,
      ),
    );
    await api.request('PUT', '/api/channels/whatsapp/routing', { token: admin, body: { default_queue_id: null } });
    writer.disconnect();
    const routing = (await api.request('GET', `/api/calls/${call.id}/routing`, { token: admin })).body;
    expect(routing.entries[0]).toMatchObject({ state: 'overflowed', end_reason: 'closed' });
  });

  it('keeps the place of a caller who presses 1 for a callback and dials them when the agent accepts', async () => {
    const { api, ari, admin, clock } = t;
    const queue = await voiceQueue(
      api,
      admin,
      { name: `Retorno ${newDid()}`, max_wait_seconds: 10, overflow: { action: 'callback' } },
      [],
    );
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });
    const phone = '+5511987650203';
    const caller = callerDials(ari, { channelId: `cb-${did}`, did, callerNumber: phone });
    const call = await callOfChannel(api, admin, caller.id);
    await waitFor(() => requestsTo(ari, 'POST', `/channels/${caller.id}/moh`).length === 1, 'music');
    await waitingIn(queue.id);

    clock.advance(11_000);
    await waitFor(() => playsOn(caller.id).length === 1, 'callback offered');
    expect(spokenText(playsOn(caller.id)[0]!.query.media!)).toContain('tecle 1');
    pressDigit(ari, caller.id, '1');
    await waitFor(() => playsOn(caller.id).length === 2, 'callback confirmed');
    expect(spokenText(playsOn(caller.id)[1]!.query.media!)).toContain('Ligaremos de volta');
    for (const playback of playbacksOn(ari, caller.id)) ari.finishPlayback(playback.id);
    await waitFor(() => hangupsOf(ari, caller.id).length === 1, 'caller hung up');

    const waiting = await api.request('GET', `/api/queues/${queue.id}/entries?state=waiting`, { token: admin });
    expect(waiting.body.items).toHaveLength(1);
    expect(waiting.body.items[0]).toMatchObject({ call_id: call.id, label: `Retorno: ${phone}`, position: 1 });
    const first = (await api.request('GET', `/api/calls/${call.id}/routing`, { token: admin })).body.entries[0];
    expect(waiting.body.items[0].original_enqueued_at).toBe(first.original_enqueued_at);

    // Past the maximum wait again, the callback item keeps its place: no second overflow and
    // no new entry. A caller of a voicemail queue passing its maximum wait in the same step
    // shows that the sweep ran after the clock moved.
    const manager = await connectSocket(api.baseUrl, { token: admin });
    const control = await voiceQueue(
      api,
      admin,
      { name: `Recado ${newDid()}`, max_wait_seconds: 10, overflow: { action: 'voicemail' } },
      [],
    );
    const controlDid = newDid();
    await routeDid(api, admin, controlDid, { default_queue_id: control.id });
    const other = callerDials(ari, { channelId: `cbc-${controlDid}`, did: controlDid, callerNumber: '+5511987650204' });
    const otherCall = await callOfChannel(api, admin, other.id);
    await waitFor(() => requestsTo(ari, 'POST', `/channels/${other.id}/moh`).length === 1, 'control music');
    await waitingIn(control.id);
    clock.advance(11_000);
    await manager.waitFor((r) => r.some((e) => e.event === 'entry_overflowed' && e.data.call_id === otherCall.id));
    expect(manager.received.some((e) => e.event === 'entry_overflowed' && e.data.call_id === call.id)).toBe(false);
    const still = await api.request('GET', `/api/queues/${queue.id}/entries?state=waiting`, { token: admin });
    expect(still.body.items.map((e: any) => e.id)).toEqual([waiting.body.items[0].id]);
    ari.hangupChannel(other.id);
    manager.socket.close();

    // At their turn an agent is offered the callback item; accepting it dials the customer.
    const agent = await phoneAgentOnline(api, admin);
    await api.request('PUT', `/api/queues/${queue.id}/members`, {
      token: admin,
      body: [{ user_id: agent.id, priority: 0 }],
    });
    await agent.waitFor((r) => r.some((e) => e.event === 'offer_created' && e.data.call_id === call.id));
    const offer = agent.received.find((e) => e.event === 'offer_created' && e.data.call_id === call.id)!.data;
    expect(originates(ari).some((o) => o.appArgs[0] === 'queue-agent' && o.appArgs[1] === call.id)).toBe(false);
    const accepted = await api.request('POST', `/api/routing/offers/${offer.id}/accept`, { token: agent.token });
    expect(accepted.status).toBe(200);
    await waitFor(
      () => originates(ari).some((o) => o.appArgs[0] === 'outbound' && o.endpoint === `PJSIP/${agent.sipUsername}`),
      'agent dialled first',
    );
    const dialled = originates(ari).find(
      (o) => o.appArgs[0] === 'outbound' && o.endpoint === `PJSIP/${agent.sipUsername}`,
    )!;
    const callback = (await api.request('GET', `/api/calls/${dialled.appArgs[1]}`, { token: agent.token })).body;
    expect(callback).toMatchObject({ direction: 'outbound', to_number: phone, agent_id: agent.id });
    await waitFor(async () => {
      const entries = (await api.request('GET', `/api/calls/${call.id}/routing`, { token: admin })).body.entries;
      return entries.at(-1).end_reason === 'callback_dialled';
    }, 'callback item done');
    agent.disconnect();
  });
});
