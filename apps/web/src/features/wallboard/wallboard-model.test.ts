import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  formatPercent,
  formatSeconds,
  pausedByReason,
  secondsSince,
  serviceLevelColour,
  sortQueues,
  waitColour,
} from './wallboard-model';

describe('service-level colour', () => {
  it('is within target at or above it', () => {
    expect(serviceLevelColour(0.8, 0.8)).toBe('within');
    expect(serviceLevelColour(1, 0.8)).toBe('within');
  });
  it('is near within five points under the target', () => {
    expect(serviceLevelColour(0.76, 0.8)).toBe('near');
    expect(serviceLevelColour(0.75, 0.8)).toBe('near');
  });
  it('is breached further under', () => {
    expect(serviceLevelColour(0.74, 0.8)).toBe('breached');
    expect(serviceLevelColour(0, 0.8)).toBe('breached');
  });
  it('has no colour without answered or abandoned items', () => {
    expect(serviceLevelColour(null, 0.8)).toBe('none');
  });
  it('colours a waiting item by its wait against the threshold', () => {
    expect(waitColour(10, 20)).toBe('within');
    expect(waitColour(15, 20)).toBe('near');
    expect(waitColour(20, 20)).toBe('near');
    expect(waitColour(21, 20)).toBe('breached');
  });
});

describe('formatting', () => {
  it('writes percentages in the locale', () => {
    expect(formatPercent(0.25, 'en')).toBe('25%');
    expect(formatPercent(0.8, 'pt-BR')).toMatch(/^80\s?%$/);
    expect(formatPercent(null, 'en')).toBe('—');
  });
  it('writes durations as seconds, then minutes and hours', () => {
    expect(formatSeconds(42.4)).toBe('42 s');
    expect(formatSeconds(185)).toBe('3:05');
    expect(formatSeconds(3723)).toBe('1:02:03');
    expect(formatSeconds(null)).toBe('—');
  });
  it('ticks waiting time from the enqueue time and never goes negative', () => {
    const now = Date.parse('2026-03-10T12:01:05Z');
    expect(secondsSince('2026-03-10T12:00:00Z', now)).toBe(65);
    expect(secondsSince('2026-03-10T12:02:00Z', now)).toBe(0);
    expect(secondsSince(null, now)).toBeNull();
  });
  it('lists pause reasons by count, naming an unnamed one', () => {
    expect(pausedByReason({ treinamento: 1, almoço: 2, '': 1 }, 'no reason')).toBe(
      'almoço 2 · no reason 1 · treinamento 1',
    );
  });
});

describe('queue order', () => {
  const queue = (name: string, sl: number | null, waiting: number) =>
    ({
      queue_id: name,
      name,
      service_level_target: 0.8,
      service_level_30m: sl,
      service_level_today: sl,
      waiting,
    }) as Parameters<typeof sortQueues>[0][number];
  it('puts breached queues first, then near, then by waiting', () => {
    const sorted = sortQueues([queue('a', 0.9, 1), queue('b', 0.5, 0), queue('c', 0.77, 0), queue('d', 0.9, 5)]);
    expect(sorted.map((q) => q.name)).toEqual(['b', 'c', 'd', 'a']);
  });
});

describe('live events on the snapshot', () => {
  const board = {
    at: '2026-03-10T12:00:00Z',
    tz: 'America/Sao_Paulo',
    queues: [
      {
        queue_id: 'q1',
        name: 'Suporte',
        waiting: 0,
        oldest_enqueued_at: null,
        waiting_items: [],
      },
    ],
    agents: [
      { agent_id: 'a1', name: 'Ana', status: 'online', state: 'available', pause_reason: null, state_since: null },
    ],
  } as unknown as Parameters<typeof applyEvent>[0];

  it('adds a customer who joins a queue, once, and removes them when assigned', () => {
    const data = {
      id: 'e1',
      queue_id: 'q1',
      state: 'waiting',
      channel: 'whatsapp',
      label: 'Carla',
      original_enqueued_at: '2026-03-10T11:59:00Z',
    };
    const joined = applyEvent(applyEvent(board, 'queue_entry_created', data), 'queue_entry_created', data);
    expect(joined.queues[0]).toMatchObject({ waiting: 1, oldest_enqueued_at: '2026-03-10T11:59:00Z' });
    const assigned = applyEvent(joined, 'entry_assigned', { id: 'e1', queue_id: 'q1' });
    expect(assigned.queues[0]).toMatchObject({ waiting: 0, oldest_enqueued_at: null, waiting_items: [] });
  });

  it('shows an agent paused with the reason they chose', () => {
    const paused = applyEvent(board, 'agent_presence_changed', {
      agent_id: 'a1',
      status: 'away',
      websocket_connected: true,
      pause_reason: 'almoço',
      status_changed_at: '2026-03-10T12:00:05Z',
    });
    expect(paused.agents[0]).toMatchObject({
      state: 'paused',
      pause_reason: 'almoço',
      state_since: '2026-03-10T12:00:05Z',
    });
    const back = applyEvent(paused, 'agent_presence_changed', {
      agent_id: 'a1',
      status: 'online',
      websocket_connected: true,
    });
    expect(back.agents[0]).toMatchObject({ state: 'available', pause_reason: null });
  });
});
