/**
 * The RD Station Marketing connector against a local stub on 127.0.0.1 that checks the
 * documented request of the conversions API (POST /platform/conversions?api_key=…, body
 * {event_type: "CONVERSION", event_family: "CDP", payload: {conversion_identifier, email, …}})
 * and answers like the service: 200 {event_uuid}, 400 {errors} on a bad body, and its
 * rate-limit answer (429 with Retry-After), which is retried. Calls come through the ARI
 * emulator, as a caller dialling into a voice queue; an answered call's conversion waits out
 * its queue's wrap-up and carries the disposition the agent gave. The customer's rating after
 * the close comes through Meta's signed webhook (WhatsApp) and is a conversion of its own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_MODULES } from '../../src/feature-modules.js';
import { installIntegrations, integrationsInstaller } from '../../src/modules/integrations/index.js';
import { eventually, startEventReceiver, type EventReceiver, type ReceivedRequest } from '../support/event-receiver.js';
import { callerDials } from '../support/ari-emulator.queue.js';
import { waitFor } from '../support/pbx.js';
import type { TestServer } from '../support/server.js';
import {
  configureWhatsApp,
  deliverWebhook,
  startGraphStub,
  textMessagePayload,
  type GraphStub,
} from '../support/whatsapp-graph-stub.js';
import { customerAnswersRating } from '../support/whatsapp-rating.js';
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

const TOKEN = 'rd-public-token-0123456789';

/** What RD Station checks of a conversion; undefined when it would accept it. */
function problemOf(request: ReceivedRequest): string | undefined {
  const url = new URL(request.url, 'http://stub');
  if (request.method !== 'POST' || url.pathname !== '/platform/conversions') return 'not the conversions endpoint';
  if (url.searchParams.get('api_key') !== TOKEN) return 'bad api_key';
  if (!String(request.headers['content-type']).startsWith('application/json')) return 'not JSON';
  const body = JSON.parse(request.rawBody) as Record<string, any>;
  if (body.event_type !== 'CONVERSION') return 'event_type';
  if (body.event_family !== 'CDP') return 'event_family';
  if (typeof body.payload?.conversion_identifier !== 'string') return 'conversion_identifier';
  if (typeof body.payload?.email !== 'string' || !body.payload.email.includes('@')) return 'email';
  return undefined;
}

