import type { ResidentDialer, ResidentDialFailure, ResidentDialRequest } from '../../voicebot.ports.js';
import type { CallLeg } from '../call-leg.js';
import type { IntercomTimings } from '../timings.js';
import { Task, TaskTimeout, withTimeout, type Killed, type TaskContext } from './task.js';

export type DialResult =
  | { status: 'answered' }
  | { status: 'no_answer' }
  | { status: 'failed'; reason: ResidentDialFailure; detail?: string | undefined };

export interface DialHooks {
  /** The resolver will give this UUID's session the role `resident` of this call. */
  expectResident(audiosocketUuid: string): void;
  forgetResident(audiosocketUuid: string): void;
}

/**
 * call: rings the resident through the ResidentDialer and waits for their AudioSocket
 * session (the UUID of the request) to come up. A ring that outlasts `ringTimeoutMs`, and
 * a kill, cancel the call at the PBX.
 */
export class DialTask extends Task<DialResult> {
  readonly name = 'dial';

  constructor(
    private readonly resident: CallLeg,
    private readonly request: ResidentDialRequest,
    private readonly deps: { dialer: ResidentDialer; timings: IntercomTimings; hooks: DialHooks },
  ) {
    super();
  }

  protected async run(context: TaskContext): Promise<DialResult | Killed> {
    const { dialer, timings, hooks } = this.deps;
    const { audiosocketUuid, callId } = this.request;
    hooks.expectResident(audiosocketUuid);
    let isAnswered = false;
    try {
      let dialed;
      try {
        dialed = await withTimeout(
          dialer.dial(this.request).catch((err: unknown) => ({
            status: 'failed' as const,
            reason: 'error' as const,
            detail: err instanceof Error ? err.message : String(err),
          })),
          timings.dialTimeoutMs,
          context.signal,
        );
      } catch (err) {
        if (!(err instanceof TaskTimeout)) throw err;
        dialed = {
          status: 'failed' as const,
          reason: 'error' as const,
          detail: 'the PBX did not accept the call in time',
        };
      }
      if (dialed.status === 'failed') {
        context.log.warn({ reason: dialed.reason, detail: dialed.detail }, 'resident dial failed');
        return { status: 'failed', reason: dialed.reason, detail: dialed.detail };
      }
      const deadline = performance.now() + timings.ringTimeoutMs;
      while (!this.resident.isUp) {
        if (this.resident.isEnded) return { status: 'no_answer' };
        const remaining = deadline - performance.now();
        if (remaining <= 0) return { status: 'no_answer' };
        if ((await this.resident.waitForChange(context.signal, remaining)) === 'aborted') return { status: 'killed' };
      }
      isAnswered = true;
      return { status: 'answered' };
    } finally {
      hooks.forgetResident(audiosocketUuid);
      if (!isAnswered) {
        await dialer.cancel({ callId, audiosocketUuid }).catch((err: unknown) => {
          context.log.warn({ err }, 'cancelling the resident call failed');
        });
      }
    }
  }
}
