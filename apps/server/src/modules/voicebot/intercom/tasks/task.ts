/**
 * A voice-bot verb as a small task (after jambonz-feature-server): `exec` runs it to a
 * result under the call's abort signal, `kill` stops it from outside, each has its own
 * timeout and reports failure as a result, never as a rejection. A task that is killed
 * stops its audio before it returns.
 */
import type { Logger } from '../../../../shared/logger.js';
import type { Leg, TranscriptKind, TranscriptSpeaker } from '../../voicebot.js';

export type TranscriptSink = (line: { who: TranscriptSpeaker; leg: Leg; kind: TranscriptKind; text: string }) => void;

export interface TaskContext {
  /** The call's signal: aborting it kills every task running under it. */
  signal: AbortSignal;
  log: Logger;
  transcript: TranscriptSink;
}

export type Killed = { status: 'killed' };
export type Failed = { status: 'failed'; error: string };

export abstract class Task<R extends { status: string }> {
  abstract readonly name: string;
  private readonly killer = new AbortController();

  kill(reason = 'killed'): void {
    this.killer.abort(reason);
  }

  async exec(context: TaskContext): Promise<R | Killed | Failed> {
    const signal = AbortSignal.any([context.signal, this.killer.signal]);
    if (signal.aborted) return { status: 'killed' };
    const log = context.log.child({ task: this.name });
    const startedAt = performance.now();
    try {
      const result = await this.run({ ...context, signal, log });
      log.debug({ status: result.status, durationMs: Math.round(performance.now() - startedAt) }, 'task finished');
      return result;
    } catch (err) {
      if (signal.aborted) return { status: 'killed' };
      log.warn({ err }, 'task failed');
      return { status: 'failed', error: err instanceof Error ? err.message : String(err) };
    }
  }

  protected abstract run(context: TaskContext): Promise<R | Killed | Failed>;
}

export class TaskTimeout extends Error {}

/** `work`, or TaskTimeout after `ms`, or the abort's reason; the loser is ignored. */
export function withTimeout<T>(work: Promise<T>, ms: number, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => finish(() => reject(new Error('aborted')));
    const timer = setTimeout(() => finish(() => reject(new TaskTimeout(`timed out after ${ms} ms`))), ms);
    function finish(settle: () => void): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      settle();
    }
    if (signal.aborted) {
      finish(() => reject(new Error('aborted')));
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error instanceof Error ? error : new Error(String(error)))),
    );
  });
}
