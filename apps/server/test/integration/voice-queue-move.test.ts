/**
 * A supervisor moves a waiting caller from the wallboard (issue 12), on the ARI emulator:
 * to another queue, where the caller keeps their first enqueue time and keeps hearing
 * music while the new queue's agent is rung; and to a chosen agent, whose device rings at
 * once; unanswered, the caller is back in line with the wait kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerDials } from '../support/ari-emulator.queue.js';
import { requestsTo, waitFor } from '../support/pbx.js';
import {
  agentLegsOf,
  callField,
  callOfChannel,
  newDid,
  phoneAgentOnline,
  routeDid,
  startVoiceQueueServer,
  voiceQueue,
  type VoiceQueueTest,
} from '../support/voice-queue.js';

interface RoutingEntry {
  id: string;
  queue_id: string;
  state: string;
  enqueued_at: string;
  original_enqueued_at: string;
  assigned_to: string | null;
  end_reason: string | null;
}

describe('voice queue: a supervisor moves a waiting call', () => {
  let t: VoiceQueueTest;

  beforeAll(async () => {
    t = await startVoiceQueueServer();
  });
  afterAll(async () => {
    await t.close();
  });

  const entriesOf = async (callId: string): Promise<RoutingEntry[]> =>
    (await t.api.request('GET', `/api/calls/${callId}/routing`, { token: t.admin })).body.entries as RoutingEntry[];
  const move = (entryId: string, body: Record<string, unknown>) =>
    t.api.request('POST', `/api/wallboard/entries/${entryId}/move`, { token: t.admin, body });

  /** A caller waiting in a queue nobody serves; answers the call and its waiting entry. */
  async function waitingCaller(number: string) {
    const { api, ari, admin } = t;
    const queue = await voiceQueue(api, admin, { name: `Espera ${newDid()}` }, []);
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });
    const caller = callerDials(ari, { channelId: `caller-${did}`, did, callerNumber: number });
    const call = await callOfChannel(api, admin, caller.id);
    let waiting: RoutingEntry | undefined;
    await waitFor(async () => {
      waiting = (await entriesOf(call.id)).find((e) => e.state === 'waiting');
      return waiting !== undefined;
    }, 'waiting entry');
    return { queue, caller, call, entry: waiting! };
  }

  it('moves a waiting call to another queue: first enqueue time kept, music goes on, that queue’s agent rings', async () => {
    const { api, ari, admin, clock } = t;
    const agent = await phoneAgentOnline(api, admin);
    const target = await voiceQueue(api, admin, { name: `Destino ${newDid()}` }, [agent]);
    const { queue, caller, call, entry } = await waitingCaller('+5511987650301');
    clock.advance(90_000);

    const moved = await move(entry.id, { queue_id: target.id, reason: 'fila vazia' });
    expect(moved.status).toBe(204);

    await waitFor(() => agentLegsOf(ari, call.id).length === 1, 'the target queue’s agent rung');
    const [leg] = agentLegsOf(ari, call.id);
    expect(leg).toMatchObject({ endpoint: `PJSIP/${agent.sipUsername}` });
    expect(leg!.appArgs[0]).toBe('queue-agent');
    const entries = await entriesOf(call.id);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ queue_id: queue.id, state: 'completed', end_reason: 'transferred' });
    expect(entries[1]).toMatchObject({ queue_id: target.id, state: 'offered' });
    expect(entries[1]!.original_enqueued_at).toBe(entry.original_enqueued_at);
    expect(entries[1]!.enqueued_at).toBe(entry.original_enqueued_at);
    // The caller was never taken off music, nor hung up.
    expect(requestsTo(ari, 'DELETE', `/channels/${caller.id}/moh`)).toHaveLength(0);
    expect(requestsTo(ari, 'POST', `/channels/${caller.id}/moh`)).toHaveLength(1);

    ari.enterStasis(leg!.channelId, leg!.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'in_progress', 'answered');
    expect(await callField(api, admin, call.id, 'agent_id')).toBe(agent.id);
    const answered = await entriesOf(call.id);
    expect(answered[1]).toMatchObject({ state: 'assigned', assigned_to: agent.id });
    const routing = await api.request('GET', `/api/calls/${call.id}/routing`, { token: admin });
    expect(routing.body.wait_seconds).toBeGreaterThanOrEqual(90);

    const actions = await api.request('GET', '/api/wallboard/actions', { token: admin });
    expect(JSON.stringify(actions.body)).toContain('move_to_queue');
    ari.hangupChannel(caller.id);
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'completed', 'completed');
  });

  it('refuses a move to the same queue, to a queue without voice, and of a call no longer waiting', async () => {
    const { api, ari, admin } = t;
    const { queue, caller, entry } = await waitingCaller('+5511987650302');
    const same = await move(entry.id, { queue_id: queue.id });
    expect(same.status).toBe(409);
    expect(same.body.code).toBe('entry.same_queue');
    const chats = await api.request('POST', '/api/queues', {
      token: admin,
      body: { name: `Chats ${newDid()}`, channels: ['whatsapp'] },
    });
    expect(chats.status).toBe(201);
    const wrong = await move(entry.id, { queue_id: chats.body.id });
    expect(wrong.status).toBe(409);
    expect(wrong.body.code).toBe('queue.channel_not_served');

    ari.hangupChannel(caller.id);
    await waitFor(async () => (await move(entry.id, { queue_id: chats.body.id })).status === 404, 'entry gone');
  });

  it('gives a waiting call to a chosen agent: their device rings; unanswered, the caller is back in line', async () => {
    const { api, ari, admin } = t;
    const chosen = await phoneAgentOnline(api, admin);
    const { queue, caller, call, entry } = await waitingCaller('+5511987650303');

    expect((await move(entry.id, { agent_id: chosen.id, reason: 'cliente VIP' })).status).toBe(204);
    await waitFor(() => agentLegsOf(ari, call.id).length === 1, 'the chosen agent rung');
    const [first] = agentLegsOf(ari, call.id);
    expect(first).toMatchObject({ endpoint: `PJSIP/${chosen.sipUsername}` });
    expect(first!.appArgs).toEqual(['queue-assigned', call.id, entry.id]);
    await chosen.waitFor((r) => r.some((e) => e.event === 'entry_assigned' && e.data.call_id === call.id));

    // Not answered (19: no answer): a new waiting entry of the same queue, wait kept.
    ari.hangupChannel(first!.channelId, 19, 'No answer');
    await waitFor(async () => (await entriesOf(call.id)).some((e) => e.state === 'waiting'), 'back in line');
    const back = await entriesOf(call.id);
    expect(back[0]).toMatchObject({ state: 'completed', end_reason: 'no_answer', assigned_to: chosen.id });
    expect(back[1]).toMatchObject({ queue_id: queue.id, state: 'waiting' });
    expect(back[1]!.original_enqueued_at).toBe(entry.original_enqueued_at);
    expect(requestsTo(ari, 'DELETE', `/channels/${caller.id}`)).toHaveLength(0);

    expect((await move(back[1]!.id, { agent_id: chosen.id })).status).toBe(204);
    await waitFor(() => agentLegsOf(ari, call.id).length === 2, 'rung again');
    const second = agentLegsOf(ari, call.id)[1]!;
    ari.enterStasis(second.channelId, second.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'in_progress', 'answered');
    expect(await callField(api, admin, call.id, 'agent_id')).toBe(chosen.id);

    // The agent is on this call now: a second waiting call cannot be given to them.
    const other = await waitingCaller('+5511987650304');
    const busy = await move(other.entry.id, { agent_id: chosen.id });
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('agent.on_call');
    expect((await entriesOf(other.call.id)).find((e) => e.id === other.entry.id)?.state).toBe('waiting');

    ari.hangupChannel(caller.id);
    ari.hangupChannel(other.caller.id);
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'completed', 'completed');
  });
});
