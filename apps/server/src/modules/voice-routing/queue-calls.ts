/**
 * Calls in voice queues, on the node that holds the ARI event stream. A caller dialled a
 * DID that names a queue (or a DTMF menu of queues): the call is answered into Stasis,
 * enqueued through the routing engine, and hears music on hold and, with
 * `announce_position`, their place and estimated wait. The engine decides; this carries it
 * out (its RoutingListener): an offer rings the agent's device (`queue-agent` leg), the
 * answer accepts the offer and bridges, an offer that ends hangs its leg up, a caller who
 * hangs up abandons, an overflow plays voicemail or offers a callback.
 *
 * The call record is the calls module's: CallFlow ends it when a channel ends (the caller's
 * channel is its customer leg, the answering agent's its agent leg). Telephony events are
 * handled one at a time in arrival order; the engine's notifications come from the flow
 * that made the decision and are not queued behind them (they would wait on themselves).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { TelephonyEvent } from '../../shared/telephony.js';
import type { AgentDevice, CallLifecycle, CallsRepository } from '../calls/index.js';
import {
  estimateWaitSeconds,
  isOpenAt,
  SHORT_ABANDON_SECONDS,
  type Offer,
  type QueueEntry,
  type RoutingEngine,
  type RoutingListener,
} from '../routing/index.js';
import {
  abandonReason,
  ARG_DID,
  ARG_QUEUE_AGENT,
  ARG_QUEUE_ASSIGNED,
  callbackConfirmedSpeech,
  callbackOfferSpeech,
  closedSpeech,
  DEFAULT_HANDLE_SECONDS,
  isAnnouncementDue,
  languageOf,
  MAX_MENU_ATTEMPTS,
  MENU_ANSWER_SECONDS,
  menuPromptText,
  menuRetryText,
  normalizeDid,
  positionSpeech,
  thanksSpeech,
  voicemailGreeting,
  VOICEMAIL_MAX_SECONDS,
  VOICEMAIL_MAX_SILENCE_SECONDS,
  type Language,
  type VoiceMenu,
} from './voice-routing.js';
import type {
  AgentPresencePort,
  CallbackDialer,
  PromptUrls,
  QueueTelephony,
  VoicemailPort,
} from './voice-routing.ports.js';
import type { VoiceRoutingRepository } from './voice-routing.repository.js';

type Entered = Extract<TelephonyEvent, { kind: 'channel_entered' }>;

/** The routing engine as voice queues use it (routing's RoutingEngine, structurally). */
export type QueueEngine = Pick<RoutingEngine, 'enqueue' | 'acceptOffer' | 'rejectOffer' | 'endEntry'>;
type AfterPlayback = 'moh' | 'menu_wait' | 'record' | 'hangup';

/** A caller in Stasis who is not (yet) talking to an agent. */
interface WaitingCall {
  callId: string;
  companyId: string;
  channelId: string;
  callerNumber: string;
  language: Language;
  phase: 'menu' | 'waiting' | 'voicemail' | 'recording' | 'leaving';
  isMohOn: boolean;
  playback: { id: string; after: AfterPlayback } | undefined;
  menu: VoiceMenu | undefined;
  defaultQueueId: string | null;
  menuAttempts: number;
  menuTimer: NodeJS.Timeout | undefined;
  lastAnnouncedAt: Date | null;
  isCallbackOffered: boolean;
}

/** An agent's device rung for a call: by an offer, or for an assignment (offer_mode auto). */
interface AgentLeg {
  channelId: string;
  callId: string;
  companyId: string;
  agentId: string;
  entryId: string;
  offerId: string | null;
  isAnswered: boolean;
}

interface BridgedCall {
  callId: string;
  companyId: string;
  entryId: string;
  agentId: string;
}

export interface QueueCallSettings {
  agentEndpointTemplate: string;
  ringTimeoutSeconds: number;
  recordingsDir: string;
}

export interface QueueCallsDeps {
  telephony: QueueTelephony;
  engine: QueueEngine;
  repository: VoiceRoutingRepository;
  calls: CallsRepository;
  lifecycle: CallLifecycle;
  devices: { findActiveDeviceOfUser(companyId: string, userId: string): Promise<AgentDevice | undefined> };
  presence: AgentPresencePort;
  voicemail: VoicemailPort;
  dialer: CallbackDialer;
  prompts: PromptUrls;
  clock: Clock;
  logger: Logger;
  settings: QueueCallSettings;
}

