/**
 * Calls in voice queues, on the node that holds the ARI event stream. A caller dialled a
 * DID that names a queue (or a DTMF menu of queues): the call is answered into Stasis,
 * enqueued through the routing engine, and hears music on hold and, with
 * `announce_position`, their place and estimated wait. The engine decides; this carries it
 * out (routing-notices.ts): an offer rings the agent's device (`queue-agent` leg), the
 * answer accepts the offer and bridges, an offer that ends hangs its leg up, a caller who
 * hangs up abandons, an overflow plays voicemail or offers a callback.
 *
 * The call record is the calls module's: CallFlow ends it when a channel ends (the caller's
 * channel is its customer leg, the answering agent's its agent leg).
 *
 * Order is kept per call, not across calls (keyed-steps.ts): a call's telephony events
 * (its caller's channel and its agents' legs) and the engine's notices about it run one at
 * a time in arrival order, under the call's line (its caller's channel id); other calls go
 * on meanwhile. What several calls share is ordered on its own key: an agent's `busy` and
 * its restoring (per agent), and adopting calls after a reconnect (a barrier).
 */
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { DomainEvent } from '../../shared/events.js';
import type { TelephonyEvent } from '../../shared/telephony.js';
import type { AgentDevice, CallLifecycle, CallsRepository } from '../calls/index.js';
import {
  estimateWaitSeconds,
  isOpenAt,
  SHORT_ABANDON_SECONDS,
  type QueueEntry,
  type RoutingEngine,
} from '../routing/index.js';
import type { EntryNotice, OfferNotice, RoutingNotice } from './routing-notices.js';
import { BusyAgents } from './busy-agents.js';
import { QueueOverflow } from './queue-overflow.js';
import {
  abandonReason,
  ARG_DID,
  ARG_QUEUE_AGENT,
  ARG_QUEUE_ASSIGNED,
  DEFAULT_HANDLE_SECONDS,
  isAnnouncementDue,
  languageOf,
  MAX_MENU_ATTEMPTS,
  MENU_ANSWER_SECONDS,
  menuPromptText,
  menuRetryText,
  normalizeDid,
  positionSpeech,
} from './voice-routing.js';
import type {
  AgentPresencePort,
  CallbackDialer,
  PromptUrls,
  QueueTelephony,
  VoicemailPort,
} from './voice-routing.ports.js';
import type { VoiceQueue, VoiceRoutingRepository, VoiceSettings } from './voice-routing.repository.js';
import { WaitingCalls, type AfterPlayback, type WaitingCall } from './waiting-calls.js';
import { KeyedSteps } from './keyed-steps.js';

type Entered = Extract<TelephonyEvent, { kind: 'channel_entered' }>;

/** The routing engine as voice queues use it (routing's RoutingEngine, structurally). */
export type QueueEngine = Pick<RoutingEngine, 'enqueue' | 'acceptOffer' | 'rejectOffer' | 'endEntry'>;
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

export class QueueCalls {
  /** A call's steps, keyed by its line (the caller's channel id); adopting is a barrier. */
  private readonly lines: KeyedSteps;
  /** An agent's busy and restore steps, in the order their calls asked for them. */
  private readonly agents: KeyedSteps;
  /** Call id → its line. */
  private readonly lineOfCall = new Map<string, string>();
  /** An agent leg's channel id → its call's line (a caller's channel is its own line). */
  private readonly lineOfLeg = new Map<string, string>();
  private readonly waiting: WaitingCalls;
  private readonly overflow: QueueOverflow;
  private readonly busy: BusyAgents;
  private readonly legs = new Map<string, AgentLeg>();
  private readonly bridged = new Map<string, BridgedCall>();

