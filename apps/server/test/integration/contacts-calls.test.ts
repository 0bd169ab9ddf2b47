/**
 * One customer, one timeline, end to end over real sockets and the ARI emulator: a WhatsApp
 * customer writes, then calls the DID; the offered agent's socket carries the contact's
 * summary before answer; the call lands in the same contact's timeline and conversation
 * with its outcome line. A click-to-call from a conversation joins it; a voicemail lands in
 * the timeline. Then the contact is erased: no table keeps the number, the name or the
 * message text, the files are gone, and the queue report counts the same.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/integrations/audio/index.js';
import { callerDials, finishRecording, playbacksOn } from '../support/ari-emulator.queue.js';
import { originates, requestsTo, waitFor } from '../support/pbx.js';
import { customerWrites, eventually, newCustomer } from '../support/routing.js';
import { createUserAndLogin } from '../support/server.js';
import { connectSocket } from '../support/socket.js';
import {
  agentLegsOf,
  callField,
  callOfChannel,
  newDid,
  phoneAgentOnline,
  routeDid,
  startVoiceQueueServer,
  voiceQueue,
  type PhoneAgent,
  type VoiceQueueTest,
} from '../support/voice-queue.js';
import {
  configureWhatsApp,
  startGraphStub,
  type GraphStub,
  type WhatsAppChannelSecrets,
} from '../support/whatsapp-graph-stub.js';

describe('contacts: calls beside the chat, screen pop, erasure', () => {
  let graph: GraphStub;
  let t: VoiceQueueTest;
  let secrets: WhatsAppChannelSecrets;
  let agent: PhoneAgent;
  // Online too, but not rung: neither may get the screen pop.
  let colleague: PhoneAgent;
  let supervisor: Awaited<ReturnType<typeof connectSocket>>;
  let queue: { id: string; name: string };
  let did: string;
  const waId = newCustomer();
  const phone = `+${waId}`;
  const firstText = 'Olá, quero saber do meu pedido 4471-XPTO';
  const contactName = 'Maria Zuleica Souza';
  let contactId: string;
  let whatsappConversationId: string;
  let answeredCallId: string;
  let recordingFile: string;
  let voicemailFile: string;

  const timeline = async (query = '') => {
    const response = await t.api.request('GET', `/api/contacts/${contactId}/timeline?limit=200${query}`, {
      token: t.admin,
    });
    expect(response.status, response.text).toBe(200);
    return response.body.items as any[];
  };

  beforeAll(async () => {
    graph = await startGraphStub();
    t = await startVoiceQueueServer({ WHATSAPP_GRAPH_URL: graph.url });
    secrets = await configureWhatsApp(t.api, t.admin);
    agent = await phoneAgentOnline(t.api, t.admin);
    colleague = await phoneAgentOnline(t.api, t.admin);
    const boss = await createUserAndLogin(t.api, t.admin, { role: 'supervisor' });
    supervisor = await connectSocket(t.api.baseUrl, { token: boss.token });
    queue = await voiceQueue(t.api, t.admin, { name: `Atendimento ${newDid()}` }, [agent]);
    did = newDid();
    await routeDid(t.api, t.admin, did, { default_queue_id: queue.id });
  });
  afterAll(async () => {
    agent.disconnect();
    colleague?.disconnect();
    supervisor?.socket.disconnect();
    await t.close();
    await graph.close();
  });

  it('a WhatsApp customer who calls the DID pops up on the agent before answer, and the call joins their conversation', async () => {
    const { api, ari, admin } = t;
    await customerWrites(api, secrets, waId, firstText, contactName);
    const conversation = await eventually(async () => {
      const list = await api.request('GET', `/api/conversations?q=${waId}&limit=5`, { token: admin });
      return (list.body.items as any[]).find((c) => c.channel === 'whatsapp');
    }, 'the WhatsApp conversation');
    whatsappConversationId = conversation.id;

    const caller = callerDials(ari, { channelId: `caller-${did}`, did, callerNumber: phone });
    const call = await callOfChannel(api, admin, caller.id);
    answeredCallId = call.id;
    await waitFor(() => agentLegsOf(ari, call.id).length === 1, 'agent rung');
    await agent.waitFor((r) => r.some((e) => e.event === 'call_contact_identified' && e.data.call_id === call.id));
    const pop = agent.received.find((e) => e.event === 'call_contact_identified')!.data as any;
    expect(pop.offer_id).toEqual(expect.any(String));
    expect(pop.contact).toMatchObject({
      name: contactName,
      phone,
      open_conversation_id: whatsappConversationId,
    });
    contactId = pop.contact.contact_id;
    expect(pop.contact.recent_conversations[0]).toMatchObject({
      conversation_id: whatsappConversationId,
      channel: 'whatsapp',
      last_message_preview: firstText,
    });

    const [leg] = agentLegsOf(ari, call.id);
    ari.enterStasis(leg!.channelId, leg!.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'in_progress', 'answered');
    // Before answer on the rung agent's socket; never on a colleague's or a supervisor's, who
    // do get the call's own events.
    const isAnswered = (e: { event: string; data: any }) =>
      e.event === 'call_answered' && (e.data.id === call.id || e.data.call_id === call.id);
    await agent.waitFor((r) => r.some(isAnswered));
    const popAt = agent.received.findIndex((e) => e.event === 'call_contact_identified' && e.data.call_id === call.id);
    expect(popAt).toBeGreaterThanOrEqual(0);
    expect(agent.received.findIndex(isAnswered)).toBeGreaterThan(popAt);
    await supervisor.waitFor((r) => r.some(isAnswered));
    expect(supervisor.received.filter((e) => e.event === 'call_contact_identified')).toEqual([]);
    expect(colleague.received.filter((e) => e.event === 'call_contact_identified')).toEqual([]);
    const record = ari.requests.filter((r) => r.method === 'POST' && /\/bridges\/.*\/record$/.test(r.path)).at(-1)!;
    const dir = api.config.asterisk.recordingsDir;
    mkdirSync(dir, { recursive: true });
    recordingFile = join(dir, `${record.query.name}.wav`);
    writeFileSync(recordingFile, encodeWav(Buffer.alloc(8000, 5), 8000));
    finishRecording(ari, record.query.name!, 1);
    ari.hangupChannel(caller.id);
    await waitFor(async () => (await callField(api, admin, call.id, 'status')) === 'completed', 'completed');

    const items = await eventually(async () => {
      const all = await timeline();
      return all.some((i) => i.type === 'event' && i.message.text?.startsWith('Chamada atendida por'))
        ? all
        : undefined;
    }, 'the outcome line');
    const callItem = items.find((i) => i.type === 'call' && i.call.call_id === call.id);
    expect(callItem).toMatchObject({
      conversation_id: whatsappConversationId,
      call: {
        direction: 'inbound',
        status: 'completed',
        agent_id: agent.id,
        queue_id: queue.id,
        queue_name: queue.name,
      },
    });
    expect(callItem.call.wait_seconds).toBeGreaterThanOrEqual(0);
    const outcome = items.find((i) => i.type === 'event' && i.message.text?.startsWith('Chamada atendida por'));
    expect(outcome.conversation_id).toBe(whatsappConversationId);
    expect(outcome.message.text).toMatch(/^Chamada atendida por .+ · \d+ s$/);
    const written = items.find((i) => i.type === 'message' && i.message.text === firstText);
    expect(written.conversation_id).toBe(whatsappConversationId);
    // Exactly one outcome line, though the call's events were seen more than once.
    expect(items.filter((i) => i.type === 'event' && i.message.text?.startsWith('Chamada'))).toHaveLength(1);
  });

  it('a click-to-call from the conversation joins that conversation', async () => {
    const { api, ari, admin } = t;
    const placed = await api.request('POST', `/api/conversations/${whatsappConversationId}/call`, { token: admin });
    expect(placed.status, placed.text).toBe(201);
    const callId: string = placed.body.call_id;
    const agentLeg = originates(ari).find((o) => o.appArgs[1] === callId && o.appArgs[0] === 'outbound')!;
    ari.enterStasis(agentLeg.channelId, agentLeg.appArgs, { app: 'switchboard' });
    await waitFor(
      () => originates(ari).some((o) => o.appArgs[0] === 'outbound-customer' && o.appArgs[1] === callId),
      'customer dialled',
    );
    const customerLeg = originates(ari).find((o) => o.appArgs[0] === 'outbound-customer' && o.appArgs[1] === callId)!;
    ari.enterStasis(customerLeg.channelId, customerLeg.appArgs, { app: 'switchboard' });
    await waitFor(async () => (await callField(api, admin, callId, 'status')) === 'in_progress', 'answered');
    ari.hangupChannel(customerLeg.channelId);
    await waitFor(async () => (await callField(api, admin, callId, 'status')) === 'completed', 'completed');
    const items = await eventually(async () => {
      const all = await timeline('&type=call');
      const item = all.find((i) => i.call.call_id === callId);
      return item?.conversation_id ? all : undefined;
    }, 'the click-to-call in the timeline');
    expect(items.find((i) => i.call.call_id === callId)).toMatchObject({
      conversation_id: whatsappConversationId,
      call: { direction: 'outbound', to_number: phone },
    });
    const lines = await eventually(async () => {
      const events = await timeline('&type=event');
      return events.some((i) => i.message.text?.startsWith(`Chamada para ${phone} atendida`)) ? events : undefined;
    }, 'the outbound outcome line');
    expect(lines.find((i) => i.message.text?.startsWith(`Chamada para ${phone}`)).conversation_id).toBe(
      whatsappConversationId,
    );
  });

  it('a voicemail the customer leaves appears in their timeline with its audio', async () => {
    const { api, ari, admin } = t;
    const closed = await voiceQueue(
      api,
      admin,
      { name: `Fechada ${newDid()}`, business_hours: { ranges: [], closed_action: { action: 'voicemail' } } },
      [],
    );
    const closedDid = newDid();
    await routeDid(api, admin, closedDid, { default_queue_id: closed.id });
    const caller = callerDials(ari, { channelId: `vm-${closedDid}`, did: closedDid, callerNumber: phone });
    await callOfChannel(api, admin, caller.id);
    const plays = () => ari.requests.filter((r) => r.method === 'POST' && r.path === `/ari/channels/${caller.id}/play`);
    await waitFor(() => plays().length >= 1, 'voicemail greeting');
    ari.finishPlayback(playbacksOn(ari, caller.id).at(-1)!.id);
    await waitFor(() => requestsTo(ari, 'POST', `/channels/${caller.id}/record`).length === 1, 'recording');
    const name = requestsTo(ari, 'POST', `/channels/${caller.id}/record`)[0]!.query.name!;
    const dir = api.config.asterisk.recordingsDir;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.wav`), encodeWav(Buffer.alloc(8000, 3), 8000));
    finishRecording(ari, name, 3);
    const voicemail = await eventually(async () => (await timeline('&type=voicemail'))[0], 'the voicemail');
    expect(voicemail.message.media_kind).toBe('audio');
    expect(voicemail.message.media_url).toMatch(/^\/api\/conversations\/.+\/messages\/.+\/media$/);
    const audio = await api.request('GET', voicemail.message.media_url, { token: admin });
    expect(audio.status).toBe(200);
    voicemailFile = join(api.config.media.dir, (await companyId()) ?? '', voicemail.message.message_id);
    expect(existsSync(voicemailFile)).toBe(true);
  });

  it('exports everything with working file links', async () => {
    const { api, admin } = t;
    const exported = await api.request('GET', `/api/contacts/${contactId}/export`, { token: admin });
    expect(exported.status).toBe(200);
    expect(exported.body.contact.name).toBe(contactName);
    expect(JSON.stringify(exported.body.conversations)).toContain(firstText);
    expect(exported.body.calls.map((c: any) => c.id)).toContain(answeredCallId);
    const kinds = exported.body.files.map((f: any) => f.kind).sort();
    expect(kinds).toEqual(expect.arrayContaining(['media', 'recording']));
    for (const file of exported.body.files) {
      const response = await fetch(`${api.baseUrl}${file.url}`);
      expect(response.status, file.url).toBe(200);
      await response.arrayBuffer();
    }
    const forged = await fetch(`${api.baseUrl}${exported.body.files[0].url.slice(0, -3)}abc`);
    expect(forged.status).toBe(404);
  });

  it('exports the same after a migration adds a column to conversations (a node still running mid-upgrade)', async () => {
    const { api, admin } = t;
    const before = await api.request('GET', `/api/contacts/${contactId}/export`, { token: admin });
    expect(before.status).toBe(200);
    // The export's statements are prepared under a name (ADR 33) on this node's connections.
    await api.server.database.db.execute(sql`alter table conversations add column upgrade_probe integer`);
    try {
      const after = await api.request('GET', `/api/contacts/${contactId}/export`, { token: admin });
      expect(after.status).toBe(200);
      expect(after.body.conversations.map((c: any) => c.id)).toEqual(before.body.conversations.map((c: any) => c.id));
      expect(after.body.conversations[0]).toMatchObject({ upgrade_probe: null, contact_id: contactId });
    } finally {
      await api.server.database.db.execute(sql`alter table conversations drop column upgrade_probe`);
    }
  });

  it('erases the contact: no table keeps the number, the name or the text, files are gone, reports count the same', async () => {
    const { api, admin } = t;
    const day = new Date();
    const from = new Date(day.getTime() - 86_400_000).toISOString();
    const to = new Date(day.getTime() + 86_400_000).toISOString();
    const report = async () => {
      const response = await api.request(
        'GET',
        `/api/reports/queues?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&tz=UTC&interval=day`,
        { token: admin },
      );
      expect(response.status, response.text).toBe(200);
      return response.body.totals;
    };
    const before = await report();
    expect(JSON.stringify(before)).toContain(queue.id);

    const erased = await api.request('POST', `/api/contacts/${contactId}/erase`, {
      token: admin,
      body: { confirmation: 'APAGAR' },
    });
    expect(erased.status, erased.text).toBe(204);
    expect((await api.request('GET', `/api/contacts/${contactId}`, { token: admin })).status).toBe(404);
    expect(existsSync(recordingFile)).toBe(false);
    expect(existsSync(voicemailFile)).toBe(false);
    expect(await report()).toEqual(before);

    const found = await columnsHolding([waId, contactName, firstText, '4471-XPTO']);
    expect(found).toEqual([]);
  });

  async function companyId(): Promise<string | undefined> {
    const profile = await t.api.request('GET', '/api/users/profile', { token: t.admin });
    return profile.body.company_id as string | undefined;
  }

  /** Every text, varchar and JSON column of every table, searched for each value. */
  async function columnsHolding(values: string[]): Promise<string[]> {
    const db = t.api.server.database.db;
    const rowsOf = (result: unknown) =>
      (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, unknown>[];
    const columns = rowsOf(
      await db.execute(sql`select table_name, column_name, data_type from information_schema.columns
        where table_schema = current_schema() and data_type in ('text', 'character varying', 'jsonb', 'json')`),
    );
    expect(columns.length).toBeGreaterThan(50);
    const hits: string[] = [];
    for (const column of columns) {
      const table = String(column.table_name);
      const name = String(column.column_name);
      if (table === '__drizzle_migrations') continue;
      for (const value of values) {
        const [row] = rowsOf(
          await db.execute(
            sql`select count(*)::int as n from ${sql.identifier(table)} where ${sql.identifier(name)}::text like ${`%${value}%`}`,
          ),
        );
        if (Number(row?.n) > 0) hits.push(`${table}.${name} holds ${value}`);
      }
    }
    return hits;
  }
});