const BUSY_OR_REJECTED = new Set([17, 21]);

export class QueueCalls implements RoutingListener {
  private tail: Promise<void> = Promise.resolve();
  private readonly waiting = new Map<string, WaitingCall>();
  private readonly channelOfCall = new Map<string, string>();
  private readonly legs = new Map<string, AgentLeg>();
  private readonly bridged = new Map<string, BridgedCall>();
  private readonly recordings = new Map<
    string,
    { companyId: string; callerNumber: string; channelId: string; queueName: string }
  >();
  /** Calls whose caller asked to be called back: their entry is a callback item, not a ringing call. */
  private readonly callbacks = new Map<string, string>();

  constructor(private readonly deps: QueueCallsDeps) {}

  /** Queues the event behind the ones before it (as CallFlow does). */
  handle(event: TelephonyEvent): Promise<void> {
    return this.enqueueTask(() => this.dispatch(event), event.kind);
  }

  /** Every second: announcements that are due, and agents whose call and wrap-up are over. */
  async tick(): Promise<void> {
    const now = this.deps.clock.now();
    for (const call of this.waiting.values()) {
      if (call.phase !== 'waiting' || call.playback || !isAnnouncementDue(call.lastAnnouncedAt, now)) continue;
      await this.enqueueTask(() => this.announce(call), 'announce');
    }
    await this.restoreStatuses();
  }

  /** Callers still waiting on this node (their entries are in the database; this is the media side). */
  get waitingCount(): number {
    return this.waiting.size;
  }

  private enqueueTask(task: () => Promise<void>, what: string): Promise<void> {
    const done = this.tail.then(task);
    this.tail = done.catch((error: unknown) => this.deps.logger.error({ err: error, what }, 'queue call step failed'));
    return this.tail;
  }

  private async dispatch(event: TelephonyEvent): Promise<void> {
    switch (event.kind) {
      case 'channel_entered': {
        const [intent, first, second] = event.args;
        if (intent === ARG_DID && first) return this.onCaller(event, first);
        if (intent === ARG_QUEUE_AGENT && first && second) return this.onAgentAnswered(event.channelId, second);
        if (intent === ARG_QUEUE_ASSIGNED && first) return this.onAgentAnswered(event.channelId, null);
        return;
      }
      case 'channel_ended':
        return this.onEnded(event.channelId, event.cause);
      case 'channel_dtmf':
        return this.onDigit(event.channelId, event.digit);
      case 'playback_finished':
        return this.onPlaybackFinished(event.playbackId);
      case 'recording_finished':
        return this.onRecordingDone(event.recordingName, event.durationSeconds);
      case 'recording_failed':
        return this.onRecordingDone(event.recordingName, null, true);
      case 'channel_ringing':
      case 'channel_answered':
      case 'channel_left':
      case 'channel_transferred':
        return;
    }
  }

  // ── the caller ────────────────────────────────────────────────────────────

  private async onCaller(event: Entered, rawDid: string): Promise<void> {
    const { telephony, repository, logger } = this.deps;
    const did = normalizeDid(rawDid);
    const points = did ? await repository.entryPointsOfDid(did) : [];
    const [point] = points;
    if (!point || points.length > 1 || !did) {
      logger.warn({ channelId: event.channelId, did: rawDid, matches: points.length }, 'queue call for an unknown DID');
      await telephony.hangup(event.channelId).catch(() => undefined);
      return;
    }
    const settings = await repository.settingsOf(point.companyId);
    const callId = newId();
    const callerNumber = event.callerNumber || 'anonymous';
    await this.deps.lifecycle.create(
      {
        id: callId,
        companyId: point.companyId,
        agentId: null,
        direction: 'inbound',
        status: 'initiated',
        fromNumber: callerNumber,
        toNumber: did,
        asteriskUniqueId: event.asteriskUniqueId,
        customerChannelId: event.channelId,
        createdAt: event.at,
      },
      'pbx:queue',
    );
    const call = this.track({
      callId,
      companyId: point.companyId,
      channelId: event.channelId,
      callerNumber,
      language: languageOf(settings.language),
      menu: point.menu && point.menu.options.length > 0 ? point.menu : undefined,
      defaultQueueId: point.defaultQueueId,
    });
    logger.info({ callId, companyId: point.companyId, did, channelId: event.channelId }, 'queue call arrived');
    try {
      // Answered here: the caller hears prompts and music while nobody has picked up yet.
      await telephony.answer(event.channelId);
    } catch (error) {
      logger.warn({ err: error, callId }, 'answering the caller failed');
      await this.leave(call);
      return;
    }
    if (call.menu) {
      call.phase = 'menu';
      await this.play(call, menuPromptText(call.language, call.menu), 'menu_wait');
    } else if (call.defaultQueueId) {
      await this.enqueueCall(call, call.defaultQueueId);
    } else {
      logger.warn({ callId, did }, 'the DID names no queue; hanging up');
      await this.leave(call);
    }
  }