  constructor(private readonly deps: QueueCallsDeps) {
    const onError = (error: unknown, what: string): void =>
      deps.logger.error({ err: error, what }, 'queue call step failed');
    this.lines = new KeyedSteps(onError);
    this.agents = new KeyedSteps(onError);
    this.waiting = new WaitingCalls(deps);
    this.busy = new BusyAgents(deps);
    this.overflow = new QueueOverflow({
      ...deps,
      waiting: this.waiting,
      recordingsDir: deps.settings.recordingsDir,
      say: (call, text, after) => this.say(call, text, after),
      requeue: async (call, entry) => {
        await this.enqueueCall(
          call,
          entry.queueId,
          { originalEnqueuedAt: entry.originalEnqueuedAt, previousEntryId: entry.id },
          { isAnnounced: false },
        );
      },
    });
  }

  /** Queues the event behind its call's earlier events and notices; resolves once handled. */
  handle(event: TelephonyEvent): Promise<void> {
    return this.lines.run(this.lineOfEvent(event), () => this.dispatch(event), event.kind);
  }

  /** A decision of the routing engine about a voice item, queued behind its call's events. */
  notify(notice: RoutingNotice): Promise<void> {
    switch (notice.kind) {
      case 'offered':
        return this.onLine(notice.entry.callId, () => this.offered(notice.offer, notice.entry), notice.kind);
      case 'offer_ended':
        return this.onLine(notice.callId, () => this.offerEnded(notice.offer), notice.kind);
      case 'assigned':
        return this.onLine(notice.entry.callId, () => this.assigned(notice.entry, notice.isDirect), notice.kind);
      case 'ended': {
        // Only the agent's status is left to do: in the agent's order, behind their call's `busy`.
        const { companyId, assignedTo } = notice.entry;
        if (notice.entry.channel !== 'voice' || !assignedTo) return Promise.resolve();
        return this.agents.run(agentKey(companyId, assignedTo), () => this.ended(notice.entry), notice.kind);
      }
      case 'overflowed':
        return this.onLine(notice.entry.callId, () => this.overflowed(notice.entry, notice.action), notice.kind);
    }
  }

  /** Every second: announcements that are due, and agents whose call and wrap-up are over. */
  async tick(): Promise<void> {
    const now = this.deps.clock.now();
    const due = this.waiting
      .all()
      .filter((call) => call.phase === 'waiting' && !call.playback && isAnnouncementDue(call.lastAnnouncedAt, now));
    await Promise.all(due.map((call) => this.lines.run(call.channelId, () => this.announce(call), 'announce')));
    await this.busy.restore();
  }

  /** The line a telephony event belongs to: its call's caller channel, known from the channel or the args. */
  private lineOfEvent(event: TelephonyEvent): string {
    switch (event.kind) {
      case 'channel_entered': {
        const [intent, first] = event.args;
        if ((intent === ARG_QUEUE_AGENT || intent === ARG_QUEUE_ASSIGNED) && first) return this.lineOf(first);
        return this.lineOfLeg.get(event.channelId) ?? event.channelId;
      }
      case 'playback_finished':
        return this.waiting.ofPlayback(event.playbackId)?.channelId ?? `playback:${event.playbackId}`;
      case 'recording_finished':
      case 'recording_failed':
        return this.overflow.channelOfRecording(event.recordingName) ?? `recording:${event.recordingName}`;
      default:
        return this.lineOfLeg.get(event.channelId) ?? event.channelId;
    }
  }

  private lineOf(callId: string): string {
    return this.lineOfCall.get(callId) ?? `call:${callId}`;
  }

  private onLine(callId: string | null, step: () => Promise<void>, what: string): Promise<void> {
    return this.lines.run(callId ? this.lineOf(callId) : 'no-call', step, what);
  }

  /**
   * After the ARI link is (re)established on this node (a restart, a reconnect, a takeover
   * from a node that died): the voice entries the database holds live but this process
   * does not carry are adopted again. A caller still in Stasis is tracked and hears music
   * again, keeping their entry and so their place (never enqueued twice); a live offer
   * rings its agent again for the time it has left (or goes on ringing, if that leg
   * survived); an answered call's bridge is watched again so its end ends the entry. A
   * caller who hung up while nobody listened abandons; an answered call whose channels
   * vanished is over. Callback items have no caller to find and are left as they are. A
   * caller still in the DTMF menu (no entry yet) hears the menu again from the start.
   */
  reconcile(presentChannelIds: ReadonlySet<string>): Promise<void> {
    return this.lines.runAlone(() => this.adopt(presentChannelIds), 'reconcile');
  }

