/**
 * The conversation of one intercom call, step by step. Each step runs tasks under the
 * call's signal and returns either what it learned or how the call ends (`FlowEnd`); the
 * session (intercom-session.ts) does the wrap-up. Longer than most files on purpose: the
 * whole conversation reads top to bottom in one place.
 */
import type { Clock } from '../../../shared/clock.js';
import { newId } from '../../../shared/ids.js';
import type { Logger } from '../../../shared/logger.js';
import { isGateConfigured, residentTargetOf, type GateStatus, type IntercomEndReason } from '../voicebot.js';
import type { DirectoryResident, IntercomDirectory, VoicebotRepository } from '../voicebot.repository.js';
import type { GateOpener, MediaGateway, ResidentDialer, SpeechToText, TextToSpeech } from '../voicebot.ports.js';
import type { CallLeg } from './call-leg.js';
import { findUnitByNumber, isTestHangupCommand } from './intercom-parser.js';
import type { IntercomRecorder } from './intercom-recorder.js';
import { openGate } from './intercom-gate.js';
import { beep, PROMPTS } from './prompts.js';
import {
  AskTask,
  DialTask,
  HangupTask,
  SayTask,
  TalkTask,
  WaitTask,
  withTimeout,
  type AskResult,
  type DialHooks,
  type Failed,
  type Killed,
  type ListenOptions,
  type TaskContext,
  type Utterance,
} from './tasks/index.js';
import type { IntercomTimings } from './timings.js';
import { ruleUnderstanding, type IntercomUnderstanding, type VisitorIntent } from './understanding.js';

export interface FlowEnd {
  reason: IntercomEndReason;
  visitorLine?: 'closing' | 'apology' | undefined;
  apology?: string | undefined;
  residentLine?: string | undefined;
  /** Said to the visitor before the closing line. */
  visitorPreface?: string | undefined;
  isTestHangup?: boolean;
  /**
   * The conversation stopped because the call is ending (a task was killed, a leg went
   * away): the session replaces this end with the stop's own, once it knows it.
   */
  isStopped?: boolean;
}

export interface ConversationDeps {
  media: MediaGateway;
  repository: VoicebotRepository;
  tts: TextToSpeech;
  stt: SpeechToText | undefined;
  understanding: IntercomUnderstanding;
  dialer: ResidentDialer;
  gate: GateOpener;
  clock: Clock;
  timings: IntercomTimings;
  hooks: DialHooks;
  shutdownSignal: AbortSignal;
  recorder: IntercomRecorder;
  visitor: CallLeg;
  resident: CallLeg;
  log: Logger;
}

type Decision = 'authorize' | 'deny' | 'undecided' | 'resident_hung_up' | 'stopped' | 'error';

/** Ends the conversation where it stands: the session replaces it with the stop's own end. */
const STOPPED: FlowEnd = { reason: 'error', isStopped: true };
const SILENT_VISITOR: FlowEnd = { reason: 'visitor_silent', visitorLine: 'apology', apology: PROMPTS.apologySilence };
const ERROR: FlowEnd = { reason: 'error', visitorLine: 'apology', apology: PROMPTS.apologyError };

export class IntercomConversation {
  decision: 'authorized' | 'denied' | undefined;
  private directory: IntercomDirectory = { units: [], residents: [] };
  private chosen: DirectoryResident | undefined;
  private visitorName: string | undefined;
  private purpose: string | undefined;
  private reply: string | undefined;
  private recordedName: { pcm: Buffer; sampleRateHz: number } | undefined;
  private gateStatus: GateStatus = 'not_requested';
  private gateWork: Promise<void> | undefined;

  constructor(
    private readonly deps: ConversationDeps,
    private readonly call: { callId: string; companyId: string; intentData: Record<string, unknown> },
    private readonly context: TaskContext,
  ) {}

  summary(): Record<string, unknown> {
    return {
      unit_number: this.chosen?.unitNumber ?? null,
      resident_name: this.chosen?.name ?? null,
      visitor_name: this.visitorName ?? null,
      gate_status: this.gateStatus,
    };
  }

