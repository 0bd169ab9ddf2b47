/**
 * Reports as a feature module: dispositions, reports, the wallboard and its actions, and
 * per-queue metrics. It listens to routing's events to freeze what an entry's report
 * needs (the queue's threshold on arrival, the wrap-up on the end) and to count for
 * /metrics; it changes presence, sessions and entries only through the ports it is given.
 */
import type { InstalledModule, ModuleContext } from '../../app-module.js';
import type { PublishedEvent } from '../../shared/events.js';
import { QueueMetrics } from './reports.metrics.js';
import { ReportsRepository } from './reports.repository.js';
import { registerReportsRoutes } from './reports.routes.js';
import { ReportsService, type SupervisorPorts } from './reports.service.js';

export interface ReportsModuleOptions {
  setStatus: SupervisorPorts['setStatus'];
  moveToQueue: SupervisorPorts['moveToQueue'];
  moveToAgent: SupervisorPorts['moveToAgent'];
}

export interface ReportsModule extends InstalledModule {
  readonly service: ReportsService;
  /** Resolves once the frozen facts of every event seen so far are written (tests). */
  settled(): Promise<void>;
}

export function createReportsModule(context: ModuleContext, options: ReportsModuleOptions): ReportsModule {
  const logger = context.logger.child({ module: 'reports' });
  const repository = new ReportsRepository(context.db);
  const metrics = new QueueMetrics(context.metrics, repository, context.clock);
  const service = new ReportsService({
    repository,
    clock: context.clock,
    logger,
    supervisor: {
      setStatus: options.setStatus,
      moveToQueue: options.moveToQueue,
      moveToAgent: options.moveToAgent,
      async endAllSessions(companyId, userId) {
        if (!context.sessions) throw new Error('sessions are not wired into the module context');
        await context.sessions.endAllSessions(companyId, userId);
      },
    },
  });
  let pending: Promise<void> = Promise.resolve();
  let unsubscribe: (() => void) | undefined;

  const freeze = async (event: PublishedEvent): Promise<void> => {
    const data = event.data;
    if (typeof data.id !== 'string' || typeof data.queue_id !== 'string') return;
    if (event.name === 'queue_entry.created') {
      await repository.recordEntryArrival(event.companyId, data.id, data.queue_id, event.at);
    } else if (event.name === 'entry.completed' && typeof data.wrap_up_until === 'string') {
      await repository.recordEntryWrapUp(
        event.companyId,
        data.id,
        data.queue_id,
        new Date(data.wrap_up_until),
        event.at,
      );
    }
  };

  const onEvent = (event: PublishedEvent): void => {
    metrics.observe(event);
    if (event.name !== 'queue_entry.created' && event.name !== 'entry.completed') return;
    pending = pending
      .then(() => freeze(event))
      .catch((error: unknown) => logger.error({ err: error, event: event.name }, 'report fact not recorded'));
  };

  return {
    service,
    settled: () => pending,
    routes: (app) => registerReportsRoutes(app, service),
    async start() {
      unsubscribe = context.subscribe(onEvent);
    },
    async stop() {
      unsubscribe?.();
      await pending;
    },
  };
}
