/**
 * A caller sent to voicemail leaves two things for the inbox on two paths: the recording
 * (voice-routing → the conversations module's VoicemailInbox) and the call's outcome line
 * (the contacts module's CallContacts, on the call's end, on every node). Both must land in
 * one conversation of the contact, its WhatsApp conversation, whichever is written first
 * and when both are written at once by two nodes. Over the ARI emulator: the caller hangs
 * up while recording before the recording is stored, presses # (stored, then hung up on),
 * or hangs up as the recording finishes while a second node's CallContacts handles the
 * same call's end. Then the three writers themselves, started together many times: the
 * voicemail's storage and two nodes asking for the call's conversation. On PostgreSQL the
 * transactions really overlap (separate pool connections); on PGlite they take turns.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/integrations/audio/index.js';
import { createAuditLog } from '../../src/modules/audit/index.js';
import { CallContacts } from '../../src/modules/contacts/contacts.calls.js';
import { createConversationsGateway } from '../../src/modules/contacts/contacts.conversations.js';
import { ContactsRepository } from '../../src/modules/contacts/contacts.repository.js';
import { ContactsService } from '../../src/modules/contacts/contacts.service.js';
import {
  ConversationEvents,
  ConversationsRepository,
  MediaFiles,
  VoicemailInbox,
} from '../../src/modules/conversations/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { callerDials, finishRecording, playbacksOn } from '../support/ari-emulator.queue.js';
import { requestsTo, waitFor } from '../support/pbx.js';
import {
  callOfChannel,
  hangupsOf,
  newDid,
  routeDid,
  startVoiceQueueServer,
  voiceQueue,
  type VoiceQueueTest,
} from '../support/voice-queue.js';

interface ConversationHolding {
  id: string;
  channel: string;
  voicemails: number;
  outcomes: number;
}

describe("a voicemail and its call's outcome line", () => {
  let t: VoiceQueueTest;
  let did: string;
  let sequence = 0;

  beforeAll(async () => {
    t = await startVoiceQueueServer();
    // Closed at every hour, with the voicemail action: the caller hears the greeting at once.
    const queue = await voiceQueue(
      t.api,
      t.admin,
      { name: `Recados ${newDid()}`, business_hours: { ranges: [], closed_action: { action: 'voicemail' } } },
      [],
    );
    did = newDid();
    await routeDid(t.api, t.admin, did, { default_queue_id: queue.id });
  });
  afterAll(async () => {
    await t.close();
  });

  const rowsOf = (result: unknown) =>
    (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, unknown>[];

  /** Every conversation of the caller's contact, with its voice messages and this call's outcome lines. */
  async function conversationsOf(phone: string, callId: string): Promise<ConversationHolding[]> {
    const rows = rowsOf(
      await t.api.server.database.db.execute(sql`
        select c.id, c.channel::text as channel,
          (select count(*)::int from messages m
            where m.conversation_id = c.id and m.channel_message_id like 'voicemail:%') as voicemails,
          (select count(*)::int from messages m
            where m.conversation_id = c.id and m.metadata->>'event' = 'call_outcome'
              and m.metadata->>'call_id' = ${callId}) as outcomes
        from conversations c join contacts k on k.id = c.contact_id
        where k.phone = ${phone}
        order by c.created_at`),
    );
    return rows.map((r) => ({
      id: String(r.id),
      channel: String(r.channel),
      voicemails: Number(r.voicemails),
      outcomes: Number(r.outcomes),
    }));
  }

  const total = (list: ConversationHolding[], field: 'voicemails' | 'outcomes') =>
    list.reduce((sum, c) => sum + c[field], 0);

  /** A new caller dials the DID, hears the greeting, and the recording starts: its name and the audio Asterisk will have written. */
  async function callerRecording() {
    sequence += 1;
    const phone = `+55119876503${String(sequence).padStart(2, '0')}`;
    const caller = callerDials(t.ari, { channelId: `vm-outcome-${sequence}-${did}`, did, callerNumber: phone });
    const call = await callOfChannel(t.api, t.admin, caller.id);
    await waitFor(() => playbacksOn(t.ari, caller.id).length === 1, 'the voicemail greeting');
    t.ari.finishPlayback(playbacksOn(t.ari, caller.id)[0]!.id);
    await waitFor(() => requestsTo(t.ari, 'POST', `/channels/${caller.id}/record`).length === 1, 'the recording');
    const recordingName = requestsTo(t.ari, 'POST', `/channels/${caller.id}/record`)[0]!.query.name!;
    const dir = t.api.config.asterisk.recordingsDir;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${recordingName}.wav`), encodeWav(Buffer.alloc(8000, 5), 8000));
    return { phone, channelId: caller.id, callId: call.id as string, recordingName };
  }

  /** Once the voicemail and the outcome line are both written: one WhatsApp conversation holds both, once each. */
  async function expectOneConversationHoldingBoth(phone: string, callId: string, settled = async () => {}) {
    await waitFor(async () => {
      const list = await conversationsOf(phone, callId);
      return total(list, 'voicemails') === 1 && total(list, 'outcomes') === 1;
    }, `the voicemail and the outcome line of ${phone}`);
    await settled();
    const list = await conversationsOf(phone, callId);
    expect(list).toEqual([{ id: list[0]!.id, channel: 'whatsapp', voicemails: 1, outcomes: 1 }]);
    const conversation = await t.api.request('GET', `/api/conversations/${list[0]!.id}`, { token: t.admin });
    expect(conversation.body).toMatchObject({ channel: 'whatsapp', status: 'open' });
  }

  it("share the WhatsApp conversation when the call's end is handled before the recording is stored", async () => {
    const { phone, channelId, callId, recordingName } = await callerRecording();
    t.ari.hangupChannel(channelId);
    await waitFor(
      async () => total(await conversationsOf(phone, callId), 'outcomes') === 1,
      'the outcome line, before the voicemail',
    );
    expect(total(await conversationsOf(phone, callId), 'voicemails')).toBe(0);

    finishRecording(t.ari, recordingName, 3);
    await expectOneConversationHoldingBoth(phone, callId);
  });

  it("share the WhatsApp conversation when the recording is stored before the call's end", async () => {
    const { phone, channelId, callId, recordingName } = await callerRecording();
    finishRecording(t.ari, recordingName, 3);
    await waitFor(
      async () => total(await conversationsOf(phone, callId), 'voicemails') === 1,
      'the voicemail, before the call ends',
    );
    expect(total(await conversationsOf(phone, callId), 'outcomes')).toBe(0);

    // Thanked, then hung up: the call's end comes after.
    await waitFor(() => playbacksOn(t.ari, channelId).length === 1, 'the thanks');
    t.ari.finishPlayback(playbacksOn(t.ari, channelId)[0]!.id);
    await waitFor(() => hangupsOf(t.ari, channelId).length === 1, 'the caller hung up on');
    await expectOneConversationHoldingBoth(phone, callId);
  });

  it('share one conversation when the recording ends as the caller hangs up and two nodes handle the call’s end', async () => {
    const db = t.api.server.database.db;
    const logger = createLogger({ level: 'silent' });
    // A second node's call listener on the same database and bus: it handles every call event too.
    const nodeB = new CallContacts({
      db,
      service: new ContactsService({
        repository: new ContactsRepository(db),
        audit: createAuditLog(t.clock),
        clock: t.clock,
        logger,
      }),
      conversations: createConversationsGateway({ db, publisher: t.api.server.bus, clock: t.clock }),
      publisher: t.api.server.bus,
      clock: t.clock,
      logger,
    });
    const unsubscribe = t.api.server.bus.subscribe((event) => nodeB.observe(event));
    try {
      for (let round = 0; round < 4; round += 1) {
        const { phone, channelId, callId, recordingName } = await callerRecording();
        // One frame after the other, as Asterisk sends them when the caller hangs up mid-message.
        if (round % 2 === 0) {
          finishRecording(t.ari, recordingName, 3);
          t.ari.hangupChannel(channelId);
        } else {
          t.ari.hangupChannel(channelId);
          finishRecording(t.ari, recordingName, 3);
        }
        await expectOneConversationHoldingBoth(phone, callId, () => nodeB.settled());
      }
    } finally {
      unsubscribe();
      await nodeB.settled();
    }
  });

  it('are decided once when the voicemail and two nodes choose the call’s conversation at the same moment', async () => {
    const db = t.api.server.database.db;
    const logger = createLogger({ level: 'silent' });
    const inbox = new VoicemailInbox({
      repository: new ConversationsRepository(db),
      events: new ConversationEvents(t.api.server.bus),
      files: new MediaFiles(t.api.config.media.dir),
      clock: t.clock,
      logger,
    });
    const nodes = [1, 2].map(() => createConversationsGateway({ db, publisher: t.api.server.bus, clock: t.clock }));
    const profile = await t.api.request('GET', '/api/users/profile', { token: t.admin });
    const companyId = profile.body.company_id as string;
    for (let round = 0; round < 8; round += 1) {
      const phone = `+55119876504${String(round).padStart(2, '0')}`;
      const created = await t.api.request('POST', '/api/contacts', {
        token: t.admin,
        body: { identities: [{ kind: 'phone', value: phone }] },
      });
      expect(created.status, created.text).toBe(201);
      const callId = randomUUID();
      await inbox.expect({ companyId, callId });

      const [stored, ...chosen] = await Promise.all([
        inbox.receive({
          companyId,
          callId,
          callerNumber: phone,
          recordingName: randomUUID(),
          audio: encodeWav(Buffer.alloc(800, 5), 8000),
          durationSeconds: 1,
          caption: 'Recado de voz',
        }),
        ...nodes.map((node) => node.voicemailConversation(companyId, callId, created.body.id as string)),
      ]);

      expect(chosen).toEqual([stored!.conversationId, stored!.conversationId]);
      const rows = rowsOf(
        await db.execute(
          sql`select id, channel::text as channel from conversations where contact_id = ${created.body.id}`,
        ),
      );
      expect(rows).toEqual([{ id: stored!.conversationId, channel: 'whatsapp' }]);
    }
  });
});