  private async adopt(present: ReadonlySet<string>): Promise<void> {
    const { repository, engine, clock, logger } = this.deps;
    let adopted = 0;
    let ended = 0;
    for (const entry of await repository.liveVoiceEntries()) {
      const isKnown =
        this.waiting.ofCall(entry.callId) !== undefined ||
        [...this.bridged.values()].some((b) => b.entryId === entry.id) ||
        [...this.legs.values()].some((l) => l.entryId === entry.id && l.isAnswered);
      if (isKnown) continue;
      const notice = { ...entry, channel: 'voice' as const };
      if (await this.overflow.isCallback(notice)) continue;
      const customer = entry.customerChannelId;
      if (entry.state === 'assigned' && entry.bridgeId && entry.agentChannelId) {
        if (customer && present.has(customer) && present.has(entry.agentChannelId)) {
          const bridged: BridgedCall = {
            callId: entry.callId,
            companyId: entry.companyId,
            entryId: entry.id,
            agentId: entry.assignedTo ?? '',
          };
          this.bridged.set(customer, bridged);
          this.bridged.set(entry.agentChannelId, bridged);
          this.lineOfCall.set(entry.callId, customer);
          this.lineOfLeg.set(entry.agentChannelId, customer);
          adopted += 1;
        } else {
          await engine.endEntry(entry.companyId, entry.id, 'hangup');
          ended += 1;
        }
        continue;
      }
      if (!customer || !present.has(customer)) {
        const waited = Math.max(0, (clock.now().getTime() - entry.originalEnqueuedAt.getTime()) / 1000);
        await engine.endEntry(entry.companyId, entry.id, abandonReason(waited, SHORT_ABANDON_SECONDS), 'abandoned');
        ended += 1;
        continue;
      }
      const settings = await repository.settingsOf(entry.companyId);
      const call = this.waiting.track({
        callId: entry.callId,
        companyId: entry.companyId,
        channelId: customer,
        callerNumber: entry.callerNumber,
        language: languageOf(settings.language),
        menu: undefined,
        defaultQueueId: null,
      });
      this.lineOfCall.set(call.callId, call.channelId);
      await this.waiting.startMusic(call);
      adopted += 1;
      const now = clock.now();
      for (const offer of entry.offers) {
        const legId = legIdOf(entry.id, offer.agentId);
        if (present.has(legId)) {
          this.keepLeg({ ...this.legOf(call, entry.id, offer.agentId), offerId: offer.id });
          continue;
        }
        const left = Math.round((offer.expiresAt.getTime() - now.getTime()) / 1000);
        // Refused, the leg may be the old one, still ringing outside Stasis under this id:
        // it is watched, so its answer is taken (the offer's end hangs it up otherwise).
        const isRung = left >= 1 && (await this.ringAgent(call, notice, offer.agentId, offer.id, left));
        if (!isRung) this.keepLeg({ ...this.legOf(call, entry.id, offer.agentId), offerId: offer.id });
      }
      if (entry.state === 'assigned' && entry.assignedTo) {
        const legId = legIdOf(entry.id, entry.assignedTo);
        const isRung =
          !present.has(legId) &&
          (await this.ringAgent(call, notice, entry.assignedTo, null, this.deps.settings.ringTimeoutSeconds));
        if (!isRung) this.keepLeg(this.legOf(call, entry.id, entry.assignedTo));
      }
    }
    // Callers who were still in the menu: it starts again (their call is answered already).
    for (const caller of await repository.callersBeforeQueue()) {
      if (!present.has(caller.channelId) || this.waiting.ofCall(caller.callId)) continue;
      const points = await repository.entryPointsOfDid(caller.did);
      const point = points.find((p) => p.companyId === caller.companyId);
      if (!point || points.length > 1) continue;
      const settings = await repository.settingsOf(caller.companyId);
      const call = this.waiting.track({
        callId: caller.callId,
        companyId: caller.companyId,
        channelId: caller.channelId,
        callerNumber: caller.callerNumber,
        language: languageOf(settings.language),
        menu: point.menu && point.menu.options.length > 0 ? point.menu : undefined,
        defaultQueueId: point.defaultQueueId,
      });
      this.lineOfCall.set(call.callId, call.channelId);
      adopted += 1;
      await this.menuOrQueue(call);
    }
    if (adopted > 0 || ended > 0) logger.info({ adopted, ended }, 'voice queue calls reconciled with the PBX');
  }

