/**
 * What voice queues read and write: DID entry points (routing_entry_points rows of the
 * `voice` channel, one per DID), the queue settings a call needs, the status an agent
 * returns to after a call (routing_agents.status_before_busy) and the entries of a call.
 * Every query is filtered by company except the DID lookup, which is how an inbound call
 * finds its company (a DID belongs to one company: saving one another holds is refused).
 */
import { and, asc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf } from '../../db/driver-results.js';
import {
  agentPresences,
  calls,
  queueEntries,
  queueMembers,
  queues,
  routingAgents,
  routingEntryPoints,
  routingOffers,
  routingSettings,
} from '../../db/schema/index.js';
import type { VoiceMenu } from './voice-routing.js';

export interface VoiceEntryPoint {
  companyId: string;
  did: string;
  defaultQueueId: string | null;
  menu: VoiceMenu | null;
  updatedAt: Date;
}

export interface VoiceQueue {
  id: string;
  companyId: string;
  name: string;
  channels: string[];
  priority: number;
  announcePosition: boolean;
  businessHours: {
    ranges: { day: number; from: string; to: string }[];
    closedAction: { action: 'message'; text: string | null } | { action: 'voicemail' };
  } | null;
}

export interface CallEntry {
  id: string;
  queueId: string;
  queueName: string;
  state: string;
  enqueuedAt: Date;
  originalEnqueuedAt: Date;
  offeredAgents: string[];
  assignedTo: string | null;
  waitSeconds: number | null;
  endedAt: Date | null;
  endReason: string | null;
  previousEntryId: string | null;
}

/** A voice entry still live in the database, with what the PBX knows of its call. */
export interface LiveVoiceEntry {
  id: string;
  companyId: string;
  queueId: string;
  callId: string;
  state: 'waiting' | 'offered' | 'assigned';
  assignedTo: string | null;
  originalEnqueuedAt: Date;
  callerNumber: string;
  customerChannelId: string | null;
  agentChannelId: string | null;
  bridgeId: string | null;
  /** Offers still live on it: who rings, until when. */
  offers: { id: string; agentId: string; offeredAt: Date; expiresAt: Date }[];
}

export interface VoiceSettings {
  timeZone: string;
  language: string;
}

/** A company that never saved routing settings. */
const DEFAULT_SETTINGS: VoiceSettings = { timeZone: 'America/Sao_Paulo', language: 'pt-BR' };

function toVoiceQueue(row: typeof queues.$inferSelect): VoiceQueue {
  const hours = row.businessHours;
  return {
    id: row.id,
    companyId: row.companyId,
    name: row.name,
    channels: row.channels,
    priority: row.priority,
    announcePosition: row.announcePosition,
    businessHours: hours
      ? {
          ranges: hours.ranges,
          closedAction:
            hours.closed_action.action === 'message'
              ? { action: 'message', text: hours.closed_action.text ?? null }
              : { action: 'voicemail' },
        }
      : null,
  };
}

const ts = (date: Date) => sql`${date.toISOString()}::timestamptz`;

export class VoiceRoutingRepository {
  constructor(readonly db: Db) {}

  // ── entry points ──────────────────────────────────────────────────────────

  /** Every company that routes this DID (more than one is a misconfiguration the caller is refused for). */
  /**
   * A caller's arrival, in one statement: the entry points of the DID with, for each, its
   * default queue (undefined when it has none or it is deleted) and the company's settings.
   */
  async arrivalOfDid(
    did: string,
  ): Promise<{ point: VoiceEntryPoint; queue: VoiceQueue | undefined; settings: VoiceSettings }[]> {
    const rows = await this.db
      .select({
        point: routingEntryPoints,
        queue: queues,
        timeZone: routingSettings.timeZone,
        language: routingSettings.language,
      })
      .from(routingEntryPoints)
      .leftJoin(
        queues,
        and(
          eq(queues.companyId, routingEntryPoints.companyId),
          eq(queues.id, routingEntryPoints.defaultQueueId),
          isNull(queues.deletedAt),
        ),
      )
      .leftJoin(routingSettings, eq(routingSettings.companyId, routingEntryPoints.companyId))
      .where(and(eq(routingEntryPoints.channel, 'voice'), eq(routingEntryPoints.address, did)));
    return rows.map((row) => ({
      point: toEntryPoint(row.point),
      queue: row.queue ? toVoiceQueue(row.queue) : undefined,
      settings:
        row.timeZone !== null && row.language !== null
          ? { timeZone: row.timeZone, language: row.language }
          : DEFAULT_SETTINGS,
    }));
  }

