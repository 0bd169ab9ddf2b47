/**
 * One intercom call: the visitor's leg, the resident's leg, and the conversation between
 * them as a sequence of small tasks (say, listen, ask, call, wait, hang up), each with its
 * own timeout and error path. The steps (issue 4, seed audiosocket-hangup.md):
 *
 *   1. greet the visitor; ask the unit or resident, then their name;
 *   2. ring the resident; their audio comes back as the `resident` session of this call;
 *   3. tell the resident who is at the door; they authorize or deny (1/2, sim/não);
 *   4. tell the visitor; on authorization open the gate; the closing line; KIND_HANGUP
 *      to both;
 *   5. no answer, silence or an error: an apology, then KIND_HANGUP.
 *
 * Anything that ends the call from outside (the visitor hangs up, POST /api/hangup, the
 * `test_hangup` flag, the call's time limit, shutdown) aborts the running task through the
 * call's signal; the wrap-up then runs under a signal of its own.
 */
import type { Clock } from '../../../shared/clock.js';
import type { EventPublisher } from '../../../shared/events.js';
import type { Logger } from '../../../shared/logger.js';
import { outcomeOf, type IntercomEndReason } from '../voicebot.js';
import type { IntercomDirectory, VoicebotRepository } from '../voicebot.repository.js';
import type {
  GateOpener,
  MediaEvent,
  MediaGateway,
  ResidentDialer,
  SpeechToText,
  TextToSpeech,
  SpeechDetectorFactory,
} from '../voicebot.ports.js';
import { CallLeg } from './call-leg.js';
import { IntercomConversation, type FlowEnd } from './intercom-conversation.js';
import { IntercomRecorder } from './intercom-recorder.js';
import { PROMPTS } from './prompts.js';
import { HangupTask, SayTask, type DialHooks, type TaskContext } from './tasks/index.js';
import type { IntercomTimings } from './timings.js';
import type { IntercomUnderstanding } from './understanding.js';

export interface IntercomSessionDeps {
  media: MediaGateway;
  detectSpeech: SpeechDetectorFactory;
  repository: VoicebotRepository;
  tts: TextToSpeech;
  stt: SpeechToText | undefined;
  understanding: IntercomUnderstanding;
  dialer: ResidentDialer;
  gate: GateOpener;
  clock: Clock;
  publisher: EventPublisher;
  timings: IntercomTimings;
  hooks: DialHooks;
  /** Aborted when the server stops: the gate webhook's lifetime, not the call's. */
  shutdownSignal: AbortSignal;
}

export interface IntercomSessionInit {
  callId: string;
  companyId: string;
  visitorAudiosocketUuid: string;
  /** The visitor session's intent_data, the object the media server keeps by reference. */
  intentData: Record<string, unknown>;
}

export class IntercomSession {
  readonly callId: string;
  readonly companyId: string;
  readonly visitorAudiosocketUuid: string;
  readonly visitor: CallLeg;
  readonly resident: CallLeg;
  readonly log: Logger;
  private readonly deps: IntercomSessionDeps;
  private readonly init: IntercomSessionInit;
  private readonly recorder: IntercomRecorder;
  private readonly controller = new AbortController();
  private stopReason: IntercomEndReason | undefined;
  private isTestHangupSeen = false;
  private isWrappingUp = false;
  private running: Promise<void> | undefined;

  constructor(init: IntercomSessionInit, deps: IntercomSessionDeps, logger: Logger) {
    this.init = init;
    this.deps = deps;
    this.callId = init.callId;
    this.companyId = init.companyId;
    this.visitorAudiosocketUuid = init.visitorAudiosocketUuid;
    this.log = logger.child({ callId: init.callId, companyId: init.companyId });
    const legDeps = { media: deps.media, detectSpeech: deps.detectSpeech, timings: deps.timings, log: this.log };
    this.visitor = new CallLeg('visitor', init.callId, legDeps);
    this.resident = new CallLeg('resident', init.callId, legDeps);
    this.recorder = new IntercomRecorder(deps.repository, init, deps.clock, this.log);
    // The seed's flag: set on the session's intent_data (by an operator or an integration),
    // it sends the call to its closing line and KIND_HANGUP. Checked on every inbound frame.
    this.visitor.onFrame(() => {
      if (this.init.intentData.test_hangup === true && !this.isTestHangupSeen && !this.isWrappingUp) {
        this.isTestHangupSeen = true;
        this.log.info('test_hangup flag set: finishing with the closing message and KIND_HANGUP');
        this.stop('test_hangup');
      }
    });
  }

  /** Resolves when the call is over and recorded. */
  get done(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  get isStarted(): boolean {
    return this.running !== undefined;
  }

  onMedia(event: MediaEvent): void {
    const leg = event.role === 'visitor' ? this.visitor : this.resident;
    switch (event.type) {
      case 'started':
        leg.onStarted(event.sampleRateHz);
        if (event.role === 'visitor') this.start();
        return;
      case 'audio':
        leg.onAudio(event.pcm, event.sampleRateHz);
        return;
      case 'dtmf':
        leg.onDtmf(event.digit);
        return;
      case 'ended':
        leg.onEnded(event.reason);
        if (event.role === 'visitor' && !leg.isHangupOurs) {
          this.stop(event.reason === 'hangup_sent' ? 'hangup_requested' : 'visitor_hung_up');
        }
        if (event.role === 'resident' && !leg.isHangupOurs) {
          this.recorder.line({ who: 'system', leg: 'resident', kind: 'event', text: 'O morador desligou' });
        }
        return;
    }
  }

  /** Ends the conversation from outside; the first reason wins. */
  stop(reason: IntercomEndReason): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.log.info({ reason }, 'intercom call stopping');
    this.controller.abort(reason);
  }

