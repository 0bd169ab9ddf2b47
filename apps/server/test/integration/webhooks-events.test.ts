/**
 * Every webhook event type the product makes, produced by the module that owns it and
 * reached the way users reach it: calls through the ARI emulator (a caller dials a DID
 * into a voice queue, the agent's phone answers, the caller hangs up, a CRM's API key transfers,
 * a caller waits past the service level and gives up), a WhatsApp conversation through
 * Meta's signed webhook, an agent's status over HTTP. A local receiver gets each one,
 * signed, and runs the check docs/webhooks.md gives receivers. A contact made by inbound
 * traffic (a caller's number, a WhatsApp number, a web-chat visitor) is announced once as
 * `contact.created`; the contacts API's own contact.* are covered by webhooks.test.ts.
 */
import { webhookEnvelopeSchema, webhookEventCatalogue, type WebhookEventType } from '@switchboard/contracts';
import { and, eq } from 'drizzle-orm';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTransitions } from '../../src/db/schema/index.js';
import { callerDials } from '../support/ari-emulator.queue.js';
import {
  eventually,
  startEventReceiver,
  verifySwitchboardSignature,
  type EventReceiver,
} from '../support/event-receiver.js';
import { waitFor } from '../support/pbx.js';
import { createQueue } from '../support/routing.js';
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
import {
  configureWhatsApp,
  deliverWebhook,
  startGraphStub,
  textMessagePayload,
  type GraphStub,
} from '../support/whatsapp-graph-stub.js';
import { customerAnswersRating } from '../support/whatsapp-rating.js';

const PRODUCT_TYPES = (Object.keys(webhookEventCatalogue) as WebhookEventType[]).filter(
  (type) => !type.startsWith('contact.'),
);
const PAGE = 'http://shop.test:8080';

type Body = { id: string; type: WebhookEventType; company_id: string; data: Record<string, any>; links: any };

