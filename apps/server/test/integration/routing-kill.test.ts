/**
 * Exactly-once when a node dies between an offer and its answer (issue 11): three
 * Switchboard processes on one PostgreSQL database and one Redis. A customer writes over
 * a signed WhatsApp webhook; the node whose engine made the offer (read from its own log)
 * is killed with SIGKILL before the agent answers: no shutdown, no cleanup, its database
 * connections and sockets reset by the kernel. Each agent has a socket on every node, as
 * two browser tabs behind a balancer would, so they stay connected.
 *
 * 1. The agent accepts through a surviving node: the item is theirs, once.
 * 2. The agent lets the offer run out: a surviving node's sweep expires it and offers the
 *    item to the other agent, who accepts: one assignment, nothing lost.
 *
 * PostgreSQL only: PGlite is one process's embedded database and cannot be shared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killNode, skipClusterSuite, useCluster, type ClusterAgent } from '../support/cluster.js';
import { LOOPBACK_ALLOWED } from '../support/outbound.js';
import { waitFor } from '../support/pbx.js';
import { newCustomer } from '../support/routing.js';
import type { ServerProcess } from '../support/server-process.js';
import {
  newWamid,
  signed,
  startGraphStub,
  textMessagePayload,
  type GraphStub,
} from '../support/whatsapp-graph-stub.js';

const skip = skipClusterSuite('routing with a node killed between offer and answer (server processes)');

const APP_SECRET = 'kill-app-secret-0123456789';
const PHONE_NUMBER_ID = '5511900002222';

interface OfferRow {
  id: string;
  entry_id: string;
  agent_id: string;
  state: string;
}
interface EntryRow {
  id: string;
  state: string;
  assigned_to: string | null;
  conversation_id: string;
}

describe.skipIf(skip)('routing when the node that made an offer is killed', () => {
  let graph: GraphStub;
  let agents: ClusterAgent[] = [];
  // Before the cluster's hooks: its nodes are given the stub's address.
  beforeAll(async () => {
    graph = await startGraphStub();
  });
  afterAll(async () => {
    await graph?.close();
  });
  const cluster = useCluster({
    name: 'routing-kill',
    env: () => ({
      AUDIOSOCKET_ENABLED: 'false',
      OUTBOUND_ALLOWED_HOSTS: LOOPBACK_ALLOWED,
      WHATSAPP_GRAPH_URL: graph.url,
    }),
    async setUp({ nodes: [a], adminToken, createAgents, connectEverywhere }) {
      const configured = await a!.request('PUT', '/api/channels/whatsapp', adminToken, {
        phone_number_id: PHONE_NUMBER_ID,
        access_token: 'EAAG-kill-access-token-0123456789',
        app_secret: APP_SECRET,
        verify_token: 'kill-verify-token',
      });
      expect(configured.status).toBe(200);
      const queue = await a!.request('POST', '/api/queues', adminToken, {
        name: 'Atendimento',
        channels: ['whatsapp'],
        strategy: 'longest_idle',
        offer_mode: 'accept',
        offer_timeout_seconds: 8,
      });
      expect(queue.status).toBe(201);
      const routed = await a!.request('PUT', '/api/channels/whatsapp/routing', adminToken, {
        default_queue_id: queue.body.id,
      });
      expect(routed.status).toBe(200);
      agents = await createAgents(2, 'Agente');
      const members = await a!.request(
        'PUT',
        `/api/queues/${queue.body.id}/members`,
        adminToken,
        agents.map((agent) => ({ user_id: agent.id })),
      );
      expect(members.status).toBe(200);
      await connectEverywhere(agents);
    },
  });
  const { alive, rows } = cluster;

  async function write(node: ServerProcess, phone: string) {
    const { rawBody, headers } = signed(
      textMessagePayload({
        phoneNumberId: PHONE_NUMBER_ID,
        from: phone,
        text: 'Olá, preciso de ajuda',
        wamid: newWamid(),
      }),
      APP_SECRET,
    );
    const response = await fetch(`${node.baseUrl}/webhooks/whatsapp`, { method: 'POST', headers, body: rawBody });
    expect(response.status).toBe(200);
  }

  /** The customer's conversation's live offer, once there is one. */
  async function liveOfferOf(phone: string): Promise<OfferRow & { conversation_id: string }> {
    let found: (OfferRow & { conversation_id: string }) | undefined;
    await waitFor(
      async () => {
        [found] = await rows<OfferRow & { conversation_id: string }>(
          `select o.id, o.entry_id, o.agent_id, o.state, e.conversation_id
             from routing_offers o
             join queue_entries e on e.id = o.entry_id
             join conversations c on c.id = e.conversation_id
             join contacts k on k.id = c.contact_id
            where k.phone like '%' || $1 and o.state = 'offered'`,
          [phone.slice(-8)],
        );
        return found !== undefined;
      },
      'an offer of the customer',
      30_000,
    );
    return found!;
  }

  /** The node whose engine logged the offer: the one to kill. */
  async function offeringNode(offerId: string): Promise<ServerProcess> {
    let node: ServerProcess | undefined;
    await waitFor(
      () =>
        (node = alive().find((n) => n.logs.some((l) => l.msg === 'item offered' && l.offerId === offerId))) !==
        undefined,
      'the node that made the offer',
      20_000,
    );
    return node!;
  }

  /** Waits until a surviving node has swept twice after `since` (anything due has been done). */
  async function sweptTwiceSince(since: Date) {
    let sweeps = 0;
    let last = since.getTime();
    await waitFor(
      async () => {
        const [row] = await rows<{ ran_at: Date }>(`select ran_at from routing_sweeps where name = 'routing.sweep'`);
        if (row && row.ran_at.getTime() > last) {
          last = row.ran_at.getTime();
          sweeps += 1;
        }
        return sweeps >= 2;
      },
      'two sweeps by a surviving node',
      30_000,
    );
  }

  async function assertOnce(entryId: string, conversationId: string, agentId: string) {
    const entries = await rows<EntryRow>(
      `select id, state, assigned_to, conversation_id from queue_entries where conversation_id = $1 order by enqueued_at, id`,
      [conversationId],
    );
    expect(entries).toEqual([
      { id: entryId, state: 'assigned', assigned_to: agentId, conversation_id: conversationId },
    ]);
    const accepted = await rows<OfferRow>(
      `select id, entry_id, agent_id, state from routing_offers where entry_id = $1 and state in ('offered', 'accepted') order by offered_at, id`,
      [entryId],
    );
    expect(accepted.map((o) => [o.agent_id, o.state])).toEqual([[agentId, 'accepted']]);
    const [conversation] = await rows<{ assignee_id: string | null }>(
      `select assignee_id from conversations where id = $1`,
      [conversationId],
    );
    expect(conversation?.assignee_id).toBe(agentId);
  }

  const agentOf = (id: string) => agents.find((agent) => agent.id === id)!;

  it('the agent accepts through a surviving node: the item is theirs, exactly once', { timeout: 120_000 }, async () => {
    const phone = newCustomer();
    await write(cluster.nodes[0]!, phone);
    const offer = await liveOfferOf(phone);
    const victim = await offeringNode(offer.id);
    await killNode(victim);

    const survivor = alive()[0]!;
    const accepted = await survivor.request(
      'POST',
      `/api/routing/offers/${offer.id}/accept`,
      agentOf(offer.agent_id).token,
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ id: offer.id, state: 'accepted' });
    // A second answer through the other survivor is refused: the offer is over.
    const again = await alive()[1]!.request(
      'POST',
      `/api/routing/offers/${offer.id}/accept`,
      agentOf(offer.agent_id).token,
    );
    expect(again.status).toBe(409);
    await sweptTwiceSince(new Date());
    await assertOnce(offer.entry_id, offer.conversation_id, offer.agent_id);
  });

  it(
    'the offer runs out: a surviving node expires it and the other agent gets the item, once',
    { timeout: 150_000 },
    async () => {
      const phone = newCustomer();
      await write(alive()[0]!, phone);
      const first = await liveOfferOf(phone);
      const victim = await offeringNode(first.id);
      await killNode(victim);
      const [survivor] = alive();
      expect(alive()).toHaveLength(1);

      // Nobody answers the first offer: the survivor's sweep expires it and offers the item on.
      const other = agents.find((agent) => agent.id !== first.agent_id)!;
      let second: OfferRow | undefined;
      await waitFor(
        async () => {
          [second] = await rows<OfferRow>(
            `select id, entry_id, agent_id, state from routing_offers where entry_id = $1 and state = 'offered'`,
            [first.entry_id],
          );
          return second !== undefined && second.id !== first.id;
        },
        'the item offered to the other agent',
        60_000,
      );
      expect(second!.agent_id).toBe(other.id);
      // Its log line may reach us after the row does (the child's stdout is a pipe).
      await waitFor(
        () => survivor!.logs.some((l) => l.msg === 'item offered' && l.offerId === second!.id),
        'the survivor logging the second offer',
        20_000,
      );
      const [expired] = await rows<OfferRow>(`select id, entry_id, agent_id, state from routing_offers where id = $1`, [
        first.id,
      ]);
      expect(expired?.state).toBe('expired');

      const late = await survivor!.request(
        'POST',
        `/api/routing/offers/${first.id}/accept`,
        agentOf(first.agent_id).token,
      );
      expect(late.status).toBe(409);
      const accepted = await survivor!.request('POST', `/api/routing/offers/${second!.id}/accept`, other.token);
      expect(accepted.status).toBe(200);
      await sweptTwiceSince(new Date());
      await assertOnce(first.entry_id, first.conversation_id, other.id);
    },
  );
});
