/**
 * Report buckets in an IANA time zone: an hour or a day starts at the local wall-clock
 * boundary, so a São Paulo day runs 03:00–03:00 UTC and a day of a daylight-saving change
 * is 23 or 25 hours long.
 */
import { ValidationError } from '../../shared/errors.js';

export type ReportInterval = 'hour' | 'day';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function assertTimeZone(timeZone: string): void {
  try {
    formatterOf(timeZone);
  } catch {
    throw new ValidationError('report.invalid_time_zone', `Unknown time zone: ${timeZone}.`, [
      { field: 'querystring.tz', message: 'an IANA time zone, e.g. America/Sao_Paulo' },
    ]);
  }
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClockOf(at: Date, timeZone: string): WallClock {
  const parts = formatterOf(timeZone).formatToParts(at);
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: value('year'),
    month: value('month'),
    day: value('day'),
    hour: value('hour'),
    minute: value('minute'),
    second: value('second'),
  };
}

/** Milliseconds the zone is ahead of UTC at that instant (São Paulo: −3 h). */
function offsetMs(at: Date, timeZone: string): number {
  const w = wallClockOf(at, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant the local hour or day holding `at` began. */
export function bucketStartOf(at: Date, timeZone: string, interval: ReportInterval): Date {
  const w = wallClockOf(at, timeZone);
  const wallStart = Date.UTC(w.year, w.month - 1, w.day, interval === 'hour' ? w.hour : 0, 0, 0);
  // Read the wall-clock start with the offset in force then, which differs from now's on a DST day.
  let start = wallStart - offsetMs(at, timeZone);
  start = wallStart - offsetMs(new Date(start), timeZone);
  return new Date(start);
}

/** Every bucket that overlaps [from, to), in order. */
export function bucketsBetween(from: Date, to: Date, timeZone: string, interval: ReportInterval): Date[] {
  const buckets: Date[] = [];
  let start = bucketStartOf(from, timeZone, interval);
  const step = interval === 'hour' ? 3_600_000 : 36 * 3_600_000;
  while (start < to) {
    buckets.push(start);
    const next =
      interval === 'hour'
        ? new Date(start.getTime() + step)
        : bucketStartOf(new Date(start.getTime() + step), timeZone, interval);
    if (next <= start) break;
    start = next;
  }
  return buckets;
}
