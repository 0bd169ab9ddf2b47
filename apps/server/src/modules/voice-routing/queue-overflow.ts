/**
 * When a voice queue cannot answer (max_wait_seconds passed, or closed hours): the caller
 * leaves a voicemail, which goes to the inbox as a voice message; or presses 1 to be
 * called back, which keeps their turn as a callback item that dials them (click-to-call)
 * once an agent takes it; or hears the closed message.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Actor } from '../../shared/actor.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { CallsRepository } from '../calls/index.js';
import type { RoutingEngine } from '../routing/index.js';
import type { EntryNotice } from './routing-notices.js';
import {
  callbackConfirmedSpeech,
  callbackOfferSpeech,
  closedSpeech,
  thanksSpeech,
  voicemailGreeting,
  VOICEMAIL_MAX_SECONDS,
  VOICEMAIL_MAX_SILENCE_SECONDS,
} from './voice-routing.js';
import type { CallbackDialer, QueueTelephony, VoicemailPort } from './voice-routing.ports.js';
import type { VoiceRoutingRepository } from './voice-routing.repository.js';
import type { AfterPlayback, WaitingCall, WaitingCalls } from './waiting-calls.js';

export interface QueueOverflowDeps {
  waiting: WaitingCalls;
  telephony: QueueTelephony;
  engine: Pick<RoutingEngine, 'enqueue' | 'endEntry'>;
  repository: VoiceRoutingRepository;
  calls: CallsRepository;
  voicemail: VoicemailPort;
  dialer: CallbackDialer;
  logger: Logger;
  recordingsDir: string;
  /** Plays a sentence, then does `after` (also when it could not be played). */
  say(call: WaitingCall, text: string, after: AfterPlayback): Promise<void>;
  /** Puts the call back in line, keeping its first enqueue time. */
  requeue(call: WaitingCall, entry: EntryNotice): Promise<void>;
}

export class QueueOverflow {
  private readonly recordings = new Map<
    string,
    { companyId: string; callId: string; callerNumber: string; channelId: string; queueName: string }
  >();
  /** Calls whose caller asked to be called back, with the number to call. */
  private readonly callbacks = new Map<string, string>();

  constructor(private readonly deps: QueueOverflowDeps) {}

  async overflowed(entry: EntryNotice, action: Record<string, unknown>): Promise<void> {
    if (entry.channel !== 'voice' || !entry.callId) return;
    // A callback item overflows only to another queue (the sweep leaves it in line otherwise:
    // it already waited its turn once), where the engine enqueues it; nothing to do here.
    if (await this.isCallback(entry)) return;
    const call = this.deps.waiting.ofCall(entry.callId);
    if (!call) return;
    switch (action.action) {
      case 'voicemail':
        call.phase = 'voicemail';
        this.deps.logger.info({ callId: call.callId, entryId: entry.id }, 'caller sent to voicemail');
        await this.deps.say(call, voicemailGreeting(call.language), 'record');
        return;
      case 'callback':
        call.isCallbackOffered = true;
        await this.deps.requeue(call, entry);
        await this.deps.say(call, callbackOfferSpeech(call.language), 'moh');
        return;
      case 'message': {
        call.phase = 'leaving';
        const text = typeof action.text === 'string' ? action.text : null;
        await this.deps.say(call, closedSpeech(call.language, text), 'hangup');
        return;
      }
      default:
        return;
    }
  }

  /** After the greeting: what the caller says is recorded (wav, beep, # ends it). */
  async startRecording(call: WaitingCall): Promise<void> {
    const entries = await this.deps.repository.entriesOfCall(call.companyId, call.callId);
    const recordingName = newId();
    this.recordings.set(recordingName, {
      companyId: call.companyId,
      callId: call.callId,
      callerNumber: call.callerNumber,
      channelId: call.channelId,
      queueName: entries.at(-1)?.queueName ?? '',
    });
    call.phase = 'recording';
    try {
      // Marked before Asterisk is asked to record: the call's end, which can only follow a
      // recording that started, then shares the voicemail's conversation (ADR 21).
      await this.deps.voicemail.expect({ companyId: call.companyId, callId: call.callId });
      await this.deps.telephony.recordChannel(call.channelId, recordingName, {
        maxDurationSeconds: VOICEMAIL_MAX_SECONDS,
        maxSilenceSeconds: VOICEMAIL_MAX_SILENCE_SECONDS,
      });
    } catch (error) {
      this.recordings.delete(recordingName);
      this.deps.logger.warn({ err: error, callId: call.callId }, 'voicemail recording did not start');
      await this.deps.waiting.leave(call);
    }
  }