  /** Waits for a gate webhook still in flight (it outlives the visitor's hangup). */
  async settleGate(signal: AbortSignal): Promise<void> {
    if (!this.gateWork) return;
    await withTimeout(this.gateWork, 60_000, signal).catch(() => undefined);
  }

  async run(directory: IntercomDirectory): Promise<FlowEnd> {
    this.directory = directory;
    const { visitor } = this.deps;
    const greeted = await this.say(visitor, { text: PROMPTS.greeting }, true);
    if (greeted === 'stop') return STOPPED;
    const destination = await this.askDestination();
    if (destination) return destination;
    if (!this.visitorName) {
      const named = await this.askName();
      if (named) return named;
    }
    const resident = this.chosen as DirectoryResident;
    const calling = this.reply ?? PROMPTS.calling(resident.unitNumber, this.visitorName);
    if ((await this.say(visitor, { text: calling }, false)) === 'stop') return STOPPED;
    const rung = await this.ringResidents(resident);
    if ('end' in rung) return rung.end;
    return this.decide(rung.answered);
  }

  // ── steps ─────────────────────────────────────────────────────────────────

  /** Which unit, which resident: by digits, or by speech through the understanding port. */
  private async askDestination(): Promise<FlowEnd | undefined> {
    const { stt, timings, visitor } = this.deps;
    let prefix: string | undefined;
    for (let attempt = 1; attempt <= timings.destinationAttempts; attempt += 1) {
      const heard = await this.ask(
        visitor,
        { text: stt ? PROMPTS.askDestinationSpeech : PROMPTS.askDestinationDtmf },
        this.listen(stt ? 'speech_or_dtmf' : 'dtmf', { maxDigits: timings.maxDigits, terminator: '#' }),
        prefix,
        attempt === 1,
      );
      switch (heard.status) {
        case 'killed':
        case 'leg_ended':
          return STOPPED;
        case 'failed':
          return ERROR;
        case 'no_input':
          return SILENT_VISITOR;
        case 'unintelligible':
        case 'recording':
          prefix = PROMPTS.notUnderstood;
          continue;
        case 'dtmf': {
          const unit = findUnitByNumber(this.directory.units, heard.digits);
          if (unit) return this.chooseResident(unit.unitId, unit.number, undefined);
          prefix = PROMPTS.unitNotFound(heard.digits);
          continue;
        }
        case 'speech': {
          if (isTestHangupCommand(heard.text)) return this.testHangupByCommand();
          const intent = await this.understand(heard.text, false);
          if (!intent) return STOPPED;
          this.learn(intent);
          const named = this.directory.residents.find((r) => r.residentId === intent.residentId);
          if (named) return this.chooseResident(named.unitId, named.unitNumber, named);
          const unit = intent.unitNumber
            ? findUnitByNumber(this.directory.units, intent.unitNumber, heard.text)
            : undefined;
          if (unit) return this.chooseResident(unit.unitId, unit.number, undefined);
          prefix = intent.unitNumber ? PROMPTS.unitNotFound(intent.unitNumber) : PROMPTS.notUnderstood;
          continue;
        }
      }
    }
    return { reason: 'unit_not_found', visitorLine: 'apology', apology: PROMPTS.apologyUnitNotFound };
  }

  private chooseResident(
    unitId: string,
    unitNumber: string,
    named: DirectoryResident | undefined,
  ): FlowEnd | undefined {
    const chosen =
      named ??
      this.directory.residents
        .filter((r) => r.unitId === unitId && residentTargetOf(r))
        .sort((a, b) => a.priority - b.priority)[0];
    if (!chosen || !residentTargetOf(chosen)) {
      this.deps.recorder.update({ unitId, unitNumber });
      return { reason: 'no_resident', visitorLine: 'apology', apology: PROMPTS.apologyNoResident(unitNumber) };
    }
    this.choose(chosen);
    return undefined;
  }