  private track(
    input: Pick<
      WaitingCall,
      'callId' | 'companyId' | 'channelId' | 'callerNumber' | 'language' | 'menu' | 'defaultQueueId'
    >,
  ): WaitingCall {
    const call: WaitingCall = {
      ...input,
      phase: 'waiting',
      isMohOn: false,
      playback: undefined,
      menuAttempts: 0,
      menuTimer: undefined,
      lastAnnouncedAt: null,
      isCallbackOffered: false,
    };
    this.waiting.set(call.channelId, call);
    this.channelOfCall.set(call.callId, call.channelId);
    return call;
  }

  private untrack(call: WaitingCall): void {
    clearTimeout(call.menuTimer);
    this.waiting.delete(call.channelId);
    if (this.channelOfCall.get(call.callId) === call.channelId) this.channelOfCall.delete(call.callId);
  }

  private waitingByCallId(callId: string | null): WaitingCall | undefined {
    const channelId = callId ? this.channelOfCall.get(callId) : undefined;
    return channelId ? this.waiting.get(channelId) : undefined;
  }

  /** Into the queue: closed hours apply the queue's closed action, otherwise music and routing. */
  async enqueueCall(
    call: WaitingCall,
    queueId: string,
    previous?: { originalEnqueuedAt: Date; previousEntryId: string | undefined },
    options: { priorityBoost?: number; label?: string; isAnnounced?: boolean } = {},
  ): Promise<QueueEntry | undefined> {
    const { repository, engine, clock, logger } = this.deps;
    const queue = await repository.findQueue(call.companyId, queueId);
    if (!queue) {
      logger.warn({ callId: call.callId, queueId }, 'the queue is gone; hanging up');
      await this.leave(call);
      return undefined;
    }
    const settings = await repository.settingsOf(call.companyId);
    const isOpen = isOpenAt(queue.businessHours, settings.timeZone, clock.now());
    const closedAction = !isOpen && queue.businessHours ? { ...queue.businessHours.closedAction } : undefined;
    call.phase = 'waiting';
    if (!closedAction) await this.startMusic(call);
    const entry = await engine.enqueue({
      companyId: call.companyId,
      queueId,
      channel: 'voice',
      callId: call.callId,
      label: options.label ?? call.callerNumber,
      priority: queue.priority + (options.priorityBoost ?? 0),
      originalEnqueuedAt: previous?.originalEnqueuedAt,
      previousEntryId: previous?.previousEntryId,
      closedAction,
    });
    logger.info({ callId: call.callId, queueId, entryId: entry?.id, isOpen }, 'call enqueued');
    if (entry && !closedAction && queue.announcePosition && options.isAnnounced !== false) await this.announce(call);
    return entry;
  }

  /** Position and estimated wait, over the music, when the queue announces them. */
  private async announce(call: WaitingCall): Promise<void> {
    if (this.waiting.get(call.channelId) !== call || call.phase !== 'waiting' || call.playback) return;
    const { repository, clock } = this.deps;
    const now = clock.now();
    call.lastAnnouncedAt = now;
    const entry = await repository.liveEntryOfCall(call.companyId, call.callId);
    if (!entry || entry.state !== 'waiting') return;
    const queue = await repository.findQueue(call.companyId, entry.queueId);
    if (!queue?.announcePosition) return;
    const position = await repository.positionOf(call.companyId, entry.queueId, entry.id);
    if (position === undefined) return;
    const figures = await repository.waitFigures(entry.queueId, new Date(now.getTime() - 3600_000));
    const wait = estimateWaitSeconds(position, figures.handleSeconds ?? DEFAULT_HANDLE_SECONDS, figures.servingAgents);
    await this.play(call, positionSpeech(call.language, position, wait), 'moh');
  }

