import { describe, expect, it } from 'vitest';
import { niceTicks } from './charts';
import { hourKey, hourlyBars, periodRange } from './statistics-model';

describe('statistics', () => {
  it('names hours as the server buckets them, in the requested time zone', () => {
    expect(hourKey(new Date('2026-11-23T13:30:00Z'), 'America/Sao_Paulo')).toBe('2026-11-23T10:00');
    expect(hourKey(new Date('2026-11-23T13:30:00Z'), 'UTC')).toBe('2026-11-23T13:00');
  });

  it('fills the hours without calls so the chart shows the whole period', () => {
    const bars = hourlyBars(
      {
        from: '2026-11-23T03:00:00.000Z',
        to: '2026-11-23T09:00:00.000Z',
        by_hour: [
          { hour: '2026-11-23T01:00', total: 4, answered: 3 },
          { hour: '2026-11-23T04:00', total: 2, answered: 0 },
        ],
      },
      'America/Sao_Paulo',
    );
    expect(bars.map((bar) => bar.label)).toEqual(['00', '01', '02', '03', '04', '05']);
    expect(bars[1]).toEqual({ label: '01', total: 4, answered: 3 });
    expect(bars[4]).toEqual({ label: '04', total: 2, answered: 0 });
    expect(bars[0]).toEqual({ label: '00', total: 0, answered: 0 });
  });

  it('groups a week per day', () => {
    const bars = hourlyBars(
      {
        from: '2026-11-16T00:00:00.000Z',
        to: '2026-11-23T00:00:00.000Z',
        by_hour: [
          { hour: '2026-11-17T09:00', total: 2, answered: 1 },
          { hour: '2026-11-17T15:00', total: 3, answered: 3 },
        ],
      },
      'UTC',
    );
    expect(bars).toHaveLength(7);
    expect(bars[1]).toEqual({ label: '11-17', total: 5, answered: 4 });
  });

  it('computes the period ranges', () => {
    const now = new Date('2026-11-23T15:00:00Z');
    expect(periodRange('last_24h', now)).toEqual({ from: '2026-11-22T15:00:00.000Z', to: '2026-11-23T15:00:00.000Z' });
    expect(Date.parse(periodRange('last_7d', now).from)).toBe(now.getTime() - 7 * 86_400_000);
    expect(Date.parse(periodRange('today', now).from)).toBeLessThanOrEqual(now.getTime());
  });

  it('picks round axis ticks', () => {
    expect(niceTicks(1)).toEqual([0, 1]);
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(40)).toEqual([0, 10, 20, 30, 40]);
  });
});