// One scenario of many steps, CPU-bound in the server (3-4 s of CPU on an idle machine,
// half of it in the embedded database; the set-up as much again): on a machine at load 25
// it once ran past the suite's 60-s default. Each step waits on its condition with a bound
// of its own and names it when that runs out; the scenario gets room for all of them.
describe('webhook events from the product itself', { timeout: 240_000 }, () => {
  let t: VoiceQueueTest;
  let graph: GraphStub;
  let receiver: EventReceiver;

  beforeAll(async () => {
    graph = await startGraphStub();
    receiver = await startEventReceiver();
    t = await startVoiceQueueServer({ WHATSAPP_GRAPH_URL: graph.url });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await graph?.close();
  });

  const bodies = () => receiver.received.map((r) => JSON.parse(r.rawBody) as Body);
  const delivered = (type: WebhookEventType, match: (data: Record<string, any>) => boolean) =>
    eventually(() => bodies().find((b) => b.type === type && match(b.data)), `${type} delivered`);

  it('delivers calls, conversations, messages, queue entries and agent statuses as their modules publish them', async () => {
    const { api, ari, admin, clock } = t;
    const created = await api.request('POST', '/api/webhooks', {
      token: admin,
      body: { url: receiver.url, allow_http: true, event_types: [...PRODUCT_TYPES, 'contact.created'] },
    });
    expect(created.status, created.text).toBe(201);
    const secret = created.body.secret as string;

    // An agent comes online on the console socket (agent.status_changed).
    const agent = await phoneAgentOnline(api, admin);
    const queue = await voiceQueue(api, admin, { name: `Webhooks ${newDid()}`, service_level_seconds: 20 }, [agent]);
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });

    // A call answered by the agent's phone and hung up by the caller: started, answered, ended (recorded).
    const first = callerDials(ari, { channelId: `wh-first-${did}`, did, callerNumber: '+5511987651001' });
    const firstCall = await callOfChannel(api, admin, first.id);
    await waitFor(() => agentLegsOf(ari, firstCall.id).length === 1, 'agent rung');
    const [firstLeg] = agentLegsOf(ari, firstCall.id);
    ari.enterStasis(firstLeg!.channelId, firstLeg!.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await callField(api, admin, firstCall.id, 'status')) === 'in_progress', 'answered');
    ari.hangupChannel(first.id);
    await waitFor(async () => (await callField(api, admin, firstCall.id, 'status')) === 'completed', 'completed');

    // A second call the agent transfers over HTTP (call.transferred).
    await waitFor(
      async () => (await api.request('GET', '/api/presence/me', { token: agent.token })).body.status === 'online',
      'agent free again',
    );
    const second = callerDials(ari, { channelId: `wh-second-${did}`, did, callerNumber: '+5511987651002' });
    const secondCall = await callOfChannel(api, admin, second.id);
    await waitFor(() => agentLegsOf(ari, secondCall.id).length === 1, 'agent rung again');
    const [secondLeg] = agentLegsOf(ari, secondCall.id);
    ari.enterStasis(secondLeg!.channelId, secondLeg!.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await callField(api, admin, secondCall.id, 'status')) === 'in_progress', 'answered');
    // The company's CRM transfers it with an API key: calls:write opens it, calls:read does not.
    const keyOf = async (scopes: string[]) =>
      (await api.request('POST', '/api/api-keys', { token: admin, body: { name: scopes.join(' '), scopes } })).body as {
        id: string;
        key: string;
      };
    const reader = await keyOf(['calls:read']);
    const writer = await keyOf(['calls:read', 'calls:write']);
    const refused = await api.request('POST', `/api/calls/${secondCall.id}/transfer`, {
      token: reader.key,
      body: { to: '1002' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('auth.scope_missing');
    const transferred = await api.request('POST', `/api/calls/${secondCall.id}/transfer`, {
      token: writer.key,
      body: { to: '1002' },
    });
    expect(transferred.status, transferred.text).toBe(200);
    // The call's history names the key, not a user.
    const [transition] = await api.server.database.db
      .select({ details: callTransitions.details })
      .from(callTransitions)
      .where(and(eq(callTransitions.callId, secondCall.id), eq(callTransitions.toStatus, 'transferred')));
    expect(transition?.details).toEqual({ byApiKeyId: writer.id, to: '1002' });
    const trail = await api.request('GET', `/api/audit-log?action=api_key.used&target_id=${secondCall.id}`, {
      token: admin,
    });
    expect(trail.body.items).toEqual([
      expect.objectContaining({
        actor_type: 'api_key',
        actor_api_key_id: writer.id,
        actor_user_id: null,
        target_type: 'call',
        details: { method: 'POST', route: '/api/calls/:id/transfer', status: 200 },
      }),
    ]);

    // The agent steps away over HTTP; a third caller waits past the 20 s service level and hangs up.
    await waitFor(
      async () => (await api.request('GET', '/api/presence/me', { token: agent.token })).body.status === 'online',
      'agent free after the transfer',
    );
    const away = await api.request('POST', '/api/presence/status', { token: agent.token, body: { status: 'away' } });
    expect(away.status, away.text).toBe(200);
    const third = callerDials(ari, { channelId: `wh-third-${did}`, did, callerNumber: '+5511987651003' });
    const thirdCall = await callOfChannel(api, admin, third.id);
    await waitFor(
      async () =>
        (await api.request('GET', `/api/calls/${thirdCall.id}/routing`, { token: admin })).body.entries.length === 1,
      'third caller enqueued',
    );
    clock.advance(25_000);
    const breach = await delivered('service_level.breached', (d) => d.call_id === thirdCall.id);
    ari.hangupChannel(third.id);

    // WhatsApp: a customer writes through Meta's signed webhook; an admin assigns, the agent
    // answers and closes over HTTP; the customer answers the rating question on WhatsApp.
    const channel = await configureWhatsApp(api, admin);
    const inbound = await deliverWebhook(
      api,
      textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: '5511987651004', text: 'Quero falar' }),
      channel.appSecret,
    );
    expect(inbound.status, inbound.text).toBe(200);
    const conversationCreated = await delivered('conversation.created', (d) => d.channel === 'whatsapp');
    const conversationId = conversationCreated.data.id as string;
    const back = await api.request('POST', '/api/presence/status', { token: agent.token, body: { status: 'online' } });
    expect(back.status).toBe(200);
    const assigned = await api.request('POST', `/api/conversations/${conversationId}/assign`, {
      token: admin,
      body: { agent_id: agent.id },
    });
    expect(assigned.status, assigned.text).toBe(200);
    const reply = await api.request('POST', `/api/conversations/${conversationId}/messages`, {
      token: agent.token,
      body: { text: 'Olá! Como posso ajudar?' },
    });
    expect(reply.status, reply.text).toBeLessThan(300);
    const asked = await api.request('PUT', '/api/settings/customer-messages', {
      token: admin,
      body: { rating_enabled: true },
    });
    expect(asked.status, asked.text).toBe(200);
    const closed = await api.request('POST', `/api/conversations/${conversationId}/close`, {
      token: agent.token,
      body: { feedback: 'Resolvido' },
    });
    expect(closed.status, closed.text).toBe(200);
    // The customer answers the rating question on WhatsApp (conversation.rated).
    const rated = await customerAnswersRating(api, graph, channel, { from: '5511987651004', score: 5 });
    expect(rated.status, rated.text).toBe(200);

    // A web-chat visitor writes over the /webchat socket: a new contact for the visitor.
    const siteQueue = await createQueue(api, admin, { name: `Site ${newDid()}`, channels: ['webchat'] });
    const site = await api.request('POST', '/api/channels/webchat', {
      token: admin,
      body: {
        name: 'Loja',
        allowed_origins: [`${PAGE}/`],
        prechat_fields: { name: 'required', email: 'off', phone: 'off' },
        default_queue_id: siteQueue.id,
      },
    });
    expect(site.status, site.text).toBe(201);
    const session = await api.request('POST', '/webchat/v1/sessions', {
      headers: { origin: PAGE },
      body: { channel_id: site.body.id, name: 'Vera Visitante' },
    });
    expect(session.status, session.text).toBe(201);
    const visitor = io(`${api.baseUrl}/webchat`, {
      auth: { token: session.body.token },
      transports: ['websocket'],
      extraHeaders: { origin: PAGE },
      reconnection: false,
      forceNew: true,
    });
    const written = await new Promise<any>((resolve) =>
      visitor.emit('message', { client_message_id: 'wh-visitor-0001', text: 'Oi, pelo site' }, resolve),
    );
    expect(written.ok ?? written, JSON.stringify(written)).toBeTruthy();
    const visitorConversation = await delivered('conversation.created', (d) => d.channel === 'webchat');
    visitor.disconnect();

    // Every type arrived, each signed and shaped as the catalogue says.
    await eventually(() => {
      const seen = new Set(bodies().map((b) => b.type));
      return PRODUCT_TYPES.every((type) => seen.has(type));
    }, 'every product event type').catch((error: Error) => {
      throw new Error(`${error.message}; seen: ${[...new Set(bodies().map((b) => b.type))].sort().join(', ')}`);
    });
    for (const request of receiver.received) {
      const header = request.headers['switchboard-signature'] as string;
      expect(verifySwitchboardSignature(header, request.rawBody, secret)).toBe(true);
      const body = JSON.parse(request.rawBody) as Body;
      const parsed = webhookEnvelopeSchema(body.type, webhookEventCatalogue[body.type].data).safeParse(body);
      expect(parsed.success, `${body.type}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }

    const of = (callId: string) =>
      bodies()
        .filter((b) => b.type.startsWith('call.') && b.data.id === callId)
        .map((b) => b.type);
    expect(of(firstCall.id)).toEqual(['call.started', 'call.answered', 'call.ended']);
    const ended = bodies().find((b) => b.type === 'call.ended' && b.data.id === firstCall.id)!;
    expect(ended.data).toMatchObject({ status: 'completed', has_recording: true, agent_id: agent.id });
    expect(ended.links.resource).toBe(`/api/calls/${firstCall.id}`);
    expect(of(secondCall.id)).toEqual(['call.started', 'call.answered', 'call.transferred']);
    expect(bodies().find((b) => b.type === 'call.transferred')!.data.transferred_to).toBe('1002');

    expect(breach.data).toMatchObject({ queue_id: queue.id, channel: 'voice', service_level_seconds: 20 });
    const abandoned = await delivered('queue_entry.abandoned', (d) => d.call_id === thirdCall.id);
    expect(abandoned.data).toMatchObject({ queue_id: queue.id, state: 'abandoned', channel: 'voice' });

    const statuses = bodies()
      .filter((b) => b.type === 'agent.status_changed' && b.data.agent_id === agent.id)
      .map((b) => b.data.status as string);
    expect(statuses).toEqual(expect.arrayContaining(['online', 'busy', 'away']));

    const received = await delivered('message.received', (d) => d.conversation_id === conversationId);
    expect(received.data).toMatchObject({ direction: 'inbound', text: 'Quero falar' });
    const sent = await delivered('message.sent', (d) => d.conversation_id === conversationId);
    expect(sent.data).toMatchObject({ direction: 'outbound', text: 'Olá! Como posso ajudar?' });
    expect(sent.links.resource).toBe(`/api/conversations/${conversationId}/messages`);
    const assignedEvent = await delivered('conversation.assigned', (d) => d.id === conversationId);
    expect(assignedEvent.data.assignee_id).toBe(agent.id);
    const closedEvent = await delivered('conversation.closed', (d) => d.id === conversationId);
    expect(closedEvent.data).toMatchObject({ status: 'resolved', rating: null, feedback: 'Resolvido' });
    const ratedEvent = await delivered('conversation.rated', (d) => d.id === conversationId);
    expect(ratedEvent.data).toMatchObject({ status: 'resolved', rating: 5, rated_by: 'customer' });

    // Each contact inbound traffic made is announced once, with the identity it came by.
    const createdContacts = (match: (data: Record<string, any>) => boolean) =>
      bodies().filter((b) => b.type === 'contact.created' && match(b.data));
    const hasIdentity = (channel: string, externalId: string) => (d: Record<string, any>) =>
      (d.identities as { channel: string; external_id: string }[]).some(
        (i) => i.channel === channel && i.external_id === externalId,
      );
    await delivered('contact.created', (d) => d.phone === '+5511987651001');
    await delivered('contact.created', hasIdentity('whatsapp', '5511987651004'));
    const visitorContact = await delivered('contact.created', (d) => d.id === visitorConversation.data.contact.id);
    expect(visitorContact.data).toMatchObject({ name: 'Vera Visitante' });
    expect(visitorContact.data.identities).toEqual([{ channel: 'webchat', external_id: expect.any(String) }]);
    expect(createdContacts((d) => d.phone === '+5511987651001')).toHaveLength(1);
    expect(createdContacts(hasIdentity('whatsapp', '5511987651004'))).toHaveLength(1);
    expect(createdContacts((d) => d.id === visitorContact.data.id)).toHaveLength(1);
    expect(conversationCreated.data.contact.id).toBe(
      createdContacts(hasIdentity('whatsapp', '5511987651004'))[0]!.data.id,
    );

    // One delivery per event.
    const ids = bodies().map((b) => b.id);
    expect(new Set(ids).size).toBe(ids.length);
    agent.disconnect();
  });
});