  private async onDigit(channelId: string, digit: string): Promise<void> {
    const call = this.waiting.get(channelId);
    if (!call) return;
    if (call.phase === 'menu' && call.menu) {
      clearTimeout(call.menuTimer);
      await this.stopPlayback(call);
      const option = call.menu.options.find((o) => o.key === digit);
      if (option) {
        this.deps.logger.info({ callId: call.callId, key: digit, queueId: option.queue_id }, 'menu answered');
        await this.enqueueCall(call, option.queue_id);
        return;
      }
      await this.onMenuMiss(call);
      return;
    }
    if (call.phase === 'waiting' && call.isCallbackOffered && digit === '1') await this.requestCallback(call);
  }

  private async onMenuMiss(call: WaitingCall): Promise<void> {
    call.menuAttempts += 1;
    if (call.menuAttempts < MAX_MENU_ATTEMPTS && call.menu) {
      await this.play(call, menuRetryText(call.language, call.menu), 'menu_wait');
    } else if (call.defaultQueueId) {
      await this.enqueueCall(call, call.defaultQueueId);
    } else {
      await this.leave(call);
    }
  }

  private async onPlaybackFinished(playbackId: string): Promise<void> {
    const call = [...this.waiting.values()].find((c) => c.playback?.id === playbackId);
    if (!call?.playback) return;
    const { after } = call.playback;
    call.playback = undefined;
    switch (after) {
      case 'moh':
        if (call.phase === 'waiting') await this.startMusic(call);
        return;
      case 'menu_wait':
        if (call.phase !== 'menu') return;
        call.menuTimer = setTimeout(() => {
          void this.enqueueTask(async () => {
            if (this.waiting.get(call.channelId) === call && call.phase === 'menu' && !call.playback) {
              await this.onMenuMiss(call);
            }
          }, 'menu timeout');
        }, MENU_ANSWER_SECONDS * 1000);
        call.menuTimer.unref();
        return;
      case 'record':
        return this.startRecording(call);
      case 'hangup':
        return this.leave(call);
    }
  }

  private async onEnded(channelId: string, cause: number | null): Promise<void> {
    const call = this.waiting.get(channelId);
    if (call) return this.onCallerGone(call);
    const leg = this.legs.get(channelId);
    if (leg) return this.onLegEnded(leg, cause);
    const bridged = this.bridged.get(channelId);
    if (bridged) {
      for (const [id, other] of this.bridged) if (other === bridged) this.bridged.delete(id);
      await this.deps.engine.endEntry(bridged.companyId, bridged.entryId, 'hangup');
    }
  }

  /** The caller hung up before an agent took the call: the entry is abandoned (its wait kept). */
  private async onCallerGone(call: WaitingCall): Promise<void> {
    this.untrack(call);
    // Hanging up is what a caller who asked to be called back does: their item stays.
    if (this.callbacks.has(call.callId)) return;
    const entry = await this.deps.repository.liveEntryOfCall(call.companyId, call.callId);
    for (const leg of [...this.legs.values()].filter((l) => l.callId === call.callId)) {
      this.legs.delete(leg.channelId);
      await this.deps.telephony.hangup(leg.channelId).catch(() => undefined);
    }
    if (!entry) return;
    const waited = Math.max(0, (this.deps.clock.now().getTime() - entry.originalEnqueuedAt.getTime()) / 1000);
    const reason = abandonReason(waited, SHORT_ABANDON_SECONDS);
    this.deps.logger.info({ callId: call.callId, entryId: entry.id, reason }, 'caller abandoned');
    await this.deps.engine.endEntry(call.companyId, entry.id, reason, 'abandoned');
  }

  // ── agents ────────────────────────────────────────────────────────────────

  async offered(offer: Offer, entry: QueueEntry): Promise<void> {
    if (entry.channel !== 'voice' || !entry.callId) return;
    const call = this.waitingByCallId(entry.callId);
    if (!call || (await this.isCallback(entry))) return;
    const timeoutSeconds = Math.max(1, Math.round((offer.expiresAt.getTime() - offer.offeredAt.getTime()) / 1000));
    await this.ringAgent(call, entry, offer.agentId, offer.id, timeoutSeconds);
  }

