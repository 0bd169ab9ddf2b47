/**
 * What happens to calls when the PBX reports something. Events are handled one at a time
 * in arrival order; a report that does not fit the call's status is ignored by the
 * lifecycle, so repeated or late events cannot corrupt a call.
 *
 * Stasis arguments carry our intent: `outbound,<callId>` (the agent answered their own
 * device), `outbound-customer,<callId>` (the destination answered), `inbound,<target>`
 * (a call for an agent's endpoint id) and `inbound-agent,<callId>` (the agent answered).
 */
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { isTerminal, unansweredOutcome, type Call } from './calls.js';
import type { CallLifecycle } from './calls.lifecycle.js';
import { CallConsults } from './call-consults.service.js';
import { CallMonitors } from './call-monitors.service.js';
import type { DeviceDirectory, TelephonyEvent, TelephonyPort } from './calls.ports.js';
import type { CallsRepository } from './calls.repository.js';
import { agentEndpoint, endPatch, type CallSettings } from './calls.service.js';

type Entered = Extract<TelephonyEvent, { kind: 'channel_entered' }>;
/** The Stasis intents of this flow's own legs, answered in `onEntered` once the call is found. */
const CONNECTING_INTENTS = new Set(['outbound', 'outbound-customer', 'inbound-agent']);
type Ended = Extract<TelephonyEvent, { kind: 'channel_ended' }>;

export interface CallFlowDeps {
  repository: CallsRepository;
  lifecycle: CallLifecycle;
  telephony: TelephonyPort;
  devices: DeviceDirectory;
  clock: Clock;
  logger: Logger;
  settings: CallSettings;
}

export class CallFlow {
  private tail: Promise<void> = Promise.resolve();
  private readonly monitors: CallMonitors;
  private readonly consults: CallConsults;

  constructor(private readonly deps: CallFlowDeps) {
    const shared = { ...deps, telephony: () => deps.telephony };
    this.monitors = new CallMonitors(shared);
    this.consults = new CallConsults(shared);
  }

  /** Queues the event behind the ones before it; resolves when it has been handled. */
  handle(event: TelephonyEvent): Promise<void> {
    const handled = this.tail.then(() => this.dispatch(event));
    this.tail = handled.catch((error: unknown) => {
      this.deps.logger.error({ err: error, kind: event.kind }, 'telephony event failed');
    });
    return this.tail;
  }

  /**
   * After a reconnect: calls whose channels vanished while we were away are ended;
   * the rest carry on (their channels are still in Stasis and their events resume).
   * A vanished call ends when the link was lost (`linkLostAt`), the last moment its media
   * was known to flow: the outage is not talk time.
   */
  reconcile(presentChannelIds: ReadonlySet<string>, linkLostAt?: Date): Promise<void> {
    const done = this.tail.then(async () => {
      await this.endVanishedCalls(presentChannelIds, linkLostAt);
      // Monitors and consults of calls that survived, whose own legs did not.
      const now = this.deps.clock.now();
      await this.consults.reconcile(presentChannelIds, linkLostAt, now);
      await this.monitors.reconcile(presentChannelIds, linkLostAt, now);
    });
    this.tail = done.catch((error: unknown) => {
      this.deps.logger.error({ err: error }, 'reconciliation failed');
    });
    return this.tail;
  }

  private async endVanishedCalls(presentChannelIds: ReadonlySet<string>, linkLostAt?: Date): Promise<void> {
    const now = this.deps.clock.now();
    for (const call of await this.deps.repository.listActiveEverywhere()) {
      const missing = requiredLegs(call).filter((id) => !presentChannelIds.has(id));
      if (missing.length === 0) continue;
      const to = call.status === 'in_progress' ? 'completed' : 'failed';
      const endedAt = vanishedAt(call, linkLostAt, now);
      await this.deps.lifecycle.move(
        call,
        to,
        'pbx:reconcile',
        endedAt,
        (current) => ({
          ...endPatch(current, endedAt, 'system'),
          hangupCauseText: 'channel gone while the PBX link was down',
        }),
        { missingChannelIds: missing, ...(linkLostAt ? { pbxLinkLostAt: linkLostAt.toISOString() } : {}) },
      );
      // Whatever leg survived has no one left to talk to.
      for (const id of [call.agentChannelId, call.customerChannelId]) {
        if (id && presentChannelIds.has(id)) await this.deps.telephony.hangup(id).catch(() => undefined);
      }
      await this.endOrphanRecording(call, endedAt);
      await this.endSessions(call, 'call_ended', endedAt);
    }
  }