  private choose(resident: DirectoryResident): void {
    this.chosen = resident;
    this.deps.recorder.update({
      unitId: resident.unitId,
      unitNumber: resident.unitNumber,
      residentId: resident.residentId,
      residentName: resident.name,
    });
    this.deps.visitor.updateIntentData({
      unit_number: resident.unitNumber,
      resident_id: resident.residentId,
      resident_name: resident.name,
    });
  }

  /** The visitor's name: transcribed with a recognizer, recorded without one. */
  private async askName(): Promise<FlowEnd | undefined> {
    const { stt, timings, visitor } = this.deps;
    if (!stt) {
      const heard = await this.ask(
        visitor,
        { label: '(sinal)', pcm: beep(visitor.sampleRateHz), sampleRateHz: visitor.sampleRateHz },
        this.listen('record', { maxRecordingMs: timings.nameRecordingMaxMs }),
        PROMPTS.askNameRecord,
      );
      if (heard.status === 'recording') {
        this.recordedName = { pcm: heard.pcm, sampleRateHz: heard.sampleRateHz };
        return undefined;
      }
      return this.endOfFailedAnswer(heard);
    }
    const heard = await this.ask(visitor, { text: PROMPTS.askNameSpeech }, this.listen('speech', {}));
    if (heard.status === 'speech') {
      if (isTestHangupCommand(heard.text)) return this.testHangupByCommand();
      const intent = await this.understand(heard.text, true);
      if (!intent) return STOPPED;
      this.learn({ ...intent, visitorName: intent.visitorName ?? heard.text.slice(0, 60) });
      return undefined;
    }
    // A name the recognizer could not read is not worth losing the visitor over.
    if (heard.status === 'unintelligible') return undefined;
    return this.endOfFailedAnswer(heard);
  }

  /**
   * Rings the chosen resident, then the unit's other residents by priority while nobody
   * answers, up to `residentAttempts` in all; the visitor is told before each new try.
   */
  private async ringResidents(first: DirectoryResident): Promise<{ answered: DirectoryResident } | { end: FlowEnd }> {
    const { timings, visitor } = this.deps;
    const others = this.directory.residents
      .filter((r) => r.unitId === first.unitId && r.residentId !== first.residentId && residentTargetOf(r))
      .sort((a, b) => a.priority - b.priority);
    const candidates = [first, ...others].slice(0, Math.max(1, timings.residentAttempts));
    let last: FlowEnd = ERROR;
    for (const [index, candidate] of candidates.entries()) {
      if (index > 0) {
        if ((await this.say(visitor, { text: PROMPTS.tryingNextResident }, false)) === 'stop') return { end: STOPPED };
        this.choose(candidate);
      }
      const dialed = await this.dial(candidate);
      if (dialed.status === 'answered') return { answered: candidate };
      last = dialed.end;
      if (!dialed.canTryNext) break;
    }
    return { end: last };
  }

