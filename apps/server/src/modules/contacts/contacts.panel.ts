/**
 * The contact panel beside a conversation: the card and a summary of the timeline (the other
 * conversations with their last message, recent calls with their outcome, recent private
 * notes). Managers always read it; an agent reads it while handling the contact: a
 * conversation of theirs, an unassigned open one (which they may take), or a call of theirs
 * that is live or ended within the last hour (wrap-up). Anyone else gets 403
 * `contact.not_handling`; the card alone stays readable through GET /api/contacts/:id.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/driver-results.js';
import { isManager, type Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ForbiddenError } from '../../shared/errors.js';
import type { Contact } from './contacts.js';
import type { ContactsService } from './contacts.service.js';
import type { ContactTimeline } from './contacts.timeline.js';

const WRAP_UP_MS = 3600_000;
const CONVERSATIONS = 10;
const CALLS = 5;
const NOTES = 5;

export interface ContactPanel {
  contact: Contact;
  conversations: {
    conversationId: string;
    channel: string;
    status: string;
    assigneeId: string | null;
    lastMessagePreview: string | null;
    lastActivityAt: Date;
  }[];
  calls: {
    callId: string;
    direction: string;
    status: string;
    agentName: string | null;
    talkSeconds: number | null;
    disposition: { code: string; label: string } | null;
    conversationId: string | null;
    startedAt: Date;
  }[];
  notes: { noteId: string; conversationId: string | null; body: string; authorId: string; createdAt: Date }[];
}

type Row = Record<string, unknown>;
const str = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
const asDate = (value: unknown): Date => (value instanceof Date ? value : new Date(str(value)));

export class ContactPanels {
  constructor(private readonly deps: { db: Db; contacts: ContactsService; timeline: ContactTimeline; clock: Clock }) {}

  async read(actor: Actor, contactId: string): Promise<ContactPanel> {
    const contact = await this.deps.contacts.get(actor, contactId);
    if (!isManager(actor) && !(await this.isHandling(actor, contactId))) {
      throw new ForbiddenError(
        'contact.not_handling',
        "Agents see a contact's summary while handling one of their conversations or calls.",
      );
    }
    const { timeline } = this.deps;
    const [conversations, calls, notes] = await Promise.all([
      this.deps.db.execute(sql`
        select id, channel, status, assignee_id, last_message_preview, last_activity_at from conversations
        where company_id = ${actor.companyId} and contact_id = ${contactId}
        order by last_activity_at desc, id desc limit ${CONVERSATIONS}`),
      timeline.read(actor, contactId, { type: 'call' }, undefined, CALLS),
      timeline.read(actor, contactId, { type: 'note' }, undefined, NOTES, { everyConversation: true }),
    ]);
    return {
      contact,
      conversations: rowsOf<Row>(conversations).map((r) => ({
        conversationId: str(r.id),
        channel: str(r.channel),
        status: str(r.status),
        assigneeId: typeof r.assignee_id === 'string' ? r.assignee_id : null,
        lastMessagePreview: typeof r.last_message_preview === 'string' ? r.last_message_preview : null,
        lastActivityAt: asDate(r.last_activity_at),
      })),
      calls: calls.slice(0, CALLS).flatMap((item) =>
        item.call
          ? [
              {
                callId: item.call.callId,
                direction: item.call.direction,
                status: item.call.status,
                agentName: item.call.agentName,
                talkSeconds: item.call.talkSeconds,
                disposition: item.call.disposition,
                conversationId: item.conversationId,
                startedAt: item.call.startedAt,
              },
            ]
          : [],
      ),
      notes: notes.slice(0, NOTES).flatMap((item) =>
        item.note
          ? [
              {
                noteId: item.note.noteId,
                conversationId: item.conversationId,
                body: item.note.body,
                authorId: item.note.authorId,
                createdAt: item.createdAt,
              },
            ]
          : [],
      ),
    };
  }

  private async isHandling(actor: Actor, contactId: string): Promise<boolean> {
    const since = new Date(this.deps.clock.now().getTime() - WRAP_UP_MS);
    const result = await this.deps.db.execute(sql`
      select (exists (select 1 from conversations c
                      where c.company_id = ${actor.companyId} and c.contact_id = ${contactId}
                        and (c.assignee_id = ${actor.userId} or (c.assignee_id is null and c.status <> 'resolved')))
           or exists (select 1 from contact_call_links k join calls ca on ca.id = k.call_id and ca.company_id = k.company_id
                      where k.company_id = ${actor.companyId} and k.contact_id = ${contactId}
                        and ca.agent_id = ${actor.userId} and (ca.ended_at is null or ca.ended_at > ${since}))
           ) as handling`);
    const [row] = rowsOf<Row>(result);
    return row?.handling === true || row?.handling === 't';
  }
}