  /**
   * A vanished call's bridge may outlive its legs, still recording an empty room, and the
   * recording's end may have been reported to a node that is gone (ADR 23): the bridge is
   * destroyed, and the recording is closed at the call's end. A RecordingFinished that
   * still arrives only adds the duration.
   */
  private async endOrphanRecording(call: Call, endedAt: Date): Promise<void> {
    if (call.asteriskBridgeId) await this.deps.telephony.destroyBridge(call.asteriskBridgeId).catch(() => undefined);
    const recording = await this.deps.repository.findRecordingOfCall(call.companyId, call.id);
    if (recording?.status !== 'recording') return;
    await this.deps.repository.updateRecording(call.companyId, recording.id, { status: 'done', endedAt });
  }

  private async dispatch(event: TelephonyEvent): Promise<void> {
    switch (event.kind) {
      case 'channel_entered':
        return this.onEntered(event);
      case 'channel_ringing':
        return this.onRinging(event.channelId, event.at);
      case 'channel_ended':
        return this.onEnded(event);
      case 'channel_transferred':
        return this.onTransferred(event.channelId, event.destination, event.at);
      case 'recording_finished':
        return this.onRecordingDone(event.recordingName, 'done', event.at, event.durationSeconds);
      case 'recording_failed':
        return this.onRecordingDone(event.recordingName, 'failed', event.at, null);
      case 'channel_answered':
      case 'channel_left':
      case 'channel_dtmf':
      case 'playback_finished':
        // Answers are taken from StasisStart of the legs we originate; leaving Stasis
        // (a transfer) is followed by the channel's end, which decides. Digits and
        // prompts belong to queue calls (modules/voice-routing).
        return;
    }
  }

  private async onEntered(event: Entered): Promise<void> {
    const [intent, value] = event.args;
    if (intent === 'inbound' && value) return this.startInbound(event, value);
    if (intent === 'monitor' && value) return this.monitors.onSupervisorAnswered(value, event.channelId, event.at);
    if (intent === 'monitor-snoop' && value) return this.monitors.onSnoopEntered(value, event.channelId);
    if (intent === 'consult' && value) return this.consults.onTargetAnswered(value, event.channelId, event.at);
    // Other intents (a queue's caller or agent leg, the voicebot's) are other modules': no lookup.
    if (!CONNECTING_INTENTS.has(intent ?? '')) return;
    const call = value ? await this.deps.repository.findCallByChannel(event.channelId) : undefined;
    if (!call || call.id !== value || isTerminal(call.status)) {
      this.deps.logger.info(
        { channelId: event.channelId, args: event.args },
        'channel in Stasis is not one of our calls',
      );
      return;
    }
    if (intent === 'outbound' && call.agentChannelId === event.channelId) return this.dialCustomer(call, event);
    if ((intent === 'outbound-customer' || intent === 'inbound-agent') && call.customerChannelId) {
      return this.connect(call, event);
    }
  }