describe('RD Station Marketing conversions', () => {
  let t: VoiceQueueTest;
  let api: TestServer;
  let admin: string;
  let stub: EventReceiver;
  let graph: GraphStub;

  beforeAll(async () => {
    graph = await startGraphStub();
    stub = await startEventReceiver('');
    stub.fallback = (request) => {
      const problem = problemOf(request);
      return problem
        ? {
            status: 400,
            body: JSON.stringify({ errors: [{ error_type: 'INVALID', error_message: problem }] }),
          }
        : { status: 200, body: JSON.stringify({ event_uuid: randomUUID() }) };
    };
    t = await startVoiceQueueServer(
      { WHATSAPP_GRAPH_URL: graph.url },
      {
        modules: [
          ...FEATURE_MODULES.filter((m) => m !== installIntegrations),
          integrationsInstaller({
            rdStationApiUrl: `http://127.0.0.1:${stub.port}`,
            outbox: { retry: { baseDelayMs: 100, maxDelayMs: 800 }, pollIntervalMs: 100 },
          }),
        ],
      },
    );
    api = t.api;
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await t?.close();
    await stub?.close();
    await graph?.close();
  });
  // A test that fails before RD Station's scripted answer was used leaves it to no other test.
  afterEach(() => {
    stub.script.length = 0;
  });

  /** A disposition code the company offers. */
  const disposition = async (code: string, label: string) => {
    const created = await api.request('POST', '/api/dispositions', { token: admin, body: { code, label } });
    expect(created.status, created.text).toBe(201);
    return created.body.id as string;
  };

  it('keeps the token write-only and needs it the first time', async () => {
    const without = await api.request('PUT', '/api/integrations/rdstation', {
      token: admin,
      body: { conversions: [] },
    });
    expect(without.status).toBe(400);
    expect(without.body.code).toBe('rdstation.token_required');
    const saved = await api.request('PUT', '/api/integrations/rdstation', {
      token: admin,
      body: {
        api_token: TOKEN,
        conversions: [{ trigger: 'conversation_closed', conversion_identifier: 'atendimento-encerrado' }],
        field_mapping: { conversation_rating: 'cf_nota_atendimento', conversation_channel: 'cf_canal' },
      },
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.text).not.toContain(TOKEN);
    expect(saved.body).toMatchObject({ is_configured: true, is_active: true, token_hint: TOKEN.slice(-4) });
    const read = await api.request('GET', '/api/integrations/rdstation', { token: admin });
    expect(read.text).not.toContain(TOKEN);
  });

  it('sends a closed conversation as a conversion, retrying RD Station’s rate-limit answer', async () => {
    stub.received.length = 0;
    stub.script.push({
      status: 429,
      headers: { 'retry-after': '1' },
      body: JSON.stringify({ errors: { error_type: 'TOO_MANY_REQUESTS', error_message: 'Too many requests' } }),
    });
    const created = await api.request('POST', '/api/conversations', {
      token: admin,
      body: {
        channel: 'webchat',
        contact: { name: 'Carla Souza', email: 'carla@example.com.br', phone: '+5511990004444' },
      },
    });
    expect(created.status).toBe(201);
    const closed = await api.request('POST', `/api/conversations/${created.body.id}/close`, {
      token: admin,
      body: { rating: 4 },
    });
    expect(closed.status).toBe(200);

    await eventually(() => stub.received.length >= 2, 'the conversion retried after the 429');
    const [first, second] = stub.received;
    expect(problemOf(first!)).toBeUndefined();
    expect(problemOf(second!)).toBeUndefined();
    // Retry-After: 1 was honoured (the retry base is 100 ms).
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);
    expect(JSON.parse(second!.rawBody)).toEqual({
      event_type: 'CONVERSION',
      event_family: 'CDP',
      payload: {
        conversion_identifier: 'atendimento-encerrado',
        email: 'carla@example.com.br',
        name: 'Carla Souza',
        mobile_phone: '+5511990004444',
        cf_nota_atendimento: 4,
        cf_canal: 'webchat',
      },
    });

    const log = await eventually(async () => {
      const page = await api.request('GET', '/api/integrations/rdstation/deliveries', { token: admin });
      const delivery = page.body.items[0];
      return delivery?.status === 'delivered' && delivery;
    }, 'the delivery logged');
    expect(log.event_type).toBe('rdstation.conversation_closed');
    expect(log.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([429, 200]);
    expect(log.attempts[1].response_body).toContain('event_uuid');
    expect(JSON.stringify(log)).not.toContain(TOKEN);
  });

  it('sends nothing for a contact without an e-mail', async () => {
    // A webhook on the same event: once it has the close, the event was planned, and the
    // RD Station conversion (planned in the same transaction) would have been queued too.
    const hook = await startEventReceiver();
    try {
      const subscribed = await api.request('POST', '/api/webhooks', {
        token: admin,
        body: { url: hook.url, allow_http: true, event_types: ['conversation.closed'] },
      });
      expect(subscribed.status, subscribed.text).toBe(201);
      stub.received.length = 0;
      const created = await api.request('POST', '/api/conversations', {
        token: admin,
        body: { channel: 'webchat', contact: { name: 'Sem Email', phone: '+5511990005555' } },
      });
      await api.request('POST', `/api/conversations/${created.body.id}/close`, { token: admin, body: {} });
      await eventually(
        () => hook.received.some((r) => JSON.parse(r.rawBody).data.id === created.body.id),
        'the close delivered to the webhook',
      );
      // No later test's close is sent to a receiver that is gone.
      const unsubscribed = await api.request('DELETE', `/api/webhooks/${subscribed.body.id}`, { token: admin });
      expect(unsubscribed.status).toBe(204);
    } finally {
      await hook.close();
    }
    const page = await api.request('GET', '/api/integrations/rdstation/deliveries', { token: admin });
    expect(page.body.items).toHaveLength(1);
    expect(stub.received).toHaveLength(0);
  });

  it('sends an answered call (with its talk time) and an abandoned one for the caller’s contact', async () => {
    const { ari, clock } = t;
    const saved = await api.request('PUT', '/api/integrations/rdstation', {
      token: admin,
      body: {
        conversions: [
          { trigger: 'call_answered', conversion_identifier: 'ligacao-atendida' },
          { trigger: 'call_abandoned', conversion_identifier: 'ligacao-abandonada' },
        ],
        field_mapping: {
          call_direction: 'cf_direcao',
          call_duration_seconds: 'cf_duracao',
          queue_wait_seconds: 'cf_espera',
          disposition: 'cf_tabulacao',
        },
      },
    });
    expect(saved.status, saved.text).toBe(200);
    const contact = await api.request('POST', '/api/contacts', {
      token: admin,
      body: {
        name: 'Daniela Lima',
        identities: [
          { kind: 'phone', value: '+5511987652001' },
          { kind: 'email', value: 'daniela@example.com.br' },
        ],
      },
    });
    expect(contact.status, contact.text).toBe(201);
    stub.received.length = 0;

    const agent = await phoneAgentOnline(api, admin);
    const queue = await voiceQueue(api, admin, { name: `RD ${newDid()}`, wrap_up_seconds: 20 }, [agent]);
    const sale = await disposition('VENDA', 'Venda realizada');
    const did = newDid();
    await routeDid(api, admin, did, { default_queue_id: queue.id });
    const answered = callerDials(ari, { channelId: `rd-answered-${did}`, did, callerNumber: '+5511987652001' });
    const answeredCall = await callOfChannel(api, admin, answered.id);
    await waitFor(() => agentLegsOf(ari, answeredCall.id).length === 1, 'agent rung');
    const [leg] = agentLegsOf(ari, answeredCall.id);
    ari.enterStasis(leg!.channelId, leg!.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await callField(api, admin, answeredCall.id, 'status')) === 'in_progress', 'answered');
    ari.hangupChannel(answered.id);
    await waitFor(async () => (await callField(api, admin, answeredCall.id, 'status')) === 'completed', 'completed');
    const talked = (await api.request('GET', `/api/calls/${answeredCall.id}`, { token: admin })).body;
    // The conversion waits out the queue's 20 s wrap-up, in which the agent gives the call's disposition.
    const pending = await eventually(async () => {
      const page = await api.request(
        'GET',
        '/api/integrations/rdstation/deliveries?event_type=rdstation.call_answered',
        { token: admin },
      );
      return page.body.items[0];
    }, 'the answered call planned');
    expect(pending).toMatchObject({ status: 'pending', attempts: [] });
    const given = await api.request('PUT', `/api/calls/${answeredCall.id}/disposition`, {
      token: agent.token,
      body: { disposition_id: sale },
    });
    expect(given.status, given.text).toBe(200);
    expect(stub.received).toHaveLength(0);
    clock.advance(20_000);

    const conversion = (identifier: string) =>
      eventually(
        () =>
          stub.received
            .map((r) => JSON.parse(r.rawBody) as { payload: Record<string, unknown> })
            .find((b) => b.payload.conversion_identifier === identifier),
        identifier,
      );
    expect(await conversion('ligacao-atendida')).toEqual({
      event_type: 'CONVERSION',
      event_family: 'CDP',
      payload: {
        conversion_identifier: 'ligacao-atendida',
        email: 'daniela@example.com.br',
        name: 'Daniela Lima',
        mobile_phone: '+5511987652001',
        cf_direcao: 'inbound',
        cf_duracao: talked.billable_seconds,
        cf_tabulacao: 'Venda realizada',
      },
    });
    expect(talked.billable_seconds).toEqual(expect.any(Number));

    // The agent steps away; the same customer calls again, waits 30 s and gives up.
    await api.request('POST', '/api/presence/status', { token: agent.token, body: { status: 'away' } });
    const gaveUp = callerDials(ari, { channelId: `rd-abandoned-${did}`, did, callerNumber: '+5511987652001' });
    const gaveUpCall = await callOfChannel(api, admin, gaveUp.id);
    await waitFor(
      async () =>
        (await api.request('GET', `/api/calls/${gaveUpCall.id}/routing`, { token: admin })).body.entries.length === 1,
      'enqueued',
    );
    clock.advance(30_000);
    ari.hangupChannel(gaveUp.id);
    const abandoned = await conversion('ligacao-abandonada');
    expect(abandoned.payload).toMatchObject({ email: 'daniela@example.com.br', cf_direcao: 'inbound' });
    expect(abandoned.payload.cf_espera).toBeGreaterThanOrEqual(30);
    for (const request of stub.received) expect(problemOf(request)).toBeUndefined();
    // One conversion each: the ring and the answer alone send nothing.
    expect(stub.received).toHaveLength(2);
    const log = await api.request('GET', '/api/integrations/rdstation/deliveries?event_type=rdstation.call_answered', {
      token: admin,
    });
    expect(log.body.items).toHaveLength(1);
    agent.disconnect();
  });
  it('sends the customer’s rating after the close as its own conversion, with the conversation’s disposition', async () => {
    const saved = await api.request('PUT', '/api/integrations/rdstation', {
      token: admin,
      body: {
        conversions: [{ trigger: 'conversation_rated', conversion_identifier: 'atendimento-avaliado' }],
        field_mapping: { conversation_rating: 'cf_nota_atendimento', disposition: 'cf_tabulacao' },
      },
    });
    expect(saved.status, saved.text).toBe(200);
    const solved = await disposition('RESOLVIDO', 'Problema resolvido');
    const channel = await configureWhatsApp(api, admin);
    const contact = await api.request('POST', '/api/contacts', {
      token: admin,
      body: {
        name: 'Elisa Prado',
        identities: [
          { kind: 'whatsapp', value: '5511987653101' },
          { kind: 'phone', value: '+5511987653101' },
          { kind: 'email', value: 'elisa@example.com.br' },
        ],
      },
    });
    expect(contact.status, contact.text).toBe(201);
    const asked = await api.request('PUT', '/api/settings/customer-messages', {
      token: admin,
      body: { rating_enabled: true },
    });
    expect(asked.status, asked.text).toBe(200);
    stub.received.length = 0;

    const inbound = await deliverWebhook(
      api,
      textMessagePayload({ phoneNumberId: channel.phoneNumberId, from: '5511987653101', text: 'Meu pedido chegou?' }),
      channel.appSecret,
    );
    expect(inbound.status, inbound.text).toBe(200);
    const conversationId = await eventually(async () => {
      const page = await api.request('GET', `/api/contacts/${contact.body.id}/timeline?type=message`, {
        token: admin,
      });
      return page.body.items[0]?.conversation_id as string | undefined;
    }, 'the conversation opened');
    const given = await api.request('PUT', `/api/conversations/${conversationId}/disposition`, {
      token: admin,
      body: { disposition_id: solved },
    });
    expect(given.status, given.text).toBe(200);
    const closed = await api.request('POST', `/api/conversations/${conversationId}/close`, { token: admin, body: {} });
    expect(closed.status, closed.text).toBe(200);
    const rated = await customerAnswersRating(api, graph, channel, { from: '5511987653101', score: 4 });
    expect(rated.status, rated.text).toBe(200);

    const conversion = await eventually(() => stub.received[0], 'the rating’s conversion');
    expect(problemOf(conversion)).toBeUndefined();
    expect(JSON.parse(conversion.rawBody)).toEqual({
      event_type: 'CONVERSION',
      event_family: 'CDP',
      payload: {
        conversion_identifier: 'atendimento-avaliado',
        email: 'elisa@example.com.br',
        name: 'Elisa Prado',
        mobile_phone: '+5511987653101',
        cf_nota_atendimento: 4,
        cf_tabulacao: 'Problema resolvido',
      },
    });
    const log = await api.request(
      'GET',
      '/api/integrations/rdstation/deliveries?event_type=rdstation.conversation_rated',
      { token: admin },
    );
    expect(log.body.items).toHaveLength(1);
  });
});
