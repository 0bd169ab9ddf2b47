/**
 * The reports page's rules: the period as instants of the chosen time zone's midnights,
 * the chart's series per bucket, and the sums across queues or agents.
 */
import type { AgentReportRow, QueueReportRow, ReportFigures } from '@switchboard/contracts';

export type ReportKind = 'queues' | 'agents';
export type ReportRowDto = QueueReportRow | AgentReportRow;

function wallClock(at: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(value('year'), value('month') - 1, value('day'), value('hour'), value('minute'), value('second'));
}

/** The instant a local date (`2026-03-10`) begins in the time zone. */
export function midnightIn(date: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1);
  let guess = wall;
  for (let i = 0; i < 2; i += 1) guess = wall - (wallClock(new Date(guess), timeZone) - guess);
  return new Date(guess);
}

/** `YYYY-MM-DD` of an instant in the time zone. */
export function localDate(at: Date, timeZone: string): string {
  return new Date(wallClock(at, timeZone)).toISOString().slice(0, 10);
}

function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

/** The last `days` days up to today, both ends included. */
export function defaultPeriod(now: Date, timeZone: string, days = 7): { fromDate: string; toDate: string } {
  const today = localDate(now, timeZone);
  return { fromDate: addDays(today, -(days - 1)), toDate: today };
}

/** The query of a period whose last day is included: `to` is the next day's midnight. */
export function periodQuery(period: { fromDate: string; toDate: string }, timeZone: string) {
  return {
    from: midnightIn(period.fromDate, timeZone).toISOString(),
    to: midnightIn(addDays(period.toDate, 1), timeZone).toISOString(),
    tz: timeZone,
  };
}

export interface SeriesPoint {
  bucket: string;
  offered: number;
  answered: number;
  abandoned: number;
  serviceLevel: number | null;
}

/** Per bucket, all queues or agents together, for one channel (`all` by default). */
export function seriesOf(rows: readonly ReportRowDto[], channel: ReportRowDto['channel'] = 'all'): SeriesPoint[] {
  const byBucket = new Map<
    string,
    { offered: number; answered: number; abandoned: number; within: number; base: number }
  >();
  for (const row of rows) {
    if (row.channel !== channel || row.bucket_start === null) continue;
    const point = byBucket.get(row.bucket_start) ?? { offered: 0, answered: 0, abandoned: 0, within: 0, base: 0 };
    point.offered += row.offered;
    point.answered += row.answered;
    point.abandoned += row.abandoned;
    point.within += row.answered_within_sl;
    point.base += row.answered + row.abandoned_after_sl;
    byBucket.set(row.bucket_start, point);
  }
  return [...byBucket.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([bucket, p]) => ({
      bucket,
      offered: p.offered,
      answered: p.answered,
      abandoned: p.abandoned,
      serviceLevel: p.base === 0 ? null : p.within / p.base,
    }));
}

type Summable = Pick<
  ReportFigures,
  'offered' | 'answered' | 'abandoned' | 'short_abandoned' | 'handled' | 'total_handle_seconds' | 'csat_count'
>;

/** Sums of the countable figures over rows of one channel (the CSV's lines add up to these). */
export function sumOf(rows: readonly ReportRowDto[], channel: ReportRowDto['channel'] = 'all'): Summable {
  const sum: Summable = {
    offered: 0,
    answered: 0,
    abandoned: 0,
    short_abandoned: 0,
    handled: 0,
    total_handle_seconds: 0,
    csat_count: 0,
  };
  for (const row of rows) {
    if (row.channel !== channel) continue;
    for (const key of Object.keys(sum) as (keyof Summable)[]) sum[key] += row[key];
  }
  return sum;
}

export function nameOf(row: ReportRowDto): string {
  return 'queue_name' in row ? row.queue_name : row.agent_name;
}

export function idOf(row: ReportRowDto): string {
  return 'queue_id' in row ? row.queue_id : row.agent_id;
}

/** A bucket's label: the local date, or the local hour of an hourly report. */
export function bucketLabel(bucket: string, timeZone: string, interval: 'hour' | 'day', locale: string): string {
  const options: Intl.DateTimeFormatOptions =
    interval === 'day'
      ? { timeZone, day: '2-digit', month: '2-digit' }
      : { timeZone, day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(locale, options).format(new Date(bucket));
}
