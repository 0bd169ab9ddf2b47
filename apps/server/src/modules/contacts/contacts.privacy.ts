/**
 * LGPD: everything held about a contact (export, with file links that expire), and its
 * erasure (docs/adr/0021). Erasure scrubs in place, in one transaction: identities, names,
 * message texts and attachments' descriptions, notes, transcripts, the numbers on call
 * records and the events that carried any of them; rows that reports count (calls with
 * their durations, messages, conversations) stay, anonymous. Files go after the commit.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/driver-results.js';
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { NotFoundError } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { auditActorOf, type AuditLog } from '../audit/index.js';
import { assertAdmin, type Contact } from './contacts.js';
import { appendContactEvent } from './contacts.events.js';
import { ContactsRepository } from './contacts.repository.js';
import { assertLive } from './contacts.service.js';

export const FILE_LINK_TTL_SECONDS = 3600;

type Row = Record<string, unknown>;
const text = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean'
      ? `${value}`
      : value instanceof Date
        ? value.toISOString()
        : (JSON.stringify(value) ?? '');
const ids = (values: string[]): SQL =>
  values.length === 0
    ? sql`(null)`
    : sql`(${sql.join(
        values.map((v) => sql`${v}`),
        sql`, `,
      )})`;

export interface FileRef {
  kind: 'media' | 'recording';
  companyId: string;
  /** Message id (media) or call id (recording). */
  id: string;
}

export interface PrivacyDeps {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  secret: string;
  mediaDir: string;
  recordingsDir: string;
}

export class ContactPrivacy {
  constructor(private readonly deps: PrivacyDeps) {}

  async export(actor: Actor, contactId: string) {
    assertAdmin(actor, 'export contacts');
    const repo = new ContactsRepository(this.deps.db);
    const row = await repo.findRow(actor.companyId, contactId);
    assertLive(row);
    const contact = await repo.load(row);
    const { companyId } = actor;
    const db = this.deps.db;
    // Every column, as one jsonb value: the statement is prepared under a name (ADR 33), and
    // a `select *` would fail on a node still running when a migration adds a column.
    const conversations = rowsOf<{ row: Row }>(
      await db.execute(sql`select to_jsonb(c) as row from conversations c
        where c.company_id = ${companyId} and c.contact_id = ${contactId} order by c.created_at`),
    ).map(({ row }) => (typeof row === 'string' ? (JSON.parse(row) as Row) : row));
    const conversationIds = conversations.map((c) => text(c.id));
    const messages = rowsOf<Row>(
      await db.execute(sql`select id, conversation_id, direction, author_type, type, body, media, created_at
        from messages where company_id = ${companyId} and conversation_id in ${ids(conversationIds)} order by created_at`),
    );
    const notes = rowsOf<Row>(
      await db.execute(sql`select id, conversation_id, body, author_id, created_at from conversation_notes
        where company_id = ${companyId} and conversation_id in ${ids(conversationIds)} order by created_at`),
    );
    const links = rowsOf<Row>(
      await db.execute(sql`select call_id, voicebot_call_id from contact_call_links
        where company_id = ${companyId} and contact_id = ${contactId}`),
    );
    const callIds = links.flatMap((l) => (l.call_id ? [text(l.call_id)] : []));
    const botIds = links.flatMap((l) => (l.voicebot_call_id ? [text(l.voicebot_call_id)] : []));
    const calls = rowsOf<Row>(
      await db.execute(sql`select c.id, c.direction, c.status, c.from_number, c.to_number, c.agent_id, c.created_at,
          c.answered_at, c.ended_at, c.billable_seconds, r.status as recording_status,
          (select coalesce(json_agg(json_build_object('body', n.body, 'created_at', n.created_at)), '[]'::json)
             from call_notes n where n.call_id = c.id) as notes
        from calls c left join call_recordings r on r.call_id = c.id
        where c.company_id = ${companyId} and c.id in ${ids(callIds)} order by c.created_at`),
    );
    const bots = rowsOf<Row>(
      await db.execute(sql`select v.id, v.status, v.outcome, v.unit_number, v.visitor_name, v.purpose, v.started_at,
          (select coalesce(json_agg(json_build_object('who', t.who, 'text', t.text, 'at', t.at) order by t.seq), '[]'::json)
             from voicebot_transcript_lines t where t.call_id = v.id) as transcript
        from voicebot_calls v where v.company_id = ${companyId} and v.id in ${ids(botIds)} order by v.started_at`),
    );
    const expiresAt = new Date(this.deps.clock.now().getTime() + FILE_LINK_TTL_SECONDS * 1000);
    const files = [
      ...messages
        .filter((m) => m.media !== null && m.media !== undefined)
        .map((m) => ({
          kind: 'media',
          url: `/api/contact-files?token=${this.sign({ kind: 'media', companyId, id: text(m.id) }, expiresAt)}`,
          expires_at: expiresAt.toISOString(),
        })),
      ...calls
        .filter((c) => c.recording_status === 'done')
        .map((c) => ({
          kind: 'recording',
          url: `/api/contact-files?token=${this.sign({ kind: 'recording', companyId, id: text(c.id) }, expiresAt)}`,
          expires_at: expiresAt.toISOString(),
        })),
    ];
    await this.deps.audit.record(db, {
      companyId,
      actor: auditActorOf(actor),
      action: 'contact.exported',
      target: { type: 'contact', id: contactId },
      details: { files: files.length },
    });
    return {
      contact,
      conversations: conversations.map((c) => ({
        ...c,
        messages: messages.filter((m) => m.conversation_id === c.id),
        notes: notes.filter((n) => n.conversation_id === c.id),
      })),
      calls,
      voicebotCalls: bots,
      files,
      exportedAt: this.deps.clock.now(),
    };
  }

