/**
 * The contacts API over HTTP: identities normalized and unique per company, search and
 * filters, edit, delete, merge (with the merged id pointing at its survivor), settings,
 * and tenancy: another company's contact is 404 on every route, and cannot be merged.
 * The contact panel's summary for the agents handling the contact; contact.* events reach
 * a subscribed webhook, signed, written with the change.
 */
import { webhookEnvelopeSchema, webhookEventCatalogue, type WebhookEventType } from '@switchboard/contracts';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  eventually,
  startEventReceiver,
  verifySwitchboardSignature,
  type EventReceiver,
} from '../support/event-receiver.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';

describe('contacts API', () => {
  let api: TestServer;
  let admin: string;
  let agent: { id: string; token: string };
  let otherAdmin: string;

  const create = async (body: Record<string, unknown>, token = admin) => {
    const response = await api.request('POST', '/api/contacts', { token, body });
    expect(response.status, response.text).toBe(201);
    return response.body;
  };

  beforeAll(async () => {
    api = await startTestServer({ SIGNUP_ENABLED: 'true' });
    admin = await api.adminToken();
    agent = await createUserAndLogin(api, admin, { role: 'agent' });
    const other = await api.request('POST', '/api/users/register', {
      body: { company_name: 'Outra', name: 'Outro', email: 'outro@contacts.test', password: 'uma senha longa e boa' },
    });
    expect(other.status).toBe(201);
    otherAdmin = other.body.access_token;
  });
  afterAll(async () => {
    await api.close();
  });

  it('normalizes phone numbers to E.164 in the company’s country and e-mail to lower case', async () => {
    const contact = await create({
      name: 'Maria Souza',
      identities: [
        { kind: 'phone', value: '(11) 98765-4321' },
        { kind: 'email', value: 'Maria@Example.COM' },
        { kind: 'whatsapp', value: '+55 11 98765-4321' },
        { kind: 'webchat', value: 'visitor-123' },
      ],
      custom_attributes: { plano: 'ouro', cliente_desde: 2019 },
    });
    expect(contact).toMatchObject({ name: 'Maria Souza', phone: '+5511987654321', email: 'maria@example.com' });
    expect(contact.identities.map((i: any) => [i.kind, i.value]).sort()).toEqual(
      [
        ['email', 'maria@example.com'],
        ['phone', '+5511987654321'],
        ['webchat', 'visitor-123'],
        ['whatsapp', '5511987654321'],
      ].sort(),
    );
    expect(contact.custom_attributes).toEqual({ plano: 'ouro', cliente_desde: 2019 });
  });

  it('refuses an identity another contact has (409), a bad number (400) and oversized attributes (400)', async () => {
    const taken = await api.request('POST', '/api/contacts', {
      token: admin,
      body: { identities: [{ kind: 'phone', value: '+55 11 98765-4321' }] },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('contact.identity_taken');
    const bad = await api.request('POST', '/api/contacts', {
      token: admin,
      body: { identities: [{ kind: 'phone', value: '12' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const big = await api.request('POST', '/api/contacts', {
      token: admin,
      body: { custom_attributes: { notes: 'x'.repeat(9000) } },
    });
    expect(big.status).toBe(400);
    const list = await api.request('GET', '/api/contacts?q=98765', { token: admin });
    expect(list.body.items).toHaveLength(1);
  });

  it('reads phone numbers in the country the company set', async () => {
    expect((await api.request('GET', '/api/contacts/settings', { token: agent.token })).body).toEqual({
      country: 'BR',
    });
    const forbidden = await api.request('PUT', '/api/contacts/settings', {
      token: agent.token,
      body: { country: 'PT' },
    });
    expect(forbidden.status).toBe(403);
    const set = await api.request('PUT', '/api/contacts/settings', { token: admin, body: { country: 'PT' } });
    expect(set.status).toBe(200);
    const portuguese = await create({ identities: [{ kind: 'phone', value: '912 345 678' }] });
    expect(portuguese.phone).toBe('+351912345678');
    expect((await api.request('PUT', '/api/contacts/settings', { token: admin, body: { country: 'ZZ' } })).status).toBe(
      400,
    );
    await api.request('PUT', '/api/contacts/settings', { token: admin, body: { country: 'BR' } });
  });

  it('lists with search by name, phone and e-mail, newest first, with a cursor; every role sees contacts', async () => {
    const joao = await create({ name: 'João Pereira', identities: [{ kind: 'email', value: 'joao@pereira.test' }] });
    await create({ name: 'Ana Lima', identities: [{ kind: 'phone', value: '21 99999-0001' }] });
    const byName = await api.request('GET', `/api/contacts?q=${encodeURIComponent('joão')}`, { token: agent.token });
    expect(byName.status).toBe(200);
    expect(byName.body.items.map((c: any) => c.id)).toEqual([joao.id]);
    const byEmail = await api.request('GET', '/api/contacts?q=pereira.test', { token: agent.token });
    expect(byEmail.body.items.map((c: any) => c.id)).toEqual([joao.id]);
    const byPhone = await api.request('GET', '/api/contacts?q=99999-0001', { token: agent.token });
    expect(byPhone.body.items.map((c: any) => c.name)).toEqual(['Ana Lima']);
    const first = await api.request('GET', '/api/contacts?limit=2', { token: agent.token });
    expect(first.body.items).toHaveLength(2);
    const second = await api.request('GET', `/api/contacts?limit=2&cursor=${first.body.next_cursor}`, {
      token: agent.token,
    });
    const seen = [...first.body.items, ...second.body.items].map((c: any) => c.id);
    expect(new Set(seen).size).toBe(seen.length);
    const viaWhatsApp = await api.request('GET', '/api/contacts?channel=whatsapp', { token: agent.token });
    expect(viaWhatsApp.body.items).toEqual([]);
  });

  it('filters by label (the desk’s labels)', async () => {
    const label = await api.request('POST', '/api/labels', { token: admin, body: { name: 'vip', colour: '#aa0000' } });
    expect(label.status, label.text).toBe(201);
    const vip = await create({ name: 'Cliente VIP' });
    const tagged = await api.request('PUT', `/api/contacts/${vip.id}/labels`, {
      token: admin,
      body: { label_ids: [label.body.id] },
    });
    expect([200, 204]).toContain(tagged.status);
    const list = await api.request('GET', `/api/contacts?label_id=${label.body.id}`, { token: agent.token });
    expect(list.body.items.map((c: any) => c.id)).toEqual([vip.id]);
    expect(list.body.items[0].labels).toEqual([{ id: label.body.id, name: 'vip', colour: '#aa0000' }]);
  });

  it('edits name, attributes and identities, and deletes', async () => {
    const contact = await create({ name: 'Carlos', identities: [{ kind: 'phone', value: '11 3333-4444' }] });
    const patched = await api.request('PATCH', `/api/contacts/${contact.id}`, {
      token: agent.token,
      body: {
        name: 'Carlos Alberto',
        identities: [
          { kind: 'phone', value: '11 3333-5555' },
          { kind: 'email', value: 'carlos@x.test' },
        ],
        custom_attributes: { segmento: 'varejo' },
      },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Carlos Alberto', phone: '+551133335555', email: 'carlos@x.test' });
    expect(patched.body.identities.map((i: any) => i.value)).not.toContain('+551133334444');
    const freed = await create({ identities: [{ kind: 'phone', value: '11 3333-4444' }] });
    expect(freed.phone).toBe('+551133334444');
    expect((await api.request('DELETE', `/api/contacts/${freed.id}`, { token: agent.token })).status).toBe(204);
    expect((await api.request('GET', `/api/contacts/${freed.id}`, { token: agent.token })).status).toBe(404);
  });

  it('merges: identities and attributes move, the other id answers 404 pointing at the survivor', async () => {
    const keep = await create({
      name: 'Paula',
      identities: [{ kind: 'phone', value: '11 91111-2222' }],
      custom_attributes: { a: 1 },
    });
    const other = await create({
      identities: [
        { kind: 'phone', value: '11 92222-3333' },
        { kind: 'email', value: 'paula@mail.test' },
      ],
      custom_attributes: { a: 2, b: 3 },
    });
    const merged = await api.request('POST', `/api/contacts/${keep.id}/merge`, {
      token: agent.token,
      body: { other_id: other.id },
    });
    expect(merged.status, merged.text).toBe(200);
    expect(merged.body.identities.map((i: any) => i.value).sort()).toEqual(
      ['+5511911112222', '+5511922223333', 'paula@mail.test'].sort(),
    );
    expect(merged.body.custom_attributes).toEqual({ a: 1, b: 3 });
    const gone = await api.request('GET', `/api/contacts/${other.id}`, { token: agent.token });
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('contact.merged');
    expect(gone.body.detail).toContain(keep.id);
    expect(gone.headers.get('link')).toBe(`</api/contacts/${keep.id}>; rel="canonical"`);
    const again = await api.request('POST', `/api/contacts/${keep.id}/merge`, {
      token: agent.token,
      body: { other_id: other.id },
    });
    expect(again.status).toBe(404);
    const self = await api.request('POST', `/api/contacts/${keep.id}/merge`, {
      token: agent.token,
      body: { other_id: keep.id },
    });
    expect(self.status).toBe(400);
    const audit = await api.request('GET', `/api/audit-log?action=contact.merged&target_id=${keep.id}`, {
      token: admin,
    });
    expect(audit.body.items[0]).toMatchObject({ actor_user_id: agent.id, details: { merged_contact_id: other.id } });
  });

  it("answers 404 for another company's contact on every route, and never merges across companies", async () => {
    const mine = await create({ name: 'Só minha', identities: [{ kind: 'phone', value: '11 95555-6666' }] });
    const theirs = await create({ name: 'Deles', identities: [{ kind: 'phone', value: '11 95555-6666' }] }, otherAdmin);
    const routes: [string, string, unknown?][] = [
      ['GET', `/api/contacts/${mine.id}`],
      ['PATCH', `/api/contacts/${mine.id}`, { name: 'x' }],
      ['DELETE', `/api/contacts/${mine.id}`],
      ['GET', `/api/contacts/${mine.id}/timeline`],
      ['GET', `/api/contacts/${mine.id}/summary`],
      ['GET', `/api/contacts/${mine.id}/export`],
      ['POST', `/api/contacts/${mine.id}/erase`, { confirmation: 'APAGAR' }],
      ['POST', `/api/contacts/${mine.id}/merge`, { other_id: theirs.id }],
      ['POST', `/api/contacts/${theirs.id}/merge`, { other_id: mine.id }],
    ];
    for (const [method, path, body] of routes) {
      const response = await api.request(method, path, { token: otherAdmin, body });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    const cross = await api.request('POST', `/api/contacts/${mine.id}/merge`, {
      token: admin,
      body: { other_id: theirs.id },
    });
    expect(cross.status).toBe(404);
    expect((await api.request('GET', `/api/contacts/${mine.id}`, { token: admin })).body.name).toBe('Só minha');
    expect((await api.request('GET', `/api/contacts/${theirs.id}`, { token: otherAdmin })).body.name).toBe('Deles');
    const list = await api.request('GET', '/api/contacts?q=95555', { token: otherAdmin });
    expect(list.body.items.map((c: any) => c.id)).toEqual([theirs.id]);
  });

  it('exports and erases only for administrators, erasure with a typed confirmation', async () => {
    const contact = await create({ name: 'Rita', identities: [{ kind: 'phone', value: '11 97777-8888' }] });
    expect((await api.request('GET', `/api/contacts/${contact.id}/export`, { token: agent.token })).status).toBe(403);
    expect(
      (
        await api.request('POST', `/api/contacts/${contact.id}/erase`, {
          token: agent.token,
          body: { confirmation: 'APAGAR' },
        })
      ).status,
    ).toBe(403);
    const unconfirmed = await api.request('POST', `/api/contacts/${contact.id}/erase`, {
      token: admin,
      body: { confirmation: 'sim' },
    });
    expect(unconfirmed.status).toBe(400);
    const exported = await api.request('GET', `/api/contacts/${contact.id}/export`, { token: admin });
    expect(exported.status).toBe(200);
    expect(exported.body.contact).toMatchObject({ id: contact.id, name: 'Rita', phone: '+5511977778888' });
    const erased = await api.request('POST', `/api/contacts/${contact.id}/erase`, {
      token: admin,
      body: { confirmation: 'APAGAR' },
    });
    expect(erased.status).toBe(204);
    const twice = await api.request('POST', `/api/contacts/${contact.id}/erase`, {
      token: admin,
      body: { confirmation: 'ERASE' },
    });
    expect(twice.status).toBe(204);
    expect((await api.request('GET', `/api/contacts/${contact.id}`, { token: admin })).status).toBe(404);
    const audit = await api.request('GET', `/api/audit-log?target_id=${contact.id}`, { token: admin });
    expect(audit.body.items.map((e: any) => e.action).sort()).toEqual(['contact.erased', 'contact.exported']);
  });
  it('shows the panel summary to managers and to the agents handling the contact; timelines keep to what an agent may open', async () => {
    const colleague = await createUserAndLogin(api, admin, { role: 'agent' });
    const contact = await create({ name: 'Paula Painel', identities: [{ kind: 'phone', value: '11 91234-0001' }] });
    const started = await api.request('POST', '/api/conversations', {
      token: colleague.token,
      body: { channel: 'whatsapp', contact: { phone: '+5511912340001' } },
    });
    expect(started.status, started.text).toBe(201);
    const conversationId = started.body.id as string;
    expect(started.body.assignee_id).toBe(colleague.id);
    const note = await api.request('POST', `/api/conversations/${conversationId}/notes`, {
      token: colleague.token,
      body: { body: 'cliente prefere ligação à tarde' },
    });
    expect(note.status, note.text).toBe(201);

    // A colleague's conversation: the card yes, the summary and the colleague's notes no.
    expect((await api.request('GET', `/api/contacts/${contact.id}`, { token: agent.token })).status).toBe(200);
    const refused = await api.request('GET', `/api/contacts/${contact.id}/summary`, { token: agent.token });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('contact.not_handling');
    const notesSeen = async (token: string) =>
      (await api.request('GET', `/api/contacts/${contact.id}/timeline?type=note`, { token })).body.items.length;
    expect(await notesSeen(agent.token)).toBe(0);
    expect(await notesSeen(colleague.token)).toBe(1);

    for (const token of [admin, colleague.token]) {
      const panel = await api.request('GET', `/api/contacts/${contact.id}/summary`, { token });
      expect(panel.status, panel.text).toBe(200);
      expect(panel.body.contact).toMatchObject({ id: contact.id, name: 'Paula Painel' });
      expect(panel.body.conversations).toEqual([
        expect.objectContaining({ conversation_id: conversationId, channel: 'whatsapp', assignee_id: colleague.id }),
      ]);
      expect(panel.body.notes).toEqual([
        expect.objectContaining({ conversation_id: conversationId, body: 'cliente prefere ligação à tarde' }),
      ]);
      expect(panel.body.calls).toEqual([]);
    }

    // Handed over: now the agent handles it and sees the summary and the notes.
    const assigned = await api.request('POST', `/api/conversations/${conversationId}/assign`, {
      token: admin,
      body: { agent_id: agent.id },
    });
    expect(assigned.status, assigned.text).toBe(200);
    const panel = await api.request('GET', `/api/contacts/${contact.id}/summary`, { token: agent.token });
    expect(panel.status, panel.text).toBe(200);
    expect(panel.body.notes).toHaveLength(1);
    expect(await notesSeen(agent.token)).toBe(1);
    expect(await notesSeen(colleague.token)).toBe(0);
  });

  describe('contact events on webhooks', () => {
    let receiver: EventReceiver;
    beforeAll(async () => {
      receiver = await startEventReceiver();
    });
    afterAll(async () => {
      await receiver.close();
    });

    it('delivers contact.created, contact.updated, contact.merged and contact.erased, signed, for changes made over HTTP', async () => {
      const webhook = await api.request('POST', '/api/webhooks', {
        token: admin,
        body: {
          url: receiver.url,
          allow_http: true,
          event_types: ['contact.created', 'contact.updated', 'contact.merged', 'contact.erased'],
        },
      });
      expect(webhook.status, webhook.text).toBe(201);
      const secret = webhook.body.secret as string;

      const kept = await create({ name: 'Hugo Gancho', identities: [{ kind: 'phone', value: '11 93333-0001' }] });
      const patched = await api.request('PATCH', `/api/contacts/${kept.id}`, {
        token: admin,
        body: { name: 'Hugo Gancho Filho', custom_attributes: { plano: 'prata' } },
      });
      expect(patched.status, patched.text).toBe(200);
      const folded = await create({ identities: [{ kind: 'email', value: 'hugo@gancho.test' }] }, agent.token);
      // A change refused (the number is taken) writes no event.
      const taken = await api.request('POST', '/api/contacts', {
        token: admin,
        body: { name: 'Hugo de novo', identities: [{ kind: 'phone', value: '+5511933330001' }] },
      });
      expect(taken.status).toBe(409);
      const merged = await api.request('POST', `/api/contacts/${kept.id}/merge`, {
        token: admin,
        body: { other_id: folded.id },
      });
      expect(merged.status, merged.text).toBe(200);
      // Erasure drops undelivered events that mention the contact (ADR 21): let these go out first.
      await eventually(() => {
        const sent = receiver.received.map((r) => JSON.parse(r.rawBody) as { type: string; data: { id: string } });
        return (
          sent.some((b) => b.type === 'contact.merged') &&
          sent.some((b) => b.type === 'contact.created' && b.data.id === folded.id)
        );
      }, 'the contact.merged delivery and the duplicate’s contact.created');
      const erased = await api.request('POST', `/api/contacts/${kept.id}/erase`, {
        token: admin,
        body: { confirmation: 'APAGAR' },
      });
      expect(erased.status).toBe(204);

      const bodies = await eventually(() => {
        const got = receiver.received.map((r) => JSON.parse(r.rawBody) as Record<string, any>);
        return got.some((b) => b.type === 'contact.erased') && got;
      }, 'the contact.erased delivery');
      // Deliveries keep each contact's order (one ordering key a contact), not a global one.
      const mine = bodies.filter((b) => b.data.id === kept.id);
      expect(mine.map((b) => b.type)).toEqual([
        'contact.created',
        'contact.updated',
        'contact.merged',
        'contact.erased',
      ]);
      expect(bodies.filter((b) => b.data.id === folded.id).map((b) => b.type)).toEqual(['contact.created']);
      expect(mine[0]!.data).toMatchObject({
        name: 'Hugo Gancho',
        phone: '+5511933330001',
        identities: [{ channel: 'voice', external_id: '+5511933330001' }],
      });
      expect(mine[1]!.data.name).toBe('Hugo Gancho Filho');
      expect(mine[2]!.data).toEqual({ id: kept.id, merged_ids: [folded.id] });
      expect(mine[3]!.data).toEqual({ id: kept.id });
      expect(bodies.filter((b) => b.data.name === 'Hugo de novo')).toEqual([]);
      for (const request of receiver.received) {
        const body = JSON.parse(request.rawBody) as { type: WebhookEventType };
        expect(
          verifySwitchboardSignature(request.headers['switchboard-signature'] as string, request.rawBody, secret),
        ).toBe(true);
        const parsed = webhookEnvelopeSchema(body.type, webhookEventCatalogue[body.type].data).safeParse(body);
        expect(parsed.success, `${body.type}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      }
      // The erasure left no name or number of the contact in what was delivered and kept.
      const log = await api.request('GET', `/api/webhooks/${webhook.body.id}/deliveries?limit=200`, { token: admin });
      expect(log.status).toBe(200);
      expect(log.text).not.toContain('Hugo');
      expect(log.text).not.toContain('5511933330001');
    });

    it('delivers contact.deleted (not contact.erased) for DELETE, which hides the contact and keeps its data', async () => {
      // A receiver of its own: the webhook of the test above still gets this contact's contact.created.
      const own = await startEventReceiver();
      onTestFinished(() => own.close());
      const webhook = await api.request('POST', '/api/webhooks', {
        token: admin,
        body: { url: own.url, allow_http: true, event_types: ['contact.deleted', 'contact.erased'] },
      });
      expect(webhook.status, webhook.text).toBe(201);
      const gone = await create({ name: 'Iara Some', identities: [{ kind: 'phone', value: '11 93333-0002' }] });
      const deleted = await api.request('DELETE', `/api/contacts/${gone.id}`, { token: admin });
      expect(deleted.status).toBe(204);
      expect((await api.request('GET', `/api/contacts/${gone.id}`, { token: admin })).status).toBe(404);
      // A second DELETE is a 404 and publishes nothing more.
      expect((await api.request('DELETE', `/api/contacts/${gone.id}`, { token: admin })).status).toBe(404);

      const delivery = await eventually(
        () =>
          own.received
            .map((r) => ({ request: r, body: JSON.parse(r.rawBody) as Record<string, any> }))
            .find((d) => d.body.type === 'contact.deleted'),
        'the contact.deleted delivery',
      );
      expect(delivery.body.data).toEqual({ id: gone.id });
      expect(delivery.body.links).toEqual({ resource: null });
      expect(
        verifySwitchboardSignature(
          delivery.request.headers['switchboard-signature'] as string,
          delivery.request.rawBody,
          webhook.body.secret as string,
        ),
      ).toBe(true);
      const parsed = webhookEnvelopeSchema('contact.deleted', webhookEventCatalogue['contact.deleted'].data).safeParse(
        delivery.body,
      );
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      // Once delivered (the webhook's log says so), nothing else went out: no erasure.
      await eventually(async () => {
        const page = await api.request('GET', `/api/webhooks/${webhook.body.id}/deliveries`, { token: admin });
        return page.body.items.length === 1 && page.body.items[0].status === 'delivered';
      }, 'the deletion logged as delivered');
      expect(own.received.map((r) => JSON.parse(r.rawBody).type)).toEqual(['contact.deleted']);
    });
  });
});