  private legOf(call: WaitingCall, entryId: string, agentId: string): AgentLeg {
    return {
      channelId: legIdOf(entryId, agentId),
      callId: call.callId,
      companyId: call.companyId,
      agentId,
      entryId,
      offerId: null,
      isAnswered: false,
    };
  }

  /** Callers still waiting on this node (their entries are in the database; this is the media side). */
  get waitingCount(): number {
    return this.waiting.all().length;
  }

  /** An agent leg, known by its channel; its events run on its call's line. */
  private keepLeg(leg: AgentLeg): void {
    this.legs.set(leg.channelId, leg);
    this.lineOfLeg.set(leg.channelId, this.lineOf(leg.callId));
  }

  /** The channel is gone: its line and leg keys go once nothing of its call is left on this node. */
  private forgetChannel(channelId: string): void {
    this.lineOfLeg.delete(channelId);
    for (const [callId, line] of this.lineOfCall) {
      if (line !== channelId) continue;
      if (this.waiting.ofCall(callId) || this.bridged.has(channelId)) continue;
      this.lineOfCall.delete(callId);
    }
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
        return this.overflow.onRecordingDone(event.recordingName, event.durationSeconds, false);
      case 'recording_failed':
        return this.overflow.onRecordingDone(event.recordingName, null, true);
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
    // The entry point, its queue and the company's settings: one read.
    const arrivals = did ? await repository.arrivalOfDid(did) : [];
    const [arrival] = arrivals;
    if (!arrival || arrivals.length > 1 || !did) {
      logger.warn(
        { channelId: event.channelId, did: rawDid, matches: arrivals.length },
        'queue call for an unknown DID',
      );
      await telephony.hangup(event.channelId).catch(() => undefined);
      return;
    }
    const { point, settings } = arrival;
    const callId = newId();
    this.lineOfCall.set(callId, event.channelId);
    const callerNumber = event.callerNumber || 'anonymous';
    // Answered here (the caller hears prompts and music while nobody has picked up yet),
    // while the call is written and, when the DID goes straight to a queue, routed.
    const answered: Answered = telephony.answer(event.channelId).then(
      () => undefined,
      (error: unknown) => error ?? new Error('answer failed'),
    );
    const opening = this.opening({
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
    });
    const menu = point.menu && point.menu.options.length > 0 ? point.menu : undefined;
    const call = this.waiting.track({
      callId,
      companyId: point.companyId,
      channelId: event.channelId,
      callerNumber,
      language: languageOf(settings.language),
      menu,
      defaultQueueId: point.defaultQueueId,
    });
    logger.info({ callId, companyId: point.companyId, did, channelId: event.channelId }, 'queue call arrived');
    if (!menu && arrival.queue && call.defaultQueueId) {
      // Straight to a queue: the call's record is written in its entry's transaction, and
      // routing does not wait for the PBX's answer. What the caller hears (music, position,
      // a closed message) starts once they are answered.
      await this.enqueueCall(
        call,
        call.defaultQueueId,
        undefined,
        {},
        { queue: arrival.queue, settings, opening },
        answered,
      );
      return;
    }
    await this.openAlone(call, opening, answered);
    if (await this.isAnswerFailed(call, answered)) return;
    await this.menuOrQueue(call);
  }