  async offerEnded(offer: Offer): Promise<void> {
    const leg = this.legs.get(legIdOf(offer.entryId, offer.agentId));
    if (!leg || leg.isAnswered || leg.offerId !== offer.id) return;
    this.legs.delete(leg.channelId);
    await this.deps.telephony.hangup(leg.channelId).catch(() => undefined);
  }

  /**
   * An assignment without a ringing leg: offer_mode `auto` (ring the agent now), an offer
   * accepted in the console (its leg already rings) or a callback item (dial the customer).
   */
  async assigned(entry: QueueEntry): Promise<void> {
    if (entry.channel !== 'voice' || !entry.callId || !entry.assignedTo) return;
    if (await this.isCallback(entry)) return this.dialCallback(entry);
    const call = this.waitingByCallId(entry.callId);
    if (!call || this.legs.has(legIdOf(entry.id, entry.assignedTo))) return;
    await this.ringAgent(call, entry, entry.assignedTo, null, this.deps.settings.ringTimeoutSeconds);
  }

  async ended(entry: QueueEntry): Promise<void> {
    if (entry.channel === 'voice' && entry.assignedTo) await this.restoreStatuses(entry.companyId, entry.assignedTo);
  }

  private async ringAgent(
    call: WaitingCall,
    entry: QueueEntry,
    agentId: string,
    offerId: string | null,
    timeoutSeconds: number,
  ): Promise<void> {
    const { devices, telephony, settings, logger, lifecycle, clock } = this.deps;
    const device = await devices.findActiveDeviceOfUser(call.companyId, agentId);
    if (!device) {
      // The offer expires and goes to the next agent; rejecting here could loop on a lone member.
      logger.warn({ callId: call.callId, agentId }, 'the agent has no device to ring');
      return;
    }
    const leg: AgentLeg = {
      channelId: legIdOf(entry.id, agentId),
      callId: call.callId,
      companyId: call.companyId,
      agentId,
      entryId: entry.id,
      offerId,
      isAnswered: false,
    };
    this.legs.set(leg.channelId, leg);
    try {
      await telephony.originate({
        channelId: leg.channelId,
        endpoint: settings.agentEndpointTemplate
          .replaceAll('{sipUsername}', device.endpointId)
          .replaceAll('{extension}', String(device.extension)),
        callerId: `"${call.callerNumber}" <${call.callerNumber}>`,
        appArgs: offerId ? [ARG_QUEUE_AGENT, call.callId, offerId] : [ARG_QUEUE_ASSIGNED, call.callId, entry.id],
        timeoutSeconds,
      });
    } catch (error) {
      this.legs.delete(leg.channelId);
      logger.warn({ err: error, callId: call.callId, agentId }, 'ringing the agent failed');
      return;
    }
    const now = clock.now();
    await lifecycle.move({ companyId: call.companyId, id: call.callId }, 'ringing', 'pbx:queue_offer', now, (c) => ({
      ringingAt: c.ringingAt ?? now,
    }));
  }

  /** The agent picked up: the offer is accepted (unless another agent or the caller got there first) and bridged. */
  private async onAgentAnswered(channelId: string, offerId: string | null): Promise<void> {
    const leg = this.legs.get(channelId);
    if (!leg) {
      await this.deps.telephony.hangup(channelId).catch(() => undefined);
      return;
    }
    leg.isAnswered = true;
    if (offerId) {
      try {
        await this.deps.engine.acceptOffer({ companyId: leg.companyId, userId: leg.agentId }, offerId);
      } catch (error) {
        const entry = await this.deps.repository.liveEntryOfCall(leg.companyId, leg.callId);
        if (entry?.id !== leg.entryId || entry.state !== 'assigned' || entry.assignedTo !== leg.agentId) {
          this.deps.logger.info({ err: error, callId: leg.callId, agentId: leg.agentId }, 'answered too late');
          this.legs.delete(channelId);
          await this.deps.telephony.hangup(channelId).catch(() => undefined);
          return;
        }
      }
    }
    const call = this.waiting.get(this.channelOfCall.get(leg.callId) ?? '');
    if (!call) {
      this.legs.delete(channelId);
      await this.deps.telephony.hangup(channelId).catch(() => undefined);
      return;
    }
    await this.connect(call, leg);
  }