  /** A link token: what, whose, until when, signed with the server's secret. */
  sign(ref: FileRef, expiresAt: Date): string {
    const payload = Buffer.from(JSON.stringify([ref.kind, ref.companyId, ref.id, expiresAt.getTime()])).toString(
      'base64url',
    );
    return `${payload}.${this.mac(payload)}`;
  }

  /** The file a link names, if the link is genuine and unexpired; else 404. */
  async resolveLink(token: string): Promise<{ path: string; contentType: string }> {
    const notFound = new NotFoundError('contact_file.not_found', 'The link is not valid or has expired.');
    const [payload, mac] = token.split('.');
    if (!payload || !mac) throw notFound;
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw notFound;
    const [kind, companyId, id, until] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [
      string,
      string,
      string,
      number,
    ];
    if (until < this.deps.clock.now().getTime() || !isUuid(companyId) || !isUuid(id)) throw notFound;
    if (kind === 'media') {
      const [message] = rowsOf<Row>(
        await this.deps.db.execute(sql`select media from messages where company_id = ${companyId} and id = ${id}`),
      );
      const media = message?.media as { storedMimeType?: string; mimeType?: string } | null | undefined;
      if (!media) throw notFound;
      return {
        path: join(this.deps.mediaDir, companyId, id),
        contentType: media.storedMimeType ?? media.mimeType ?? 'application/octet-stream',
      };
    }
    const [recording] = rowsOf<Row>(
      await this.deps.db.execute(sql`select asterisk_name, format, status from call_recordings
        where company_id = ${companyId} and call_id = ${id}`),
    );
    if (!recording || recording.status !== 'done') throw notFound;
    return {
      path: join(this.deps.recordingsDir, `${text(recording.asterisk_name)}.${text(recording.format)}`),
      contentType: 'audio/wav',
    };
  }

