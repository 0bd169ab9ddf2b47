/**
 * The periodic tick of every node: refresh this node's connection rows (it is alive, and
 * so are its agents' sockets), then try to sweep. Only the node holding the sweeper's
 * advisory lock sweeps in a given moment (db/leader-lock.ts). Ticks never overlap on a
 * node: the next is scheduled when the last one ends. Decisions use the injected clock;
 * only the pace is real time.
 */
import type { Logger } from '../../shared/logger.js';
import type { NodeConnections } from './presence.connections.js';
import type { PresenceService, SweepResult } from './presence.service.js';

export class PresenceSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private isStopped = true;

  constructor(
    private readonly deps: {
      service: PresenceService;
      connections: NodeConnections;
      intervalMs: number;
      logger: Logger;
    },
  ) {}

  async tick(): Promise<SweepResult> {
    const stored = await this.deps.service.refreshNode();
    // The rows are read only when they differ from what this node knows: a stall the
    // sweeper took for death, or a write that failed.
    if (!this.deps.connections.matches(stored)) {
      this.deps.connections.reconcile(await this.deps.service.listNodeConnections());
    }
    return this.deps.service.sweepOnce();
  }

  start(): void {
    this.isStopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.isStopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) => this.deps.logger.error({ err: error }, 'presence sweep failed'))
        .finally(() => this.schedule());
    }, this.deps.intervalMs);
    this.timer.unref();
  }
}