  /** call: ring one resident and wait for their leg. */
  private async dial(
    resident: DirectoryResident,
  ): Promise<{ status: 'answered' } | { status: 'ended'; end: FlowEnd; canTryNext: boolean }> {
    const { dialer, timings, hooks, recorder, visitor } = this.deps;
    const target = residentTargetOf(resident);
    if (!target) {
      const apology = PROMPTS.apologyNoResident(resident.unitNumber);
      return { status: 'ended', end: { reason: 'no_resident', visitorLine: 'apology', apology }, canTryNext: true };
    }
    const audiosocketUuid = newId();
    recorder.update({ residentAudiosocketUuid: audiosocketUuid });
    visitor.updateIntentData({ resident_audiosocket_uuid: audiosocketUuid, stage: 'calling_resident' });
    recorder.line({
      who: 'system',
      leg: 'resident',
      kind: 'event',
      text: `Chamando ${resident.name} (${target.kind === 'sip' ? `ramal ${target.extension}` : target.number})`,
    });
    const request = {
      callId: this.call.callId,
      companyId: this.call.companyId,
      residentId: resident.residentId,
      residentName: resident.name,
      residentTarget: target,
      audiosocketUuid,
      ringTimeoutSeconds: Math.ceil(timings.ringTimeoutMs / 1000),
    };
    const result = await new DialTask(this.deps.resident, request, { dialer, timings, hooks }).exec(this.context);
    switch (result.status) {
      case 'answered':
        recorder.update({ residentAnsweredAt: this.deps.clock.now() });
        recorder.line({ who: 'system', leg: 'resident', kind: 'event', text: 'O morador atendeu' });
        visitor.updateIntentData({ stage: 'talking_to_resident' });
        return { status: 'answered' };
      case 'no_answer':
        recorder.line({ who: 'system', leg: 'resident', kind: 'event', text: 'O morador não atendeu' });
        return {
          status: 'ended',
          end: { reason: 'resident_no_answer', visitorLine: 'apology', apology: PROMPTS.apologyNoAnswer },
          canTryNext: true,
        };
      case 'failed':
        return {
          status: 'ended',
          end: { reason: 'dial_failed', visitorLine: 'apology', apology: PROMPTS.apologyDialFailed },
          // Without a PBX adapter no resident can be called.
          canTryNext: !('reason' in result) || result.reason !== 'not_configured',
        };
      case 'killed':
        return { status: 'ended', end: STOPPED, canTryNext: false };
    }
  }

  /** The resident decides while the visitor waits; then both are told. */
  private async decide(resident: DirectoryResident): Promise<FlowEnd> {
    const decision = this.askResident(resident);
    const held = await new WaitTask(this.deps.visitor, decision, this.deps.timings.maxCallMs).exec(this.context);
    if (held.status !== 'done') return held.status === 'failed' ? ERROR : STOPPED;
    switch (held.value) {
      case 'authorize':
        return this.authorized(resident);
      case 'deny':
        return this.denied();
      case 'undecided':
        return {
          reason: 'resident_undecided',
          visitorLine: 'apology',
          apology: PROMPTS.apologyUndecided,
          residentLine: PROMPTS.residentCallEnded,
        };
      case 'resident_hung_up':
        return { reason: 'resident_hung_up', visitorLine: 'apology', apology: PROMPTS.apologyUndecided };
      case 'stopped':
        return STOPPED;
      case 'error':
        return ERROR;
    }
  }

  private async askResident(resident: DirectoryResident): Promise<Decision> {
    const { stt, timings } = this.deps;
    const leg = this.deps.resident;
    const announce: Utterance[] = this.recordedName
      ? [
          { text: PROMPTS.announceRecorded(resident.unitNumber) },
          { label: '(nome gravado do visitante)', ...this.recordedName },
        ]
      : [{ text: PROMPTS.announce(this.visitorName ?? 'Um visitante', resident.unitNumber, this.purpose) }];
    let prefix: Utterance[] | string | undefined = announce;
    let talkedMs = 0;
    for (let attempt = 1; attempt <= timings.decisionAttempts; attempt += 1) {
      const heard = await this.ask(
        leg,
        { text: stt ? PROMPTS.askDecisionSpeech : PROMPTS.askDecisionDtmf },
        this.listen(stt ? 'speech_or_dtmf' : 'dtmf', { maxDigits: 1 }),
        prefix,
      );
      prefix = PROMPTS.invalidOption;
      switch (heard.status) {
        case 'dtmf': {
          if (heard.digits === '1') return 'authorize';
          if (heard.digits === '2') return 'deny';
          if (heard.digits !== '3' || talkedMs >= timings.talkMaxMs) continue;
          const talk = await this.talk(timings.talkMaxMs - talkedMs);
          if (typeof talk !== 'number') return talk;
          // A talk that ends without a decision asks again, without spending an attempt.
          talkedMs += talk;
          prefix = talkedMs >= timings.talkMaxMs ? PROMPTS.talkTimeUp : undefined;
          attempt -= 1;
          continue;
        }
        case 'speech': {
          const decision = await withTimeout(
            this.deps.understanding.understandDecision(heard.text, this.context.signal),
            timings.understandingTimeoutMs,
            this.context.signal,
          ).catch(() => (this.context.signal.aborted ? undefined : ruleUnderstanding.understandDecision(heard.text)));
          if (decision) return decision;
          continue;
        }
        case 'unintelligible':
        case 'recording':
          continue;
        case 'no_input':
          return 'undecided';
        case 'leg_ended':
          return this.context.signal.aborted ? 'stopped' : 'resident_hung_up';
        case 'killed':
          return 'stopped';
        case 'failed':
          return 'error';
      }
    }
    return 'undecided';
  }