  /** A caller's record, to write with their first entry or alone. */
  private opening(row: Parameters<CallLifecycle['open']>[0]): CallOpening {
    const { lifecycle } = this.deps;
    return {
      prepare: async (scope) => [(await lifecycle.openInTransaction(scope, row, 'pbx:queue')).event],
      alone: async () => {
        const { announced } = await lifecycle.open(row, 'pbx:queue');
        announced.catch((error: unknown) =>
          this.deps.logger.error({ err: error, callId: row.id }, 'call.initiated not published'),
        );
      },
    };
  }

  /** The caller's record written on its own; without it they cannot be routed, so they are hung up. */
  private async openAlone(call: WaitingCall, opening: CallOpening, answered: Answered): Promise<void> {
    try {
      await opening.alone();
    } catch (error) {
      // No call record: the caller cannot be routed (their channel's end finds no call).
      await answered;
      await this.waiting.leave(call);
      throw error;
    }
  }

  /** True (and the caller hung up) when Asterisk could not answer them. */
  private async isAnswerFailed(call: WaitingCall, answered: Answered): Promise<boolean> {
    const answerError = await answered;
    if (!answerError) return false;
    this.deps.logger.warn({ err: answerError, callId: call.callId }, 'answering the caller failed');
    await this.waiting.leave(call);
    return true;
  }

  /** The answered caller hears the DID's menu, or goes to its default queue. */
  private async menuOrQueue(call: WaitingCall): Promise<void> {
    if (call.menu) {
      call.phase = 'menu';
      await this.say(call, menuPromptText(call.language, call.menu), 'menu_wait');
    } else if (call.defaultQueueId) {
      await this.enqueueCall(call, call.defaultQueueId);
    } else {
      this.deps.logger.warn({ callId: call.callId }, 'the DID names no queue; hanging up');
      await this.waiting.leave(call);
    }
  }

  /**
   * Into the queue: closed hours apply the queue's closed action, otherwise music and
   * routing. `answered`: the caller's answer, still under way on arrival; routing starts
   * at once, what the caller hears waits for it (a caller who could not be answered is
   * hung up, and their channel's end abandons the entry).
   */
  async enqueueCall(
    call: WaitingCall,
    queueId: string,
    previous?: { originalEnqueuedAt: Date; previousEntryId: string | undefined },
    options: { priorityBoost?: number; label?: string; isAnnounced?: boolean } = {},
    known?: KnownQueue,
    answered: Answered = Promise.resolve(undefined),
  ): Promise<QueueEntry | undefined> {
    const { repository, engine, clock, logger } = this.deps;
    const [queue, settings] = await Promise.all([
      known?.queue ?? repository.findQueue(call.companyId, queueId),
      known?.settings ?? repository.settingsOf(call.companyId),
    ]);
    const opening = known?.opening;
    if (!queue) {
      logger.warn({ callId: call.callId, queueId }, 'the queue is gone; hanging up');
      if (opening) await this.openAlone(call, opening, answered);
      await answered;
      await this.waiting.leave(call);
      return undefined;
    }
    const isOpen = isOpenAt(queue.businessHours, settings.timeZone, clock.now());
    const closedAction = !isOpen && queue.businessHours ? { ...queue.businessHours.closedAction } : undefined;
    // A closed queue's action speaks or records: only to a caller who is answered. One who
    // is not is hung up, with their record written.
    if (closedAction && (await answered) !== undefined) {
      if (opening) await this.openAlone(call, opening, answered);
      await this.isAnswerFailed(call, answered);
      return undefined;
    }
    call.phase = 'waiting';
    // Music and the engine at once: the music is the caller's, the entry the engine's.
    const music = closedAction
      ? undefined
      : this.isAnswerFailed(call, answered).then((isFailed) => (isFailed ? undefined : this.waiting.startMusic(call)));
    const enqueued = engine.enqueue({
      companyId: call.companyId,
      queueId,
      channel: 'voice',
      callId: call.callId,
      label: options.label ?? call.callerNumber,
      priority: queue.priority + (options.priorityBoost ?? 0),
      originalEnqueuedAt: previous?.originalEnqueuedAt,
      previousEntryId: previous?.previousEntryId,
      closedAction,
      prepare: opening?.prepare,
    });
    const [entry] = await Promise.all([opening ? this.unlessNotOpened(call, enqueued, answered) : enqueued, music]);
    logger.info({ callId: call.callId, queueId, entryId: entry?.id, isOpen }, 'call enqueued');
    if (entry && !closedAction && queue.announcePosition && options.isAnnounced !== false) await this.announce(call);
    return entry;
  }