  /**
   * Idempotent: a contact already erased is erased; a merged one answers 404 with its
   * survivor (erase that one).
   */
  async erase(actor: Actor, contactId: string): Promise<{ files: number }> {
    assertAdmin(actor, 'erase contacts');
    const { companyId } = actor;
    const now = this.deps.clock.now();
    const files: string[] = [];
    const erased = await this.deps.db.transaction(async (txDb) => {
      const tx = txDb as unknown as Db;
      const repo = new ContactsRepository(tx);
      const [row] = await repo.lockRows(companyId, [contactId]);
      if (row?.erasedAt) return false;
      assertLive(row);
      const contact = await repo.load(row);
      const convs = rowsOf<Row>(
        await tx.execute(
          sql`select id from conversations where company_id = ${companyId} and contact_id = ${contactId}`,
        ),
      ).map((r) => text(r.id));
      const links = rowsOf<Row>(
        await tx.execute(sql`select call_id, voicebot_call_id from contact_call_links
          where company_id = ${companyId} and contact_id = ${contactId}`),
      );
      const callIds = links.flatMap((l) => (l.call_id ? [text(l.call_id)] : []));
      const botIds = links.flatMap((l) => (l.voicebot_call_id ? [text(l.voicebot_call_id)] : []));
      const messageIds = rowsOf<Row>(
        await tx.execute(sql`select id from messages where company_id = ${companyId} and conversation_id in ${ids(convs)}
          and media is not null`),
      ).map((r) => text(r.id));
      files.push(...messageIds.map((id) => join(this.deps.mediaDir, companyId, id)));
      const recordings = rowsOf<Row>(
        await tx.execute(sql`select asterisk_name, format from call_recordings
          where company_id = ${companyId} and call_id in ${ids(callIds)}`),
      );
      files.push(...recordings.map((r) => join(this.deps.recordingsDir, `${text(r.asterisk_name)}.${text(r.format)}`)));
      const values = personalValues(contact);

      // The events and outbox entries that carried any of it go first, while the ids are known.
      const mentions = [...convs, ...callIds, ...botIds, contactId, ...values].map((v) => `%${likeEscape(v)}%`);
      await tx.execute(sql`delete from event_log where company_id = ${companyId}
        and data::text like any (${toTextArray(mentions)})`);
      await scrubOutbox(tx, companyId, mentions);

      await scrubNullable(tx, 'messages', sql`company_id = ${companyId} and conversation_id in ${ids(convs)}`, [
        'channel_message_id',
      ]);
      await scrubNullable(tx, 'conversations', sql`company_id = ${companyId} and id in ${ids(convs)}`, []);
      await scrubNullable(
        tx,
        'conversation_ratings',
        sql`company_id = ${companyId} and conversation_id in ${ids(convs)}`,
        ['rated_by'],
      );
      await tx.execute(
        sql`delete from conversation_notes where company_id = ${companyId} and conversation_id in ${ids(convs)}`,
      );
      await tx.execute(
        sql`delete from media_downloads where company_id = ${companyId} and message_id in ${ids(messageIds)}`,
      );
      await tx.execute(sql`delete from call_notes where company_id = ${companyId} and call_id in ${ids(callIds)}`);
      await tx.execute(sql`update calls set from_number = '', to_number = '', transferred_to = null
        where company_id = ${companyId} and id in ${ids(callIds)}`);
      await tx.execute(
        sql`update call_transitions set details = null where company_id = ${companyId} and call_id in ${ids(callIds)}`,
      );
      await tx.execute(
        sql`update call_recordings set status = 'deleted' where company_id = ${companyId} and call_id in ${ids(callIds)}`,
      );
      await tx.execute(sql`update item_dispositions set note = null where company_id = ${companyId}
        and (call_id in ${ids(callIds)} or conversation_id in ${ids(convs)})`);
      await tx.execute(sql`update queue_entries set label = null where company_id = ${companyId}
        and (call_id in ${ids(callIds)} or conversation_id in ${ids(convs)})`);
      await tx.execute(
        sql`delete from voicebot_transcript_lines where company_id = ${companyId} and call_id in ${ids(botIds)}`,
      );
      await tx.execute(sql`update voicebot_calls set visitor_name = null, purpose = null, resident_name = null
        where company_id = ${companyId} and id in ${ids(botIds)}`);
      await tx.execute(
        sql`delete from contact_identities where company_id = ${companyId} and contact_id = ${contactId}`,
      );
      await tx.execute(sql`delete from contact_labels where company_id = ${companyId} and contact_id = ${contactId}`);
      await repo.update(companyId, contactId, {
        name: null,
        phone: null,
        email: null,
        customAttributes: {},
        erasedAt: now,
        updatedAt: now,
      });
      await this.deps.audit.record(tx, {
        companyId,
        actor: auditActorOf(actor),
        action: 'contact.erased',
        target: { type: 'contact', id: contactId },
        details: {
          conversations: convs.length,
          calls: callIds.length,
          intercom_calls: botIds.length,
          files: files.length,
        },
      });
      await appendContactEvent(tx, { companyId, name: 'contact.erased', data: { id: contactId } }, now);
      return true;
    });
    if (!erased) return { files: 0 };
    let removed = 0;
    for (const path of files) {
      try {
        await rm(path, { force: true });
        removed += 1;
      } catch (error) {
        this.deps.logger.error({ err: error, contactId }, 'erased contact file not removed');
      }
    }
    this.deps.logger.info({ companyId, contactId, byUserId: actor.userId, files: removed }, 'contact erased');
    return { files: removed };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.deps.secret).update(`contact-file:${payload}`).digest('base64url');
  }
}

/** The contact's own values, as other rows may have copied them (numbers with and without '+'). */
function personalValues(contact: Contact): string[] {
  const values = new Set<string>();
  if (contact.name && contact.name.length >= 3) values.add(contact.name);
  for (const identity of contact.identities) {
    values.add(identity.value);
    if (identity.kind === 'phone') values.add(identity.value.replace(/^\+/, ''));
  }
  return [...values];
}

function likeEscape(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toTextArray(values: string[]): SQL {
  return sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;
}

/** Sets every nullable text and JSON column of the selected rows to null, but `keep`. */
async function scrubNullable(tx: Db, table: string, where: SQL, keep: string[]): Promise<void> {
  const columns = rowsOf<Row>(
    await tx.execute(sql`select column_name from information_schema.columns
      where table_schema = current_schema() and table_name = ${table} and is_nullable = 'YES'
        and data_type in ('text', 'character varying', 'jsonb', 'json')`),
  )
    .map((r) => text(r.column_name))
    .filter((c) => !keep.includes(c));
  if (columns.length === 0) return;
  await tx.execute(
    sql`update ${sql.identifier(table)} set ${sql.join(
      columns.map((c) => sql`${sql.identifier(c)} = null`),
      sql`, `,
    )} where ${where}`,
  );
}

/** Integration deliveries (webhooks, CRM) that carried the contact: dropped with their attempts. */
async function scrubOutbox(tx: Db, companyId: string, mentions: string[]): Promise<void> {
  const [exists] = rowsOf<Row>(
    await tx.execute(sql`select to_regclass('integration_deliveries') is not null as present`),
  );
  if (!exists?.present) return;
  const doomed = sql`select id from integration_deliveries where company_id = ${companyId}
    and payload::text like any (${toTextArray(mentions)})`;
  await tx.execute(sql`delete from integration_delivery_attempts where delivery_id in (${doomed})`);
  await tx.execute(sql`delete from integration_deliveries where id in (${doomed})`);
}
