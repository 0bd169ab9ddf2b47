/**
 * Event webhooks end to end over HTTP: a real Switchboard on 127.0.0.1 delivers to a local
 * receiver (allowed through OUTBOUND_ALLOWED_HOSTS, as an operator allows an internal host),
 * signed and checked with the verification code docs/webhooks.md gives receivers.
 */
import { webhookEnvelopeSchema, webhookEventCatalogue, type WebhookEventType } from '@switchboard/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_MODULES } from '../../src/feature-modules.js';
import { installIntegrations, integrationsInstaller } from '../../src/modules/integrations/index.js';
import {
  eventually,
  startEventReceiver,
  verifySwitchboardSignature,
  type EventReceiver,
  type ReceivedRequest,
} from '../support/event-receiver.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';
import { connectSocket } from '../support/socket.js';

/** Fast retries so a test sees several: 100 ms doubling to 800 ms, with jitter. */
export const fastIntegrations = integrationsInstaller({
  outbox: { retry: { baseDelayMs: 100, maxDelayMs: 800 }, pollIntervalMs: 100, leaseMs: 3000 },
  pruneIntervalMs: 200,
});
export const testModules = [...FEATURE_MODULES.filter((m) => m !== installIntegrations), fastIntegrations];

const ALL_TYPES = Object.keys(webhookEventCatalogue) as WebhookEventType[];

interface Delivery {
  id: string;
  status: string;
  event_id: string;
  event_type: string;
  attempts: { response_status: number | null; error: string | null; attempted_at: string }[];
}