  private async dialCustomer(call: Call, event: Entered): Promise<void> {
    const { telephony, settings, lifecycle } = this.deps;
    const customerChannelId = call.customerChannelId ?? `${call.id}-customer`;
    await lifecycle.patch(call, { asteriskUniqueId: event.asteriskUniqueId });
    const device = call.agentId
      ? await this.deps.devices.findActiveDeviceOfUser(call.companyId, call.agentId)
      : undefined;
    try {
      await telephony.ring(event.channelId);
      await telephony.originate({
        channelId: customerChannelId,
        // `/n`: Asterisk must not optimize the Local channel away once the destination
        // answers, or our customer leg would vanish mid-call.
        endpoint: `Local/${call.toNumber}@${settings.outboundContext}/n`,
        callerId: `<${call.fromNumber}>`,
        appArgs: ['outbound-customer', call.id],
        timeoutSeconds: settings.ringTimeoutSeconds,
        // The dialplan picks the tenant's caller id and extensions by its SIP prefix.
        ...(device ? { variables: { SWITCHBOARD_SIP_PREFIX: sipPrefixOf(device.endpointId) } } : {}),
      });
    } catch (error) {
      this.deps.logger.warn({ err: error, callId: call.id }, 'dialling the destination failed');
      await telephony.hangup(event.channelId).catch(() => undefined);
      await lifecycle.move(call, 'failed', 'pbx:originate_failed', event.at, (c) => endPatch(c, event.at, 'system'));
      return;
    }
    await lifecycle.move(call, 'ringing', 'pbx:agent_answered', event.at, () => ({ ringingAt: event.at }));
  }

  private async connect(call: Call, event: Entered): Promise<void> {
    const { telephony, lifecycle, repository, settings } = this.deps;
    const customerChannelId = call.customerChannelId;
    const agentChannelId = call.direction === 'inbound' ? event.channelId : call.agentChannelId;
    if (!customerChannelId || !agentChannelId || agentChannelId !== call.agentChannelId) return;
    const bridgeId = call.id;
    const recordingName = newId();
    let isRecording = false;
    try {
      if (call.direction === 'inbound') await telephony.answer(customerChannelId);
      ({ isRecording } = await telephony.bridgeAndRecord(bridgeId, [agentChannelId, customerChannelId], recordingName));
    } catch (error) {
      this.deps.logger.warn({ err: error, callId: call.id }, 'bridging the call failed');
      for (const id of [agentChannelId, customerChannelId]) await telephony.hangup(id).catch(() => undefined);
      await lifecycle.move(call, 'failed', 'pbx:bridge_failed', event.at, (c) => endPatch(c, event.at, 'system'));
      return;
    }
    if (isRecording) {
      await repository.insertRecording({
        id: newId(),
        companyId: call.companyId,
        callId: call.id,
        asteriskName: recordingName,
        format: settings.recordingFormat,
        status: 'recording',
        startedAt: event.at,
      });
    }
    await lifecycle.move(call, 'in_progress', `pbx:${event.args[0] ?? 'answered'}`, event.at, (current) => ({
      answeredAt: event.at,
      ringingAt: current.ringingAt ?? event.at,
      asteriskBridgeId: bridgeId,
    }));
  }

  private async startInbound(event: Entered, target: string): Promise<void> {
    const { devices, telephony, lifecycle, settings, logger } = this.deps;
    const device = await devices.findActiveDeviceByEndpoint(target);
    if (!device) {
      logger.warn({ channelId: event.channelId, target }, 'inbound call for an unknown target; hanging up');
      await telephony.hangup(event.channelId).catch(() => undefined);
      return;
    }
    const callId = newId();
    const agentChannelId = `${callId}-agent`;
    const call = await lifecycle.create(
      {
        id: callId,
        companyId: device.companyId,
        agentId: device.userId,
        direction: 'inbound',
        status: 'initiated',
        fromNumber: event.callerNumber || 'anonymous',
        toNumber: String(device.extension),
        asteriskUniqueId: event.asteriskUniqueId,
        customerChannelId: event.channelId,
        agentChannelId,
        createdAt: event.at,
      },
      'pbx:inbound',
    );
    try {
      await telephony.ring(event.channelId);
      await telephony.originate({
        channelId: agentChannelId,
        endpoint: agentEndpoint(settings.agentEndpointTemplate, device),
        callerId: `"${call.fromNumber}" <${call.fromNumber}>`,
        appArgs: ['inbound-agent', callId],
        timeoutSeconds: settings.ringTimeoutSeconds,
      });
    } catch (error) {
      logger.warn({ err: error, callId }, 'ringing the agent failed');
      await telephony.hangup(event.channelId).catch(() => undefined);
      await lifecycle.move(call, 'failed', 'pbx:originate_failed', event.at, (c) => endPatch(c, event.at, 'system'));
      return;
    }
    await lifecycle.move(call, 'ringing', 'pbx:agent_ringing', event.at, () => ({ ringingAt: event.at }));
  }