  private async connect(call: WaitingCall, leg: AgentLeg): Promise<void> {
    const { telephony, calls, lifecycle, clock, logger } = this.deps;
    this.untrack(call);
    this.legs.delete(leg.channelId);
    await this.stopPlayback(call);
    if (call.isMohOn) await telephony.stopMusicOnHold(call.channelId).catch(() => undefined);
    const bridgeId = `${call.callId}-${leg.entryId.slice(0, 8)}`;
    const recordingName = newId();
    const now = clock.now();
    let isRecording = false;
    try {
      ({ isRecording } = await telephony.bridgeAndRecord(bridgeId, [leg.channelId, call.channelId], recordingName));
    } catch (error) {
      logger.warn({ err: error, callId: call.callId }, 'bridging the queue call failed');
      for (const id of [leg.channelId, call.channelId]) await telephony.hangup(id).catch(() => undefined);
      await this.deps.engine.endEntry(call.companyId, leg.entryId, 'bridge_failed');
      return;
    }
    const bridged: BridgedCall = {
      callId: call.callId,
      companyId: call.companyId,
      entryId: leg.entryId,
      agentId: leg.agentId,
    };
    this.bridged.set(call.channelId, bridged);
    this.bridged.set(leg.channelId, bridged);
    if (isRecording) {
      await calls.insertRecording({
        id: newId(),
        companyId: call.companyId,
        callId: call.callId,
        asteriskName: recordingName,
        format: 'wav',
        status: 'recording',
        startedAt: now,
      });
    }
    const fields = { agentId: leg.agentId, agentChannelId: leg.channelId, asteriskBridgeId: bridgeId };
    const ref = { companyId: call.companyId, id: call.callId };
    const moved = await lifecycle.move(ref, 'in_progress', 'pbx:queue-agent', now, (c) => ({
      ...fields,
      answeredAt: now,
      ringingAt: c.ringingAt ?? now,
    }));
    // A call transferred back into a queue is already in progress: only its agent changes.
    if (!moved) await lifecycle.patch(ref, fields);
    logger.info({ callId: call.callId, agentId: leg.agentId, entryId: leg.entryId }, 'queue call answered');
    await this.markBusy(call.companyId, leg.agentId);
  }

  private async onLegEnded(leg: AgentLeg, cause: number | null): Promise<void> {
    this.legs.delete(leg.channelId);
    if (leg.isAnswered) return;
    const agent = { companyId: leg.companyId, userId: leg.agentId };
    if (leg.offerId) {
      // Busy or declined on the phone: the next agent at once. Not answered: the offer
      // expires at offer_timeout_seconds (the ring timeout) and counts as a miss.
      if (cause !== null && BUSY_OR_REJECTED.has(cause)) {
        await this.deps.engine.rejectOffer(agent, leg.offerId).catch(() => undefined);
      }
      return;
    }
    const call = this.waitingByCallId(leg.callId);
    if (!call) return;
    const entry = await this.deps.repository.liveEntryOfCall(leg.companyId, leg.callId);
    if (entry?.id !== leg.entryId) return;
    await this.deps.engine.endEntry(leg.companyId, entry.id, 'no_answer');
    await this.enqueueCall(call, entry.queueId, {
      originalEnqueuedAt: entry.originalEnqueuedAt,
      previousEntryId: entry.id,
    });
  }

  // ── overflow: voicemail, callback, closed ─────────────────────────────────

  async overflowed(entry: QueueEntry, action: Record<string, unknown>): Promise<void> {
    if (entry.channel !== 'voice' || !entry.callId) return;
    const call = this.waitingByCallId(entry.callId);
    if (await this.isCallback(entry)) {
      // A callback item past max wait stays in line: it already waited its turn once.
      if (action.action !== 'queue') await this.enqueueCallback(entry, this.callbacks.get(entry.callId) ?? '');
      return;
    }
    if (!call) return;
    switch (action.action) {
      case 'voicemail':
        call.phase = 'voicemail';
        this.deps.logger.info({ callId: call.callId, entryId: entry.id }, 'caller sent to voicemail');
        await this.play(call, voicemailGreeting(call.language), 'record');
        return;
      case 'callback':
        call.isCallbackOffered = true;
        await this.enqueueCall(
          call,
          entry.queueId,
          { originalEnqueuedAt: entry.originalEnqueuedAt, previousEntryId: entry.id },
          { isAnnounced: false },
        );
        await this.play(call, callbackOfferSpeech(call.language), 'moh');
        return;
      case 'message':
        call.phase = 'leaving';
        await this.play(
          call,
          closedSpeech(call.language, typeof action.text === 'string' ? action.text : null),
          'hangup',
        );
        return;
      default:
        return;
    }
  }

