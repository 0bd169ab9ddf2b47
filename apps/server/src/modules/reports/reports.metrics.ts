/**
 * Per-queue figures for Prometheus. Gauges are read from the database at each scrape
 * (every node answers the same, whichever the scraper reaches); counters count routing's
 * events as this node receives them, and every node receives every event, so any one
 * node's counters are the cluster's.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PublishedEvent } from '../../shared/events.js';
import type { ReportsRepository } from './reports.repository.js';
import { agentStateOf } from './wallboard.js';
import type { Clock } from '../../shared/clock.js';

const ENTRY_LABELS = ['company_id', 'queue_id', 'channel'] as const;

export class QueueMetrics {
  private readonly offered: Counter<(typeof ENTRY_LABELS)[number]>;
  private readonly answered: Counter<(typeof ENTRY_LABELS)[number]>;
  private readonly abandoned: Counter<(typeof ENTRY_LABELS)[number] | 'short'>;
  private readonly breaches: Counter<(typeof ENTRY_LABELS)[number]>;

  constructor(registry: Registry, repository: ReportsRepository, clock: Clock) {
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Counter({ name, help, labelNames, registers: [registry] });
    this.offered = counter('switchboard_queue_offered_total', 'Items that entered a queue', ENTRY_LABELS);
    this.answered = counter('switchboard_queue_answered_total', 'Items assigned to an agent', ENTRY_LABELS);
    this.abandoned = counter('switchboard_queue_abandoned_total', 'Items abandoned while waiting (short: under 5 s)', [
      ...ENTRY_LABELS,
      'short',
    ]);
    this.breaches = counter(
      'switchboard_queue_service_level_breaches_total',
      'Items that waited past the queue service-level threshold',
      ENTRY_LABELS,
    );

    // One read per scrape feeds the three gauges; the first gauge's collect does it.
    let snapshot: Promise<Awaited<ReturnType<typeof readQueues>>> | undefined;
    const readOnce = () => (snapshot ??= readQueues(repository, clock));
    const waiting = new Gauge({
      name: 'switchboard_queue_waiting',
      help: 'Items waiting in a queue now',
      labelNames: ['company_id', 'queue_id', 'queue'] as const,
      registers: [registry],
      async collect() {
        snapshot = undefined;
        this.reset();
        for (const q of await readOnce()) this.set(q.labels, q.waiting);
      },
    });
    const longest = new Gauge({
      name: 'switchboard_queue_longest_wait_seconds',
      help: 'How long the oldest waiting item of a queue has waited',
      labelNames: ['company_id', 'queue_id', 'queue'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const q of await readOnce()) this.set(q.labels, q.longestWaitSeconds);
      },
    });
    const agents = new Gauge({
      name: 'switchboard_queue_agents',
      help: 'Members of a queue by state (available, busy, wrap_up, paused, offline)',
      labelNames: ['company_id', 'queue_id', 'queue', 'state'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const q of await readOnce()) {
          for (const [state, count] of Object.entries(q.agents)) this.set({ ...q.labels, state }, count);
        }
      },
    });
    void [waiting, longest, agents];
  }

  observe(event: PublishedEvent): void {
    const data = event.data;
    if (typeof data.queue_id !== 'string') return;
    const labels = {
      company_id: event.companyId,
      queue_id: data.queue_id,
      channel: typeof data.channel === 'string' ? data.channel : '',
    };
    switch (event.name) {
      case 'queue_entry.created':
        if (data.state === 'waiting' || data.state === 'overflowed') this.offered.inc(labels);
        return;
      case 'entry.assigned':
        this.answered.inc(labels);
        return;
      case 'entry.abandoned': {
        const wait = typeof data.wait_seconds === 'number' ? data.wait_seconds : 0;
        this.abandoned.inc({ ...labels, short: String(wait < 5) });
        return;
      }
      case 'service_level.breached':
        this.breaches.inc(labels);
        return;
    }
  }
}

async function readQueues(repository: ReportsRepository, clock: Clock) {
  const now = clock.now();
  const rows = await repository.metricsSnapshot();
  return rows.map((q) => {
    const agents = { available: 0, busy: 0, wrap_up: 0, paused: 0, offline: 0 };
    for (const agent of q.agents) agents[agentStateOf(agent, now)] += 1;
    return {
      labels: { company_id: q.companyId, queue_id: q.queueId, queue: q.name },
      waiting: q.waiting,
      longestWaitSeconds: q.oldest ? Math.max(0, Math.round((now.getTime() - q.oldest.getTime()) / 1000)) : 0,
      agents,
    };
  });
}