  /**
   * Key 3: the resident and the visitor talk to each other, their audio relayed both ways,
   * until the resident presses 1 or 2 (the decision), another key, or the time is up (both
   * return to the question: the talk's length is returned).
   */
  private async talk(maxMs: number): Promise<Decision | number> {
    const { visitor, resident, recorder } = this.deps;
    const [toVisitor, toResident] = await Promise.all([
      this.say(visitor, { text: PROMPTS.visitorTalk }, false),
      this.say(resident, { text: PROMPTS.residentTalk }, false),
    ]);
    if (toVisitor === 'stop' || toResident === 'stop') return resident.isEnded ? 'resident_hung_up' : 'stopped';
    recorder.line({ who: 'system', leg: 'resident', kind: 'event', text: 'Morador e visitante em conversa' });
    visitor.updateIntentData({ stage: 'resident_talking_to_visitor' });
    const talk = await new TalkTask(resident, visitor, maxMs).exec(this.context);
    if ('talkedMs' in talk) {
      const seconds = Math.round(talk.talkedMs / 1000);
      recorder.line({ who: 'system', leg: 'resident', kind: 'event', text: `Conversa encerrada após ${seconds} s` });
    }
    visitor.updateIntentData({ stage: 'talking_to_resident' });
    switch (talk.status) {
      case 'digit':
        recorder.line({ who: 'resident', leg: 'resident', kind: 'dtmf', text: talk.digit });
        if (talk.digit === '1') return 'authorize';
        if (talk.digit === '2') return 'deny';
        return talk.talkedMs;
      case 'timeout':
        return talk.talkedMs;
      case 'leg_ended':
        return talk.role === 'resident' ? 'resident_hung_up' : 'stopped';
      case 'killed':
        return 'stopped';
      case 'failed':
        return 'error';
    }
  }

  private async authorized(resident: DirectoryResident): Promise<FlowEnd> {
    this.decision = 'authorized';
    const { recorder, visitor } = this.deps;
    recorder.line({ who: 'system', leg: 'resident', kind: 'event', text: 'Entrada autorizada pelo morador' });
    visitor.updateIntentData({ decision: 'authorized', stage: 'finishing' });
    const settings = await this.deps.repository.findSettings(this.call.companyId);
    let gate: Promise<boolean> | undefined;
    if (isGateConfigured(settings)) {
      const work = openGate(this.deps, settings, {
        event: 'gate.open',
        company_id: this.call.companyId,
        call_id: this.call.callId,
        unit_id: resident.unitId,
        unit_number: resident.unitNumber,
        resident_id: resident.residentId,
        resident_name: resident.name,
        visitor_name: this.visitorName ?? null,
        purpose: this.purpose ?? null,
        authorized_at: this.deps.clock.now().toISOString(),
      }).then((status) => {
        this.gateStatus = status;
        return status === 'opened';
      });
      this.gateWork = work.then(() => undefined);
      gate = work;
    }
    if (!gate) {
      this.gateStatus = 'not_configured';
      recorder.update({ gateStatus: 'not_configured' });
    }
    const residentPart = this.finishResident(PROMPTS.residentAuthorized);
    const told = await this.say(
      visitor,
      { text: gate ? PROMPTS.visitorAuthorizedGate : PROMPTS.visitorAuthorized },
      false,
    );
    const opened = gate ? await gate : true;
    if (!opened && told !== 'stop') await this.say(visitor, { text: PROMPTS.gateFailed }, false);
    await residentPart;
    return { reason: 'completed', visitorLine: 'closing' };
  }

