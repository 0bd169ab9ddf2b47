/**
 * Writes one intercom call as it happens: the row when it starts, each transcript line in
 * order, each change of state, the end. Writes are serialised on one chain so lines keep
 * their order, and a failed write is logged, never thrown into the conversation: the
 * caller is not hung up because a row could not be written.
 */
import type { Clock } from '../../../shared/clock.js';
import { newId } from '../../../shared/ids.js';
import type { Logger } from '../../../shared/logger.js';
import type { CallPatch, VoicebotRepository } from '../voicebot.repository.js';
import type { IntercomEndReason, IntercomOutcome, Leg, TranscriptKind, TranscriptSpeaker } from '../voicebot.js';

/** Far more lines than a call has; the bound keeps a looping bug from filling the table. */
const MAX_LINES = 500;

export class IntercomRecorder {
  private tail: Promise<void> = Promise.resolve();
  private seq = 0;
  private isStarted = false;

  constructor(
    private readonly repository: VoicebotRepository,
    private readonly call: { callId: string; companyId: string },
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(input: { visitorAudiosocketUuid: string; startedAt: Date }): void {
    this.isStarted = true;
    this.enqueue('call start', () =>
      this.repository.insertCall({
        id: this.call.callId,
        companyId: this.call.companyId,
        status: 'in_progress',
        visitorAudiosocketUuid: input.visitorAudiosocketUuid,
        startedAt: input.startedAt,
      }),
    );
  }

  line(line: { who: TranscriptSpeaker; leg: Leg; kind: TranscriptKind; text: string }): void {
    if (!this.isStarted || this.seq >= MAX_LINES) return;
    this.seq += 1;
    const entry = { ...line, seq: this.seq, text: line.text.slice(0, 2000), at: this.clock.now() };
    this.log.info({ who: line.who, leg: line.leg, kind: line.kind, text: entry.text }, 'intercom transcript');
    this.enqueue('transcript line', () =>
      this.repository.insertTranscriptLine(this.call.companyId, this.call.callId, newId(), entry),
    );
  }

  update(patch: CallPatch): void {
    if (!this.isStarted) return;
    this.enqueue('call update', () => this.repository.updateCall(this.call.companyId, this.call.callId, patch));
  }

  end(outcome: IntercomOutcome, endReason: IntercomEndReason): void {
    this.update({ status: 'completed', outcome, endReason, endedAt: this.clock.now() });
  }

  /** Resolves when every write issued so far has been attempted. */
  flush(): Promise<void> {
    return this.tail;
  }

  private enqueue(what: string, write: () => Promise<unknown>): void {
    this.tail = this.tail.then(write).then(
      () => undefined,
      (err: unknown) => this.log.error({ err, what }, 'intercom call record not written'),
    );
  }
}