  async entryPointsOfDid(did: string): Promise<VoiceEntryPoint[]> {
    const rows = await this.db
      .select()
      .from(routingEntryPoints)
      .where(and(eq(routingEntryPoints.channel, 'voice'), eq(routingEntryPoints.address, did)));
    return rows.map(toEntryPoint);
  }

  async listEntryPoints(companyId: string): Promise<VoiceEntryPoint[]> {
    const rows = await this.db
      .select()
      .from(routingEntryPoints)
      .where(
        and(
          eq(routingEntryPoints.companyId, companyId),
          eq(routingEntryPoints.channel, 'voice'),
          ne(routingEntryPoints.address, ''),
        ),
      )
      .orderBy(asc(routingEntryPoints.address));
    return rows.map(toEntryPoint);
  }

  async saveEntryPoint(point: Omit<VoiceEntryPoint, 'updatedAt'>, now: Date): Promise<void> {
    const value = { defaultQueueId: point.defaultQueueId, menu: point.menu, updatedAt: now };
    await this.db
      .insert(routingEntryPoints)
      .values({ companyId: point.companyId, channel: 'voice', address: point.did, ...value })
      .onConflictDoUpdate({
        target: [routingEntryPoints.companyId, routingEntryPoints.channel, routingEntryPoints.address],
        set: value,
      });
  }

  async deleteEntryPoint(companyId: string, did: string): Promise<boolean> {
    const rows = await this.db
      .delete(routingEntryPoints)
      .where(
        and(
          eq(routingEntryPoints.companyId, companyId),
          eq(routingEntryPoints.channel, 'voice'),
          eq(routingEntryPoints.address, did),
        ),
      )
      .returning({ did: routingEntryPoints.address });
    return rows.length > 0;
  }

  // ── queues and settings ───────────────────────────────────────────────────

  async findQueue(companyId: string, queueId: string): Promise<VoiceQueue | undefined> {
    const [row] = await this.db
      .select()
      .from(queues)
      .where(and(eq(queues.companyId, companyId), eq(queues.id, queueId), isNull(queues.deletedAt)));
    return row && toVoiceQueue(row);
  }

  async existingQueueIds(companyId: string, queueIds: readonly string[]): Promise<Set<string>> {
    if (queueIds.length === 0) return new Set();
    const rows = await this.db
      .select({ id: queues.id })
      .from(queues)
      .where(and(eq(queues.companyId, companyId), isNull(queues.deletedAt), inArray(queues.id, [...queueIds])));
    return new Set(rows.map((r) => r.id));
  }

  async settingsOf(companyId: string): Promise<VoiceSettings> {
    const [row] = await this.db
      .select({ timeZone: routingSettings.timeZone, language: routingSettings.language })
      .from(routingSettings)
      .where(eq(routingSettings.companyId, companyId));
    return row ?? DEFAULT_SETTINGS;
  }

  /** The entry's place among the queue's waiting items (routing order), or undefined when it no longer waits. */
  async positionOf(companyId: string, queueId: string, entryId: string): Promise<number | undefined> {
    const [row] = rowsOf<{ position: number | string | null }>(
      await this.db.execute(sql`
        select (select count(*) from ${queueEntries} o
                 where o.company_id = e.company_id and o.queue_id = e.queue_id and o.state = 'waiting'
                   and (o.priority > e.priority
                        or (o.priority = e.priority and o.is_front and not e.is_front)
                        or (o.priority = e.priority and o.is_front = e.is_front
                            and (o.enqueued_at, o.id) < (e.enqueued_at, e.id)))) + 1 as position
          from ${queueEntries} e
         where e.company_id = ${companyId} and e.queue_id = ${queueId} and e.id = ${entryId} and e.state = 'waiting'`),
    );
    return row?.position === undefined || row.position === null ? undefined : Number(row.position);
  }

