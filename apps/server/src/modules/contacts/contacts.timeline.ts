/**
 * A contact's timeline: messages of all their conversations, calls, voicemails, intercom
 * calls with their transcripts, conversation events and private notes, newest first. Each
 * source is read with the same keyset condition and `limit + 1` rows, then merged: the
 * page is exact without OFFSET and stable under inserts.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/driver-results.js';
import { isManager, type Actor } from '../../shared/actor.js';
import type { KeysetCursor } from '../../shared/pagination.js';

export type TimelineType = 'message' | 'call' | 'voicemail' | 'voicebot_call' | 'event' | 'note';
export type TimelineChannel = 'whatsapp' | 'webchat' | 'voice';

export interface TimelineItem {
  id: string;
  type: TimelineType;
  createdAt: Date;
  conversationId: string | null;
  channel: string | null;
  message: {
    messageId: string;
    direction: string;
    authorType: string;
    authorId: string | null;
    text: string | null;
    mediaUrl: string | null;
    mediaKind: string | null;
  } | null;
  call: {
    callId: string;
    direction: string;
    status: string;
    fromNumber: string;
    toNumber: string;
    agentId: string | null;
    agentName: string | null;
    queueId: string | null;
    queueName: string | null;
    waitSeconds: number | null;
    talkSeconds: number | null;
    disposition: { code: string; label: string } | null;
    notes: { body: string; authorId: string; createdAt: Date }[];
    recordingUrl: string | null;
    startedAt: Date;
    answeredAt: Date | null;
    endedAt: Date | null;
  } | null;
  voicebotCall: {
    voicebotCallId: string;
    role: string;
    status: string;
    outcome: string | null;
    unitNumber: string | null;
    visitorName: string | null;
    purpose: string | null;
    transcript: { who: string; text: string; at: Date }[];
  } | null;
  note: { noteId: string; body: string; authorId: string } | null;
}

export interface TimelineFilter {
  channel?: TimelineChannel | undefined;
  type?: TimelineType | undefined;
}

type Row = Record<string, unknown>;
const text = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean'
      ? `${value}`
      : value instanceof Date
        ? value.toISOString()
        : (JSON.stringify(value) ?? '');

const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(text(value)));
const toDateOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : toDate(value));
const str = (value: unknown): string | null => (value === null || value === undefined ? null : text(value));
const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** The conversations an agent may open today (conversations.ts, canSeeConversation). */
function visibleTo(userId: string): SQL {
  return sql`(c.assignee_id is null or c.assignee_id = ${userId})`;
}

function before(at: SQL, id: SQL, cursor: KeysetCursor | undefined): SQL {
  if (!cursor) return sql`true`;
  return sql`(${at} < ${cursor.createdAt} or (${at} = ${cursor.createdAt} and ${id} < ${cursor.id}))`;
}

export class ContactTimeline {
  constructor(private readonly db: Db) {}