  /**
   * A failed enqueue that carried the caller's record: when it wrote nothing (no live
   * entry of the call), the caller cannot be routed and is hung up, as when the record
   * alone fails. When the entry was written, the sweep routes it.
   */
  private async unlessNotOpened(
    call: WaitingCall,
    enqueued: Promise<QueueEntry | undefined>,
    answered: Answered,
  ): Promise<QueueEntry | undefined> {
    try {
      return await enqueued;
    } catch (error) {
      const live = await this.deps.repository.liveEntryOfCall(call.companyId, call.callId).catch(() => undefined);
      if (!live) {
        await answered;
        await this.waiting.leave(call);
      }
      throw error;
    }
  }

  /** Position and estimated wait, over the music, when the queue announces them. */
  private async announce(call: WaitingCall): Promise<void> {
    if (!this.waiting.isTracked(call) || call.phase !== 'waiting' || call.playback) return;
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
    await this.say(call, positionSpeech(call.language, position, wait), 'moh');
  }

  private async onDigit(channelId: string, digit: string): Promise<void> {
    const call = this.waiting.ofChannel(channelId);
    if (!call) return;
    if (call.phase === 'menu' && call.menu) {
      clearTimeout(call.menuTimer);
      await this.waiting.stopPlayback(call);
      const option = call.menu.options.find((o) => o.key === digit);
      if (option) {
        this.deps.logger.info({ callId: call.callId, key: digit, queueId: option.queue_id }, 'menu answered');
        await this.enqueueCall(call, option.queue_id);
        return;
      }
      await this.onMenuMiss(call);
      return;
    }
    if (call.phase === 'waiting' && call.isCallbackOffered && digit === '1') await this.overflow.requestCallback(call);
  }

  private async onMenuMiss(call: WaitingCall): Promise<void> {
    call.menuAttempts += 1;
    if (call.menuAttempts < MAX_MENU_ATTEMPTS && call.menu) {
      await this.say(call, menuRetryText(call.language, call.menu), 'menu_wait');
    } else if (call.defaultQueueId) {
      await this.enqueueCall(call, call.defaultQueueId);
    } else {
      await this.waiting.leave(call);
    }
  }

  private async onPlaybackFinished(playbackId: string): Promise<void> {
    const call = this.waiting.ofPlayback(playbackId);
    if (!call?.playback) return;
    const { after } = call.playback;
    call.playback = undefined;
    await this.afterPlayback(call, after);
  }

  /** Plays a sentence, then what follows it; a prompt Asterisk refused counts as played. */
  private async say(call: WaitingCall, text: string, after: AfterPlayback): Promise<void> {
    if (!(await this.waiting.play(call, text, after))) await this.afterPlayback(call, after);
  }

