/**
 * The engine's queries: entries, offers and agents, with the row locks that make a
 * decision exactly-once across nodes. Lock order, everywhere: entry, then the agent's
 * routing row, then the conversation (conversations module), then offers. One file past
 * the usual length on purpose: every locking query side by side, so that order is checked
 * in one reading.
 */
import { and, asc, desc, eq, exists, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/driver-results.js';
import { parsedJson, rowFromJson } from '../../db/json-row.js';
import { prepareNamed } from '../../db/named-statement.js';
import {
  agentPresences,
  conversations,
  messages,
  queueEntries,
  queueMembers,
  queues,
  routingAgents,
  routingMenuSessions,
  routingOffers,
  routingSweeps,
} from '../../db/schema/index.js';
import { toEntry, toOffer, toQueue } from './routing.rows.js';
import {
  DEFAULT_CHAT_CAPACITY,
  SHORT_ABANDON_SECONDS,
  type Candidate,
  type Load,
  type Offer,
  type Queue,
  type QueueEntry,
  type RoutingChannel,
} from './routing.js';

type EntryPatch = Partial<typeof queueEntries.$inferInsert>;

const ACTIVE_STATES = ['waiting', 'offered', 'assigned'] as const;

interface CandidateRow {
  agent_id: string;
  member_priority: number;
  status: Candidate['status'] | null;
  is_connected: boolean | null;
  wrap_up_until: Date | string | null;
  last_item_ended_at: Date | string | null;
  whatsapp_capacity: number | null;
  webchat_capacity: number | null;
  skills: Record<string, number> | string | null;
  voice_load: number | string;
  whatsapp_load: number | string;
  webchat_load: number | string;
}

/** A time as a parameter of raw SQL (both drivers take the ISO text; a Date is not portable there). */
const ts = (date: Date) => sql`${date.toISOString()}::timestamptz`;

const asDate = (value: Date | string | null) => (value === null ? null : new Date(value));

/**
 * Chats an agent took by hand (an open conversation assigned to them with no entry of
 * theirs): the one part of their load the counters of routing_agents do not hold (the
 * conversations module assigns those). A lateral subquery: `hand.whatsapp`, `hand.webchat`.
 */
function handTaken(agentColumn: SQL, companyColumn: SQL) {
  return sql`left join lateral (
    select count(*) filter (where c.channel = 'whatsapp') as whatsapp,
           count(*) filter (where c.channel = 'webchat') as webchat
      from ${conversations} c
     where c.company_id = ${companyColumn} and c.assignee_id = ${agentColumn}
       and c.channel in ('whatsapp', 'webchat') and c.status in ('open', 'pending')
       and not exists (select 1 from ${queueEntries} e
                        where e.conversation_id = c.id and e.state = 'assigned' and e.assigned_to = ${agentColumn})
  ) hand on true`;
}

/**
 * Items an agent holds per channel: the counters of routing_agents (their assigned entries
 * and live offers, kept by triggers in the same transactions: migration 0020) plus the
 * conversations they took by hand. An entry counts until the engine ends it, so a closed
 * conversation keeps its agent busy until wrap-up is set in the same step.
 */
const loadColumns = sql`
  coalesce(a.voice_items, 0) as voice_load,
  coalesce(a.whatsapp_items, 0) + coalesce(hand.whatsapp, 0) as whatsapp_load,
  coalesce(a.webchat_items, 0) + coalesce(hand.webchat, 0) as webchat_load`;

/** Chat capacity as stored; an agent with no routing row has the default. */
function capacityOf(row: Pick<CandidateRow, 'whatsapp_capacity' | 'webchat_capacity'>) {
  return {
    whatsapp: row.whatsapp_capacity ?? DEFAULT_CHAT_CAPACITY,
    webchat: row.webchat_capacity ?? DEFAULT_CHAT_CAPACITY,
  };
}

function toLoad(row: Pick<CandidateRow, 'voice_load' | 'whatsapp_load' | 'webchat_load'>): Load {
  return { voice: Number(row.voice_load), whatsapp: Number(row.whatsapp_load), webchat: Number(row.webchat_load) };
}

/**
 * What a decision reads, in one statement and one round trip: the queue, its next waiting
 * entries in routing order locked with `FOR UPDATE SKIP LOCKED` (another node deciding on
 * one skips it), and the members who could take work now: online and connected (so not
 * paused), active, on no call (a call leaves room for nothing) and out of wrap-up. Room per
 * channel and skills are the engine's to judge (`isEligible`); a member's skills are read
 * only when the queue requires some. Prepared under one name (no planning per decision).
 * Rows travel as jsonb and are mapped by the tables' own column mappings (db/json-row.ts).
 * Each member's presence is looked up by its key (a lateral subquery the planner keeps as
 * it is): joined freely, statistics taken while agents were offline — a shift's start —
 * made PostgreSQL scan every online agent of the company for each decision (3–4 ms instead
 * of 1.5 with 1,000 agents; docs/benchmarks.md, routing pass 8).
 */
const DECISION_COLUMNS = sql`
    (select to_jsonb(q) from queues q
      where q.company_id = ${sql.placeholder('companyId')} and q.id = ${sql.placeholder('queueId')}
        and q.deleted_at is null) as queue,
    (select coalesce(jsonb_agg(to_jsonb(w) order by w.priority desc, w.is_front desc, w.enqueued_at, w.id), '[]')
       from (select * from queue_entries
              where company_id = ${sql.placeholder('companyId')} and queue_id = ${sql.placeholder('queueId')}
                and state = 'waiting'
              order by priority desc, is_front desc, enqueued_at, id
              limit ${sql.placeholder('limit')}
              for update skip locked) w) as entries,
    (select coalesce(jsonb_agg(jsonb_build_object(
              'agent_id', m.user_id, 'member_priority', m.priority,
              'wrap_up_until', a.wrap_up_until, 'last_item_ended_at', a.last_item_ended_at,
              'whatsapp_capacity', a.whatsapp_capacity, 'webchat_capacity', a.webchat_capacity,
              'skills', case when jsonb_array_length(q.required_skills) = 0 then '{}'::jsonb
                             else (select coalesce(jsonb_object_agg(lower(s.name), s.level), '{}')
                                     from user_skills s where s.user_id = m.user_id) end,
              'voice_load', coalesce(a.voice_items, 0),
              'whatsapp_load', coalesce(a.whatsapp_items, 0) + coalesce(hand.whatsapp, 0),
              'webchat_load', coalesce(a.webchat_items, 0) + coalesce(hand.webchat, 0))), '[]')
       from queues q
       join queue_members m on m.queue_id = q.id
       join lateral (select p.status, p.websocket_connected from agent_presences p
                      where p.company_id = m.company_id and p.user_id = m.user_id
                     offset 0) p on p.status = 'online' and p.websocket_connected
       join users u on u.id = m.user_id and u.is_active
       left join routing_agents a on a.user_id = m.user_id
       ${handTaken(sql.raw('m.user_id'), sql.raw('m.company_id'))}
      where q.id = ${sql.placeholder('queueId')} and q.company_id = ${sql.placeholder('companyId')}
        and coalesce(a.voice_items, 0) = 0
        and (a.wrap_up_until is null or a.wrap_up_until <= ${sql.placeholder('now')}::timestamptz)) as candidates`;

const DECISION_READ = new PgDialect().sqlToQuery(sql`select ${DECISION_COLUMNS}`);

/**
 * DECISION_READ with an arrival's entry inserted by the same statement (one round trip
 * fewer on every arrival's path). The read does not see the row the statement inserts (one
 * snapshot): it comes back as `arrival`, null when the item already had a live entry, and
 * the engine puts it among the entries in routing order. It is locked as any inserted row.
 */
const DECISION_READ_WITH_ARRIVAL = new PgDialect().sqlToQuery(sql`
  with arrival as (
    insert into queue_entries (id, company_id, queue_id, channel, call_id, conversation_id, label, priority,
                               enqueued_at, original_enqueued_at, previous_entry_id, state, updated_at)
    values (${sql.placeholder('id')}, ${sql.placeholder('companyId')}, ${sql.placeholder('queueId')},
            ${sql.placeholder('channel')}, ${sql.placeholder('callId')}, ${sql.placeholder('conversationId')},
            ${sql.placeholder('label')}, ${sql.placeholder('priority')}, ${sql.placeholder('enqueuedAt')},
            ${sql.placeholder('originalEnqueuedAt')}, ${sql.placeholder('previousEntryId')}, 'waiting',
            ${sql.placeholder('updatedAt')})
    on conflict do nothing
    returning *)
  select ${DECISION_COLUMNS}, (select to_jsonb(a) from arrival a) as arrival`);

interface CandidateJson {
  agent_id: string;
  member_priority: number;
  wrap_up_until: string | null;
  last_item_ended_at: string | null;
  whatsapp_capacity: number | null;
  webchat_capacity: number | null;
  skills: Record<string, number>;
  voice_load: number;
  whatsapp_load: number;
  webchat_load: number;
}

export interface DecisionInputs {
  queue: Queue | undefined;
  entries: QueueEntry[];
  candidates: Candidate[];
}

/** The arrival a waiting entry of an open queue is made of (routing.engine.ts `enqueue`). */
export type ArrivalRow = Pick<
  QueueEntry,
  | 'id'
  | 'companyId'
  | 'queueId'
  | 'channel'
  | 'callId'
  | 'conversationId'
  | 'label'
  | 'priority'
  | 'enqueuedAt'
  | 'originalEnqueuedAt'
> & { previousEntryId: string | null; updatedAt: Date };

function toDecisionInputsWithArrival(rows: unknown[][]): DecisionInputs & { arrival: QueueEntry | undefined } {
  const arrivalJson = rows[0]?.[3];
  return {
    ...toDecisionInputs(rows),
    arrival: arrivalJson ? toEntry(rowFromJson(queueEntries, parsedJson(arrivalJson))) : undefined,
  };
}

function toDecisionInputs(rows: unknown[][]): DecisionInputs {
  const [queueJson, entriesJson, candidatesJson] = rows[0] ?? [];
  const queue = queueJson ? toQueue(rowFromJson(queues, parsedJson(queueJson)), []) : undefined;
  const entries = parsedJson<Record<string, unknown>[]>(entriesJson ?? '[]').map((json) =>
    toEntry(rowFromJson(queueEntries, json)),
  );
  const candidates = parsedJson<CandidateJson[]>(candidatesJson ?? '[]').map((c): Candidate => ({
    agentId: c.agent_id,
    memberPriority: Number(c.member_priority),
    status: 'online',
    isConnected: true,
    wrapUpUntil: asDate(c.wrap_up_until),
    lastItemEndedAt: asDate(c.last_item_ended_at),
    skills: c.skills,
    capacity: capacityOf(c),
    load: toLoad(c),
  }));
  return { queue, entries, candidates };
}

export class EngineRepository {
  constructor(readonly db: Db) {}

  transaction<T>(fn: (repo: EngineRepository) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new EngineRepository(tx as unknown as Db)));
  }

  /** The queue, its next waiting entries (locked, skipping held ones) and who could take them: DECISION_READ. */
  readForDecision(companyId: string, queueId: string, limit: number, now: Date): Promise<DecisionInputs> {
    return prepareNamed(this.db, DECISION_READ, 'switchboard_routing_decision_read', toDecisionInputs).execute({
      companyId,
      queueId,
      limit,
      now: now.toISOString(),
    });
  }

  /** DECISION_READ_WITH_ARRIVAL: the arrival inserted (undefined: it had a live entry already) and the read. */
  readForDecisionWithArrival(
    row: ArrivalRow,
    limit: number,
    now: Date,
  ): Promise<DecisionInputs & { arrival: QueueEntry | undefined }> {
    return prepareNamed(
      this.db,
      DECISION_READ_WITH_ARRIVAL,
      'switchboard_routing_decision_read_arrival',
      toDecisionInputsWithArrival,
    ).execute({
      ...row,
      enqueuedAt: row.enqueuedAt.toISOString(),
      originalEnqueuedAt: row.originalEnqueuedAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      limit,
      now: now.toISOString(),
    });
  }

  // ── queues ────────────────────────────────────────────────────────────────

  async findQueue(companyId: string, queueId: string): Promise<Queue | undefined> {
    const [row] = await this.db
      .select()
      .from(queues)
      .where(and(eq(queues.companyId, companyId), eq(queues.id, queueId), isNull(queues.deletedAt)));
    return row && toQueue(row, []);
  }

  async setLastChosen(queueId: string, agentId: string): Promise<void> {
    await this.db.update(queues).set({ lastChosenAgentId: agentId }).where(eq(queues.id, queueId));
  }

  /** Queues with items waiting, across companies (the sweep routes them all). */
  async queuesWithWaiting(): Promise<{ companyId: string; queueId: string }[]> {
    return this.db
      .selectDistinct({ companyId: queueEntries.companyId, queueId: queueEntries.queueId })
      .from(queueEntries)
      .where(eq(queueEntries.state, 'waiting'));
  }

  // ── entries ───────────────────────────────────────────────────────────────

  /** Inserts unless the item already has a live entry (the partial unique indexes); undefined then. */
  async insertEntry(row: typeof queueEntries.$inferInsert): Promise<QueueEntry | undefined> {
    const [inserted] = await this.db.insert(queueEntries).values(row).onConflictDoNothing().returning();
    return inserted && toEntry(inserted);
  }

  /**
   * A conversation's "closed" entry (ended at once, the customer told the hours), unless one
   * was written since the customer last wrote. The arrival and the sweep's orphan pass can both
   * reach a conversation with no live entry; the conversation's row lock makes the second one
   * see the first's entry, so the customer is told once (a closed entry is not live, so the
   * live-entry unique index does not decide it).
   */
  async insertClosedConversationEntry(
    row: typeof queueEntries.$inferInsert & { conversationId: string },
  ): Promise<QueueEntry | undefined> {
    return this.transaction(async (repo) => {
      const id = row.conversationId;
      await repo.db.execute(sql`select 1 from ${conversations} where ${conversations.id} = ${id} for update`);
      const told = rowsOf<{ told: boolean }>(
        await repo.db.execute(sql`
          select exists (
            select 1 from ${queueEntries} e
             where e.conversation_id = ${id} and e.state = 'overflowed' and e.end_reason = 'closed'
               and e.ended_at >= coalesce(
                 (select max(m.created_at) from ${messages} m where m.conversation_id = ${id} and m.direction = 'inbound'),
                 (select c.created_at from ${conversations} c where c.id = ${id}))
          ) as told`),
      );
      if (told[0]?.told) return undefined;
      return repo.insertEntry(row);
    });
  }

  async updateEntry(entryId: string, patch: EntryPatch): Promise<void> {
    await this.db.update(queueEntries).set(patch).where(eq(queueEntries.id, entryId));
  }

  /** Whether the queue has an entry waiting (read without locks: routing's cheap first look). */
  async hasWaiting(queueId: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: queueEntries.id })
      .from(queueEntries)
      .where(and(eq(queueEntries.queueId, queueId), eq(queueEntries.state, 'waiting')))
      .limit(1);
    return rows.length > 0;
  }

  async lockEntry(companyId: string, entryId: string): Promise<QueueEntry | undefined> {
    const [row] = await this.db
      .select()
      .from(queueEntries)
      .where(and(eq(queueEntries.companyId, companyId), eq(queueEntries.id, entryId)))
      .for('update');
    return row && toEntry(row);
  }

  async findEntry(companyId: string, entryId: string): Promise<QueueEntry | undefined> {
    const [row] = await this.db
      .select()
      .from(queueEntries)
      .where(and(eq(queueEntries.companyId, companyId), eq(queueEntries.id, entryId)));
    return row && toEntry(row);
  }

  async findLiveEntryOf(
    companyId: string,
    item: { conversationId?: string; callId?: string },
  ): Promise<QueueEntry | undefined> {
    const [row] = await this.db
      .select()
      .from(queueEntries)
      .where(
        and(
          eq(queueEntries.companyId, companyId),
          item.conversationId
            ? eq(queueEntries.conversationId, item.conversationId)
            : eq(queueEntries.callId, item.callId ?? ''),
          inArray(queueEntries.state, [...ACTIVE_STATES]),
        ),
      );
    return row && toEntry(row);
  }

  /** Records that the customer heard their position, unless another node just did. */
  async claimAnnouncement(entry: QueueEntry, position: number, now: Date): Promise<boolean> {
    const rows = await this.db
      .update(queueEntries)
      .set({ lastAnnouncedAt: now, lastAnnouncedPosition: position })
      .where(
        and(
          eq(queueEntries.id, entry.id),
          eq(queueEntries.state, 'waiting'),
          entry.lastAnnouncedAt === null
            ? isNull(queueEntries.lastAnnouncedAt)
            : eq(queueEntries.lastAnnouncedAt, entry.lastAnnouncedAt),
        ),
      )
      .returning({ id: queueEntries.id });
    return rows.length > 0;
  }

  /**
   * Claims this run of a periodic job: inside the advisory-lock transaction of
   * db/leader-lock.ts, true when no node ran it in the last `minIntervalMs`.
   */
  async claimSweep(name: string, nodeId: string, now: Date, minIntervalMs: number): Promise<boolean> {
    const rows = await this.db
      .insert(routingSweeps)
      .values({ name, nodeId, ranAt: now })
      .onConflictDoUpdate({
        target: routingSweeps.name,
        set: { nodeId, ranAt: now },
        setWhere: sql`${routingSweeps.ranAt} <= ${ts(new Date(now.getTime() - minIntervalMs))}`,
      })
      .returning({ name: routingSweeps.name });
    return rows.length > 0;
  }

  /** The latest entry of a conversation, live or ended (a transfer keeps its first enqueue time). */
  async latestEntryOfConversation(companyId: string, conversationId: string): Promise<QueueEntry | undefined> {
    const [row] = await this.db
      .select()
      .from(queueEntries)
      .where(and(eq(queueEntries.companyId, companyId), eq(queueEntries.conversationId, conversationId)))
      .orderBy(desc(queueEntries.enqueuedAt))
      .limit(1);
    return row && toEntry(row);
  }

  /** Waiting entries of a queue in routing order (positions are their index + 1). */
  async listWaiting(companyId: string, queueId: string, limit: number): Promise<QueueEntry[]> {
    const rows = await this.db
      .select()
      .from(queueEntries)
      .where(
        and(
          eq(queueEntries.companyId, companyId),
          eq(queueEntries.queueId, queueId),
          eq(queueEntries.state, 'waiting'),
        ),
      )
      .orderBy(
        desc(queueEntries.priority),
        desc(queueEntries.isFront),
        asc(queueEntries.enqueuedAt),
        asc(queueEntries.id),
      )
      .limit(limit);
    return rows.map(toEntry);
  }

  async listEntries(
    companyId: string,
    queueId: string,
    state: QueueEntry['state'],
    limit: number,
  ): Promise<QueueEntry[]> {
    if (state === 'waiting') return this.listWaiting(companyId, queueId, limit);
    const rows = await this.db
      .select()
      .from(queueEntries)
      .where(
        and(eq(queueEntries.companyId, companyId), eq(queueEntries.queueId, queueId), eq(queueEntries.state, state)),
      )
      .orderBy(desc(queueEntries.updatedAt))
      .limit(limit);
    return rows.map(toEntry);
  }

  /**
   * Waiting entries past their queue's max wait that have somewhere to go, locked (the sweep
   * overflows them): to another queue, any item; to voicemail or a callback, calls only — and
   * not a callback item (its caller asked to be called back: it already waited its turn and
   * keeps its place rather than overflowing again at every max wait). Entries with nowhere to
   * go are left out so that they never fill the batch.
   */
  async lockOverdue(now: Date, limit: number): Promise<QueueEntry[]> {
    const rows = await this.db
      .select({ entry: queueEntries })
      .from(queueEntries)
      .innerJoin(queues, eq(queues.id, queueEntries.queueId))
      .where(
        and(
          eq(queueEntries.state, 'waiting'),
          sql`${queues.maxWaitSeconds} is not null`,
          sql`${queueEntries.enqueuedAt} + make_interval(secs => ${queues.maxWaitSeconds}) <= ${ts(now)}`,
          sql`(${queues.overflow}->>'action' = 'queue' or (
            ${queues.overflow}->>'action' in ('voicemail', 'callback')
            and ${queueEntries.channel} = 'voice'
            and not exists (select 1 from ${queueEntries} earlier
              where earlier.company_id = ${queueEntries.companyId}
                and earlier.call_id = ${queueEntries.callId}
                and earlier.end_reason = 'callback_requested')))`,
        ),
      )
      .limit(limit)
      .for('update', { of: queueEntries, skipLocked: true });
    return rows.map((r) => toEntry(r.entry));
  }

  /** Live entries that just passed their queue's service level, marked so each is reported once. */
  async markSlaBreaches(now: Date, limit: number): Promise<QueueEntry[]> {
    const rows = await this.db
      .select({ entry: queueEntries })
      .from(queueEntries)
      .innerJoin(queues, eq(queues.id, queueEntries.queueId))
      .where(
        and(
          inArray(queueEntries.state, ['waiting', 'offered']),
          eq(queueEntries.isSlaBreached, false),
          sql`${queueEntries.originalEnqueuedAt} + make_interval(secs => ${queues.serviceLevelSeconds}) <= ${ts(now)}`,
        ),
      )
      .limit(limit)
      .for('update', { of: queueEntries, skipLocked: true });
    if (rows.length === 0) return [];
    await this.db
      .update(queueEntries)
      .set({ isSlaBreached: true })
      .where(
        inArray(
          queueEntries.id,
          rows.map((r) => r.entry.id),
        ),
      );
    return rows.map((r) => toEntry(r.entry));
  }

  /**
   * Chat entries assigned to an agent who went offline or lost every socket longer than
   * `timeoutMs` ago, locked: the sweep returns the unanswered ones to the front.
   */
  async lockDroppedAssignments(now: Date, timeoutMs: number, limit: number): Promise<QueueEntry[]> {
    const before = new Date(now.getTime() - timeoutMs);
    const rows = await this.db
      .select({ entry: queueEntries })
      .from(queueEntries)
      .innerJoin(
        agentPresences,
        and(eq(agentPresences.companyId, queueEntries.companyId), eq(agentPresences.userId, queueEntries.assignedTo)),
      )
      .where(
        and(
          eq(queueEntries.state, 'assigned'),
          sql`${queueEntries.channel} <> 'voice'`,
          sql`(
            (${agentPresences.status} = 'offline' and ${agentPresences.statusChangedAt} < ${ts(before)})
            or (not ${agentPresences.isConnected} and coalesce(${agentPresences.lastHeartbeatAt}, ${agentPresences.updatedAt}) < ${ts(before)})
          )`,
        ),
      )
      .limit(limit)
      .for('update', { of: queueEntries, skipLocked: true });
    return rows.map((r) => toEntry(r.entry));
  }

  /** Assigned chat entries whose conversation was closed or taken by someone else: they are over. */
  async lockFinishedChatAssignments(limit: number): Promise<QueueEntry[]> {
    const rows = await this.db
      .select({ entry: queueEntries })
      .from(queueEntries)
      .innerJoin(conversations, eq(conversations.id, queueEntries.conversationId))
      .where(
        and(
          eq(queueEntries.state, 'assigned'),
          sql`(${conversations.status} in ('resolved', 'snoozed') or ${conversations.assigneeId} is distinct from ${queueEntries.assignedTo})`,
        ),
      )
      .limit(limit)
      .for('update', { of: queueEntries, skipLocked: true });
    return rows.map((r) => toEntry(r.entry));
  }

  /** Waiting chat entries whose conversation someone took by hand or closed. */
  async lockTakenWaitingEntries(limit: number): Promise<QueueEntry[]> {
    const rows = await this.db
      .select({ entry: queueEntries })
      .from(queueEntries)
      .innerJoin(conversations, eq(conversations.id, queueEntries.conversationId))
      .where(
        and(
          eq(queueEntries.state, 'waiting'),
          sql`(${conversations.status} in ('resolved', 'snoozed') or ${conversations.assigneeId} is not null)`,
        ),
      )
      .limit(limit)
      .for('update', { of: queueEntries, skipLocked: true });
    return rows.map((r) => toEntry(r.entry));
  }

  /** Conversations waiting for a human that no entry holds and no menu has (an event lost in a crash). */
  async orphanConversations(
    limit: number,
  ): Promise<{ companyId: string; conversationId: string; channel: RoutingChannel }[]> {
    return this.db
      .select({ companyId: conversations.companyId, conversationId: conversations.id, channel: conversations.channel })
      .from(conversations)
      .where(
        and(
          eq(conversations.status, 'open'),
          eq(conversations.awaitingHuman, true),
          isNull(conversations.assigneeId),
          sql`not exists (select 1 from ${queueEntries} e where e.conversation_id = ${conversations.id}
                            and e.state in ('waiting', 'offered', 'assigned'))`,
          // Told "closed" since the customer last wrote: nothing to route until they write again.
          sql`not exists (select 1 from ${queueEntries} e where e.conversation_id = ${conversations.id}
                            and e.state = 'overflowed' and e.end_reason = 'closed'
                            and e.ended_at >= coalesce((select max(m.created_at) from ${messages} m
                                                          where m.conversation_id = ${conversations.id}
                                                            and m.direction = 'inbound'), ${conversations.createdAt}))`,
          sql`not exists (select 1 from ${routingMenuSessions} m where m.conversation_id = ${conversations.id})`,
        ),
      )
      .limit(limit);
  }

  // ── agents ────────────────────────────────────────────────────────────────

  /** The queue's members with what eligibility needs; presence read from the presence module's tables. */
  async candidates(queueId: string): Promise<Candidate[]> {
    const rows = rowsOf<CandidateRow>(
      await this.db.execute(sql`
        select m.user_id as agent_id, m.priority as member_priority,
               p.status, p.websocket_connected as is_connected,
               a.wrap_up_until, a.last_item_ended_at, a.whatsapp_capacity, a.webchat_capacity,
               (select jsonb_object_agg(lower(s.name), s.level) from user_skills s where s.user_id = m.user_id) as skills,
               ${loadColumns}
          from queue_members m
          join users u on u.id = m.user_id and u.is_active
          left join agent_presences p on p.company_id = m.company_id and p.user_id = m.user_id
          left join routing_agents a on a.user_id = m.user_id
          ${handTaken(sql.raw('m.user_id'), sql.raw('m.company_id'))}
         where m.queue_id = ${queueId}`),
    );
    return rows.map((row) => ({
      agentId: row.agent_id,
      memberPriority: Number(row.member_priority),
      status: row.status ?? 'offline',
      isConnected: row.is_connected ?? false,
      wrapUpUntil: asDate(row.wrap_up_until),
      lastItemEndedAt: asDate(row.last_item_ended_at),
      skills: typeof row.skills === 'string' ? (JSON.parse(row.skills) as Record<string, number>) : (row.skills ?? {}),
      capacity: capacityOf(row),
      load: toLoad(row),
    }));
  }

  /**
   * Locks the agent's routing row unless another decision holds it (then undefined: try
   * the next agent), and reads their load again under the lock: anything committed by the
   * decision that held it before is counted.
   */
  async lockAgent(
    agentId: string,
  ): Promise<{ capacity: { whatsapp: number; webchat: number }; load: Load; missedOffers: number } | undefined> {
    // One query: the row locked (or skipped), its counters, and the chats taken by hand.
    const [agent] = rowsOf<
      Pick<CandidateRow, 'voice_load' | 'whatsapp_load' | 'webchat_load'> & {
        whatsapp_capacity: number;
        webchat_capacity: number;
        missed_offers: number;
      }
    >(
      await this.db.execute(sql`
        select a.whatsapp_capacity, a.webchat_capacity, a.missed_offers, ${loadColumns}
          from routing_agents a
          ${handTaken(sql.raw('a.user_id'), sql.raw('a.company_id'))}
         where a.user_id = ${agentId}
         for update of a skip locked`),
    );
    if (!agent) return undefined;
    return {
      capacity: { whatsapp: Number(agent.whatsapp_capacity), webchat: Number(agent.webchat_capacity) },
      load: toLoad(agent),
      missedOffers: Number(agent.missed_offers),
    };
  }

  /** Waits for the agent's row (an offer's answer, the end of an item: never skipped). */
  async lockAgentWaiting(companyId: string, agentId: string, now: Date) {
    await this.db.insert(routingAgents).values({ userId: agentId, companyId, updatedAt: now }).onConflictDoNothing();
    const [agent] = await this.db.select().from(routingAgents).where(eq(routingAgents.userId, agentId)).for('update');
    return agent;
  }

  async updateAgent(agentId: string, patch: Partial<typeof routingAgents.$inferInsert>): Promise<void> {
    await this.db.update(routingAgents).set(patch).where(eq(routingAgents.userId, agentId));
  }

  /** Agents whose wrap-up ended since `since`: they can take work again. */
  async agentsOutOfWrapUp(since: Date, now: Date): Promise<{ companyId: string; agentId: string }[]> {
    return this.db
      .select({ companyId: routingAgents.companyId, agentId: routingAgents.userId })
      .from(routingAgents)
      .where(sql`${routingAgents.wrapUpUntil} > ${ts(since)} and ${routingAgents.wrapUpUntil} <= ${ts(now)}`);
  }

  /**
   * The agent's queues that have an entry waiting, in one statement (read without locks:
   * routing's cheap first look, as `hasWaiting`, for every queue of the agent at once).
   */
  async waitingQueueIdsOfAgent(companyId: string, agentId: string): Promise<string[]> {
    const rows = await this.db
      .select({ queueId: queueMembers.queueId })
      .from(queueMembers)
      .innerJoin(queues, eq(queues.id, queueMembers.queueId))
      .where(
        and(
          eq(queueMembers.companyId, companyId),
          eq(queueMembers.userId, agentId),
          isNull(queues.deletedAt),
          exists(
            this.db
              .select({ one: sql`1` })
              .from(queueEntries)
              .where(and(eq(queueEntries.queueId, queueMembers.queueId), eq(queueEntries.state, 'waiting'))),
          ),
        ),
      );
    return rows.map((r) => r.queueId);
  }

  // ── offers ────────────────────────────────────────────────────────────────

  async insertOffer(row: typeof routingOffers.$inferInsert): Promise<void> {
    await this.db.insert(routingOffers).values(row);
  }

  async lockOffer(companyId: string, offerId: string): Promise<Offer | undefined> {
    const [row] = await this.db
      .select()
      .from(routingOffers)
      .where(and(eq(routingOffers.companyId, companyId), eq(routingOffers.id, offerId)))
      .for('update');
    return row && toOffer(row);
  }

  async findOffer(companyId: string, offerId: string): Promise<Offer | undefined> {
    const [row] = await this.db
      .select()
      .from(routingOffers)
      .where(and(eq(routingOffers.companyId, companyId), eq(routingOffers.id, offerId)));
    return row && toOffer(row);
  }

  async updateOffer(offerId: string, patch: Partial<typeof routingOffers.$inferInsert>): Promise<void> {
    await this.db.update(routingOffers).set(patch).where(eq(routingOffers.id, offerId));
  }

  /** Ends every live offer of an entry (another one was accepted, or the item went away). */
  async closeLiveOffers(entryId: string, state: 'cancelled' | 'expired', now: Date): Promise<Offer[]> {
    const rows = await this.db
      .update(routingOffers)
      .set({ state, respondedAt: now })
      .where(and(eq(routingOffers.entryId, entryId), eq(routingOffers.state, 'offered')))
      .returning();
    return rows.map(toOffer);
  }

  /** Live offers past their time, locked; their entries are locked by the caller first. */
  async expiredOfferEntryIds(now: Date, limit: number): Promise<{ companyId: string; entryId: string }[]> {
    return this.db
      .selectDistinct({ companyId: routingOffers.companyId, entryId: routingOffers.entryId })
      .from(routingOffers)
      .where(and(eq(routingOffers.state, 'offered'), lt(routingOffers.expiresAt, now)))
      .limit(limit);
  }

  async liveOffersOfEntry(entryId: string): Promise<Offer[]> {
    const rows = await this.db
      .select()
      .from(routingOffers)
      .where(and(eq(routingOffers.entryId, entryId), eq(routingOffers.state, 'offered')))
      .for('update');
    return rows.map(toOffer);
  }

  /** Entries with a live offer to an agent who is no longer available (went away, offline, lost sockets). */
  async entriesOfferedToUnavailable(limit: number): Promise<{ companyId: string; entryId: string }[]> {
    return this.db
      .selectDistinct({ companyId: routingOffers.companyId, entryId: routingOffers.entryId })
      .from(routingOffers)
      .leftJoin(
        agentPresences,
        and(eq(agentPresences.companyId, routingOffers.companyId), eq(agentPresences.userId, routingOffers.agentId)),
      )
      .where(
        and(
          eq(routingOffers.state, 'offered'),
          sql`(${agentPresences.userId} is null or ${agentPresences.status} <> 'online' or not ${agentPresences.isConnected})`,
        ),
      )
      .limit(limit);
  }

  async liveOffersOf(companyId: string, agentId: string) {
    return this.db
      .select({ offer: routingOffers, entry: queueEntries, queueName: queues.name })
      .from(routingOffers)
      .innerJoin(queueEntries, eq(queueEntries.id, routingOffers.entryId))
      .innerJoin(queues, eq(queues.id, routingOffers.queueId))
      .where(
        and(
          eq(routingOffers.companyId, companyId),
          eq(routingOffers.agentId, agentId),
          eq(routingOffers.state, 'offered'),
        ),
      )
      .orderBy(asc(routingOffers.offeredAt));
  }

  // ── menu sessions ─────────────────────────────────────────────────────────

  async startMenu(companyId: string, conversationId: string, channel: RoutingChannel, now: Date): Promise<boolean> {
    const rows = await this.db
      .insert(routingMenuSessions)
      .values({ companyId, conversationId, channel, startedAt: now })
      .onConflictDoNothing()
      .returning({ id: routingMenuSessions.conversationId });
    return rows.length > 0;
  }

  async lockMenu(companyId: string, conversationId: string) {
    const [row] = await this.db
      .select()
      .from(routingMenuSessions)
      .where(and(eq(routingMenuSessions.companyId, companyId), eq(routingMenuSessions.conversationId, conversationId)))
      .for('update');
    return row;
  }

  async updateMenuAttempts(conversationId: string, attempts: number): Promise<void> {
    await this.db
      .update(routingMenuSessions)
      .set({ attempts })
      .where(eq(routingMenuSessions.conversationId, conversationId));
  }

  async endMenu(conversationId: string): Promise<void> {
    await this.db.delete(routingMenuSessions).where(eq(routingMenuSessions.conversationId, conversationId));
  }

  // ── stats ─────────────────────────────────────────────────────────────────

  /** Claims the right to publish a queue's stats now: at most once a second per queue, cluster-wide. */
  async claimStats(queueId: string, now: Date): Promise<boolean> {
    const rows = await this.db
      .update(queues)
      .set({ statsPublishedAt: now })
      .where(
        and(
          eq(queues.id, queueId),
          sql`(${queues.statsPublishedAt} is null or ${queues.statsPublishedAt} <= ${ts(new Date(now.getTime() - 1000))})`,
        ),
      )
      .returning({ id: queues.id });
    return rows.length > 0;
  }

  /**
   * The queue's service level since `since`, counted in PostgreSQL (the sweep asks every
   * second for every busy queue; the rows stay in the database): items answered within
   * `thresholdSeconds` over items answered or abandoned, abandons under
   * SHORT_ABANDON_SECONDS apart, each item counted when it was answered or, unanswered,
   * when it ended. Null when there is none.
   */
  async serviceLevelSince(queueId: string, since: Date, thresholdSeconds: number): Promise<number | null> {
    const [row] = rowsOf<{ within: number | string; total: number | string }>(
      await this.db.execute(sql`
        select count(*) filter (where state in ('assigned', 'completed')
                                  and coalesce(wait_seconds, 0) <= ${thresholdSeconds}) as within,
               count(*) filter (where state in ('assigned', 'completed')
                                   or coalesce(wait_seconds, 0) >= ${SHORT_ABANDON_SECONDS}) as total
          from ${queueEntries}
         where queue_id = ${queueId}
           and state in ('assigned', 'completed', 'abandoned')
           and (assigned_at >= ${ts(since)} or (assigned_at is null and ended_at >= ${ts(since)}))`),
    );
    const total = Number(row?.total ?? 0);
    return total === 0 ? null : Number(row?.within ?? 0) / total;
  }

  /** How many items wait in the queue, and since when the longest has waited (its first enqueue). */
  async waitingSummary(queueId: string): Promise<{ count: number; oldest: Date | null }> {
    const [row] = rowsOf<{ count: number | string; oldest: string | Date | null }>(
      await this.db.execute(sql`
        select count(*) as count, min(original_enqueued_at) as oldest
          from ${queueEntries} where queue_id = ${queueId} and state = 'waiting'`),
    );
    const oldest = row?.oldest ?? null;
    return { count: Number(row?.count ?? 0), oldest: oldest === null ? null : new Date(oldest) };
  }

  /** Average seconds from assignment to end over the queue's recent items (for estimated waits). */
  async averageHandleSeconds(queueId: string, since: Date): Promise<number | null> {
    const [row] = rowsOf<{ avg: number | string | null }>(
      await this.db.execute(sql`
        select avg(extract(epoch from (ended_at - assigned_at))) as avg from ${queueEntries}
         where queue_id = ${queueId} and state = 'completed' and assigned_at is not null and ended_at >= ${ts(since)}`),
    );
    return row?.avg === null || row?.avg === undefined ? null : Number(row.avg);
  }

  /** Queues whose entries changed since `since` (their stats are due). */
  async queuesChangedSince(since: Date): Promise<{ companyId: string; queueId: string }[]> {
    // Two index scans (recent changes; the waiting items' partial index), not a scan of
    // every entry ever routed: the sweep asks every second.
    return rowsOf<{ companyId: string; queueId: string }>(
      await this.db.execute(sql`
        select company_id as "companyId", queue_id as "queueId" from ${queueEntries} where updated_at >= ${ts(since)}
        union
        select company_id, queue_id from ${queueEntries} where state = 'waiting'`),
    );
  }
}
