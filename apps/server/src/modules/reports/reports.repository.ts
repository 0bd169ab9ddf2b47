/**
 * Reads the facts reports and the wallboard are made of (entries, offers, messages,
 * status changes: other modules' tables, read only) and keeps this module's own rows
 * (dispositions, frozen entry facts, supervisor actions). Every query is filtered by company.
 */
import { auditLog, type AuditRecordInput } from '../audit/index.js';
import { and, asc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/driver-results.js';
import { dispositions, itemDispositions, reportEntryFacts, supervisorActions } from '../../db/schema/index.js';
import type { DispositionFact, EntryFact, OfferFact, ReportChannel, StatusFact } from './reports.js';

const ts = (date: Date) => sql`${date.toISOString()}::timestamptz`;
const asDate = (value: Date | string | null | undefined) =>
  value === null || value === undefined ? null : new Date(value);
const asNumber = (value: number | string | null | undefined) =>
  value === null || value === undefined ? null : Number(value);

export type Disposition = typeof dispositions.$inferSelect;
export type ItemDisposition = typeof itemDispositions.$inferSelect;

export interface RoutedItem {
  kind: 'call' | 'conversation';
  id: string;
  channel: ReportChannel;
  /** Who holds or held it: the conversation's assignee or the call's agent. */
  agentId: string | null;
  /** The agent of its latest routed entry, and that entry's queue. */
  entryAgentId: string | null;
  queueId: string | null;
}

export interface LiveEntry {
  entryId: string;
  queueId: string;
  channel: ReportChannel;
  label: string | null;
  state: string;
  enqueuedAt: Date;
  originalEnqueuedAt: Date;
  conversationId: string | null;
  callId: string | null;
}

export interface AgentRow {
  agentId: string;
  name: string;
  role: string;
  status: 'online' | 'offline' | 'busy' | 'away';
  isConnected: boolean;
  pauseReason: string | null;
  statusChangedAt: Date | null;
  wrapUpUntil: Date | null;
  currentItems: number;
  chatCapacity: number;
  queueIds: string[];
}

export class ReportsRepository {
  constructor(private readonly db: Db) {}

  // ── dispositions ──────────────────────────────────────────────────────────

  listDispositions(companyId: string, active?: boolean): Promise<Disposition[]> {
    return this.db
      .select()
      .from(dispositions)
      .where(
        and(
          eq(dispositions.companyId, companyId),
          isNull(dispositions.deletedAt),
          active === undefined ? undefined : eq(dispositions.isActive, active),
        ),
      )
      .orderBy(asc(dispositions.code));
  }

  async findDisposition(companyId: string, id: string): Promise<Disposition | undefined> {
    const [row] = await this.db
      .select()
      .from(dispositions)
      .where(and(eq(dispositions.companyId, companyId), eq(dispositions.id, id), isNull(dispositions.deletedAt)));
    return row;
  }

  async findDispositionByCode(companyId: string, code: string): Promise<Disposition | undefined> {
    const [row] = await this.db
      .select()
      .from(dispositions)
      .where(and(eq(dispositions.companyId, companyId), eq(dispositions.code, code), isNull(dispositions.deletedAt)));
    return row;
  }

  async insertDisposition(row: typeof dispositions.$inferInsert): Promise<Disposition> {
    const [created] = await this.db.insert(dispositions).values(row).returning();
    return created as Disposition;
  }

  async updateDisposition(
    companyId: string,
    id: string,
    patch: Partial<Pick<Disposition, 'code' | 'label' | 'isActive' | 'deletedAt' | 'updatedAt'>>,
  ): Promise<Disposition | undefined> {
    const [row] = await this.db
      .update(dispositions)
      .set(patch)
      .where(and(eq(dispositions.companyId, companyId), eq(dispositions.id, id), isNull(dispositions.deletedAt)))
      .returning();
    return row;
  }

  /** The call or conversation with who holds it and its latest routed entry. */
  async findRoutedItem(companyId: string, kind: 'call' | 'conversation', id: string): Promise<RoutedItem | undefined> {
    const rows = rowsOf<{
      channel: ReportChannel;
      agent_id: string | null;
      entry_agent_id: string | null;
      queue_id: string | null;
    }>(
      await this.db.execute(
        kind === 'conversation'
          ? sql`select c.channel, c.assignee_id as agent_id, e.assigned_to as entry_agent_id, e.queue_id
                  from conversations c
                  left join lateral (select assigned_to, queue_id from queue_entries
                                      where conversation_id = c.id and company_id = c.company_id
                                      order by enqueued_at desc limit 1) e on true
                 where c.company_id = ${companyId} and c.id = ${id}`
          : sql`select 'voice' as channel, k.agent_id, e.assigned_to as entry_agent_id, e.queue_id
                  from calls k
                  left join lateral (select assigned_to, queue_id from queue_entries
                                      where call_id = k.id and company_id = k.company_id
                                      order by enqueued_at desc limit 1) e on true
                 where k.company_id = ${companyId} and k.id = ${id}`,
      ),
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      kind,
      id,
      channel: row.channel,
      agentId: row.agent_id,
      entryAgentId: row.entry_agent_id,
      queueId: row.queue_id,
    };
  }

  async upsertItemDisposition(row: typeof itemDispositions.$inferInsert): Promise<ItemDisposition> {
    const target = row.callId ? itemDispositions.callId : itemDispositions.conversationId;
    const where = row.callId
      ? sql`${itemDispositions.callId} is not null`
      : sql`${itemDispositions.conversationId} is not null`;
    const [saved] = await this.db
      .insert(itemDispositions)
      .values(row)
      .onConflictDoUpdate({
        target,
        targetWhere: where,
        set: {
          dispositionId: row.dispositionId,
          code: row.code,
          label: row.label,
          agentId: row.agentId,
          queueId: row.queueId,
          note: row.note,
          setAt: row.setAt,
        },
      })
      .returning();
    return saved as ItemDisposition;
  }

  async findItemDisposition(
    companyId: string,
    kind: 'call' | 'conversation',
    id: string,
  ): Promise<ItemDisposition | undefined> {
    const column = kind === 'call' ? itemDispositions.callId : itemDispositions.conversationId;
    const [row] = await this.db
      .select()
      .from(itemDispositions)
      .where(and(eq(itemDispositions.companyId, companyId), eq(column, id)));
    return row;
  }

  // ── frozen facts ──────────────────────────────────────────────────────────

  /** The queue's threshold as the item arrives; written once, whatever node saw the event first. */
  async recordEntryArrival(companyId: string, entryId: string, queueId: string, at: Date): Promise<void> {
    await this.db.execute(sql`
      insert into ${reportEntryFacts} (entry_id, company_id, queue_id, service_level_seconds, recorded_at)
      select ${entryId}, ${companyId}, q.id, q.service_level_seconds, ${ts(at)}
        from queues q where q.id = ${queueId} and q.company_id = ${companyId}
      on conflict (entry_id) do nothing`);
  }

  async recordEntryWrapUp(companyId: string, entryId: string, queueId: string, wrapUpUntil: Date, at: Date) {
    await this.db.execute(sql`
      insert into ${reportEntryFacts} (entry_id, company_id, queue_id, service_level_seconds, wrap_up_until, recorded_at)
      select ${entryId}, ${companyId}, q.id, q.service_level_seconds, ${ts(wrapUpUntil)}, ${ts(at)}
        from queues q where q.id = ${queueId} and q.company_id = ${companyId}
      on conflict (entry_id) do update set wrap_up_until = excluded.wrap_up_until`);
  }

  // ── report facts ──────────────────────────────────────────────────────────

  /** Entries that arrived, were answered or ended in [from, to), and those still held then (occupancy). */
  async entryFacts(companyId: string, from: Date, to: Date, labelId: string | null = null): Promise<EntryFact[]> {
    const rows = rowsOf<Record<string, string | number | Date | null>>(
      await this.db.execute(sql`
        select e.id, e.queue_id, q.name as queue_name, e.channel, e.state, e.enqueued_at, e.original_enqueued_at,
               e.assigned_to, u.name as agent_name, e.assigned_at, e.ended_at, e.end_reason, e.wait_seconds,
               coalesce(f.service_level_seconds, q.service_level_seconds) as service_level_seconds,
               f.wrap_up_until,
               (select min(m.created_at) from messages m
                 where m.conversation_id = e.conversation_id and m.company_id = e.company_id
                   and m.direction = 'outbound' and m.author_type = 'agent'
                   and e.assigned_at is not null and m.created_at >= e.assigned_at
                   and (e.ended_at is null or m.created_at <= e.ended_at)) as first_agent_reply_at,
               -- CSAT is the customer's word: a rating an agent typed is not counted (issue 14).
               case when e.end_reason = 'closed' and c.rated_by = 'customer' then c.rating end as rating
          from queue_entries e
          join queues q on q.id = e.queue_id
          left join users u on u.id = e.assigned_to
          left join report_entry_facts f on f.entry_id = e.id
          left join conversations c on c.id = e.conversation_id and c.company_id = e.company_id
         where e.company_id = ${companyId}
           and e.enqueued_at < ${ts(to)}
           and (e.ended_at is null or e.ended_at >= ${ts(from)})
           ${labelled(companyId, sql`e.conversation_id`, labelId)}`),
    );
    return rows.map((r) => ({
      entryId: String(r.id),
      queueId: String(r.queue_id),
      queueName: String(r.queue_name),
      channel: r.channel as ReportChannel,
      state: String(r.state),
      enqueuedAt: asDate(r.enqueued_at as string) as Date,
      originalEnqueuedAt: asDate(r.original_enqueued_at as string) as Date,
      assignedTo: (r.assigned_to as string | null) ?? null,
      agentName: (r.agent_name as string | null) ?? null,
      assignedAt: asDate(r.assigned_at as string | null),
      endedAt: asDate(r.ended_at as string | null),
      endReason: (r.end_reason as string | null) ?? null,
      waitSeconds: asNumber(r.wait_seconds as number | null),
      serviceLevelSeconds: Number(r.service_level_seconds),
      wrapUpUntil: asDate(r.wrap_up_until as string | null),
      firstAgentReplyAt: asDate(r.first_agent_reply_at as string | null),
      rating: asNumber(r.rating as number | null),
    }));
  }

  async offerFacts(companyId: string, from: Date, to: Date, labelId: string | null = null): Promise<OfferFact[]> {
    const rows = rowsOf<{
      agent_id: string;
      agent_name: string;
      channel: ReportChannel;
      state: string;
      offered_at: string;
    }>(
      await this.db.execute(sql`
        select o.agent_id, u.name as agent_name, o.channel, o.state, o.offered_at
          from routing_offers o join users u on u.id = o.agent_id
         where o.company_id = ${companyId} and o.offered_at >= ${ts(from)} and o.offered_at < ${ts(to)}
           ${labelled(companyId, sql`(select oe.conversation_id from queue_entries oe where oe.id = o.entry_id)`, labelId)}`),
    );
    return rows.map((r) => ({
      agentId: r.agent_id,
      agentName: r.agent_name,
      channel: r.channel,
      state: r.state,
      offeredAt: new Date(r.offered_at),
    }));
  }

  async dispositionFacts(
    companyId: string,
    from: Date,
    to: Date,
    labelId: string | null = null,
  ): Promise<DispositionFact[]> {
    const rows = rowsOf<{
      queue_id: string | null;
      queue_name: string | null;
      agent_id: string;
      agent_name: string;
      channel: ReportChannel;
      code: string;
      set_at: string;
    }>(
      await this.db.execute(sql`
        select d.queue_id, q.name as queue_name, d.agent_id, u.name as agent_name, d.channel, d.code, d.set_at
          from item_dispositions d
          join users u on u.id = d.agent_id
          left join queues q on q.id = d.queue_id
         where d.company_id = ${companyId} and d.set_at >= ${ts(from)} and d.set_at < ${ts(to)}
           ${labelled(companyId, sql`d.conversation_id`, labelId)}`),
    );
    return rows.map((r) => ({
      queueId: r.queue_id,
      queueName: r.queue_name,
      agentId: r.agent_id,
      agentName: r.agent_name,
      channel: r.channel,
      code: r.code,
      setAt: new Date(r.set_at),
    }));
  }

  /** Status changes in [from, to) plus each agent's last one before `from`, in time order per agent. */
  async statusFacts(companyId: string, from: Date, to: Date): Promise<StatusFact[]> {
    const rows = rowsOf<{ user_id: string; name: string; status: string; at: string }>(
      await this.db.execute(sql`
        select s.user_id, u.name, s.status, s.at from (
          select user_id, status, at from agent_status_changes
           where company_id = ${companyId} and at >= ${ts(from)} and at < ${ts(to)}
          union all
          select distinct on (user_id) user_id, status, at from agent_status_changes
           where company_id = ${companyId} and at < ${ts(from)}
           order by user_id, at desc
        ) s join users u on u.id = s.user_id
        order by s.user_id, s.at`),
    );
    return rows.map((r) => ({ agentId: r.user_id, agentName: r.name, status: r.status, at: new Date(r.at) }));
  }

  async isLabelOfCompany(companyId: string, labelId: string): Promise<boolean> {
    const rows = rowsOf<{ id: string }>(
      await this.db.execute(sql`select id from labels where id = ${labelId} and company_id = ${companyId}`),
    );
    return rows.length > 0;
  }

  async companyTimeZone(companyId: string): Promise<string> {
    const rows = rowsOf<{ time_zone: string }>(
      await this.db.execute(sql`select time_zone from routing_settings where company_id = ${companyId}`),
    );
    return rows[0]?.time_zone ?? 'America/Sao_Paulo';
  }

  // ── wallboard ─────────────────────────────────────────────────────────────

  async liveQueues(companyId: string) {
    return rowsOf<{
      id: string;
      name: string;
      service_level_seconds: number;
      service_level_target: number;
    }>(
      await this.db.execute(sql`
        select id, name, service_level_seconds, service_level_target from queues
         where company_id = ${companyId} and deleted_at is null order by name`),
    ).map((q) => ({ ...q, service_level_target: Number(q.service_level_target) }));
  }

  async waitingEntries(companyId: string): Promise<LiveEntry[]> {
    const rows = rowsOf<Record<string, string | null>>(
      await this.db.execute(sql`
        select id, queue_id, channel, label, state, enqueued_at, original_enqueued_at, conversation_id, call_id
          from queue_entries where company_id = ${companyId} and state in ('waiting', 'offered')
         order by priority desc, is_front desc, enqueued_at`),
    );
    return rows.map((r) => ({
      entryId: String(r.id),
      queueId: String(r.queue_id),
      channel: r.channel as ReportChannel,
      label: r.label ?? null,
      state: String(r.state),
      enqueuedAt: new Date(String(r.enqueued_at)),
      originalEnqueuedAt: new Date(String(r.original_enqueued_at)),
      conversationId: r.conversation_id ?? null,
      callId: r.call_id ?? null,
    }));
  }

  async findLiveEntry(companyId: string, entryId: string): Promise<LiveEntry | undefined> {
    return (await this.waitingEntries(companyId)).find((e) => e.entryId === entryId);
  }

  /** Agents for the board: role agent or a member of any queue, active, with presence and load. */
  async boardAgents(companyId: string): Promise<AgentRow[]> {
    const rows = rowsOf<Record<string, unknown>>(
      await this.db.execute(sql`
        select u.id, u.name, u.role, coalesce(p.status::text, 'offline') as status,
               coalesce(p.websocket_connected, false) as is_connected, p.pause_reason, p.status_changed_at,
               a.wrap_up_until,
               coalesce(a.whatsapp_capacity, 3) + coalesce(a.webchat_capacity, 3) as chat_capacity,
               (select count(*) from queue_entries e where e.assigned_to = u.id and e.state = 'assigned')
               + (select count(*) from conversations c where c.assignee_id = u.id and c.company_id = u.company_id
                    and c.status in ('open', 'pending')
                    and not exists (select 1 from queue_entries e2 where e2.conversation_id = c.id and e2.state = 'assigned'))
                 as current_items,
               coalesce((select array_agg(m.queue_id::text order by m.queue_id) from queue_members m
                          join queues q on q.id = m.queue_id and q.deleted_at is null
                         where m.user_id = u.id), '{}') as queue_ids
          from users u
          left join agent_presences p on p.company_id = u.company_id and p.user_id = u.id
          left join routing_agents a on a.user_id = u.id
         where u.company_id = ${companyId} and u.is_active
           and (u.role = 'agent' or exists (select 1 from queue_members m join queues q on q.id = m.queue_id
                                             where m.user_id = u.id and q.deleted_at is null))
         order by u.name`),
    );
    return rows.map((r) => ({
      agentId: String(r.id),
      name: String(r.name),
      role: String(r.role),
      status: r.status as AgentRow['status'],
      isConnected: r.is_connected === true,
      pauseReason: (r.pause_reason as string | null) ?? null,
      statusChangedAt: asDate(r.status_changed_at as string | null),
      wrapUpUntil: asDate(r.wrap_up_until as string | null),
      currentItems: Number(r.current_items),
      chatCapacity: Number(r.chat_capacity),
      queueIds: parseArray(r.queue_ids),
    }));
  }

  /** Every company's queues with their waiting items and members, for /metrics. */
  async metricsSnapshot() {
    const queues = rowsOf<{
      id: string;
      company_id: string;
      name: string;
      waiting: number | string;
      oldest: string | null;
    }>(
      await this.db.execute(sql`
        select q.id, q.company_id, q.name,
               (select count(*) from queue_entries e where e.queue_id = q.id and e.state in ('waiting', 'offered')) as waiting,
               (select min(e.original_enqueued_at) from queue_entries e
                 where e.queue_id = q.id and e.state in ('waiting', 'offered')) as oldest
          from queues q where q.deleted_at is null`),
    );
    const members = rowsOf<Record<string, unknown>>(
      await this.db.execute(sql`
        select m.queue_id, m.user_id, coalesce(p.status::text, 'offline') as status,
               coalesce(p.websocket_connected, false) as is_connected, a.wrap_up_until,
               coalesce(a.whatsapp_capacity, 3) + coalesce(a.webchat_capacity, 3) as chat_capacity,
               (select count(*) from queue_entries e where e.assigned_to = m.user_id and e.state = 'assigned') as current_items
          from queue_members m
          join users u on u.id = m.user_id and u.is_active
          left join agent_presences p on p.company_id = m.company_id and p.user_id = m.user_id
          left join routing_agents a on a.user_id = m.user_id`),
    );
    return queues.map((q) => ({
      companyId: q.company_id,
      queueId: q.id,
      name: q.name,
      waiting: Number(q.waiting),
      oldest: asDate(q.oldest),
      agents: members
        .filter((m) => m.queue_id === q.id)
        .map((m): AgentRow => ({
          agentId: String(m.user_id),
          name: '',
          role: 'agent',
          status: m.status as AgentRow['status'],
          isConnected: m.is_connected === true,
          pauseReason: null,
          statusChangedAt: null,
          wrapUpUntil: asDate(m.wrap_up_until as string | null),
          currentItems: Number(m.current_items),
          chatCapacity: Number(m.chat_capacity),
          queueIds: [q.id],
        })),
    }));
  }

  /** The wallboard's action log and, for the sensitive ones, the audit log, in one transaction. */
  async recordAction(row: typeof supervisorActions.$inferInsert, audit?: AuditRecordInput): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.insert(supervisorActions).values(row);
      if (audit) await auditLog.record(tx, audit);
    });
  }

  listActions(companyId: string, limit: number) {
    return this.db
      .select()
      .from(supervisorActions)
      .where(eq(supervisorActions.companyId, companyId))
      .orderBy(sql`${supervisorActions.at} desc`)
      .limit(limit);
  }
}

/** A text[] comes back as an array from node-postgres and PGlite, or as `{a,b}` text from some paths. */
function parseArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.startsWith('{')) {
    return value
      .slice(1, -1)
      .split(',')
      .filter((v) => v.length > 0);
  }
  return [];
}

/** The report's label filter: items of conversations carrying the label (nothing added without one). */
function labelled(companyId: string, conversationId: SQL, labelId: string | null): SQL {
  if (!labelId) return sql``;
  return sql`and exists (select 1 from conversation_labels cl
                           where cl.company_id = ${companyId} and cl.label_id = ${labelId}
                             and cl.conversation_id = ${conversationId})`;
}
