/**
 * Report figures from stored facts (docs/adr/0020-report-definitions.md). Pure: the
 * repository reads the facts, this folds them into buckets of a time zone.
 *
 * Each fact counts in the bucket of the moment that defines it: offered at enqueue,
 * answered (and its wait) at assignment, abandoned and handled at the end, dispositions
 * when given. Entries keep the queue they were in; a transfer is a new entry whose wait
 * runs from the first enqueue (routing keeps `original_enqueued_at`).
 */
import { bucketStartOf, type ReportInterval } from './reports.time.js';

export const SHORT_ABANDON_SECONDS = 5;

export type ReportChannel = 'voice' | 'whatsapp' | 'webchat';
export type ReportKind = 'queues' | 'agents';

export interface EntryFact {
  entryId: string;
  queueId: string;
  queueName: string;
  channel: ReportChannel;
  state: string;
  enqueuedAt: Date;
  originalEnqueuedAt: Date;
  assignedTo: string | null;
  agentName: string | null;
  assignedAt: Date | null;
  endedAt: Date | null;
  endReason: string | null;
  waitSeconds: number | null;
  /** The queue's threshold when the item arrived (frozen), else the queue's current one. */
  serviceLevelSeconds: number;
  wrapUpUntil: Date | null;
  firstAgentReplyAt: Date | null;
  /** The conversation's CSAT (the customer's rating, not an agent's), counted on the entry that closed it. */
  rating: number | null;
}

export interface OfferFact {
  agentId: string;
  agentName: string;
  channel: ReportChannel;
  state: string;
  offeredAt: Date;
}

export interface DispositionFact {
  queueId: string | null;
  queueName: string | null;
  agentId: string;
  agentName: string;
  channel: ReportChannel;
  code: string;
  setAt: Date;
}

export interface StatusFact {
  agentId: string;
  agentName: string;
  status: string;
  at: Date;
}

export interface ReportFacts {
  entries: readonly EntryFact[];
  offers: readonly OfferFact[];
  dispositions: readonly DispositionFact[];
  /** Per agent, in time order; the first may be before `from` (the status then). */
  statuses: readonly StatusFact[];
}

export interface Figures {
  offered: number;
  answered: number;
  answered_within_sl: number;
  abandoned: number;
  abandoned_after_sl: number;
  short_abandoned: number;
  service_level: number | null;
  asa_seconds: number | null;
  handled: number;
  aht_seconds: number | null;
  total_handle_seconds: number;
  wrap_up_seconds: number;
  occupancy: number | null;
  first_response_seconds: number | null;
  resolution_seconds: number | null;
  csat_average: number | null;
  csat_count: number;
  dispositions: Record<string, number>;
}

export interface ReportRow extends Figures {
  bucket_start: string | null;
  subject_id: string;
  subject_name: string;
  channel: ReportChannel | 'all';
}

interface Sums {
  offered: number;
  answered: number;
  withinSl: number;
  waitTotal: number;
  abandoned: number;
  abandonedAfterSl: number;
  shortAbandoned: number;
  handled: number;
  handleTotal: number;
  wrapUpTotal: number;
  firstResponseTotal: number;
  firstResponseCount: number;
  resolutionTotal: number;
  resolutionCount: number;
  ratingTotal: number;
  ratingCount: number;
  dispositions: Record<string, number>;
  workMs: number;
  staffedMs: number;
}

const emptySums = (): Sums => ({
  offered: 0,
  answered: 0,
  withinSl: 0,
  waitTotal: 0,
  abandoned: 0,
  abandonedAfterSl: 0,
  shortAbandoned: 0,
  handled: 0,
  handleTotal: 0,
  wrapUpTotal: 0,
  firstResponseTotal: 0,
  firstResponseCount: 0,
  resolutionTotal: 0,
  resolutionCount: 0,
  ratingTotal: 0,
  ratingCount: 0,
  dispositions: {},
  workMs: 0,
  staffedMs: 0,
});

const seconds = (from: Date, to: Date) => Math.max(0, (to.getTime() - from.getTime()) / 1000);
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const ratio = (num: number, den: number, digits = 1) => (den === 0 ? null : round(num / den, digits));

/** The wait an answered or abandoned item is judged by: from its first enqueue. */
export function waitOf(entry: EntryFact, until: Date): number {
  return entry.waitSeconds ?? Math.round(seconds(entry.originalEnqueuedAt, until));
}

export interface ReportWindow {
  from: Date;
  to: Date;
  timeZone: string;
  interval: ReportInterval;
  buckets: readonly Date[];
}

type Subject = { id: string; name: string };

