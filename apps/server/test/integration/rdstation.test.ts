/**
 * The RD Station Marketing connector against a local stub on 127.0.0.1 that checks the
 * documented request of the conversions API (POST /platform/conversions?api_key=…, body
 * {event_type: "CONVERSION", event_family: "CDP", payload: {conversion_identifier, email, …}})
 * and answers like the service: 200 {event_uuid}, 400 {errors} on a bad body, and its
 * rate-limit answer (429 with Retry-After), which is retried.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_MODULES } from '../../src/feature-modules.js';
import { installIntegrations, integrationsInstaller } from '../../src/modules/integrations/index.js';
import { eventually, startEventReceiver, type EventReceiver, type ReceivedRequest } from '../support/event-receiver.js';
import { startTestServer, type TestServer } from '../support/server.js';

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
  let api: TestServer;
  let admin: string;
  let stub: EventReceiver;

  beforeAll(async () => {
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
    api = await startTestServer(
      {},
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
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
    await stub.close();
  });

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
    await api.request('POST', '/api/webhooks', {
      token: admin,
      body: { url: hook.url, allow_http: true, event_types: ['conversation.closed'] },
    });
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
    await hook.close();
    const page = await api.request('GET', '/api/integrations/rdstation/deliveries', { token: admin });
    expect(page.body.items).toHaveLength(1);
    expect(stub.received).toHaveLength(0);
  });
});