  private async onRinging(channelId: string, at: Date): Promise<void> {
    const call = await this.deps.repository.findCallByChannel(channelId);
    if (call) await this.deps.lifecycle.move(call, 'ringing', 'pbx:ringing', at, () => ({ ringingAt: at }));
  }

  private async onEnded(event: Ended): Promise<void> {
    const call = await this.deps.repository.findCallByChannel(event.channelId);
    if (!call) {
      if (await this.monitors.onChannelEnded(event.channelId, event.at)) return;
      await this.consults.onChannelEnded(event.channelId, event.cause, event.at);
      return;
    }
    if (isTerminal(call.status)) return;
    const side = event.channelId === call.agentChannelId ? 'agent' : 'customer';
    // An agent who hangs up during an answered consult hands the call to the target.
    if (side === 'agent' && call.status === 'in_progress' && (await this.consults.onAgentLeft(call, event.at))) {
      await this.monitors.endAll(call, 'agent_left', event.at);
      return;
    }
    const other = side === 'agent' ? call.customerChannelId : call.agentChannelId;
    const cause = { hangupCause: event.cause, hangupCauseText: event.causeText };
    const isAnswered = call.status === 'in_progress';
    const to = isAnswered
      ? 'completed'
      : side === 'customer' && call.direction === 'inbound'
        ? 'canceled'
        : unansweredOutcome(event.cause);
    await this.deps.lifecycle.move(
      call,
      to,
      `pbx:${side}_hangup`,
      event.at,
      (current) => ({ ...endPatch(current, event.at, side), ...cause }),
      { channelId: event.channelId, cause: event.cause },
    );
    // The other leg has nothing left to talk to.
    if (other) await this.deps.telephony.hangup(other).catch(() => undefined);
    if (call.asteriskBridgeId) await this.deps.telephony.destroyBridge(call.asteriskBridgeId).catch(() => undefined);
    await this.endSessions(call, 'call_ended', event.at);
  }

  private async endSessions(call: Call, reason: string, at: Date): Promise<void> {
    await this.consults.endAll(call, reason, at);
    await this.monitors.endAll(call, reason, at);
  }

  private async onTransferred(channelId: string, destination: string, at: Date): Promise<void> {
    const call = await this.deps.repository.findCallByChannel(channelId);
    if (!call) return;
    const side = channelId === call.agentChannelId ? 'agent' : 'customer';
    await this.deps.lifecycle.move(
      call,
      'transferred',
      'pbx:blind_transfer',
      at,
      (current) => ({ ...endPatch(current, at, side), transferredTo: destination }),
      { channelId, destination },
    );
  }

  private async onRecordingDone(
    recordingName: string,
    status: 'done' | 'failed',
    at: Date,
    durationSeconds: number | null,
  ): Promise<void> {
    const recording = await this.deps.repository.findRecordingByName(recordingName);
    if (!recording) return;
    await this.deps.repository.updateRecording(recording.companyId, recording.id, {
      status,
      endedAt: at,
      durationSeconds,
    });
  }
}

/** `kqmzta_1000` → `kqmzta` (ADR 7). */
function sipPrefixOf(endpointId: string): string {
  return endpointId.split('_')[0] ?? endpointId;
}

/** The channels that must exist for the call to be alive in its current status. */
function requiredLegs(call: Call): string[] {
  const { agentChannelId: agent, customerChannelId: customer } = call;
  const legs =
    call.status === 'in_progress'
      ? [agent, customer]
      : call.direction === 'inbound'
        ? [customer]
        : call.status === 'ringing'
          ? [agent, customer]
          : [agent];
  return legs.filter((id): id is string => id !== null);
}

/**
 * When a call whose channels vanished during an outage ended: when the link was lost, but
 * never before the call began or was answered (it may have been placed, over REST, while
 * the event stream was down) nor after we found out.
 */
function vanishedAt(call: Call, linkLostAt: Date | undefined, now: Date): Date {
  if (!linkLostAt || linkLostAt > now) return now;
  const floor = call.answeredAt ?? call.createdAt;
  return linkLostAt < floor ? floor : linkLostAt;
}
