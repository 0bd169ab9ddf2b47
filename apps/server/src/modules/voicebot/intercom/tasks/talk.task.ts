import type { CallLeg } from '../call-leg.js';
import { Task, type Killed, type TaskContext } from './task.js';

export type TalkResult =
  | { status: 'digit'; digit: string; talkedMs: number }
  | { status: 'leg_ended'; role: 'visitor' | 'resident'; talkedMs: number }
  | { status: 'timeout'; talkedMs: number };

/**
 * talk: puts the resident and the visitor through to each other. Each one's audio is relayed
 * to the other as it arrives (the media server's relay path: not re-paced, bounded latency),
 * until the resident presses a key, either leg hangs up, or the time is up. The bot says
 * nothing meanwhile, and what either says is not taken as an answer: only the resident's
 * keys end the talk.
 */
export class TalkTask extends Task<TalkResult> {
  readonly name = 'talk';

  constructor(
    private readonly resident: CallLeg,
    private readonly visitor: CallLeg,
    private readonly maxMs: number,
  ) {
    super();
  }

  protected async run(context: TaskContext): Promise<TalkResult | Killed> {
    const { resident, visitor } = this;
    const startedAt = performance.now();
    const talked = () => Math.round(performance.now() - startedAt);
    resident.clearInput();
    visitor.clearInput();
    const unlink = [
      resident.onAudioFrame((pcm, rate) => visitor.relay(pcm, rate)),
      visitor.onAudioFrame((pcm, rate) => resident.relay(pcm, rate)),
    ];
    try {
      for (;;) {
        if (context.signal.aborted) return { status: 'killed' };
        if (resident.isEnded) return { status: 'leg_ended', role: 'resident', talkedMs: talked() };
        if (visitor.isEnded) return { status: 'leg_ended', role: 'visitor', talkedMs: talked() };
        for (let input = resident.takeInput(); input; input = resident.takeInput()) {
          if (input.type === 'dtmf') return { status: 'digit', digit: input.digit, talkedMs: talked() };
        }
        const remaining = this.maxMs - talked();
        if (remaining <= 0) return { status: 'timeout', talkedMs: talked() };
        // Wakes on a change of either leg (a key, a hangup), whichever comes first.
        const either = new AbortController();
        const signal = AbortSignal.any([context.signal, either.signal]);
        await Promise.race([resident.waitForChange(signal, remaining), visitor.waitForChange(signal, remaining)]);
        either.abort();
      }
    } finally {
      for (const off of unlink) off();
      // What they said to each other is not an answer to the bot's next question.
      resident.clearInput();
      visitor.clearInput();
    }
  }
}