  private async startRecording(call: WaitingCall): Promise<void> {
    const entries = await this.deps.repository.entriesOfCall(call.companyId, call.callId);
    const recordingName = newId();
    this.recordings.set(recordingName, {
      companyId: call.companyId,
      callerNumber: call.callerNumber,
      channelId: call.channelId,
      queueName: entries.at(-1)?.queueName ?? '',
    });
    call.phase = 'recording';
    try {
      await this.deps.telephony.recordChannel(call.channelId, recordingName, {
        maxDurationSeconds: VOICEMAIL_MAX_SECONDS,
        maxSilenceSeconds: VOICEMAIL_MAX_SILENCE_SECONDS,
      });
    } catch (error) {
      this.recordings.delete(recordingName);
      this.deps.logger.warn({ err: error, callId: call.callId }, 'voicemail recording did not start');
      await this.leave(call);
    }
  }

  private async onRecordingDone(recordingName: string, durationSeconds: number | null, isFailed = false) {
    const recording = this.recordings.get(recordingName);
    if (!recording) return;
    this.recordings.delete(recordingName);
    const call = this.waiting.get(recording.channelId);
    const path = join(this.deps.settings.recordingsDir, `${recordingName}.wav`);
    const audio = isFailed ? undefined : await readFile(path).catch(() => undefined);
    if (!audio) {
      this.deps.logger.warn({ recordingName, isFailed }, 'voicemail recording not available');
    } else {
      const stored = await this.deps.voicemail.receive({
        companyId: recording.companyId,
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
    if (call?.phase === 'recording') {
      call.phase = 'leaving';
      await this.play(call, thanksSpeech(call.language), 'hangup');
    }
  }

  /** The caller pressed 1: they hang up and keep their turn as a callback item. */
  private async requestCallback(call: WaitingCall): Promise<void> {
    const entry = await this.deps.repository.liveEntryOfCall(call.companyId, call.callId);
    call.phase = 'leaving';
    call.isCallbackOffered = false;
    await this.play(call, callbackConfirmedSpeech(call.language), 'hangup');
    if (!entry) return;
    this.callbacks.set(call.callId, call.callerNumber);
    await this.deps.engine.endEntry(call.companyId, entry.id, 'callback_requested');
    await this.enqueueCallback(
      { ...entry, companyId: call.companyId, callId: call.callId, originalEnqueuedAt: entry.originalEnqueuedAt },
      call.callerNumber,
    );
    this.deps.logger.info({ callId: call.callId, queueId: entry.queueId }, 'callback requested');
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

  /** The agent took a callback item: their device rings, then the customer is dialled (click-to-call). */
  private async dialCallback(entry: QueueEntry): Promise<void> {
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

  /** A callback item: an entry of a call whose caller asked to be called back (stored: it survives a restart). */
  private async isCallback(entry: QueueEntry): Promise<boolean> {
    if (!entry.callId) return false;
    if (this.callbacks.has(entry.callId)) return true;
    const entries = await this.deps.repository.entriesOfCall(entry.companyId, entry.callId);
    return entries.some((e) => e.endReason === 'callback_requested');
  }

  // ── transfer into a queue ─────────────────────────────────────────────────

  /**
   * An answered call goes back to waiting, in `queueId`: the agent's leg and the bridge go,
   * the caller hears music again, the new entry keeps the first enqueue time.
   */
  async transferToQueue(
    call: {
      id: string;
      companyId: string;
      customerChannelId: string;
      agentChannelId: string | null;
      asteriskBridgeId: string | null;
      callerNumber: string;
    },
    queueId: string,
  ): Promise<QueueEntry | undefined> {
    const { repository, lifecycle, telephony, engine, clock } = this.deps;
    const entries = await repository.entriesOfCall(call.companyId, call.id);
    const live = entries.find((e) => ['waiting', 'offered', 'assigned'].includes(e.state));
    for (const id of [call.customerChannelId, call.agentChannelId]) if (id) this.bridged.delete(id);
    // Before the agent's leg goes: its end must match no call, or CallFlow would end this one.
    await lifecycle.patch({ companyId: call.companyId, id: call.id }, { agentChannelId: null, asteriskBridgeId: null });
    if (live) await engine.endEntry(call.companyId, live.id, 'transferred');
    if (call.agentChannelId) await telephony.hangup(call.agentChannelId).catch(() => undefined);
    if (call.asteriskBridgeId) await telephony.destroyBridge(call.asteriskBridgeId).catch(() => undefined);
    const settings = await repository.settingsOf(call.companyId);
    const waiting = this.track({
      callId: call.id,
      companyId: call.companyId,
      channelId: call.customerChannelId,
      callerNumber: call.callerNumber,
      language: languageOf(settings.language),
      menu: undefined,
      defaultQueueId: null,
    });
    const first = entries[0];
    return this.enqueueCall(waiting, queueId, {
      originalEnqueuedAt: first?.originalEnqueuedAt ?? clock.now(),
      previousEntryId: entries.at(-1)?.id,
    });
  }

  // ── busy while on a call ──────────────────────────────────────────────────

  private async markBusy(companyId: string, agentId: string): Promise<void> {
    try {
      const status = await this.deps.presence.statusOf(companyId, agentId);
      await this.deps.repository.rememberStatusBeforeBusy(companyId, agentId, status, this.deps.clock.now());
      if (status !== 'busy') await this.deps.presence.setStatus(companyId, agentId, 'busy');
    } catch (error) {
      this.deps.logger.warn({ err: error, agentId }, 'agent not set busy');
    }
  }

  /** Agents whose call and wrap-up are over go back to the status they had, unless they changed it meanwhile. */
  private async restoreStatuses(companyId?: string, agentId?: string): Promise<void> {
    const agent = companyId && agentId ? { companyId, agentId } : undefined;
    const due = await this.deps.repository.claimStatusesToRestore(this.deps.clock.now(), agent);
    for (const item of due) {
      try {
        if ((await this.deps.presence.statusOf(item.companyId, item.agentId)) !== 'busy') continue;
        const status = item.status === 'busy' ? 'online' : (item.status as 'online' | 'away' | 'offline');
        await this.deps.presence.setStatus(item.companyId, item.agentId, status);
      } catch (error) {
        this.deps.logger.warn({ err: error, agentId: item.agentId }, 'agent status not restored');
      }
    }
  }

  // ── media ─────────────────────────────────────────────────────────────────

  private async play(call: WaitingCall, text: string, after: AfterPlayback): Promise<void> {
    const { telephony, prompts, logger } = this.deps;
    await this.stopPlayback(call);
    if (call.isMohOn) {
      call.isMohOn = false;
      await telephony.stopMusicOnHold(call.channelId).catch(() => undefined);
    }
    const playbackId = newId();
    call.playback = { id: playbackId, after };
    try {
      await telephony.play(call.channelId, [`sound:${prompts.urlOf(text, call.language)}`], playbackId);
    } catch (error) {
      logger.warn({ err: error, callId: call.callId }, 'prompt not played');
      call.playback = undefined;
      if (after === 'hangup') await this.leave(call);
      else if (after === 'record') await this.startRecording(call);
      else if (call.phase === 'waiting') await this.startMusic(call);
    }
  }

  private async stopPlayback(call: WaitingCall): Promise<void> {
    const playback = call.playback;
    call.playback = undefined;
    if (playback) await this.deps.telephony.stopPlayback(playback.id).catch(() => undefined);
  }

  private async startMusic(call: WaitingCall): Promise<void> {
    if (call.isMohOn) return;
    call.isMohOn = true;
    await this.deps.telephony.startMusicOnHold(call.channelId).catch((error: unknown) => {
      call.isMohOn = false;
      this.deps.logger.warn({ err: error, callId: call.callId }, 'music on hold did not start');
    });
  }

  /** Hangs the caller up; the channel's end then ends the call and its entry. */
  private async leave(call: WaitingCall): Promise<void> {
    call.phase = 'leaving';
    await this.deps.telephony.hangup(call.channelId).catch(() => undefined);
  }
}

/** The agent leg of an entry: known from the entry and the agent alone, so an offer's end finds it. */
function legIdOf(entryId: string, agentId: string): string {
  return `q-${entryId.slice(0, 18)}-${agentId.slice(0, 8)}`;
}
