/**
 * How calls get into voice queues: DIDs routed over HTTP (validation, roles), a spoken DTMF
 * menu that picks the queue, and an agent transferring an answered call to another queue
 * (its first enqueue time kept).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerDials, playbacksOn, pressDigit } from '../support/ari-emulator.queue.js';
import { requestsTo, waitFor } from '../support/pbx.js';
import { createUserAndLogin } from '../support/server.js';
import { connectSocket } from '../support/socket.js';
import {
  agentLegsOf,
  callField,
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

describe('voice queue: entry points and transfers', () => {
  let t: VoiceQueueTest;

  beforeAll(async () => {
    t = await startVoiceQueueServer();
  });
  afterAll(async () => {
    await t.close();
  });

  const playsOn = (channelId: string) =>
    t.ari.requests.filter((r) => r.method === 'POST' && r.path === `/ari/channels/${channelId}/play`);

  it('routes DIDs over HTTP: admins set them, bad input is refused whole, agents may not', async () => {
    const { api, admin } = t;
    const queue = await voiceQueue(api, admin, { name: `Entrada ${newDid()}` }, []);
    const did = newDid();
    const saved = await api.request('PUT', `/api/voice/entry-points/+${did}`, {
      token: admin,
      body: { default_queue_id: queue.id },
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ did, default_queue_id: queue.id, menu: null });
    const list = await api.request('GET', '/api/voice/entry-points', { token: admin });
    expect(list.body.items.some((p: any) => p.did === did)).toBe(true);

    const cases: [string, unknown, number, string][] = [
      ['12ab', { default_queue_id: queue.id }, 400, 'request.invalid'],
      [newDid(), { default_queue_id: null }, 400, 'request.invalid'],
      [newDid(), { default_queue_id: '00000000-0000-4000-8000-000000000000' }, 404, 'queue.not_found'],
      [
        newDid(),
        {
          default_queue_id: null,
          menu: {
            options: [
              { key: '1', label: 'A', queue_id: queue.id },
              { key: '1', label: 'B', queue_id: queue.id },
            ],
          },
        },
        400,
        'request.invalid',
      ],
    ];
    for (const [badDid, body, status, code] of cases) {
      const response = await api.request('PUT', `/api/voice/entry-points/${badDid}`, { token: admin, body });
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.code).toBe(code);
    }
    expect((await api.request('GET', '/api/voice/entry-points', { token: admin })).body.items).toHaveLength(1);

    const agent = await createUserAndLogin(api, admin, { role: 'agent' });
    const forbidden = await api.request('PUT', `/api/voice/entry-points/${did}`, {
      token: agent.token,
      body: { default_queue_id: queue.id },
    });
    expect(forbidden.status).toBe(403);
    expect((await api.request('GET', '/api/voice/entry-points', { token: agent.token })).status).toBe(403);

    expect((await api.request('DELETE', `/api/voice/entry-points/${did}`, { token: admin })).status).toBe(204);
    const again = await api.request('DELETE', `/api/voice/entry-points/${did}`, { token: admin });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('voice_entry.not_found');
  });

  it('hangs up a call for a DID nobody routes', async () => {
    const { ari } = t;
    const caller = callerDials(ari, { channelId: 'nobody-did', did: '551199999999', callerNumber: '+5511987650300' });
    await waitFor(() => hangupsOf(ari, caller.id).length === 1, 'refused');
    expect(requestsTo(ari, 'POST', `/channels/${caller.id}/answer`)).toHaveLength(0);
  });

  it('announces a queue call before its entry and its entry before the offer, in one commit with the entry', async () => {
    const { api, ari, admin } = t;
    const board = await connectSocket(api.baseUrl, { token: admin });
    const agent = await phoneAgentOnline(api, admin);
    const queue = await voiceQueue(api, admin, { name: `Ordem ${newDid()}` }, [agent]);
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });
    const caller = callerDials(ari, { channelId: `order-${did}`, did, callerNumber: '+5511987650303' });
    const ofCall = () => {
      const initiated = board.received.find(
        (e) => e.event === 'call_initiated' && e.data.asterisk_unique_id === caller.id,
      );
      const callId = initiated?.data.id;
      return board.received.filter((e) => callId !== undefined && (e === initiated || e.data.call_id === callId));
    };
    await board.waitFor(() => ofCall().some((e) => e.event === 'offer_created'));
    const events = ofCall();
    expect(events.map((e) => e.event).slice(0, 3)).toEqual(['call_initiated', 'queue_entry_created', 'offer_created']);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    const call = events[0]!.data;
    expect(call).toMatchObject({ status: 'initiated', direction: 'inbound', from_number: '+5511987650303' });
    const routing = (await api.request('GET', `/api/calls/${call.id}/routing`, { token: admin })).body;
    expect(routing.entries.map((e: any) => [e.queue_id, e.state])).toEqual([[queue.id, 'offered']]);
    ari.hangupChannel(caller.id);
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) !== 'initiated', 'ended');
    board.socket.disconnect();
    agent.disconnect();
  });

  it('records a caller to a closed queue whom the PBX could not answer, and hangs them up', async () => {
    const { api, ari, admin } = t;
    const board = await connectSocket(api.baseUrl, { token: admin });
    const queue = await voiceQueue(
      api,
      admin,
      { name: `Fechada ${newDid()}`, business_hours: { ranges: [], closed_action: { action: 'voicemail' } } },
      [],
    );
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });
    const channelId = `closed-unanswered-${did}`;
    ari.failNext('POST', `/ari/channels/${channelId}/answer`, 404, 'Channel not found');
    callerDials(ari, { channelId, did, callerNumber: '+5511987650304' });
    await waitFor(() => hangupsOf(ari, channelId).length === 1, 'hung up');
    const isThisCall = (e: { event: string; data: Record<string, any> }) =>
      e.event === 'call_initiated' && e.data.asterisk_unique_id === channelId;
    await board.waitFor((events) => events.some(isThisCall));
    const call = board.received.find(isThisCall)!.data;
    const routing = (await api.request('GET', `/api/calls/${call.id}/routing`, { token: admin })).body;
    expect(routing.entries).toEqual([]);
    expect(requestsTo(ari, 'POST', `/channels/${channelId}/play`)).toHaveLength(0);
    board.socket.disconnect();
  });

  it('plays a spoken menu and sends the caller to the queue of the key they press', async () => {
    const { api, ari, admin } = t;
    const sales = await voiceQueue(api, admin, { name: `Vendas ${newDid()}` }, []);
    const support = await voiceQueue(api, admin, { name: `Suporte ${newDid()}` }, []);
    const did = newDid();
    await routeDid(api, admin, did, {
      default_queue_id: sales.id,
      menu: {
        options: [
          { key: '1', label: 'vendas', queue_id: sales.id },
          { key: '2', label: 'suporte', queue_id: support.id },
        ],
      },
    });
    const caller = callerDials(ari, { channelId: `menu-${did}`, did, callerNumber: '+5511987650301' });
    const call = await callOfChannel(api, admin, caller.id);
    await waitFor(() => playsOn(caller.id).length === 1, 'menu');
    expect(spokenText(playsOn(caller.id)[0]!.query.media!)).toBe(
      'Olá, obrigado por ligar. Para vendas, tecle 1. Para suporte, tecle 2.',
    );
    ari.finishPlayback(playbacksOn(ari, caller.id)[0]!.id);
    pressDigit(ari, caller.id, '9');
    await waitFor(() => playsOn(caller.id).length === 2, 'menu again');
    expect(spokenText(playsOn(caller.id)[1]!.query.media!)).toMatch(/^Opção inválida\. Olá/);
    // Pressed while the prompt plays: the prompt stops, the caller goes on.
    pressDigit(ari, caller.id, '2');
    await waitFor(async () => {
      const routing = await api.request('GET', `/api/calls/${call.id}/routing`, { token: admin });
      return routing.body.entries.length === 1;
    }, 'enqueued');
    const routing = (await api.request('GET', `/api/calls/${call.id}/routing`, { token: admin })).body;
    expect(routing.entries[0]).toMatchObject({ queue_id: support.id, state: 'waiting' });
    expect(requestsTo(ari, 'DELETE', `/playbacks/`).length).toBeGreaterThanOrEqual(1);
    await waitFor(() => requestsTo(ari, 'POST', `/channels/${caller.id}/moh`).length === 1, 'music');
    ari.hangupChannel(caller.id);
  });

  it('transfers an answered call to another queue, which keeps its first enqueue time', async () => {
    const { api, ari, admin } = t;
    const first = await phoneAgentOnline(api, admin);
    const second = await phoneAgentOnline(api, admin);
    const front = await voiceQueue(api, admin, { name: `Recepção ${newDid()}` }, [first]);
    const billing = await voiceQueue(api, admin, { name: `Financeiro ${newDid()}` }, [second]);
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: front.id });
    const caller = callerDials(ari, { channelId: `xfer-${did}`, did, callerNumber: '+5511987650302' });
    const call = await callOfChannel(api, admin, caller.id);
    await waitFor(() => agentLegsOf(ari, call.id).length === 1, 'first agent rung');
    const firstLeg = agentLegsOf(ari, call.id)[0]!;
    ari.enterStasis(firstLeg.channelId, firstLeg.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'in_progress', 'answered');

    const stranger = await createUserAndLogin(api, admin, { role: 'agent' });
    const hidden = await api.request('POST', `/api/calls/${call.id}/queue`, {
      token: stranger.token,
      body: { queue_id: billing.id },
    });
    expect(hidden.status).toBe(404);
    const transferred = await api.request('POST', `/api/calls/${call.id}/queue`, {
      token: first.token,
      body: { queue_id: billing.id },
    });
    expect(transferred.status).toBe(200);
    expect(transferred.body).toMatchObject({ queue_id: billing.id, call_id: call.id, channel: 'voice' });
    await waitFor(
      () => requestsTo(ari, 'DELETE', `/channels/${firstLeg.channelId}`).length === 1,
      'first leg released',
    );
    expect(ari.requests.filter((r) => r.method === 'DELETE' && r.path === `/ari/channels/${caller.id}`)).toHaveLength(
      0,
    );
    expect(requestsTo(ari, 'POST', `/channels/${caller.id}/moh`).length).toBeGreaterThanOrEqual(2);

    await waitFor(() => agentLegsOf(ari, call.id).length === 2, 'second agent rung');
    const secondLeg = agentLegsOf(ari, call.id)[1]!;
    expect(secondLeg.endpoint).toBe(`PJSIP/${second.sipUsername}`);
    ari.enterStasis(secondLeg.channelId, secondLeg.appArgs, { app: 'switchboard' });
    await waitFor(
      async () => (await callField(api, admin, call.id, 'agent_id')) === second.id,
      'second agent on the call',
    );
    expect(await callField(api, admin, call.id, 'status')).toBe('in_progress');
    const routing = (await api.request('GET', `/api/calls/${call.id}/routing`, { token: admin })).body;
    expect(routing.entries.map((e: any) => [e.queue_id, e.state, e.end_reason])).toEqual([
      [front.id, 'completed', 'transferred'],
      [billing.id, 'assigned', null],
    ]);
    expect(routing.entries[1].original_enqueued_at).toBe(routing.entries[0].original_enqueued_at);
    expect(routing.offered_agents).toEqual([first.id, second.id]);
    await waitFor(
      async () => (await api.request('GET', '/api/presence/me', { token: first.token })).body.status === 'online',
      'first agent free again',
    );
    ari.hangupChannel(caller.id);
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'completed', 'completed');
    first.disconnect();
    second.disconnect();
  });
});
