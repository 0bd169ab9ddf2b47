import type { CallStatisticsDto } from '@switchboard/contracts';
import type { HourBar } from './charts';

/** `YYYY-MM-DDTHH:00` of an instant in a time zone: the server's per-hour bucket key. */
export function hourKey(instant: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:00`;
}

/**
 * One bar per hour of the period, empty hours included (the API lists only hours with
 * calls). Periods longer than two days are grouped per day.
 */
export function hourlyBars(stats: Pick<CallStatisticsDto, 'from' | 'to' | 'by_hour'>, timeZone: string): HourBar[] {
  const from = Date.parse(stats.from);
  const to = Date.parse(stats.to);
  const byKey = new Map(stats.by_hour.map((bucket) => [bucket.hour, bucket]));
  const isDaily = to - from > 2 * 24 * 3600_000;
  const bars = new Map<string, HourBar>();
  for (let at = from - (from % 3600_000); at < to; at += 3600_000) {
    const key = hourKey(new Date(at), timeZone);
    const label = isDaily ? key.slice(5, 10) : key.slice(11, 13);
    const groupKey = isDaily ? key.slice(0, 10) : key;
    const bucket = byKey.get(key);
    const bar = bars.get(groupKey) ?? { label, total: 0, answered: 0 };
    bar.total += bucket?.total ?? 0;
    bar.answered += bucket?.answered ?? 0;
    bars.set(groupKey, bar);
  }
  return [...bars.values()];
}

export type Period = 'today' | 'last_24h' | 'last_7d';

export function periodRange(period: Period, now: Date): { from: string; to: string } {
  const to = now.toISOString();
  switch (period) {
    case 'today': {
      const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
      return { from: start.toISOString(), to };
    }
    case 'last_24h':
      return { from: new Date(now.getTime() - 24 * 3600_000).toISOString(), to };
    case 'last_7d':
      return { from: new Date(now.getTime() - 7 * 24 * 3600_000).toISOString(), to };
  }
}