  private async afterPlayback(call: WaitingCall, after: AfterPlayback): Promise<void> {
    switch (after) {
      case 'moh':
        if (call.phase === 'waiting') await this.waiting.startMusic(call);
        return;
      case 'menu_wait':
        if (call.phase !== 'menu') return;
        call.menuTimer = setTimeout(() => {
          void this.lines.run(
            call.channelId,
            async () => {
              if (this.waiting.isTracked(call) && call.phase === 'menu' && !call.playback) await this.onMenuMiss(call);
            },
            'menu timeout',
          );
        }, MENU_ANSWER_SECONDS * 1000);
        call.menuTimer.unref();
        return;
      case 'record':
        return this.overflow.startRecording(call);
      case 'hangup':
        return this.waiting.leave(call);
    }
  }

  private async onEnded(channelId: string, cause: number | null): Promise<void> {
    try {
      await this.onChannelGone(channelId, cause);
    } finally {
      this.forgetChannel(channelId);
    }
  }

  private async onChannelGone(channelId: string, cause: number | null): Promise<void> {
    const call = this.waiting.ofChannel(channelId);
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
    this.waiting.untrack(call);
    // Hanging up is what a caller who asked to be called back does: their item stays.
    if (this.overflow.hasCallback(call.callId)) return;
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

  async offered(offer: OfferNotice, entry: EntryNotice): Promise<void> {
    if (entry.channel !== 'voice' || !entry.callId) return;
    const call = this.waiting.ofCall(entry.callId);
    // A caller waiting on this node is no callback item unless they asked for one here.
    if (!call || this.overflow.hasCallback(entry.callId)) return;
    const timeoutSeconds = Math.max(1, Math.round((offer.expiresAt.getTime() - offer.offeredAt.getTime()) / 1000));
    await this.ringAgent(call, entry, offer.agentId, offer.id, timeoutSeconds);
  }

  async offerEnded(offer: OfferNotice): Promise<void> {
    const leg = this.legs.get(legIdOf(offer.entryId, offer.agentId));
    if (!leg || leg.isAnswered || leg.offerId !== offer.id) return;
    this.legs.delete(leg.channelId);
    await this.deps.telephony.hangup(leg.channelId).catch(() => undefined);
  }

  /**
   * An assignment without a ringing leg: offer_mode `auto` (ring the agent now), an offer
   * accepted in the console (its leg already rings) or a callback item (dial the customer).
   */
  async assigned(entry: EntryNotice, isDirect = false): Promise<void> {
    if (entry.channel !== 'voice' || !entry.callId || !entry.assignedTo) return;
    const call = this.waiting.ofCall(entry.callId);
    if ((!call || this.overflow.hasCallback(entry.callId)) && (await this.overflow.isCallback(entry))) {
      return this.overflow.dialCallback(entry);
    }
    if (!call || this.legs.has(legIdOf(entry.id, entry.assignedTo))) return;
    const isRinging = await this.ringAgent(call, entry, entry.assignedTo, null, this.deps.settings.ringTimeoutSeconds);
    // Given by a supervisor to an agent who cannot be rung (no device): back in line, wait kept.
    // Not for the engine's own assignments: it would choose the same agent again at once.
    if (!isRinging && isDirect) await this.backToQueue(call, entry.companyId, entry.id, 'no_device');
  }

  /** An assignment that will not be answered: the entry ends and the caller waits again in its queue. */
  private async backToQueue(call: WaitingCall, companyId: string, entryId: string, reason: string): Promise<void> {
    const entry = await this.deps.repository.liveEntryOfCall(companyId, call.callId);
    if (entry?.id !== entryId) return;
    await this.deps.engine.endEntry(companyId, entry.id, reason);
    await this.enqueueCall(call, entry.queueId, {
      originalEnqueuedAt: entry.originalEnqueuedAt,
      previousEntryId: entry.id,
    });
  }

  async ended(entry: EntryNotice): Promise<void> {
    if (entry.channel === 'voice' && entry.assignedTo) {
      await this.busy.restore({ companyId: entry.companyId, agentId: entry.assignedTo });
    }
  }

  private async ringAgent(
    call: WaitingCall,
    entry: EntryNotice,
    agentId: string,
    offerId: string | null,
    timeoutSeconds: number,
  ): Promise<boolean> {
    const { devices, telephony, settings, logger, lifecycle, clock } = this.deps;
    const device = await devices.findActiveDeviceOfUser(call.companyId, agentId);
    if (!device) {
      // The offer expires and goes to the next agent; rejecting here could loop on a lone member.
      logger.warn({ callId: call.callId, agentId }, 'the agent has no device to ring');
      return false;
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
    this.keepLeg(leg);
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
      return false;
    }
    const now = clock.now();
    await lifecycle.move({ companyId: call.companyId, id: call.callId }, 'ringing', 'pbx:queue_offer', now, (c) => ({
      ringingAt: c.ringingAt ?? now,
    }));
    return true;
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
    const call = this.waiting.ofCall(leg.callId);
    if (!call) {
      this.legs.delete(channelId);
      await this.deps.telephony.hangup(channelId).catch(() => undefined);
      return;
    }
    await this.connect(call, leg);
  }

  private async connect(call: WaitingCall, leg: AgentLeg): Promise<void> {
    const { telephony, calls, lifecycle, clock, logger } = this.deps;
    this.waiting.untrack(call);
    this.legs.delete(leg.channelId);
    await Promise.all([this.waiting.stopPlayback(call), this.waiting.stopMusic(call)]);
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
    const recorded = isRecording
      ? calls.insertRecording({
          id: newId(),
          companyId: call.companyId,
          callId: call.callId,
          asteriskName: recordingName,
          format: 'wav',
          status: 'recording',
          startedAt: now,
        })
      : undefined;
    // The agent is busy from now on, in their own order (behind their last call's restore).
    const busy = this.agents.run(
      agentKey(call.companyId, leg.agentId),
      () => this.busy.markBusy(call.companyId, leg.agentId),
      'busy',
    );
    const fields = { agentId: leg.agentId, agentChannelId: leg.channelId, asteriskBridgeId: bridgeId };
    const ref = { companyId: call.companyId, id: call.callId };
    const answered = (async () => {
      const moved = await lifecycle.move(ref, 'in_progress', 'pbx:queue-agent', now, (c) => ({
        ...fields,
        answeredAt: now,
        ringingAt: c.ringingAt ?? now,
      }));
      // A call transferred back into a queue is already in progress: only its agent changes.
      if (!moved) await lifecycle.patch(ref, fields);
    })();
    // Awaited together: a failure of one is the step's, never an unhandled rejection.
    await Promise.all([recorded, answered, busy]);
    logger.info({ callId: call.callId, agentId: leg.agentId, entryId: leg.entryId }, 'queue call answered');
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
    const call = this.waiting.ofCall(leg.callId);
    if (call) await this.backToQueue(call, leg.companyId, leg.entryId, 'no_answer');
  }

  overflowed(entry: EntryNotice, action: Record<string, unknown>): Promise<void> {
    return this.overflow.overflowed(entry, action);
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
    this.lineOfCall.set(call.id, call.customerChannelId);
    const waiting = this.waiting.track({
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
}

/** An agent's busy/restore steps run in this key's order. */
function agentKey(companyId: string, agentId: string): string {
  return `${companyId}:${agentId}`;
}

/** The caller's answer: undefined once answered, the error when Asterisk could not. */
type Answered = Promise<unknown>;

/** A queue and settings read with the caller's arrival, and their record still to write. */
interface KnownQueue {
  queue: VoiceQueue;
  settings: VoiceSettings;
  opening: CallOpening;
}

/** A caller's record not yet written: in their entry's transaction (`prepare`), or `alone`. */
interface CallOpening {
  prepare: (scope: object) => Promise<DomainEvent[]>;
  alone: () => Promise<void>;
}

/** The agent leg of an entry: known from the entry and the agent alone, so an offer's end finds it. */
function legIdOf(entryId: string, agentId: string): string {
  return `q-${entryId.slice(0, 18)}-${agentId.slice(0, 8)}`;
}
