import type { CallLeg } from '../call-leg.js';
import { Task, type Killed, type TaskContext } from './task.js';

export type HangupResult = { status: 'hung_up' } | { status: 'already_ended' } | { status: 'timeout' };

/**
 * hang up: KIND_HANGUP (`00 00 00`) to the leg, then wait for it to close. Callers await
 * the last prompt's end first: the media server drops queued audio on hangup.
 */
export class HangupTask extends Task<HangupResult> {
  readonly name = 'hangup';

  constructor(
    private readonly leg: CallLeg,
    private readonly graceMs: number,
  ) {
    super();
  }

  protected async run(context: TaskContext): Promise<HangupResult | Killed> {
    if (!this.leg.isUp || this.leg.hangup() === 'not_found') return { status: 'already_ended' };
    context.log.info({ role: this.leg.role }, 'KIND_HANGUP requested');
    context.transcript({ who: 'system', leg: this.leg.role, kind: 'event', text: 'KIND_HANGUP enviado' });
    const deadline = performance.now() + this.graceMs;
    while (!this.leg.isEnded) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) return { status: 'timeout' };
      if ((await this.leg.waitForChange(context.signal, remaining)) === 'aborted') return { status: 'killed' };
    }
    return { status: 'hung_up' };
  }
}