/** Folds the facts into rows per bucket, subject (queue or agent) and channel, with `all` channels too. */
export function buildReport(kind: ReportKind, facts: ReportFacts, window: ReportWindow) {
  const table = new Map<
    string,
    { bucket: string | null; subject: Subject; channel: ReportChannel | 'all'; sums: Sums }
  >();
  const inRange = (at: Date | null): at is Date => at !== null && at >= window.from && at < window.to;
  const bucketOf = (at: Date) => bucketStartOf(at, window.timeZone, window.interval).toISOString();

  const add = (at: Date, subject: Subject | null, channel: ReportChannel, apply: (sums: Sums) => void) => {
    if (!subject) return;
    for (const bucket of [bucketOf(at), null]) {
      for (const ch of [channel, 'all'] as const) {
        const key = `${bucket ?? 'total'}|${subject.id}|${ch}`;
        let row = table.get(key);
        if (!row) {
          row = { bucket, subject, channel: ch, sums: emptySums() };
          table.set(key, row);
        }
        apply(row.sums);
      }
    }
  };

  const subjectOfEntry = (entry: EntryFact): Subject | null =>
    kind === 'queues'
      ? { id: entry.queueId, name: entry.queueName }
      : entry.assignedTo
        ? { id: entry.assignedTo, name: entry.agentName ?? '' }
        : null;

  for (const entry of facts.entries) {
    const subject = subjectOfEntry(entry);
    if (kind === 'queues' && inRange(entry.enqueuedAt))
      add(entry.enqueuedAt, subject, entry.channel, (s) => (s.offered += 1));
    if (inRange(entry.assignedAt)) {
      const wait = waitOf(entry, entry.assignedAt);
      add(entry.assignedAt, subject, entry.channel, (s) => {
        if (kind === 'agents') s.offered += 1;
        s.answered += 1;
        s.waitTotal += wait;
        if (wait <= entry.serviceLevelSeconds) s.withinSl += 1;
      });
      if (entry.firstAgentReplyAt) {
        const firstResponse = seconds(entry.originalEnqueuedAt, entry.firstAgentReplyAt);
        add(entry.assignedAt, subject, entry.channel, (s) => {
          s.firstResponseTotal += firstResponse;
          s.firstResponseCount += 1;
        });
      }
    }
    if (entry.state === 'abandoned' && inRange(entry.endedAt) && kind === 'queues') {
      const wait = waitOf(entry, entry.endedAt);
      add(entry.endedAt, subject, entry.channel, (s) => {
        if (wait < SHORT_ABANDON_SECONDS) s.shortAbandoned += 1;
        else s.abandoned += 1;
        if (wait > entry.serviceLevelSeconds) s.abandonedAfterSl += 1;
      });
    }
    if (entry.assignedAt && entry.endedAt && entry.state === 'completed' && inRange(entry.endedAt)) {
      const handle = seconds(entry.assignedAt, entry.endedAt);
      const wrapUp = entry.wrapUpUntil ? seconds(entry.endedAt, entry.wrapUpUntil) : 0;
      const isResolved = entry.endReason === 'closed' && entry.channel !== 'voice';
      add(entry.endedAt, subject, entry.channel, (s) => {
        s.handled += 1;
        s.handleTotal += handle;
        s.wrapUpTotal += wrapUp;
        if (isResolved) {
          s.resolutionTotal += seconds(entry.originalEnqueuedAt, entry.endedAt as Date);
          s.resolutionCount += 1;
          if (entry.rating !== null) {
            s.ratingTotal += entry.rating;
            s.ratingCount += 1;
          }
        }
      });
    }
  }

  if (kind === 'agents') {
    for (const offer of facts.offers) {
      if (!inRange(offer.offeredAt) || (offer.state !== 'rejected' && offer.state !== 'expired')) continue;
      add(offer.offeredAt, { id: offer.agentId, name: offer.agentName }, offer.channel, (s) => (s.offered += 1));
    }
  }

  for (const disposition of facts.dispositions) {
    if (!inRange(disposition.setAt)) continue;
    const subject =
      kind === 'queues'
        ? disposition.queueId
          ? { id: disposition.queueId, name: disposition.queueName ?? '' }
          : null
        : { id: disposition.agentId, name: disposition.agentName };
    add(disposition.setAt, subject, disposition.channel, (s) => {
      s.dispositions[disposition.code] = (s.dispositions[disposition.code] ?? 0) + 1;
    });
  }

  if (kind === 'agents') addOccupancy(table, facts, window);

  const rows: ReportRow[] = [];
  const totals: ReportRow[] = [];
  for (const row of table.values()) {
    const out: ReportRow = {
      bucket_start: row.bucket,
      subject_id: row.subject.id,
      subject_name: row.subject.name,
      channel: row.channel,
      ...figuresOf(row.sums, kind === 'agents' && row.channel === 'all'),
    };
    (row.bucket === null ? totals : rows).push(out);
  }
  const order = (a: ReportRow, b: ReportRow) =>
    (a.bucket_start ?? '').localeCompare(b.bucket_start ?? '') ||
    a.subject_name.localeCompare(b.subject_name) ||
    a.subject_id.localeCompare(b.subject_id) ||
    a.channel.localeCompare(b.channel);
  return { rows: rows.sort(order), totals: totals.sort(order) };
}