  private start(): void {
    this.running ??= this.run().catch((err: unknown) => this.log.error({ err }, 'intercom call crashed'));
  }

  private context(signal: AbortSignal): TaskContext {
    return { signal, log: this.log, transcript: (line) => this.recorder.line(line) };
  }

  private async run(): Promise<void> {
    this.log.info({ visitorAudiosocketUuid: this.init.visitorAudiosocketUuid }, 'intercom call started');
    this.recorder.start({ visitorAudiosocketUuid: this.init.visitorAudiosocketUuid, startedAt: this.deps.clock.now() });
    const limit = setTimeout(() => this.stop('max_duration'), this.deps.timings.maxCallMs);
    const conversation = new IntercomConversation(
      { ...this.deps, recorder: this.recorder, visitor: this.visitor, resident: this.resident, log: this.log },
      { callId: this.callId, companyId: this.companyId, intentData: this.init.intentData },
      this.context(this.controller.signal),
    );
    let end: FlowEnd;
    try {
      const directory: IntercomDirectory = await this.deps.repository.loadDirectory(this.companyId);
      end = await conversation.run(directory);
    } catch (err) {
      this.log.error({ err }, 'intercom conversation failed');
      end = { reason: 'error', visitorLine: 'apology', apology: PROMPTS.apologyError };
    } finally {
      clearTimeout(limit);
    }
    if (end.isStopped && !this.stopReason) await this.waitForStop();
    this.isWrappingUp = true;
    if (this.stopReason) end = this.endForStop(this.stopReason, conversation.decision !== undefined);
    await this.wrapUp(end, conversation);
    const outcome = outcomeOf(end.reason, conversation.decision);
    this.recorder.end(outcome, end.reason);
    await this.recorder.flush();
    this.log.info({ outcome, endReason: end.reason }, 'intercom call ended');
    await this.deps.publisher
      .publish({
        name: 'intercom_call.ended',
        companyId: this.companyId,
        audience: { managers: true },
        data: { call_id: this.callId, outcome, end_reason: end.reason, ...conversation.summary() },
      })
      .catch((err: unknown) => this.log.warn({ err }, 'intercom_call.ended not published'));
  }

  /**
   * A prompt cut because the media server is hanging the visitor up (POST /api/hangup)
   * stops the conversation before the socket closes and says why: the leg's end follows
   * within the media server's grace time. Waits for it (bounded) so that a hangup is
   * recorded as one, whether the bot was speaking or listening.
   */
  private async waitForStop(): Promise<void> {
    const deadline = performance.now() + this.deps.timings.hangupGraceMs;
    for (let turn = 0; turn < 100 && !this.stopReason && !this.visitor.isEnded; turn += 1) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) return;
      if ((await this.visitor.waitForChange(this.controller.signal, remaining)) !== 'changed') return;
    }
  }

  private endForStop(reason: IntercomEndReason, isDecided: boolean): FlowEnd {
    switch (reason) {
      case 'test_hangup':
        return { reason, visitorLine: 'closing', residentLine: PROMPTS.residentCallEnded, isTestHangup: true };
      case 'visitor_hung_up':
      case 'hangup_requested':
        return {
          reason: isDecided ? 'completed' : reason,
          residentLine: isDecided ? undefined : PROMPTS.residentVisitorLeft,
        };
      case 'server_stopping':
        return { reason };
      default:
        return {
          reason,
          visitorLine: 'apology',
          apology: PROMPTS.apologyError,
          residentLine: PROMPTS.residentCallEnded,
        };
    }
  }

  /** The last words and KIND_HANGUP to each leg still up, under a signal of their own. */
  private async wrapUp(end: FlowEnd, conversation: IntercomConversation): Promise<void> {
    const signal = AbortSignal.timeout(
      end.reason === 'server_stopping' ? this.deps.timings.hangupGraceMs : this.deps.timings.wrapUpTimeoutMs,
    );
    const context = this.context(signal);
    const { timings, tts } = this.deps;
    const speak = end.reason !== 'server_stopping';
    const residentPart = async () => {
      if (!this.resident.isUp) return;
      if (speak && end.residentLine) {
        await new SayTask(this.resident, { text: end.residentLine }, { tts, timings }, { bargeIn: false }).exec(
          context,
        );
      }
      await new HangupTask(this.resident, timings.hangupGraceMs).exec(context);
    };
    const visitorPart = async () => {
      if (!this.visitor.isUp) return;
      if (speak && end.visitorLine === 'closing') {
        if (end.isTestHangup) this.deps.media.updateIntentData(this.callId, 'visitor', { test_hangup: true });
        if (end.visitorPreface) {
          await new SayTask(this.visitor, { text: end.visitorPreface }, { tts, timings }, { bargeIn: false }).exec(
            context,
          );
        }
        await new SayTask(this.visitor, { text: PROMPTS.closing }, { tts, timings }, { bargeIn: false }).exec(context);
        if (end.isTestHangup) this.log.info('test_hangup: closing message played; sending KIND_HANGUP');
      } else if (speak && end.visitorLine === 'apology' && end.apology) {
        await new SayTask(this.visitor, { text: end.apology }, { tts, timings }, { bargeIn: false }).exec(context);
      }
      await new HangupTask(this.visitor, timings.hangupGraceMs).exec(context);
      if (end.isTestHangup) this.log.info('HANGUP_SENT event logged');
    };
    await Promise.all([residentPart(), visitorPart(), conversation.settleGate(signal)]);
  }
}
