import type { CallLeg } from '../call-leg.js';
import { ListenTask, type ListenDeps, type ListenOptions, type ListenResult } from './listen.task.js';
import { SayTask, type SayDeps, type Utterance } from './say.task.js';
import { Task, type Failed, type Killed, type TaskContext } from './task.js';

export type AskResult = ListenResult;

/**
 * ask: a question (barge-in allowed) and its answer; asked again after silence, at most
 * `silenceRetries` more times. Input that arrived before the question is dropped unless
 * asked otherwise; input that interrupted it is the answer.
 */
export class AskTask extends Task<AskResult> {
  readonly name = 'ask';

  constructor(
    private readonly leg: CallLeg,
    private readonly question: Utterance,
    private readonly listen: ListenOptions,
    private readonly deps: SayDeps & ListenDeps,
    private readonly options: {
      silenceRetries: number;
      prefix?: Utterance[] | undefined;
      /** Keep what the caller typed or said before the question (during the greeting). */
      isKeepingInput?: boolean;
    },
  ) {
    super();
  }

  protected async run(context: TaskContext): Promise<AskResult | Killed | Failed> {
    if (!this.options.isKeepingInput) this.leg.clearInput();
    for (const prefix of this.options.prefix ?? []) {
      const said = await new SayTask(this.leg, prefix, this.deps, { bargeIn: true }).exec(context);
      if (said.status === 'killed' || said.status === 'leg_ended' || said.status === 'failed') return said;
      // A caller who answers during the preamble skips the rest of it.
      if (said.status === 'barged_in') break;
    }
    for (let attempt = 0; attempt <= this.options.silenceRetries; attempt += 1) {
      // Typed or spoken ahead (during the greeting): the answer is coming, skip the question.
      const isAnswering = this.leg.hasInput || this.leg.isSpeaking;
      if (!(attempt === 0 && this.options.isKeepingInput && isAnswering)) {
        const said = await new SayTask(this.leg, this.question, this.deps, { bargeIn: true }).exec(context);
        if (said.status === 'killed' || said.status === 'leg_ended' || said.status === 'failed') return said;
      }
      const heard = await new ListenTask(this.leg, this.listen, this.deps).exec(context);
      if (heard.status !== 'no_input') return heard;
    }
    return { status: 'no_input' };
  }
}
