import type { CallLeg } from '../call-leg.js';
import { Task, type Killed, type TaskContext } from './task.js';

export type WaitResult<T> = { status: 'done'; value: T } | { status: 'leg_ended' } | { status: 'timeout' };

/**
 * wait: holds a leg (the visitor, while the bot talks to the resident) until `until`
 * settles, the leg hangs up, or the time is up. The leg keeps receiving silence frames
 * from the media server meanwhile, so Asterisk does not time out.
 */
export class WaitTask<T> extends Task<WaitResult<T>> {
  readonly name = 'wait';

  constructor(
    private readonly leg: CallLeg,
    private readonly until: Promise<T>,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  protected async run(context: TaskContext): Promise<WaitResult<T> | Killed> {
    let settled: { value: T } | undefined;
    let failure: Error | undefined;
    const watcher = new AbortController();
    const signal = AbortSignal.any([context.signal, watcher.signal]);
    void this.until.then(
      (value) => {
        settled = { value };
        watcher.abort();
      },
      (err: unknown) => {
        failure = err instanceof Error ? err : new Error(String(err));
        watcher.abort();
      },
    );
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      if (settled) return { status: 'done', value: settled.value };
      if (failure) throw failure;
      if (context.signal.aborted) return { status: 'killed' };
      if (this.leg.isEnded) return { status: 'leg_ended' };
      const remaining = deadline - performance.now();
      if (remaining <= 0) return { status: 'timeout' };
      await this.leg.waitForChange(signal, remaining);
    }
  }
}