  async read(
    actor: Actor,
    contactId: string,
    filter: TimelineFilter,
    cursor: KeysetCursor | undefined,
    limit: number,
    scope: { everyConversation?: boolean } = {},
  ): Promise<TimelineItem[]> {
    // Agents read the messages, events and notes of the conversations they may open (their
    // own and unassigned ones); the panel's summary (contacts.panel.ts) passes everyConversation.
    const seen = scope.everyConversation || isManager(actor) ? sql`true` : visibleTo(actor.userId);
    const wants = (type: TimelineType) => filter.type === undefined || filter.type === type;
    const wantsMessages = wants('message') || wants('voicemail') || wants('event');
    const voiceOk = filter.channel === undefined || filter.channel === 'voice';
    const [messages, notes, calls, bots] = await Promise.all([
      wantsMessages ? this.messages(actor.companyId, contactId, filter, cursor, limit, seen) : [],
      wants('note') ? this.notes(actor.companyId, contactId, filter, cursor, limit, seen) : [],
      wants('call') && voiceOk ? this.calls(actor, contactId, cursor, limit) : [],
      wants('voicebot_call') && voiceOk ? this.voicebotCalls(actor.companyId, contactId, cursor, limit) : [],
    ]);
    return [...messages, ...notes, ...calls, ...bots]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, limit + 1);
  }

  private async messages(
    companyId: string,
    contactId: string,
    filter: TimelineFilter,
    cursor: KeysetCursor | undefined,
    limit: number,
    seen: SQL,
  ): Promise<TimelineItem[]> {
    const typeCondition =
      filter.type === 'voicemail'
        ? sql`m.channel_message_id like 'voicemail:%'`
        : filter.type === 'event'
          ? sql`m.type = 'system'`
          : filter.type === 'message'
            ? sql`m.type <> 'system' and coalesce(m.channel_message_id, '') not like 'voicemail:%'`
            : sql`true`;
    const result = await this.db.execute(sql`
      select m.id, m.created_at, m.conversation_id, c.channel, m.direction, m.author_type, m.author_id,
             m.type, m.body, m.media, m.channel_message_id
      from messages m join conversations c on c.id = m.conversation_id
      where c.company_id = ${companyId} and c.contact_id = ${contactId} and ${seen}
        and ${filter.channel ? sql`c.channel = ${filter.channel}` : sql`true`}
        and ${typeCondition}
        and ${before(sql`m.created_at`, sql`m.id`, cursor)}
      order by m.created_at desc, m.id desc limit ${limit + 1}`);
    return rowsOf<Row>(result).map((r) => {
      const media = mediaOf(r.media);
      const isVoicemail = text(r.channel_message_id ?? '').startsWith('voicemail:');
      const type: TimelineType = isVoicemail ? 'voicemail' : r.type === 'system' ? 'event' : 'message';
      return {
        ...empty(text(r.id), type, toDate(r.created_at), str(r.conversation_id), str(r.channel)),
        message: {
          messageId: text(r.id),
          direction: text(r.direction),
          authorType: text(r.author_type),
          authorId: str(r.author_id),
          text: str(r.body) ?? media?.caption ?? null,
          mediaUrl: media ? `/api/conversations/${text(r.conversation_id)}/messages/${text(r.id)}/media` : null,
          mediaKind: media?.kind ?? null,
        },
      };
    });
  }

  private async notes(
    companyId: string,
    contactId: string,
    filter: TimelineFilter,
    cursor: KeysetCursor | undefined,
    limit: number,
    seen: SQL,
  ): Promise<TimelineItem[]> {
    const result = await this.db.execute(sql`
      select n.id, n.created_at, n.conversation_id, c.channel, n.body, n.author_id
      from conversation_notes n join conversations c on c.id = n.conversation_id
      where c.company_id = ${companyId} and c.contact_id = ${contactId} and ${seen}
        and ${filter.channel ? sql`c.channel = ${filter.channel}` : sql`true`}
        and ${before(sql`n.created_at`, sql`n.id`, cursor)}
      order by n.created_at desc, n.id desc limit ${limit + 1}`);
    return rowsOf<Row>(result).map((r) => ({
      ...empty(text(r.id), 'note', toDate(r.created_at), str(r.conversation_id), str(r.channel)),
      note: { noteId: text(r.id), body: text(r.body), authorId: text(r.author_id) },
    }));
  }

  private async calls(actor: Actor, contactId: string, cursor: KeysetCursor | undefined, limit: number) {
    const companyId = actor.companyId;
    const result = await this.db.execute(sql`
      select k.id, k.conversation_id, k.created_at as linked_at, ca.id as call_id, ca.created_at, ca.direction, ca.status,
             ca.from_number, ca.to_number, ca.agent_id, u.name as agent_name, ca.ringing_at, ca.answered_at, ca.ended_at,
             ca.billable_seconds,
             e.queue_id, q.name as queue_name, e.original_enqueued_at,
             d.code as disposition_code, d.label as disposition_label,
             r.status as recording_status
      from contact_call_links k
      join calls ca on ca.id = k.call_id and ca.company_id = k.company_id
      left join users u on u.id = ca.agent_id
      left join lateral (select queue_id, original_enqueued_at from queue_entries qe
                         where qe.company_id = ca.company_id and qe.call_id = ca.id
                         order by qe.enqueued_at desc limit 1) e on true
      left join queues q on q.id = e.queue_id
      left join lateral (select code, label from item_dispositions idp
                         where idp.company_id = ca.company_id and idp.call_id = ca.id
                         order by idp.set_at desc limit 1) d on true
      left join call_recordings r on r.call_id = ca.id
      where k.company_id = ${companyId} and k.contact_id = ${contactId}
        and ${before(sql`ca.created_at`, sql`ca.id`, cursor)}
      order by ca.created_at desc, ca.id desc limit ${limit + 1}`);
    const rows = rowsOf<Row>(result);
    const callIds = rows.map((r) => text(r.call_id));
    const notes =
      callIds.length === 0
        ? []
        : rowsOf<Row>(
            await this.db.execute(sql`
              select call_id, body, author_id, created_at from call_notes
              where company_id = ${companyId} and call_id in (${sql.join(
                callIds.map((id) => sql`${id}`),
                sql`, `,
              )}) order by created_at`),
          );
    return rows.map((r): TimelineItem => {
      const callId = text(r.call_id);
      const answeredAt = toDateOrNull(r.answered_at);
      const endedAt = toDateOrNull(r.ended_at);
      const startedAt = toDate(r.created_at);
      const waitFrom = toDateOrNull(r.original_enqueued_at) ?? startedAt;
      const agentId = str(r.agent_id);
      const mayHear = isManager(actor) || agentId === actor.userId;
      return {
        ...empty(callId, 'call', startedAt, str(r.conversation_id), 'voice'),
        call: {
          callId,
          direction: text(r.direction),
          status: text(r.status),
          fromNumber: text(r.from_number),
          toNumber: text(r.to_number),
          agentId,
          agentName: str(r.agent_name),
          queueId: str(r.queue_id),
          queueName: str(r.queue_name),
          waitSeconds: answeredAt
            ? Math.max(0, Math.round((answeredAt.getTime() - waitFrom.getTime()) / 1000))
            : endedAt && r.queue_id
              ? Math.max(0, Math.round((endedAt.getTime() - waitFrom.getTime()) / 1000))
              : null,
          talkSeconds:
            num(r.billable_seconds) ??
            (answeredAt && endedAt ? Math.round((endedAt.getTime() - answeredAt.getTime()) / 1000) : null),
          disposition: r.disposition_code ? { code: text(r.disposition_code), label: text(r.disposition_label) } : null,
          notes: notes
            .filter((n) => text(n.call_id) === callId)
            .map((n) => ({ body: text(n.body), authorId: text(n.author_id), createdAt: toDate(n.created_at) })),
          recordingUrl: mayHear && r.recording_status === 'done' ? `/api/calls/${callId}/recording` : null,
          startedAt,
          answeredAt,
          endedAt,
        },
      };
    });
  }

  private async voicebotCalls(
    companyId: string,
    contactId: string,
    cursor: KeysetCursor | undefined,
    limit: number,
  ): Promise<TimelineItem[]> {
    const result = await this.db.execute(sql`
      select v.id, v.started_at, k.conversation_id, k.role, v.status, v.outcome, v.unit_number, v.visitor_name, v.purpose
      from contact_call_links k join voicebot_calls v on v.id = k.voicebot_call_id and v.company_id = k.company_id
      where k.company_id = ${companyId} and k.contact_id = ${contactId}
        and ${before(sql`v.started_at`, sql`v.id`, cursor)}
      order by v.started_at desc, v.id desc limit ${limit + 1}`);
    const rows = rowsOf<Row>(result);
    const ids = rows.map((r) => text(r.id));
    const lines =
      ids.length === 0
        ? []
        : rowsOf<Row>(
            await this.db.execute(sql`
              select call_id, who, text, at from voicebot_transcript_lines
              where company_id = ${companyId} and call_id in (${sql.join(
                ids.map((id) => sql`${id}`),
                sql`, `,
              )}) order by seq`),
          );
    return rows.map((r) => {
      const id = text(r.id);
      return {
        ...empty(id, 'voicebot_call', toDate(r.started_at), str(r.conversation_id), 'voice'),
        voicebotCall: {
          voicebotCallId: id,
          role: text(r.role),
          status: text(r.status),
          outcome: str(r.outcome),
          unitNumber: str(r.unit_number),
          visitorName: str(r.visitor_name),
          purpose: str(r.purpose),
          transcript: lines
            .filter((l) => text(l.call_id) === id)
            .map((l) => ({ who: text(l.who), text: text(l.text), at: toDate(l.at) })),
        },
      };
    });
  }
}

function mediaOf(value: unknown): { kind: string | null; caption: string | null } | null {
  if (typeof value !== 'object' || value === null) return null;
  const media = value as { kind?: unknown; caption?: unknown };
  return {
    kind: typeof media.kind === 'string' ? media.kind : null,
    caption: typeof media.caption === 'string' ? media.caption : null,
  };
}

function empty(
  id: string,
  type: TimelineType,
  createdAt: Date,
  conversationId: string | null,
  channel: string | null,
): TimelineItem {
  return { id, type, createdAt, conversationId, channel, message: null, call: null, voicebotCall: null, note: null };
}