  /** For an estimate: the queue's average handle time over the last hour and the members who can take work. */
  async waitFigures(queueId: string, since: Date): Promise<{ handleSeconds: number | null; servingAgents: number }> {
    const [row] = rowsOf<{ handle: number | string | null; serving: number | string }>(
      await this.db.execute(sql`
        select (select avg(extract(epoch from (ended_at - assigned_at))) from ${queueEntries}
                 where queue_id = ${queueId} and state = 'completed' and assigned_at is not null
                   and ended_at >= ${ts(since)}) as handle,
               (select count(*) from ${queueMembers} m
                  join ${agentPresences} p on p.company_id = m.company_id and p.user_id = m.user_id
                 where m.queue_id = ${queueId} and p.status in ('online', 'busy') and p.websocket_connected) as serving`),
    );
    return {
      handleSeconds: row?.handle === null || row?.handle === undefined ? null : Number(row.handle),
      servingAgents: Number(row?.serving ?? 0),
    };
  }

  // ── entries of a call ─────────────────────────────────────────────────────

  async liveEntryOfCall(companyId: string, callId: string): Promise<CallEntry | undefined> {
    const entries = await this.entriesOfCall(companyId, callId);
    return entries.find((e) => ['waiting', 'offered', 'assigned'].includes(e.state));
  }

  /** Every entry a call had, first first: queues, waits, who it was offered to, how each ended. */
  async entriesOfCall(companyId: string, callId: string): Promise<CallEntry[]> {
    const rows = await this.db
      .select({ entry: queueEntries, queueName: queues.name })
      .from(queueEntries)
      .innerJoin(queues, eq(queues.id, queueEntries.queueId))
      .where(and(eq(queueEntries.companyId, companyId), eq(queueEntries.callId, callId)))
      .orderBy(asc(queueEntries.enqueuedAt), asc(queueEntries.id));
    // A moved call's entry keeps its first enqueue time, so equal times are ordered by the
    // chain of previous entries: an entry always comes after the one it continues.
    const previousOf = new Map(rows.map(({ entry }) => [entry.id, entry.previousEntryId]));
    const depth = (id: string): number => {
      let steps = 0;
      for (let at = previousOf.get(id); at && steps < rows.length; at = previousOf.get(at)) steps += 1;
      return steps;
    };
    const ordered = rows
      .map((row) => ({ row, depth: depth(row.entry.id) }))
      .sort((a, b) => a.row.entry.enqueuedAt.getTime() - b.row.entry.enqueuedAt.getTime() || a.depth - b.depth)
      .map(({ row }) => row);
    return ordered.map(({ entry, queueName }) => ({
      id: entry.id,
      queueId: entry.queueId,
      queueName,
      state: entry.state,
      enqueuedAt: entry.enqueuedAt,
      originalEnqueuedAt: entry.originalEnqueuedAt,
      offeredAgents: entry.offeredAgents,
      assignedTo: entry.assignedTo,
      waitSeconds: entry.waitSeconds,
      endedAt: entry.endedAt,
      endReason: entry.endReason,
      previousEntryId: entry.previousEntryId,
    }));
  }

  // ── busy on a call ────────────────────────────────────────────────────────

  /** Remembers the status to return to, unless one is remembered already (a second call, a transfer). */
  async rememberStatusBeforeBusy(companyId: string, agentId: string, status: string, now: Date): Promise<void> {
    await this.db
      .insert(routingAgents)
      .values({ userId: agentId, companyId, statusBeforeBusy: status, updatedAt: now })
      .onConflictDoUpdate({
        target: routingAgents.userId,
        set: { statusBeforeBusy: status, updatedAt: now },
        setWhere: sql`${routingAgents.statusBeforeBusy} is null`,
      });
  }

  /**
   * Takes the remembered status of agents whose call is over and whose wrap-up has ended
   * (one agent, or every due one): each is returned once, whichever node asks.
   */
  async claimStatusesToRestore(
    now: Date,
    agent?: { companyId: string; agentId: string },
  ): Promise<{ companyId: string; agentId: string; status: string }[]> {
    const only = agent ? sql`and a.company_id = ${agent.companyId} and a.user_id = ${agent.agentId}` : sql``;
    return rowsOf<{ company_id: string; user_id: string; status: string }>(
      await this.db.execute(sql`
        update ${routingAgents} a set status_before_busy = null, updated_at = ${ts(now)}
          from (select user_id, status_before_busy from ${routingAgents}
                 where status_before_busy is not null for update) before
         where a.user_id = before.user_id and a.status_before_busy is not null ${only}
           and (a.wrap_up_until is null or a.wrap_up_until <= ${ts(now)})
           and not exists (select 1 from ${queueEntries} e
                            where e.assigned_to = a.user_id and e.channel = 'voice' and e.state = 'assigned')
        returning a.company_id, a.user_id, before.status_before_busy as status`),
    ).map((row) => ({ companyId: row.company_id, agentId: row.user_id, status: row.status }));
  }

