import { and, asc, desc, eq, gte, ilike, inArray, isNotNull, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { PgDialect, type PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.js';
import { prepareNamed } from '../../db/named-statement.js';
import {
  callVoicemails,
  contactIdentities,
  contacts,
  conversationFavorites,
  conversationRatings,
  conversationReads,
  conversations,
  mediaDownloads,
  messages,
  users,
} from '../../db/schema/index.js';
import type { KeysetCursor } from '../../shared/pagination.js';
import type { ContactAnnouncer } from './conversations.contacts.js';
import type {
  Contact,
  ContactIdentity,
  Conversation,
  ConversationChannel,
  ConversationQuery,
  Message,
} from './conversations.js';
import { toMessage } from './conversations.rows.js';

export type ConversationRow = typeof conversations.$inferSelect;
export type ContactRow = typeof contacts.$inferSelect;
export type CallVoicemailRow = typeof callVoicemails.$inferSelect;

/** Whose list it is: agents see their own conversations and the unassigned ones. */
export interface Viewer {
  userId: string;
  seesAll: boolean;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Rows strictly after the cursor in (time desc, id desc) order, as one index range. */
function beforeCursor(time: PgColumn, id: PgColumn, cursor: KeysetCursor): SQL {
  return sql`(${time}, ${id}) < (${cursor.createdAt.toISOString()}::timestamptz, ${cursor.id}::uuid)`;
}

/** Which filters a list request has: one prepared statement per combination. */
interface ListShape {
  seesAll: boolean;
  status: boolean;
  channel: boolean;
  assignee: boolean;
  filter: ConversationQuery['filter'];
  search: boolean;
  label: boolean;
  cursor: boolean;
}

type ListedRow = {
  conversation: Omit<Conversation, 'contact' | 'isFavorite' | 'lastReadAt' | 'ratedBy'> & { ratedBy: string | null };
  contact: Omit<Contact, 'identities'>;
  identities: [string, string][] | string | null;
  favoriteUserId: string | null;
  lastReadAt: Date | null;
};

function toListedConversation(row: ListedRow): Conversation {
  // The driver parses json; a driver that does not hands over its text.
  const pairs =
    typeof row.identities === 'string' ? (JSON.parse(row.identities) as [string, string][]) : row.identities;
  const identities: ContactIdentity[] = [];
  for (const [channel, externalId] of pairs ?? []) {
    if (channel === 'whatsapp' || channel === 'webchat' || channel === 'voice')
      identities.push({ channel, externalId });
  }
  const c = row.conversation;
  return {
    id: c.id,
    companyId: c.companyId,
    channel: c.channel,
    status: c.status,
    snoozedUntil: c.snoozedUntil,
    awaitingHuman: c.awaitingHuman,
    assigneeId: c.assigneeId,
    priority: c.priority,
    rating: c.rating,
    ratedBy: c.ratedBy === 'agent' || c.ratedBy === 'customer' ? c.ratedBy : null,
    feedback: c.feedback,
    windowExpiresAt: c.windowExpiresAt,
    contact: {
      id: row.contact.id,
      companyId: row.contact.companyId,
      name: row.contact.name,
      phone: row.contact.phone,
      email: row.contact.email,
      identities,
      createdAt: row.contact.createdAt,
    },
    lastMessageAt: c.lastMessageAt,
    lastMessagePreview: c.lastMessagePreview,
    lastActivityAt: c.lastActivityAt,
    resolvedAt: c.resolvedAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    isFavorite: row.favoriteUserId !== null,
    lastReadAt: row.lastReadAt,
  };
}

/** A conversation's own columns but its id and company, in the order an inbox page reads them. */
const CONVERSATION_FIELDS = {
  channel: conversations.channel,
  status: conversations.status,
  snoozedUntil: conversations.snoozedUntil,
  awaitingHuman: conversations.awaitingHuman,
  assigneeId: conversations.assigneeId,
  priority: conversations.priority,
  rating: conversations.rating,
  ratedBy: conversations.ratedBy,
  feedback: conversations.feedback,
  windowExpiresAt: conversations.windowExpiresAt,
  lastMessageAt: conversations.lastMessageAt,
  lastMessagePreview: conversations.lastMessagePreview,
  lastActivityAt: conversations.lastActivityAt,
  resolvedAt: conversations.resolvedAt,
  createdAt: conversations.createdAt,
  updatedAt: conversations.updatedAt,
};

/**
 * The columns of an inbox page, in the order `toPageConversation` reads them. The company
 * is the one asked for (both tables are filtered by it), so it is not read back per row.
 */
const PAGE_COLUMNS = {
  id: conversations.id,
  ...CONVERSATION_FIELDS,
  contactId: contacts.id,
  contactName: contacts.name,
  contactPhone: contacts.phone,
  contactEmail: contacts.email,
  contactCreatedAt: contacts.createdAt,
};

/**
 * What an inbox page's rows need besides their own columns, in one statement looked up by the
 * page's ids: the channel identities of its contacts (each contact's oldest first; phone and
 * e-mail identities, the contacts module's, are not conversation channels) and the viewer's
 * stars and read marks on its conversations. Rows `[kind, id, value, detail]`: 0 an identity
 * (contact id, channel, external id), 1 a star (conversation id), 2 a read mark (conversation
 * id, when). Joined to the page, the stars' and read marks' tables were scanned again for
 * every row of it whenever they were small enough for a sequential scan (on the embedded
 * database each scan also asks the file system for the table's size); here each table is
 * read once per page.
 */
const PAGE_EXTRAS_READ = new PgDialect().sqlToQuery(sql`
  (select 0 as kind, contact_id as id, channel::text as value, external_id as detail, created_at, id as tie
     from contact_identities
    where company_id = ${sql.placeholder('companyId')}
      and contact_id = any(${sql.placeholder('contactIds')}::uuid[])
      and channel in ('whatsapp', 'webchat', 'voice'))
  union all
  (select 1, conversation_id, null, null, null, null
     from conversation_favorites
    where company_id = ${sql.placeholder('companyId')}
      and conversation_id = any(${sql.placeholder('conversationIds')}::uuid[])
      and user_id = ${sql.placeholder('viewerId')})
  union all
  (select 2, conversation_id, last_read_at::text, null, null, null
     from conversation_reads
    where company_id = ${sql.placeholder('companyId')}
      and conversation_id = any(${sql.placeholder('conversationIds')}::uuid[])
      and user_id = ${sql.placeholder('viewerId')})
  order by kind, id, created_at, tie
`);

const date = (column: PgColumn, value: unknown) => column.mapFromDriverValue(value) as Date;
const dateOrNull = (column: PgColumn, value: unknown) => (value === null ? null : date(column, value));

/**
 * A row of `PAGE_COLUMNS` as the driver gives it in array mode (timestamps as text, through
 * each column's own mapping); the contact's identities and the viewer's star and read mark
 * are added by `listConversations` from `PAGE_EXTRAS_READ`.
 */
function toPageConversation(r: unknown[], companyId: string): Conversation {
  const ratedBy = r[8];
  return {
    id: r[0] as string,
    companyId,
    channel: r[1] as Conversation['channel'],
    status: r[2] as Conversation['status'],
    snoozedUntil: dateOrNull(conversations.snoozedUntil, r[3]),
    awaitingHuman: r[4] as boolean,
    assigneeId: r[5] as string | null,
    priority: r[6] as Conversation['priority'],
    rating: r[7] as number | null,
    ratedBy: ratedBy === 'agent' || ratedBy === 'customer' ? ratedBy : null,
    feedback: r[9] as string | null,
    windowExpiresAt: dateOrNull(conversations.windowExpiresAt, r[10]),
    contact: {
      id: r[17] as string,
      companyId,
      name: r[18] as string | null,
      phone: r[19] as string | null,
      email: r[20] as string | null,
      identities: [],
      createdAt: date(contacts.createdAt, r[21]),
    },
    lastMessageAt: dateOrNull(conversations.lastMessageAt, r[11]),
    lastMessagePreview: r[12] as string | null,
    lastActivityAt: date(conversations.lastActivityAt, r[13]),
    resolvedAt: dateOrNull(conversations.resolvedAt, r[14]),
    createdAt: date(conversations.createdAt, r[15]),
    updatedAt: date(conversations.updatedAt, r[16]),
    isFavorite: false,
    lastReadAt: null,
  };
}

export class ConversationsRepository {
  /** Contacts inserted in this repository's transaction, announced before it commits. */
  private readonly createdContacts: { companyId: string; id: string; at: Date }[] = [];

  /**
   * `contacts`: the contacts module's `contact.created` (ADR 21), given to every repository
   * that may create a contact for inbound traffic; `inTransaction` is set by `transaction`.
   */
  constructor(
    private readonly db: Db,
    private readonly contacts?: ContactAnnouncer,
    private readonly inTransaction = false,
  ) {}

  /**
   * Runs `fn` in a transaction; contacts it created are announced (`contact.created` in the
   * event log) as its last statement, so the event exists exactly when the contact does.
   */
  transaction<T>(fn: (repo: ConversationsRepository) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      const repo = new ConversationsRepository(tx, this.contacts, true);
      const result = await fn(repo);
      await repo.announceCreatedContacts();
      return result;
    });
  }

  private async announceCreatedContacts(): Promise<void> {
    for (const created of this.createdContacts.splice(0)) {
      await this.contacts?.contactCreated(this.db, created.companyId, created.id, created.at);
    }
  }

  // ── contacts ──────────────────────────────────────────────────────────────

  /** A new contact; outside `transaction` it is inserted and announced in a transaction of its own. */
  async insertContact(row: typeof contacts.$inferInsert): Promise<ContactRow> {
    if (!this.inTransaction) return this.transaction((repo) => repo.insertContact(row));
    const [contact] = await this.db.insert(contacts).values(row).returning();
    if (!contact) throw new Error('insert returned no contact');
    this.createdContacts.push({ companyId: contact.companyId, id: contact.id, at: contact.createdAt });
    return contact;
  }

  async findContactByIdentity(
    companyId: string,
    channel: ConversationChannel,
    externalId: string,
  ): Promise<ContactRow | undefined> {
    const [row] = await this.db
      .select({ contact: contacts })
      .from(contactIdentities)
      .innerJoin(contacts, eq(contacts.id, contactIdentities.contactId))
      .where(
        and(
          eq(contactIdentities.companyId, companyId),
          eq(contactIdentities.channel, channel),
          eq(contactIdentities.externalId, externalId),
        ),
      );
    return row?.contact;
  }

  async findContactByPhone(companyId: string, phone: string): Promise<ContactRow | undefined> {
    const [row] = await this.db
      .select()
      .from(contacts)
      .where(and(eq(contacts.companyId, companyId), eq(contacts.phone, phone)));
    return row;
  }

  async findContactByEmail(companyId: string, email: string): Promise<ContactRow | undefined> {
    const [row] = await this.db
      .select()
      .from(contacts)
      .where(and(eq(contacts.companyId, companyId), eq(contacts.email, email)))
      .orderBy(asc(contacts.createdAt))
      .limit(1);
    return row;
  }

  async updateContact(companyId: string, contactId: string, patch: Partial<typeof contacts.$inferInsert>) {
    await this.db
      .update(contacts)
      .set(patch)
      .where(and(eq(contacts.companyId, companyId), eq(contacts.id, contactId)));
  }

  async insertIdentity(row: typeof contactIdentities.$inferInsert): Promise<void> {
    await this.db.insert(contactIdentities).values(row).onConflictDoNothing();
  }

  // ── conversations ─────────────────────────────────────────────────────────

  async insertConversation(row: typeof conversations.$inferInsert): Promise<void> {
    await this.db.insert(conversations).values(row);
  }

  async updateConversation(
    companyId: string,
    conversationId: string,
    patch: Partial<typeof conversations.$inferInsert>,
  ): Promise<void> {
    await this.db
      .update(conversations)
      .set(patch)
      .where(and(eq(conversations.companyId, companyId), eq(conversations.id, conversationId)));
  }

  async findConversationRow(companyId: string, conversationId: string): Promise<ConversationRow | undefined> {
    const [row] = await this.db
      .select()
      .from(conversations)
      .where(and(eq(conversations.companyId, companyId), eq(conversations.id, conversationId)));
    return row;
  }

  async lockConversation(companyId: string, conversationId: string): Promise<ConversationRow | undefined> {
    const [row] = await this.db
      .select()
      .from(conversations)
      .where(and(eq(conversations.companyId, companyId), eq(conversations.id, conversationId)))
      .for('update');
    return row;
  }

  /**
   * Gives a conversation that waits (not resolved or snoozed, nobody else's) to the agent in
   * one statement: the row locked, checked and changed. Returns who had it (null, or the
   * agent themselves), or undefined when it no longer waits.
   */
  async assignIfWaiting(
    companyId: string,
    conversationId: string,
    agentId: string,
    now: Date,
  ): Promise<{ previousAssigneeId: string | null } | undefined> {
    const at = sql`${now.toISOString()}::timestamptz`;
    const result = await this.db.execute(sql`
      update ${conversations} c
         set assignee_id = ${agentId}, awaiting_human = false,
             status = case when old.status = 'pending' then 'open'::conversation_status else old.status end,
             last_activity_at = ${at}, updated_at = ${at}
        from (select id, assignee_id, status from ${conversations}
               where company_id = ${companyId} and id = ${conversationId} for update) old
       where c.id = old.id and old.status not in ('resolved', 'snoozed')
         and (old.assignee_id is null or old.assignee_id = ${agentId})
      returning old.assignee_id as previous_assignee_id`);
    const [row] = (result as { rows: { previous_assignee_id: string | null }[] }).rows;
    return row && { previousAssigneeId: row.previous_assignee_id };
  }

  /**
   * Back to the queue in one statement (the row locked, checked and changed): nobody has
   * it and it waits for a human. With `fromAgentId`, only if that agent still has it.
   * Returns who had it, or undefined when it is resolved (or no longer that agent's).
   */
  async releaseIfOpen(
    companyId: string,
    conversationId: string,
    fromAgentId: string | undefined,
    now: Date,
  ): Promise<{ previousAssigneeId: string | null } | undefined> {
    const at = sql`${now.toISOString()}::timestamptz`;
    const fromAgent = fromAgentId === undefined ? sql`true` : sql`old.assignee_id = ${fromAgentId}`;
    const result = await this.db.execute(sql`
      update ${conversations} c
         set assignee_id = null, awaiting_human = true, status = 'open', snoozed_until = null,
             last_activity_at = ${at}, updated_at = ${at}
        from (select id, assignee_id, status from ${conversations}
               where company_id = ${companyId} and id = ${conversationId} for update) old
       where c.id = old.id and old.status <> 'resolved' and ${fromAgent}
      returning old.assignee_id as previous_assignee_id`);
    const [row] = (result as { rows: { previous_assignee_id: string | null }[] }).rows;
    return row && { previousAssigneeId: row.previous_assignee_id };
  }

  /** The contact's conversation on a channel that a new message belongs to: the unresolved one, else the latest. */
  async lockLatestConversationOfContact(
    companyId: string,
    contactId: string,
    channel: ConversationChannel,
  ): Promise<ConversationRow | undefined> {
    const [row] = await this.db
      .select()
      .from(conversations)
      .where(
        and(
          eq(conversations.companyId, companyId),
          eq(conversations.contactId, contactId),
          eq(conversations.channel, channel),
        ),
      )
      .orderBy(sql`(${conversations.status} = 'resolved')`, desc(conversations.createdAt))
      .limit(1)
      .for('update');
    return row;
  }

  /** With `viewerId` null the `favorite` flag is false (events carry no per-user star). */
  async findConversation(companyId: string, conversationId: string, viewerId: string | null) {
    const [row] = await this.selectConversations(viewerId === null ? null : sql`${viewerId}`)
      .where(and(eq(conversations.companyId, companyId), eq(conversations.id, conversationId)))
      .limit(1);
    return row ? toListedConversation(row) : undefined;
  }

  /**
   * The inbox's page, in two statements: the page (a named statement per combination of
   * filters, rows as arrays mapped by `toPageConversation`), then its contacts' channel
   * identities and the viewer's stars and read marks in one (`PAGE_EXTRAS_READ`). drizzle building the select, then its generic row mapper,
   * were most of a list request's time (bench:http); on the embedded database a correlated
   * JSON subquery per row (an aggregate and a sort set up for each of the page's rows) cost
   * more than one statement for the whole page.
   */
  async listConversations(
    companyId: string,
    viewer: Viewer,
    query: ConversationQuery,
    cursor: KeysetCursor | undefined,
    limit: number,
  ): Promise<Conversation[]> {
    const shape: ListShape = {
      seesAll: viewer.seesAll,
      status: query.status !== undefined,
      channel: query.channel !== undefined,
      assignee: query.assigneeId !== undefined,
      filter: query.filter,
      search: Boolean(query.search),
      label: query.labelId !== undefined,
      cursor: cursor !== undefined,
    };
    const key =
      `${shape.seesAll ? 1 : 0}${shape.status ? 1 : 0}${shape.channel ? 1 : 0}${shape.assignee ? 1 : 0}` +
      `${shape.search ? 1 : 0}${shape.label ? 1 : 0}${shape.cursor ? 1 : 0}_${shape.filter ?? 'all'}`;
    let prepared = this.listQueries.get(key);
    if (!prepared) {
      prepared = this.prepareList(shape, key);
      this.listQueries.set(key, prepared);
    }
    const rows = await prepared.execute({
      companyId,
      viewerId: viewer.userId,
      status: query.status ?? null,
      channel: query.channel ?? null,
      assigneeId: query.assigneeId ?? null,
      pattern: query.search ? `%${escapeLike(query.search)}%` : null,
      labelId: query.labelId ?? null,
      cursorAt: cursor ? cursor.createdAt.toISOString() : null,
      cursorId: cursor ? cursor.id : null,
      limit: limit + 1,
    });
    if (rows.length === 0) return [];
    const page = rows.map((row) => toPageConversation(row, companyId));
    const byContact = new Map<string, Contact[]>();
    const byId = new Map<string, Conversation>();
    for (const conversation of page) {
      byId.set(conversation.id, conversation);
      const same = byContact.get(conversation.contact.id);
      if (same) same.push(conversation.contact);
      else byContact.set(conversation.contact.id, [conversation.contact]);
    }
    this.extrasQuery ??= prepareNamed(
      this.db,
      PAGE_EXTRAS_READ,
      'switchboard_inbox_extras',
      (extras) => extras as [number, string, string | null, string | null][],
    );
    const extras = await this.extrasQuery.execute({
      companyId,
      viewerId: viewer.userId,
      contactIds: `{${[...byContact.keys()].join(',')}}`,
      conversationIds: `{${[...byId.keys()].join(',')}}`,
    });
    for (const [kind, id, value, detail] of extras) {
      if (kind === 0) {
        if (value !== 'whatsapp' && value !== 'webchat' && value !== 'voice') continue;
        for (const contact of byContact.get(id) ?? []) contact.identities.push({ channel: value, externalId: detail! });
      } else {
        const conversation = byId.get(id);
        if (!conversation) continue;
        if (kind === 1) conversation.isFavorite = true;
        else conversation.lastReadAt = dateOrNull(conversationReads.lastReadAt, value);
      }
    }
    return page;
  }

  /** At most one per combination of filters (a few hundred), per repository. */
  private readonly listQueries = new Map<string, ReturnType<ConversationsRepository['prepareList']>>();
  private extrasQuery: ReturnType<typeof prepareNamed<[number, string, string | null, string | null][]>> | undefined;

  private prepareList(shape: ListShape, key: string) {
    const p = (name: string) => sql.placeholder(name);
    const conditions: SQL[] = [eq(conversations.companyId, p('companyId'))];
    if (!shape.seesAll) {
      const visible = or(eq(conversations.assigneeId, p('viewerId')), isNull(conversations.assigneeId));
      if (visible) conditions.push(visible);
    }
    if (shape.status) conditions.push(eq(conversations.status, p('status')));
    if (shape.channel) conditions.push(eq(conversations.channel, p('channel')));
    if (shape.assignee) conditions.push(eq(conversations.assigneeId, p('assigneeId')));
    switch (shape.filter) {
      case 'mine':
        conditions.push(eq(conversations.assigneeId, p('viewerId')));
        break;
      case 'unassigned':
        conditions.push(isNull(conversations.assigneeId));
        break;
      case 'awaiting_human':
        conditions.push(eq(conversations.awaitingHuman, true));
        break;
      case 'favorites':
        // The star itself is read with the page's other extras.
        conditions.push(
          sql`exists (select 1 from conversation_favorites cf where cf.conversation_id = ${conversations.id} and cf.user_id = ${p('viewerId')})`,
        );
        break;
      case undefined:
        break;
    }
    if (shape.search) {
      const match = or(
        ilike(contacts.name, p('pattern')),
        ilike(contacts.phone, p('pattern')),
        ilike(contacts.email, p('pattern')),
      );
      if (match) conditions.push(match);
    }
    if (shape.label) {
      conditions.push(
        sql`exists (select 1 from conversation_labels cl where cl.conversation_id = ${conversations.id} and cl.company_id = ${p('companyId')} and cl.label_id = ${p('labelId')})`,
      );
    }
    if (shape.cursor) {
      conditions.push(
        sql`(${conversations.lastActivityAt}, ${conversations.id}) < (${p('cursorAt')}::timestamptz, ${p('cursorId')}::uuid)`,
      );
    }
    const query = this.db
      .select(PAGE_COLUMNS)
      .from(conversations)
      .innerJoin(
        contacts,
        and(eq(contacts.id, conversations.contactId), eq(contacts.companyId, conversations.companyId)),
      )
      .where(and(...conditions))
      .orderBy(desc(conversations.lastActivityAt), desc(conversations.id))
      .limit(p('limit'))
      .toSQL();
    return prepareNamed(this.db, query, `switchboard_inbox_${key}`, (rows) => rows);
  }

  /** Wakes snoozed conversations whose time has come; each row is returned to one caller only. */
  async wakeSnoozed(now: Date, limit: number): Promise<ConversationRow[]> {
    const due = this.db
      .select({ id: conversations.id })
      .from(conversations)
      .where(and(eq(conversations.status, 'snoozed'), lte(conversations.snoozedUntil, now)))
      .limit(limit);
    return this.db
      .update(conversations)
      .set({ status: 'open', snoozedUntil: null, lastActivityAt: now, updatedAt: now })
      .where(and(inArray(conversations.id, due), eq(conversations.status, 'snoozed')))
      .returning();
  }

  /**
   * The columns a listed conversation needs, its contact's, the viewer's star and read
   * mark, and the contact's channel identities as JSON `[[channel, external_id], …]`
   * (phone and e-mail identities, the contacts module's, are not conversation channels).
   * `viewerId` null: no star, never read.
   */
  private selectConversations(viewerId: SQL | null) {
    return this.db
      .select({
        conversation: { id: conversations.id, companyId: conversations.companyId, ...CONVERSATION_FIELDS },
        contact: {
          id: contacts.id,
          companyId: contacts.companyId,
          name: contacts.name,
          phone: contacts.phone,
          email: contacts.email,
          createdAt: contacts.createdAt,
        },
        identities: sql<
          [string, string][]
        >`(select coalesce(json_agg(json_build_array(ci.channel, ci.external_id) order by ci.created_at, ci.id), '[]'::json)
          from contact_identities ci
          where ci.contact_id = ${contacts.id} and ci.company_id = ${contacts.companyId}
            and ci.channel in ('whatsapp', 'webchat', 'voice'))`,
        favoriteUserId: conversationFavorites.userId,
        lastReadAt: conversationReads.lastReadAt,
      })
      .from(conversations)
      .innerJoin(contacts, eq(contacts.id, conversations.contactId))
      .leftJoin(
        conversationFavorites,
        and(
          eq(conversationFavorites.conversationId, conversations.id),
          viewerId === null ? sql`false` : sql`${conversationFavorites.userId} = ${viewerId}`,
        ),
      )
      .leftJoin(
        conversationReads,
        and(
          eq(conversationReads.conversationId, conversations.id),
          viewerId === null ? sql`false` : sql`${conversationReads.userId} = ${viewerId}`,
        ),
      );
  }

  // ── ratings ───────────────────────────────────────────────────────────────

  async insertRating(row: typeof conversationRatings.$inferInsert): Promise<void> {
    await this.db.insert(conversationRatings).values(row);
  }

  /** The comment that followed the customer's latest answer. */
  async commentLatestCustomerRating(companyId: string, conversationId: string, comment: string | null, now: Date) {
    const [latest] = await this.db
      .select({ id: conversationRatings.id })
      .from(conversationRatings)
      .where(
        and(
          eq(conversationRatings.companyId, companyId),
          eq(conversationRatings.conversationId, conversationId),
          eq(conversationRatings.ratedBy, 'customer'),
        ),
      )
      .orderBy(desc(conversationRatings.createdAt))
      .limit(1);
    if (!latest) return;
    await this.db
      .update(conversationRatings)
      .set({ comment, updatedAt: now })
      .where(eq(conversationRatings.id, latest.id));
  }

  // ── read marks ────────────────────────────────────────────────────────────

  /** Moves the user's read mark forward to `at` (never back); returns the mark. */
  async markRead(row: typeof conversationReads.$inferInsert): Promise<Date> {
    const [saved] = await this.db
      .insert(conversationReads)
      .values(row)
      .onConflictDoUpdate({
        target: [conversationReads.conversationId, conversationReads.userId],
        set: { lastReadAt: sql`greatest(${conversationReads.lastReadAt}, excluded.last_read_at)` },
      })
      .returning({ lastReadAt: conversationReads.lastReadAt });
    return saved?.lastReadAt ?? row.lastReadAt;
  }

  // ── favourites ────────────────────────────────────────────────────────────

  async addFavorite(row: typeof conversationFavorites.$inferInsert): Promise<void> {
    await this.db.insert(conversationFavorites).values(row).onConflictDoNothing();
  }

  async removeFavorite(companyId: string, conversationId: string, userId: string): Promise<void> {
    await this.db
      .delete(conversationFavorites)
      .where(
        and(
          eq(conversationFavorites.companyId, companyId),
          eq(conversationFavorites.conversationId, conversationId),
          eq(conversationFavorites.userId, userId),
        ),
      );
  }

  // ── messages ──────────────────────────────────────────────────────────────

  /** Inserts the message unless its channel id is already stored; returns whether it was. */
  async insertMessage(row: typeof messages.$inferInsert): Promise<boolean> {
    const inserted = await this.db.insert(messages).values(row).onConflictDoNothing().returning({ id: messages.id });
    return inserted.length > 0;
  }

  /** Queues the fetch of a file a contact sent (in the transaction that stores the message). */
  async insertMediaDownload(row: typeof mediaDownloads.$inferInsert): Promise<void> {
    await this.db.insert(mediaDownloads).values(row).onConflictDoNothing();
  }

  async findMessage(companyId: string, messageId: string): Promise<Message | undefined> {
    const [row] = await this.db
      .select()
      .from(messages)
      .where(and(eq(messages.companyId, companyId), eq(messages.id, messageId)));
    return row && toMessage(row);
  }

  /** Whether an agent wrote to the customer at or after `since` (routing: an answered conversation). */
  async hasAgentReplySince(companyId: string, conversationId: string, since: Date): Promise<boolean> {
    const [row] = await this.db
      .select({ id: messages.id })
      .from(messages)
      .where(
        and(
          eq(messages.companyId, companyId),
          eq(messages.conversationId, conversationId),
          eq(messages.authorType, 'agent'),
          eq(messages.direction, 'outbound'),
          gte(messages.createdAt, since),
        ),
      )
      .limit(1);
    return row !== undefined;
  }

  /** The contact's latest message in the conversation that the channel knows by an id. */
  async latestInboundOf(companyId: string, conversationId: string): Promise<Message | undefined> {
    const [row] = await this.db
      .select()
      .from(messages)
      .where(
        and(
          eq(messages.companyId, companyId),
          eq(messages.conversationId, conversationId),
          eq(messages.direction, 'inbound'),
          isNotNull(messages.channelMessageId),
        ),
      )
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(1);
    return row && toMessage(row);
  }

  async findMessageIdByChannelId(companyId: string, channelMessageId: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.companyId, companyId), eq(messages.channelMessageId, channelMessageId)));
    return row?.id;
  }

  async messageExists(companyId: string, channelMessageId: string): Promise<boolean> {
    const [row] = await this.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.companyId, companyId), eq(messages.channelMessageId, channelMessageId)));
    return row !== undefined;
  }

  async lockMessageByChannelId(companyId: string, channelMessageId: string): Promise<Message | undefined> {
    const [row] = await this.db
      .select()
      .from(messages)
      .where(and(eq(messages.companyId, companyId), eq(messages.channelMessageId, channelMessageId)))
      .for('update');
    return row && toMessage(row);
  }

  async updateMessage(companyId: string, messageId: string, patch: Partial<typeof messages.$inferInsert>) {
    await this.db
      .update(messages)
      .set(patch)
      .where(and(eq(messages.companyId, companyId), eq(messages.id, messageId)));
  }

  /** Newest first, strictly older than the cursor: one range of messages_conversation_created_idx. */
  async listMessages(
    companyId: string,
    conversationId: string,
    cursor: KeysetCursor | undefined,
    limit: number,
  ): Promise<Message[]> {
    const conditions = [eq(messages.conversationId, conversationId), eq(messages.companyId, companyId)];
    if (cursor) conditions.push(beforeCursor(messages.createdAt, messages.id, cursor));
    const rows = await this.db
      .select()
      .from(messages)
      .where(and(...conditions))
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(limit + 1);
    return rows.map(toMessage);
  }

  /**
   * Claims a queued message for delivery: true for exactly one caller, and again only
   * after `staleBefore` (the claimer crashed).
   */
  async claimForDelivery(companyId: string, messageId: string, now: Date, staleBefore: Date): Promise<boolean> {
    const claimed = await this.db
      .update(messages)
      .set({ deliveryClaimedAt: now, deliveryAttempts: sql`${messages.deliveryAttempts} + 1` })
      .where(
        and(
          eq(messages.companyId, companyId),
          eq(messages.id, messageId),
          eq(messages.status, 'queued'),
          or(isNull(messages.deliveryClaimedAt), lt(messages.deliveryClaimedAt, staleBefore)),
        ),
      )
      .returning({ id: messages.id });
    return claimed.length > 0;
  }

  /** Queued outbound messages nobody is delivering (a node stopped mid-delivery). */
  async listStaleQueued(staleBefore: Date, limit: number): Promise<{ companyId: string; id: string }[]> {
    return this.db
      .select({ companyId: messages.companyId, id: messages.id })
      .from(messages)
      .where(
        and(
          eq(messages.status, 'queued'),
          or(isNull(messages.deliveryClaimedAt), lt(messages.deliveryClaimedAt, staleBefore)),
          lt(messages.createdAt, staleBefore),
        ),
      )
      .orderBy(asc(messages.createdAt))
      .limit(limit);
  }

  // ── voicemails of calls (conversations.voicemail.ts) ───────────────────────

  /** Marks a call as leaving a voicemail; a second mark of the same call changes nothing. */
  async insertCallVoicemail(row: typeof callVoicemails.$inferInsert): Promise<void> {
    await this.db.insert(callVoicemails).values(row).onConflictDoNothing();
  }

  async findCallVoicemail(companyId: string, callId: string): Promise<CallVoicemailRow | undefined> {
    const [row] = await this.db
      .select()
      .from(callVoicemails)
      .where(and(eq(callVoicemails.companyId, companyId), eq(callVoicemails.callId, callId)));
    return row;
  }

  async lockCallVoicemail(companyId: string, callId: string): Promise<CallVoicemailRow | undefined> {
    const [row] = await this.db
      .select()
      .from(callVoicemails)
      .where(and(eq(callVoicemails.companyId, companyId), eq(callVoicemails.callId, callId)))
      .for('update');
    return row;
  }

  async setCallVoicemailConversation(companyId: string, callId: string, conversationId: string): Promise<void> {
    await this.db
      .update(callVoicemails)
      .set({ conversationId })
      .where(and(eq(callVoicemails.companyId, companyId), eq(callVoicemails.callId, callId)));
  }

  // ── users (the users module's table, read only) ────────────────────────────

  async findActiveUser(companyId: string, userId: string): Promise<{ id: string; name: string } | undefined> {
    const [row] = await this.db
      .select({ id: users.id, name: users.name })
      .from(users)
      .where(and(eq(users.companyId, companyId), eq(users.id, userId), eq(users.isActive, true)));
    return row;
  }
}
