import { describe, expect, it } from 'vitest';
import type { QueueReportRow } from '@switchboard/contracts';
import { defaultPeriod, midnightIn, periodQuery, seriesOf, sumOf } from './reports-model';

const row = (bucket: string | null, channel: QueueReportRow['channel'], figures: Partial<QueueReportRow>) =>
  ({
    bucket_start: bucket,
    channel,
    queue_id: 'q',
    queue_name: 'Q',
    offered: 0,
    answered: 0,
    answered_within_sl: 0,
    abandoned: 0,
    abandoned_after_sl: 0,
    short_abandoned: 0,
    handled: 0,
    total_handle_seconds: 0,
    csat_count: 0,
    ...figures,
  }) as QueueReportRow;

describe('report period', () => {
  it('starts a São Paulo day at 03:00 UTC and includes the last day', () => {
    expect(midnightIn('2026-03-10', 'America/Sao_Paulo').toISOString()).toBe('2026-03-10T03:00:00.000Z');
    expect(periodQuery({ fromDate: '2026-03-10', toDate: '2026-03-11' }, 'America/Sao_Paulo')).toEqual({
      from: '2026-03-10T03:00:00.000Z',
      to: '2026-03-12T03:00:00.000Z',
      tz: 'America/Sao_Paulo',
    });
  });
  it('takes the last seven local days, today included', () => {
    expect(defaultPeriod(new Date('2026-03-11T02:00:00Z'), 'America/Sao_Paulo')).toEqual({
      fromDate: '2026-03-04',
      toDate: '2026-03-10',
    });
  });
});

describe('report series', () => {
  it('adds queues per bucket and computes the service level from the counts', () => {
    const rows = [
      row('2026-03-10T03:00:00.000Z', 'all', { offered: 4, answered: 2, answered_within_sl: 1, abandoned_after_sl: 2 }),
      row('2026-03-10T03:00:00.000Z', 'all', { offered: 2, answered: 2, answered_within_sl: 2 }),
      row('2026-03-10T03:00:00.000Z', 'whatsapp', { offered: 99 }),
      row('2026-03-11T03:00:00.000Z', 'all', { offered: 1 }),
    ];
    expect(seriesOf(rows)).toEqual([
      { bucket: '2026-03-10T03:00:00.000Z', offered: 6, answered: 4, abandoned: 0, serviceLevel: 0.5 },
      { bucket: '2026-03-11T03:00:00.000Z', offered: 1, answered: 0, abandoned: 0, serviceLevel: null },
    ]);
    expect(sumOf(rows).offered).toBe(7);
    expect(sumOf(rows, 'whatsapp').offered).toBe(99);
  });
});