function figuresOf(s: Sums, hasOccupancy: boolean): Figures {
  return {
    offered: s.offered,
    answered: s.answered,
    answered_within_sl: s.withinSl,
    abandoned: s.abandoned,
    abandoned_after_sl: s.abandonedAfterSl,
    short_abandoned: s.shortAbandoned,
    service_level: ratio(s.withinSl, s.answered + s.abandonedAfterSl, 4),
    asa_seconds: ratio(s.waitTotal, s.answered),
    handled: s.handled,
    aht_seconds: ratio(s.handleTotal, s.handled),
    total_handle_seconds: round(s.handleTotal),
    wrap_up_seconds: round(s.wrapUpTotal),
    occupancy: hasOccupancy ? (s.staffedMs === 0 ? null : round(Math.min(1, s.workMs / s.staffedMs), 4)) : null,
    first_response_seconds: ratio(s.firstResponseTotal, s.firstResponseCount),
    resolution_seconds: ratio(s.resolutionTotal, s.resolutionCount),
    csat_average: ratio(s.ratingTotal, s.ratingCount, 2),
    csat_count: s.ratingCount,
    dispositions: s.dispositions,
  };
}

type Interval = [number, number];

/** Merges overlapping intervals: two chats at once are one stretch of work. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const merged: Interval[] = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** Where two sets of merged intervals overlap: work counts only while staffed. */
function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [aStart, aEnd] of a) {
    for (const [bStart, bEnd] of b) {
      const start = Math.max(aStart, bStart);
      const end = Math.min(aEnd, bEnd);
      if (end > start) out.push([start, end]);
    }
  }
  return mergeIntervals(out);
}

function overlapMs(intervals: readonly Interval[], from: number, to: number): number {
  let total = 0;
  for (const [start, end] of intervals) total += Math.max(0, Math.min(end, to) - Math.max(start, from));
  return total;
}

/** Staffed: signed in and not paused (`online` or `busy`). Work: holding an item or in its wrap-up. */
const STAFFED = new Set(['online', 'busy']);

function addOccupancy(
  table: Map<string, { bucket: string | null; subject: Subject; channel: ReportChannel | 'all'; sums: Sums }>,
  facts: ReportFacts,
  window: ReportWindow,
): void {
  const to = window.to.getTime();
  const from = window.from.getTime();
  const agents = new Map<string, { name: string; staffed: Interval[]; work: Interval[] }>();
  const agentOf = (id: string, name: string) => {
    let agent = agents.get(id);
    if (!agent) {
      agent = { name, staffed: [], work: [] };
      agents.set(id, agent);
    }
    return agent;
  };
  const byAgent = new Map<string, StatusFact[]>();
  for (const status of facts.statuses) byAgent.set(status.agentId, [...(byAgent.get(status.agentId) ?? []), status]);
  for (const [agentId, changes] of byAgent) {
    const agent = agentOf(agentId, changes[0]?.agentName ?? '');
    changes.forEach((change, index) => {
      if (!STAFFED.has(change.status)) return;
      const end = changes[index + 1]?.at.getTime() ?? to;
      agent.staffed.push([Math.max(change.at.getTime(), from), Math.min(end, to)]);
    });
  }
  for (const entry of facts.entries) {
    if (!entry.assignedTo || !entry.assignedAt) continue;
    const end = entry.endedAt ?? window.to;
    const workEnd = entry.wrapUpUntil && entry.wrapUpUntil > end ? entry.wrapUpUntil : end;
    agentOf(entry.assignedTo, entry.agentName ?? '').work.push([entry.assignedAt.getTime(), workEnd.getTime()]);
  }
  const bounds = window.buckets.map((start, index) => ({
    key: start.toISOString(),
    from: Math.max(start.getTime(), from),
    to: Math.min(window.buckets[index + 1]?.getTime() ?? to, to),
  }));
  for (const [agentId, agent] of agents) {
    const staffed = mergeIntervals(agent.staffed);
    const work = intersect(mergeIntervals(agent.work), staffed);
    for (const bucket of [...bounds, { key: null, from, to }]) {
      const staffedMs = overlapMs(staffed, bucket.from, bucket.to);
      if (staffedMs === 0) continue;
      const key = `${bucket.key ?? 'total'}|${agentId}|all`;
      let row = table.get(key);
      if (!row) {
        row = { bucket: bucket.key, subject: { id: agentId, name: agent.name }, channel: 'all', sums: emptySums() };
        table.set(key, row);
      }
      row.sums.staffedMs += staffedMs;
      row.sums.workMs += overlapMs(work, bucket.from, bucket.to);
    }
  }
}