  /** The recording ended (#, silence, the limit, or the caller hung up): into the inbox. */
  async onRecordingDone(recordingName: string, durationSeconds: number | null, isFailed: boolean): Promise<void> {
    const recording = this.recordings.get(recordingName);
    if (!recording) return;
    this.recordings.delete(recordingName);
    const path = join(this.deps.recordingsDir, `${recordingName}.wav`);
    const audio = isFailed ? undefined : await readFile(path).catch(() => undefined);
    if (!audio) {
      this.deps.logger.warn({ recordingName, isFailed }, 'voicemail recording not available');
    } else {
      const stored = await this.deps.voicemail.receive({
        companyId: recording.companyId,
        callId: recording.callId,
        callerNumber: recording.callerNumber,
        recordingName,
        audio,
        durationSeconds,
        caption: `Recado de voz (fila ${recording.queueName})`,
      });
      this.deps.logger.info(
        { recordingName, conversationId: stored?.conversationId },
        'voicemail delivered to the inbox',
      );
    }
    const call = this.deps.waiting.ofChannel(recording.channelId);
    if (call?.phase === 'recording') {
      call.phase = 'leaving';
      await this.deps.say(call, thanksSpeech(call.language), 'hangup');
    }
  }

  /** The caller pressed 1: they hang up and keep their turn as a callback item. */
  async requestCallback(call: WaitingCall): Promise<void> {
    const entry = await this.deps.repository.liveEntryOfCall(call.companyId, call.callId);
    call.phase = 'leaving';
    call.isCallbackOffered = false;
    if (entry) {
      this.callbacks.set(call.callId, call.callerNumber);
      await this.deps.engine.endEntry(call.companyId, entry.id, 'callback_requested');
      await this.enqueueCallback(
        {
          id: entry.id,
          companyId: call.companyId,
          queueId: entry.queueId,
          callId: call.callId,
          originalEnqueuedAt: entry.originalEnqueuedAt,
        },
        call.callerNumber,
      );
      this.deps.logger.info({ callId: call.callId, queueId: entry.queueId }, 'callback requested');
    }
    await this.deps.say(call, callbackConfirmedSpeech(call.language), 'hangup');
  }

  /** The caller's channel a voicemail recording is of (its end runs on that call's line). */
  channelOfRecording(recordingName: string): string | undefined {
    return this.recordings.get(recordingName)?.channelId;
  }

  /** Whether hanging up is what this caller was told to do (their item stays in line). */
  hasCallback(callId: string): boolean {
    return this.callbacks.has(callId);
  }

  /** A callback item: an entry of a call whose caller asked to be called back (stored: it survives a restart). */
  async isCallback(entry: EntryNotice): Promise<boolean> {
    if (!entry.callId) return false;
    if (this.callbacks.has(entry.callId)) return true;
    const entries = await this.deps.repository.entriesOfCall(entry.companyId, entry.callId);
    return entries.some((e) => e.endReason === 'callback_requested');
  }

  /** The agent took a callback item: their device rings, then the customer is dialled (click-to-call). */
  async dialCallback(entry: EntryNotice): Promise<void> {
    if (!entry.callId || !entry.assignedTo) return;
    const number =
      this.callbacks.get(entry.callId) ?? (await this.deps.calls.findCall(entry.companyId, entry.callId))?.fromNumber;
    this.callbacks.delete(entry.callId);
    const actor: Actor = { companyId: entry.companyId, userId: entry.assignedTo, role: 'agent' };
    try {
      if (!number) throw new Error('no number to call back');
      const made = await this.deps.dialer.makeCall(actor, { to: number });
      this.deps.logger.info({ entryId: entry.id, callId: made.id, agentId: entry.assignedTo }, 'callback dialled');
      await this.deps.engine.endEntry(entry.companyId, entry.id, 'callback_dialled');
    } catch (error) {
      this.deps.logger.warn({ err: error, entryId: entry.id }, 'callback could not be dialled');
      await this.deps.engine.endEntry(entry.companyId, entry.id, 'callback_failed');
    }
  }

  private async enqueueCallback(
    entry: { id: string; companyId: string; queueId: string; callId: string | null; originalEnqueuedAt: Date },
    number: string,
  ): Promise<void> {
    const queue = await this.deps.repository.findQueue(entry.companyId, entry.queueId);
    if (!queue || !entry.callId) return;
    await this.deps.engine.enqueue({
      companyId: entry.companyId,
      queueId: entry.queueId,
      channel: 'voice',
      callId: entry.callId,
      label: `Retorno: ${number}`,
      // Ahead of callers who arrive later: this one already waited its turn once.
      priority: queue.priority + 1,
      originalEnqueuedAt: entry.originalEnqueuedAt,
      previousEntryId: entry.id,
    });
  }
}