  private async denied(): Promise<FlowEnd> {
    this.decision = 'denied';
    this.deps.recorder.line({ who: 'system', leg: 'resident', kind: 'event', text: 'Entrada negada pelo morador' });
    this.deps.visitor.updateIntentData({ decision: 'denied', stage: 'finishing' });
    const residentPart = this.finishResident(PROMPTS.residentDenied);
    await this.say(this.deps.visitor, { text: PROMPTS.visitorDenied }, false);
    await residentPart;
    return { reason: 'completed', visitorLine: 'closing' };
  }

  /** The resident hears the decision confirmed, then KIND_HANGUP. */
  private async finishResident(text: string): Promise<void> {
    await this.say(this.deps.resident, { text }, false);
    await new HangupTask(this.deps.resident, this.deps.timings.hangupGraceMs).exec(this.context);
  }

  // ── helpers ───────────────────────────────────────────────────────────────

  private testHangupByCommand(): FlowEnd {
    this.deps.log.info('test hangup command: finishing with the closing message and KIND_HANGUP');
    return {
      reason: 'test_hangup',
      visitorLine: 'closing',
      visitorPreface: PROMPTS.testHangupOn,
      residentLine: PROMPTS.residentCallEnded,
      isTestHangup: true,
    };
  }

  private learn(intent: VisitorIntent): void {
    this.visitorName ??= intent.visitorName;
    this.purpose ??= intent.purpose;
    this.reply ??= intent.reply;
    if (intent.visitorName || intent.purpose) {
      this.deps.recorder.update({
        ...(this.visitorName ? { visitorName: this.visitorName.slice(0, 120) } : {}),
        ...(this.purpose ? { purpose: this.purpose.slice(0, 200) } : {}),
      });
      this.deps.visitor.updateIntentData({ visitor_name: this.visitorName ?? null, purpose: this.purpose ?? null });
    }
  }

  private async understand(text: string, isNameAnswer: boolean): Promise<VisitorIntent | undefined> {
    const context = { directory: this.directory, isNameAnswer, signal: this.context.signal };
    try {
      return await withTimeout(
        this.deps.understanding.understandVisitor(text, context),
        this.deps.timings.understandingTimeoutMs,
        this.context.signal,
      );
    } catch (err) {
      if (this.context.signal.aborted) return undefined;
      this.deps.log.warn({ err }, 'understanding failed; using the rule-based parser');
      return ruleUnderstanding.understandVisitor(text, context);
    }
  }

  private endOfFailedAnswer(heard: AskResult | Killed | Failed): FlowEnd {
    if (heard.status === 'no_input') return SILENT_VISITOR;
    if (heard.status === 'failed') return ERROR;
    return STOPPED;
  }

  private listen(mode: ListenOptions['mode'], options: Partial<ListenOptions>): ListenOptions {
    return { mode, timeoutMs: this.deps.timings.listenTimeoutMs, maxDigits: this.deps.timings.maxDigits, ...options };
  }

  private ask(
    leg: CallLeg,
    question: Utterance,
    listen: ListenOptions,
    prefix?: string | Utterance[],
    isKeepingInput = false,
  ): Promise<AskResult | Killed | Failed> {
    const { tts, stt, timings } = this.deps;
    const prefixes = typeof prefix === 'string' ? [{ text: prefix }] : prefix;
    return new AskTask(
      leg,
      question,
      listen,
      { tts, stt, timings },
      { silenceRetries: timings.silenceRetries, prefix: prefixes, isKeepingInput },
    ).exec(this.context);
  }

  /** 'stop' when the call is ending (killed, leg gone); anything else lets the step go on. */
  private async say(leg: CallLeg, what: Utterance, bargeIn: boolean): Promise<'ok' | 'stop'> {
    const { tts, timings } = this.deps;
    const said = await new SayTask(leg, what, { tts, timings }, { bargeIn }).exec(this.context);
    return said.status === 'killed' || said.status === 'leg_ended' ? 'stop' : 'ok';
  }
}