  // ── adoption after a restart ──────────────────────────────────────────────

  /**
   * Queue callers that never reached an entry (they were in the DTMF menu): inbound calls
   * still ringing in, to a DID with a voice entry point, with no entry at all, across
   * companies, oldest first.
   */
  async callersBeforeQueue(): Promise<
    { callId: string; companyId: string; channelId: string; callerNumber: string; did: string }[]
  > {
    return rowsOf<{
      id: string;
      company_id: string;
      customer_channel_id: string;
      from_number: string;
      to_number: string;
    }>(
      await this.db.execute(sql`
        select c.id, c.company_id, c.customer_channel_id, c.from_number, c.to_number
          from ${calls} c
         where c.direction = 'inbound' and c.status in ('initiated', 'ringing') and c.customer_channel_id is not null
           and not exists (select 1 from ${queueEntries} e where e.company_id = c.company_id and e.call_id = c.id)
           and exists (select 1 from ${routingEntryPoints} p
                        where p.company_id = c.company_id and p.channel = 'voice' and p.address = c.to_number)
         order by c.created_at, c.id`),
    ).map((row) => ({
      callId: row.id,
      companyId: row.company_id,
      channelId: row.customer_channel_id,
      callerNumber: row.from_number,
      did: row.to_number,
    }));
  }

  /**
   * Every live voice entry, across companies (one PBX serves them all), oldest first: what
   * the node that (re)gains the ARI link adopts, or ends when its caller is gone.
   */
  async liveVoiceEntries(): Promise<LiveVoiceEntry[]> {
    const rows = rowsOf<{
      id: string;
      company_id: string;
      queue_id: string;
      call_id: string;
      state: LiveVoiceEntry['state'];
      assigned_to: string | null;
      original_enqueued_at: string | Date;
      from_number: string;
      customer_channel_id: string | null;
      agent_channel_id: string | null;
      asterisk_bridge_id: string | null;
    }>(
      await this.db.execute(sql`
        select e.id, e.company_id, e.queue_id, e.call_id, e.state, e.assigned_to, e.original_enqueued_at,
               c.from_number, c.customer_channel_id, c.agent_channel_id, c.asterisk_bridge_id
          from ${queueEntries} e
          join ${calls} c on c.id = e.call_id and c.company_id = e.company_id
         where e.channel = 'voice' and e.state in ('waiting', 'offered', 'assigned') and e.call_id is not null
         order by e.original_enqueued_at, e.id`),
    );
    if (rows.length === 0) return [];
    const offers = await this.db
      .select()
      .from(routingOffers)
      .where(
        and(
          eq(routingOffers.state, 'offered'),
          inArray(
            routingOffers.entryId,
            rows.map((row) => row.id),
          ),
        ),
      )
      .orderBy(asc(routingOffers.offeredAt), asc(routingOffers.id));
    return rows.map((row) => ({
      id: row.id,
      companyId: row.company_id,
      queueId: row.queue_id,
      callId: row.call_id,
      state: row.state,
      assignedTo: row.assigned_to,
      originalEnqueuedAt: new Date(row.original_enqueued_at),
      callerNumber: row.from_number,
      customerChannelId: row.customer_channel_id,
      agentChannelId: row.agent_channel_id,
      bridgeId: row.asterisk_bridge_id,
      offers: offers
        .filter((offer) => offer.entryId === row.id && offer.companyId === row.company_id)
        .map((offer) => ({
          id: offer.id,
          agentId: offer.agentId,
          offeredAt: offer.offeredAt,
          expiresAt: offer.expiresAt,
        })),
    }));
  }
}

function toEntryPoint(row: typeof routingEntryPoints.$inferSelect): VoiceEntryPoint {
  return {
    companyId: row.companyId,
    did: row.address,
    defaultQueueId: row.defaultQueueId,
    menu: row.menu,
    updatedAt: row.updatedAt,
  };
}