describe('event webhooks', () => {
  let api: TestServer;
  let admin: string;
  let receiver: EventReceiver;

  beforeAll(async () => {
    api = await startTestServer({}, { modules: testModules });
    admin = await api.adminToken();
    receiver = await startEventReceiver();
  });
  afterAll(async () => {
    await api.close();
    await receiver.close();
  });
  // A test that fails leaves no subscription behind to receive the next test's events, and
  // no receiver down for the next test.
  afterEach(async () => {
    await receiver.up();
    receiver.script.length = 0;
    const listed = await api.request('GET', '/api/webhooks', { token: admin });
    for (const webhook of listed.body.items as { id: string }[]) {
      await api.request('DELETE', `/api/webhooks/${webhook.id}`, { token: admin });
    }
  });

  async function createWebhook(body: Record<string, unknown>) {
    const created = await api.request('POST', '/api/webhooks', {
      token: admin,
      body: { url: receiver.url, allow_http: true, ...body },
    });
    expect(created.status, created.text).toBe(201);
    return created.body as { id: string; secret: string };
  }

  async function deliveries(webhookId: string, query = ''): Promise<Delivery[]> {
    const page = await api.request('GET', `/api/webhooks/${webhookId}/deliveries?limit=200${query}`, { token: admin });
    expect(page.status, page.text).toBe(200);
    return page.body.items as Delivery[];
  }

  const bodiesOf = (requests: ReceivedRequest[]) => requests.map((r) => JSON.parse(r.rawBody) as Record<string, any>);

  it('shows the secret once, keeps it out of reads, and refuses http, credentials and private addresses', async () => {
    const created = await createWebhook({ event_types: ['call.ended'], description: 'CRM' });
    expect(created.secret).toMatch(/^whsec_/);
    const read = await api.request('GET', `/api/webhooks/${created.id}`, { token: admin });
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(created.secret);
    expect(read.body).toMatchObject({
      secret_hint: created.secret.slice(-4),
      is_active: true,
      event_types: ['call.ended'],
    });
    const listed = await api.request('GET', '/api/webhooks', { token: admin });
    expect(listed.text).not.toContain(created.secret);

    const refused = [
      { url: 'http://hooks.example.com/x', allow_http: false },
      { url: 'https://user:pass@hooks.example.com/x' },
      { url: 'https://10.1.2.3/x' },
      { url: 'https://169.254.169.254/latest/meta-data' },
      { url: 'https://[fd00:ec2::254]/x' },
    ];
    for (const body of refused) {
      const answer = await api.request('POST', '/api/webhooks', {
        token: admin,
        body: { event_types: ['call.ended'], ...body },
      });
      expect(answer.status, body.url).toBe(400);
      expect(answer.body.code).toBe('webhook.url_not_allowed');
    }
    const unknownType = await api.request('POST', '/api/webhooks', {
      token: admin,
      body: { url: 'https://hooks.example.com/x', event_types: ['call.exploded'] },
    });
    expect(unknownType.status).toBe(400);

    const agent = await createUserAndLogin(api, admin, { role: 'agent' });
    expect((await api.request('GET', '/api/webhooks', { token: agent.token })).status).toBe(403);
    expect((await api.request('DELETE', `/api/webhooks/${created.id}`, { token: agent.token })).status).toBe(403);
    expect((await api.request('DELETE', `/api/webhooks/${created.id}`, { token: admin })).status).toBe(204);
    expect((await api.request('GET', `/api/webhooks/${created.id}`, { token: admin })).status).toBe(404);
  });

  it('delivers conversation, message, agent and contact events, signed, with the socket event’s data, and the documented check accepts it', async () => {
    receiver.received.length = 0;
    const webhook = await createWebhook({ event_types: ALL_TYPES });

    // From the product, over HTTP: a conversation's life and an agent's status.
    const created = await api.request('POST', '/api/conversations', {
      token: admin,
      body: { channel: 'webchat', contact: { name: 'Ana', email: 'ana@example.com', phone: '+5511990001111' } },
    });
    expect(created.status, created.text).toBe(201);
    const conversationId = created.body.id as string;
    const agent = await createUserAndLogin(api, admin, { role: 'agent' });
    expect(
      (
        await api.request('POST', `/api/conversations/${conversationId}/assign`, {
          token: admin,
          body: { agent_id: agent.id },
        })
      ).status,
    ).toBe(200);
    const sent = await api.request('POST', `/api/conversations/${conversationId}/messages`, {
      token: agent.token,
      body: { text: 'Olá, Ana' },
    });
    expect(sent.status, sent.text).toBeLessThan(300);
    expect(
      (
        await api.request('POST', `/api/conversations/${conversationId}/close`, {
          token: agent.token,
          body: { rating: 5 },
        })
      ).status,
    ).toBe(200);
    expect(
      (await api.request('POST', '/api/presence/status', { token: agent.token, body: { status: 'away' } })).status,
    ).toBe(200);

    // The contact events as the contacts module publishes them on the bus (its own tests
    // drive them); every other type is driven end to end in webhooks-events.test.ts.
    const bus = api.server.bus;
    const companyId = (await api.request('GET', '/api/users/profile', { token: admin })).body.company_id as string;
    const contact = {
      id: '0d9c8b7a-6f5e-4d3c-8b2a-190817161514',
      name: 'Bia',
      phone: '+5511990002222',
      email: null,
      identities: [],
      created_at: new Date().toISOString(),
    };
    const published: [string, Record<string, unknown>][] = [
      ['contact.created', contact],
      ['contact.updated', { ...contact, name: 'Beatriz' }],
      ['contact.merged', { id: contact.id, merged_ids: ['4d5e6f7a-8b9c-4d1e-8f3a-4b5c6d7e8f9a'] }],
      ['contact.erased', { id: contact.id }],
    ];
    for (const [name, data] of published) await bus.publish({ name, companyId, audience: { managers: true }, data });

    const expectedTypes: WebhookEventType[] = [
      'conversation.created',
      'conversation.assigned',
      'conversation.closed',
      'message.sent',
      'agent.status_changed',
      'contact.created',
      'contact.updated',
      'contact.merged',
      'contact.erased',
    ];
    await eventually(() => {
      const seen = new Set(bodiesOf(receiver.received).map((b) => b.type as string));
      return expectedTypes.every((t) => seen.has(t));
    }, 'every event type of this test');

    for (const request of receiver.received) {
      const header = request.headers['switchboard-signature'];
      expect(typeof header).toBe('string');
      expect(verifySwitchboardSignature(header as string, request.rawBody, webhook.secret)).toBe(true);
      expect(verifySwitchboardSignature(header as string, request.rawBody, 'whsec_someone-else')).toBe(false);
      expect(verifySwitchboardSignature(header as string, `${request.rawBody} `, webhook.secret)).toBe(false);
      const body = JSON.parse(request.rawBody) as { type: WebhookEventType; id: string };
      const schema = webhookEnvelopeSchema(body.type, webhookEventCatalogue[body.type].data);
      const parsed = schema.safeParse(body);
      expect(parsed.success, `${body.type}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      expect(request.headers['switchboard-event-id']).toBe(body.id);
      expect(request.headers['switchboard-event-type']).toBe(body.type);
    }
    const closed = bodiesOf(receiver.received).find((b) => b.type === 'conversation.closed')!;
    expect(closed).toMatchObject({
      company_id: companyId,
      data: { id: conversationId, rating: 5, status: 'resolved' },
    });
    expect(closed.links.resource).toBe(`/api/conversations/${conversationId}`);
    expect(bodiesOf(receiver.received).find((b) => b.type === 'message.sent')!.data.text).toBe('Olá, Ana');
    // Exactly once each: one delivery per event.
    const ids = bodiesOf(receiver.received).map((b) => b.id);
    expect(new Set(ids).size).toBe(ids.length);
    await api.request('DELETE', `/api/webhooks/${webhook.id}`, { token: admin });
  });

  it('plans each event for the active webhooks subscribed to its type that existed when it happened', async () => {
    receiver.received.length = 0;
    const urlOf = (name: string) => `${receiver.url}?w=${name}`;
    await createWebhook({ url: urlOf('created'), event_types: ['contact.created'] });
    await createWebhook({ url: urlOf('updated'), event_types: ['contact.updated'] });
    const disabled = await createWebhook({ url: urlOf('disabled'), event_types: ['contact.created'] });
    const off = await api.request('PATCH', `/api/webhooks/${disabled.id}`, {
      token: admin,
      body: { is_active: false },
    });
    expect(off.status, off.text).toBe(200);

    // A burst: the outbox plans several of these events in one pass (one read of the webhooks).
    const made = await Promise.all(
      ['Bia', 'Caio', 'Duda'].map((name) => api.request('POST', '/api/contacts', { token: admin, body: { name } })),
    );
    for (const response of made) expect(response.status, response.text).toBe(201);
    const renamed = await api.request('PATCH', `/api/contacts/${made[0]!.body.id}`, {
      token: admin,
      body: { name: 'Beatriz' },
    });
    expect(renamed.status, renamed.text).toBe(200);
    await eventually(() => receiver.received.filter((r) => r.url.endsWith('w=updated')).length === 1, 'the update');
    await createWebhook({ url: urlOf('later'), event_types: ['contact.created'] });
    const last = await api.request('POST', '/api/contacts', { token: admin, body: { name: 'Enzo' } });
    expect(last.status, last.text).toBe(201);

    const namesAt = (name: string) =>
      bodiesOf(receiver.received.filter((r) => r.url.endsWith(`w=${name}`))).map((b) => `${b.type} ${b.data.name}`);
    await eventually(() => namesAt('later').length === 1 && namesAt('created').length === 4, 'the last contact');
    expect(namesAt('created').sort()).toEqual([
      'contact.created Bia',
      'contact.created Caio',
      'contact.created Duda',
      'contact.created Enzo',
    ]);
    expect(namesAt('updated')).toEqual(['contact.updated Beatriz']);
    expect(namesAt('later')).toEqual(['contact.created Enzo']);
    expect(namesAt('disabled')).toEqual([]);
  });

  it('a receiver down for a while gets every event once it returns, after retries with growing gaps', async () => {
    const webhook = await createWebhook({ event_types: ['agent.status_changed'] });
    const agent = await createUserAndLogin(api, admin, { role: 'agent' });
    await receiver.down();
    for (const status of ['away', 'busy', 'online'] as const) {
      const set = await api.request('POST', '/api/presence/status', { token: agent.token, body: { status } });
      expect(set.status).toBe(200);
    }
    const failing = await eventually(async () => {
      const rows = await deliveries(webhook.id);
      const head = rows.find((d) => d.attempts.length >= 4);
      return rows.length >= 3 && head;
    }, 'four failed attempts while the receiver is down');
    // Waiting for its next try, or that try already claimed (under load the poll can land there).
    expect(['pending', 'delivering']).toContain(failing.status);
    expect(failing.attempts.every((a) => a.response_status === null && a.error)).toBe(true);
    const times = failing.attempts.map((a) => Date.parse(a.attempted_at));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Backoff: 100 ms doubling (half fixed, half jitter): the third gap is at least the first's
    // lower bound doubled twice.
    expect(gaps[0]!).toBeGreaterThanOrEqual(50);
    expect(gaps[2]!).toBeGreaterThanOrEqual(200);
    // Only the head of the agent's events is attempted while it fails (per-resource order).
    const rows = await deliveries(webhook.id);
    expect(rows.filter((d) => d.attempts.length > 0)).toHaveLength(1);

    receiver.received.length = 0;
    await receiver.up();
    await eventually(
      async () => (await deliveries(webhook.id)).every((d) => d.status === 'delivered'),
      'every delivery delivered after the receiver came back',
    );
    const statuses = bodiesOf(receiver.received)
      .filter((b) => b.data.agent_id === agent.id)
      .map((b) => b.data.status);
    expect(statuses).toEqual(['away', 'busy', 'online']);
    await api.request('DELETE', `/api/webhooks/${webhook.id}`, { token: admin });
  });

  it('does not retry a 4xx; a redelivery sends the same event again; a ping is delivered and logged', async () => {
    const webhook = await createWebhook({ event_types: ['agent.status_changed'] });
    const agent = await createUserAndLogin(api, admin, { role: 'agent' });
    receiver.received.length = 0;
    receiver.script.push({ status: 410, body: '{"error":"gone"}' });
    await api.request('POST', '/api/presence/status', { token: agent.token, body: { status: 'away' } });
    const failed = await eventually(
      async () => (await deliveries(webhook.id)).find((d) => d.status === 'failed'),
      'the 410 recorded',
    );
    expect(failed.attempts).toHaveLength(1);
    expect(failed.attempts[0]).toMatchObject({ response_status: 410 });
    expect((await deliveries(webhook.id, '&status=failed'))[0]!.attempts[0]!.response_status).toBe(410);

    // A later event of the same agent goes out (the failed one no longer holds the line) …
    await api.request('POST', '/api/presence/status', { token: agent.token, body: { status: 'busy' } });
    await eventually(
      async () => (await deliveries(webhook.id, '&status=delivered')).length === 1,
      'the next event delivered',
    );
    // … and the 410 was never attempted again.
    expect((await deliveries(webhook.id, '&status=failed'))[0]!.attempts).toHaveLength(1);
    expect(receiver.received.filter((r) => r.headers['switchboard-delivery-id'] === failed.id)).toHaveLength(1);

    const redelivered = await api.request('POST', `/api/webhooks/deliveries/${failed.id}/redeliver`, { token: admin });
    expect(redelivered.status, redelivered.text).toBe(202);
    const done = await eventually(
      async () => (await deliveries(webhook.id)).find((d) => d.id === failed.id && d.status === 'delivered'),
      'the redelivery',
    );
    expect(done.attempts.map((a) => a.response_status)).toEqual([410, 200]);
    const copies = receiver.received.filter((r) => r.headers['switchboard-delivery-id'] === failed.id);
    expect(copies).toHaveLength(2);
    expect(JSON.parse(copies[1]!.rawBody).id).toBe(failed.event_id);
    const again = await api.request('POST', `/api/webhooks/deliveries/${failed.id}/redeliver`, { token: admin });
    expect(again.status).toBe(202);

    const ping = await api.request('POST', `/api/webhooks/${webhook.id}/test`, { token: admin });
    expect(ping.status).toBe(202);
    await eventually(
      async () => (await deliveries(webhook.id, '&event_type=ping')).find((d) => d.status === 'delivered'),
      'the ping',
    );
    const pinged = bodiesOf(receiver.received).find((b) => b.type === 'ping')!;
    expect(pinged.data).toMatchObject({ webhook_id: webhook.id });

    const firstPage = await api.request('GET', `/api/webhooks/${webhook.id}/deliveries?limit=1`, { token: admin });
    expect(firstPage.body.items).toHaveLength(1);
    expect(firstPage.body.next_cursor).toEqual(expect.any(String));
    const secondPage = await api.request(
      'GET',
      `/api/webhooks/${webhook.id}/deliveries?limit=1&cursor=${firstPage.body.next_cursor}`,
      { token: admin },
    );
    expect(secondPage.body.items[0].id).not.toBe(firstPage.body.items[0].id);
    await api.request('DELETE', `/api/webhooks/${webhook.id}`, { token: admin });
  });

  it('a rotated secret signs alongside the previous one during the overlap', async () => {
    const webhook = await createWebhook({ event_types: ['agent.status_changed'] });
    const rotated = await api.request('PATCH', `/api/webhooks/${webhook.id}`, {
      token: admin,
      body: { rotate_secret: { overlap_seconds: 3600 } },
    });
    expect(rotated.status, rotated.text).toBe(200);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).not.toBe(webhook.secret);
    receiver.received.length = 0;
    await api.request('POST', `/api/webhooks/${webhook.id}/test`, { token: admin });
    // This webhook's ping: a redelivery the previous test asked for may still arrive first.
    const request = await eventually(
      () =>
        receiver.received.find((r) => {
          const body = JSON.parse(r.rawBody) as { type: string; data: { webhook_id?: string } };
          return body.type === 'ping' && body.data.webhook_id === webhook.id;
        }),
      'the ping',
    );
    const header = request.headers['switchboard-signature'] as string;
    expect(header.split(',').filter((p) => p.startsWith('v1='))).toHaveLength(2);
    expect(verifySwitchboardSignature(header, request.rawBody, newSecret)).toBe(true);
    expect(verifySwitchboardSignature(header, request.rawBody, webhook.secret)).toBe(true);
    await api.request('DELETE', `/api/webhooks/${webhook.id}`, { token: admin });
  });

  it('publishes the event catalogue in the OpenAPI document (webhooks section)', async () => {
    const doc = await api.request('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.webhooks).sort()).toEqual([...ALL_TYPES, 'ping'].sort());
    const callEnded = doc.body.webhooks['call.ended'].post;
    expect(callEnded.requestBody.content['application/json'].schema.properties.data.properties).toHaveProperty(
      'has_recording',
    );
    expect(callEnded.parameters.map((p: { name: string }) => p.name)).toContain('Switchboard-Signature');
  });
});

describe('a webhook failing continuously', () => {
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  let api: TestServer;
  let receiver: EventReceiver;

  beforeAll(async () => {
    api = await startTestServer({}, { modules: testModules, clock });
    receiver = await startEventReceiver();
    receiver.fallback = { status: 503, body: 'unavailable' };
  });
  afterAll(async () => {
    await api.close();
    await receiver.close();
  });

  it('is disabled after 24 hours, admins are told on their sockets, and it can be turned back on', async () => {
    const admin = await api.adminToken();
    const created = await api.request('POST', '/api/webhooks', {
      token: admin,
      body: { url: receiver.url, allow_http: true, event_types: ['agent.status_changed'] },
    });
    const webhookId = created.body.id as string;
    const socket = await connectSocket(api.baseUrl, { token: admin });
    await api.request('POST', '/api/presence/status', { token: admin, body: { status: 'away' } });
    await eventually(async () => {
      const read = await api.request('GET', `/api/webhooks/${webhookId}`, { token: admin });
      return read.body.failing_since !== null;
    }, 'the first failure');

    clock.offsetMs = 25 * 3600_000; // a day later, by the server's clock
    const fresh = await api.login('admin@acme.test', 'correct horse battery staple');
    const disabled = await eventually(async () => {
      const read = await api.request('GET', `/api/webhooks/${webhookId}`, { token: fresh.accessToken });
      return read.body.is_active === false && read.body;
    }, 'the webhook disabled');
    expect(disabled.disabled_reason).toMatch(/24 hours/);
    expect(disabled.disabled_at).toEqual(expect.any(String));
    await socket.waitFor((events) => events.some((e) => e.event === 'webhook_disabled'));
    expect(socket.received.find((e) => e.event === 'webhook_disabled')!.data).toMatchObject({ webhook_id: webhookId });
    socket.socket.close();

    // Nothing more is sent to it while disabled.
    const sentWhileDisabled = receiver.received.length;
    await api.request('POST', '/api/presence/status', { token: fresh.accessToken, body: { status: 'online' } });
    const page = await api.request('GET', `/api/webhooks/${webhookId}/deliveries`, { token: fresh.accessToken });
    expect(page.body.items.every((d: { status: string }) => d.status === 'failed')).toBe(true);
    expect(receiver.received.length).toBe(sentWhileDisabled);

    receiver.fallback = { status: 200 };
    const enabled = await api.request('PATCH', `/api/webhooks/${webhookId}`, {
      token: fresh.accessToken,
      body: { is_active: true },
    });
    expect(enabled.body).toMatchObject({ is_active: true, disabled_at: null, failing_since: null });
  });

  it('prunes finished deliveries past WEBHOOK_DELIVERY_RETENTION_DAYS (30) and keeps recent ones', async () => {
    receiver.fallback = { status: 200 };
    const admin = (await api.login('admin@acme.test', 'correct horse battery staple')).accessToken;
    const created = await api.request('POST', '/api/webhooks', {
      token: admin,
      body: { url: receiver.url, allow_http: true, event_types: ['agent.status_changed'] },
    });
    const webhookId = created.body.id as string;
    const list = async () =>
      (await api.request('GET', `/api/webhooks/${webhookId}/deliveries`, { token: admin })).body.items as {
        id: string;
        status: string;
      }[];
    await api.request('POST', `/api/webhooks/${webhookId}/test`, { token: admin });
    const [old] = await eventually(async () => {
      const items = await list();
      return items[0]?.status === 'delivered' && items;
    }, 'the first ping delivered');

    clock.offsetMs += 31 * 24 * 3600_000;
    const fresh = (await api.login('admin@acme.test', 'correct horse battery staple')).accessToken;
    await api.request('POST', `/api/webhooks/${webhookId}/test`, { token: fresh });
    const left = await eventually(async () => {
      const items = (await api.request('GET', `/api/webhooks/${webhookId}/deliveries`, { token: fresh })).body
        .items as { id: string; status: string }[];
      return items.length === 1 && items[0]!.id !== old!.id && items[0]!.status === 'delivered' && items;
    }, 'the month-old delivery pruned, the new one kept');
    expect(left).toHaveLength(1);
  });
});
