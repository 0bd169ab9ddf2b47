import { describe, expect, it } from 'vitest';
import { toCsv } from './reports.csv.js';
import { mergeIntervals, type ReportRow } from './reports.js';
import { bucketStartOf, bucketsBetween } from './reports.time.js';

describe('report buckets', () => {
  it('starts a São Paulo day at 03:00 UTC', () => {
    expect(bucketStartOf(new Date('2026-03-11T02:30:00Z'), 'America/Sao_Paulo', 'day').toISOString()).toBe(
      '2026-03-10T03:00:00.000Z',
    );
  });

  it('makes the day of a daylight-saving change 23 hours long (New York, 8 March 2026)', () => {
    const days = bucketsBetween(
      new Date('2026-03-07T05:00:00Z'),
      new Date('2026-03-10T04:00:00Z'),
      'America/New_York',
      'day',
    ).map((d) => d.toISOString());
    expect(days).toEqual(['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
  });

  it('starts hours at the local hour in a half-hour zone', () => {
    expect(bucketStartOf(new Date('2026-03-10T10:20:00Z'), 'Asia/Kolkata', 'hour').toISOString()).toBe(
      '2026-03-10T09:30:00.000Z',
    );
  });
});

describe('report folding', () => {
  it('merges overlapping chats into one stretch of work', () => {
    expect(
      mergeIntervals([
        [10, 20],
        [15, 30],
        [40, 50],
      ]),
    ).toEqual([
      [10, 30],
      [40, 50],
    ]);
  });

  it('quotes CSV cells and defuses spreadsheet formulas in names', () => {
    const row = {
      bucket_start: '2026-03-10T03:00:00.000Z',
      subject_id: 'q1',
      subject_name: '=HYPERLINK("x")',
      channel: 'all',
      dispositions: { venda: 2 },
    } as unknown as ReportRow;
    const [, line] = toCsv('queues', [row]).split('\r\n');
    expect(line).toContain(`"'=HYPERLINK(""x"")"`);
    expect(line?.endsWith('venda=2')).toBe(true);
  });
});
