/**
 * A call's voice conversation is opened once even when two nodes handle the same call's
 * event at the same moment (each node's CallContacts sees every call event): the second
 * finds the conversation the first created instead of failing on the open-conversation
 * unique key. On PostgreSQL the two gateways' transactions really overlap (separate pool
 * connections); on PGlite they take turns.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts, conversations } from '../../src/db/schema/index.js';
import { createConversationsGateway } from '../../src/modules/contacts/contacts.conversations.js';
import { systemClock } from '../../src/shared/clock.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe("a call's voice conversation, opened by two nodes at once", () => {
  let api: TestServer;
  let admin: string;

  beforeAll(async () => {
    api = await startTestServer();
    admin = await api.adminToken();
  });
  afterAll(async () => {
    await api.close();
  });

  it('is created once and both get its id', async () => {
    const gateway = () =>
      createConversationsGateway({ db: api.server.database.db, publisher: api.server.bus, clock: systemClock });
    const nodes = [gateway(), gateway()];
    for (let round = 0; round < 5; round += 1) {
      const created = await api.request('POST', '/api/contacts', {
        token: admin,
        body: { name: `Cliente ${round}` },
      });
      expect(created.status, created.text).toBe(201);
      const [contact] = await api.server.database.db
        .select({ id: contacts.id, companyId: contacts.companyId })
        .from(contacts)
        .where(eq(contacts.id, created.body.id));

      const ids = await Promise.all(nodes.map((node) => node.openVoiceConversation(contact!.companyId, contact!.id)));

      expect(ids[0]).toBe(ids[1]);
      const rows = await api.server.database.db
        .select({ id: conversations.id, status: conversations.status })
        .from(conversations)
        .where(and(eq(conversations.contactId, contact!.id), eq(conversations.channel, 'voice')));
      expect(rows).toEqual([{ id: ids[0], status: 'open' }]);
    }
  });
});
