import { describe, expect, it } from 'vitest';
import type { QueueEntryDto } from '@switchboard/contracts';
import { formatWait, inRoutingOrder, liveWaitSeconds, queueRows, serviceLevelColour } from './queue-view';

const entry = (id: string, position: number | null, originalEnqueuedAt: string): QueueEntryDto => ({
  id,
  queue_id: 'q',
  channel: 'whatsapp',
  call_id: null,
  conversation_id: id,
  label: id,
  priority: 0,
  state: position === null ? 'offered' : 'waiting',
  enqueued_at: originalEnqueuedAt,
  original_enqueued_at: originalEnqueuedAt,
  offered_to: null,
  attempts: 0,
  assigned_to: null,
  wait_seconds: null,
  ended_at: null,
  end_reason: null,
  position,
  waiting_seconds: 0,
});

describe('serviceLevelColour', () => {
  it('is within below 80 % of the threshold, near from 80 %, breached at the threshold', () => {
    expect(serviceLevelColour(0, 20)).toBe('within');
    expect(serviceLevelColour(15, 20)).toBe('within');
    expect(serviceLevelColour(16, 20)).toBe('near');
    expect(serviceLevelColour(19, 20)).toBe('near');
    expect(serviceLevelColour(20, 20)).toBe('breached');
    expect(serviceLevelColour(300, 20)).toBe('breached');
  });

  it('treats a zero threshold as breached as soon as anyone waits', () => {
    expect(serviceLevelColour(0, 0)).toBe('within');
    expect(serviceLevelColour(1, 0)).toBe('breached');
  });
});

describe('inRoutingOrder', () => {
  it('keeps the engine’s order (priority, front, enqueue) by position, not by waiting time', () => {
    // A high-priority item that arrived last is served first: the server says position 1.
    const items = [
      entry('old', 2, '2026-12-03T10:00:00Z'),
      entry('vip', 1, '2026-12-03T10:05:00Z'),
      entry('offered', null, '2026-12-03T09:00:00Z'),
      entry('new', 3, '2026-12-03T10:06:00Z'),
    ];
    expect(inRoutingOrder(items).map((e) => e.id)).toEqual(['vip', 'old', 'new', 'offered']);
  });
});

describe('live waits', () => {
  it('counts from the first enqueue, so a transferred item keeps its wait', () => {
    const now = Date.parse('2026-12-03T10:01:05Z');
    expect(liveWaitSeconds(entry('a', 1, '2026-12-03T10:00:00Z'), now)).toBe(65);
    expect(liveWaitSeconds(entry('a', 1, '2026-12-03T10:02:00Z'), now)).toBe(0);
  });

  it('builds rows in routing order with their colour at this moment', () => {
    const now = Date.parse('2026-12-03T10:01:00Z');
    const rows = queueRows([entry('b', 2, '2026-12-03T10:00:50Z'), entry('a', 1, '2026-12-03T10:00:00Z')], 60, now);
    expect(rows.map((r) => [r.entry.id, r.waitSeconds, r.colour])).toEqual([
      ['a', 60, 'breached'],
      ['b', 10, 'within'],
    ]);
  });

  it('formats waits as m:ss or h:mm:ss', () => {
    expect(formatWait(42)).toBe('0:42');
    expect(formatWait(725)).toBe('12:05');
    expect(formatWait(3723)).toBe('1:02:03');
  });
});
