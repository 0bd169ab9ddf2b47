/**
 * Hold and consult (attended) transfer. Holding takes the agent's leg out of the call's
 * bridge and plays music on hold into it, so the customer hears music and the agent hears
 * nothing of them. A consult holds the customer, rings the target from the agent into a
 * second bridge (`<consultId>`) and, when the target answers, puts the agent there; swap
 * moves the agent between the two bridges (music for whoever waits), complete moves the
 * target into the call's bridge in the agent's place (the recording goes on), cancel, or
 * the target not answering or hanging up, brings the agent back to the customer.
 *
 * Stasis args: `consult,<consultId>` (the target answered).
 */
import { isUniqueViolation } from '../../db/driver-results.js';
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, NotFoundError, UpstreamError } from '../../shared/errors.js';
import { isUuid, newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import {
  addStep,
  ANSWERED_CONSULT_STATUSES,
  isExtension,
  OPEN_CONSULT_STATUSES,
  unansweredConsultReason,
  type CallConsult,
  type ConsultTargetKind,
} from './call-sessions.js';
import type { CallSessionsRepository } from './call-sessions.repository.js';
import { canActOnCall, normalizeNumber, type Call } from './calls.js';
import type { CallLifecycle } from './calls.lifecycle.js';
import type { AgentDevice, DeviceDirectory, TelephonyPort } from './calls.ports.js';
import type { CallsRepository } from './calls.repository.js';
import { toCallConsultDto, toCallDto } from './calls.dto.js';

export interface CallConsultsDeps {
  repository: CallsRepository;
  lifecycle: CallLifecycle;
  telephony: () => TelephonyPort;
  devices: DeviceDirectory;
  clock: Clock;
  logger: Logger;
  settings: { outboundContext: string; agentEndpointTemplate: string; ringTimeoutSeconds: number };
}

interface ResolvedTarget {
  target: string;
  kind: ConsultTargetKind;
  userId: string | null;
  endpoint: string;
  variables?: Record<string, string>;
}

export class CallConsults {
  private readonly sessions: CallSessionsRepository;

  constructor(private readonly deps: CallConsultsDeps) {
    this.sessions = deps.repository.sessions();
  }

  async hold(actor: Actor, callId: string): Promise<Call> {
    const telephony = this.deps.telephony();
    const call = await this.findAnswered(actor, callId);
    if (await this.sessions.findOpenConsult(call.companyId, call.id)) {
      throw new ConflictError('call.consult_open', 'The call is in a consult; cancel or complete it first.');
    }
    if (call.heldAt) return call;
    await this.holdCustomer(telephony, call);
    const held = await this.setHeld(call, this.deps.clock.now());
    await this.deps.lifecycle.announce('call.held', held, toCallDto(held));
    return held;
  }

  async unhold(actor: Actor, callId: string): Promise<Call> {
    const telephony = this.deps.telephony();
    const call = await this.findAnswered(actor, callId);
    if (await this.sessions.findOpenConsult(call.companyId, call.id)) {
      throw new ConflictError('call.consult_open', 'The call is in a consult; cancel, swap or complete it.');
    }
    if (!call.heldAt) return call;
    await this.resumeCustomer(telephony, call);
    const resumed = await this.setHeld(call, null);
    await this.deps.lifecycle.announce('call.unheld', resumed, toCallDto(resumed));
    return resumed;
  }

  async consult(actor: Actor, callId: string, to: string): Promise<CallConsult> {
    const telephony = this.deps.telephony();
    const call = await this.findAnswered(actor, callId);
    const target = await this.resolveTarget(call, to);
    const consultId = newId();
    const now = this.deps.clock.now();
    let consult: CallConsult;
    try {
      consult = await this.sessions.insertConsult({
        id: consultId,
        companyId: call.companyId,
        callId: call.id,
        agentId: call.agentId,
        target: target.target,
        targetKind: target.kind,
        targetUserId: target.userId,
        channelId: `${consultId}-target`,
        bridgeId: consultId,
        status: 'ringing',
        timeline: addStep([], 'started', null, now),
        startedAt: now,
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError('consult.already_open', 'The call is already in a consult.');
      throw error;
    }
    const agentDevice = call.agentId
      ? await this.deps.devices.findActiveDeviceOfUser(call.companyId, call.agentId)
      : undefined;
    try {
      if (!call.heldAt) await this.holdCustomer(telephony, call);
      await this.setHeld(call, call.heldAt ?? now);
      await telephony.createBridge(consult.bridgeId);
      await telephony.originate({
        channelId: consult.channelId,
        endpoint: target.endpoint,
        callerId: agentDevice ? `"${agentDevice.name}" <${agentDevice.extension}>` : `<${call.toNumber}>`,
        appArgs: ['consult', consultId],
        timeoutSeconds: this.deps.settings.ringTimeoutSeconds,
        ...(target.variables ? { variables: target.variables } : {}),
      });
      if (call.agentChannelId) await telephony.ring(call.agentChannelId).catch(() => undefined);
    } catch (error) {
      this.deps.logger.warn({ err: error, callId, consultId }, 'starting the consult failed');
      await this.finish(consult, 'failed', 'originate_failed', now);
      throw new UpstreamError('pbx.action_failed', 'The PBX could not call the consult target.');
    }
    await this.announce('call.consult_started', consult);
    return consult;
  }

  async complete(actor: Actor, callId: string): Promise<CallConsult> {
    const telephony = this.deps.telephony();
    const { call, consult } = await this.findOpen(actor, callId);
    const now = this.deps.clock.now();
    const completed = await this.sessions.updateConsult(consult.id, ANSWERED_CONSULT_STATUSES, (current) => ({
      status: 'completed',
      endReason: 'completed',
      endedAt: now,
      timeline: addStep(current.timeline, 'completed', null, now),
    }));
    if (!completed) throw new ConflictError('consult.not_answered', 'The target has not answered yet.');
    await this.handOver(telephony, call, completed, now);
    return completed;
  }

  async cancel(actor: Actor, callId: string): Promise<CallConsult> {
    this.deps.telephony();
    const { consult } = await this.findOpen(actor, callId);
    const canceled = await this.finish(consult, 'canceled', 'canceled', this.deps.clock.now());
    if (!canceled) throw new ConflictError('consult.not_open', 'The consult is already over.');
    return canceled;
  }

  async swap(actor: Actor, callId: string): Promise<CallConsult> {
    const telephony = this.deps.telephony();
    const { call, consult } = await this.findOpen(actor, callId);
    const now = this.deps.clock.now();
    if (!ANSWERED_CONSULT_STATUSES.includes(consult.status)) {
      throw new ConflictError('consult.not_answered', 'The target has not answered yet.');
    }
    const next = consult.status === 'talking' ? 'customer' : 'talking';
    const swapped = await this.sessions.updateConsult(consult.id, [consult.status], (current) => ({
      status: next,
      timeline: addStep(current.timeline, 'swapped', next === 'customer' ? 'customer' : 'target', now),
    }));
    if (!swapped) throw new ConflictError('consult.changed', 'The consult changed meanwhile; try again.');
    if (next === 'customer') {
      await this.moveAgent(telephony, call, { from: consult.bridgeId, to: call.asteriskBridgeId });
      await this.setHeld(call, null);
    } else {
      await this.moveAgent(telephony, call, { from: call.asteriskBridgeId, to: consult.bridgeId });
      await this.setHeld(call, now);
    }
    await this.announce('call.consult_swapped', swapped);
    return swapped;
  }

  async list(actor: Actor, callId: string): Promise<CallConsult[]> {
    const call = await this.findCall(actor, callId);
    return this.sessions.listConsults(call.companyId, call.id);
  }

  /** StasisStart `consult,<id>`: the target answered; the agent talks to them. */
  async onTargetAnswered(consultId: string, channelId: string, at: Date): Promise<void> {
    const telephony = this.deps.telephony();
    const consult = await this.sessions.findConsultById(consultId);
    if (consult?.channelId !== channelId) return;
    const answered = await this.sessions.updateConsult(consultId, ['ringing'], (current) => ({
      status: 'talking',
      answeredAt: at,
      timeline: addStep(current.timeline, 'answered', 'target', at),
    }));
    if (!answered) {
      await telephony.hangup(channelId).catch(() => undefined);
      return;
    }
    const call = await this.deps.repository.findCall(answered.companyId, answered.callId);
    try {
      if (call?.agentChannelId) await telephony.stopRinging(call.agentChannelId).catch(() => undefined);
      await telephony.addToBridge(answered.bridgeId, [
        channelId,
        ...(call?.agentChannelId ? [call.agentChannelId] : []),
      ]);
    } catch (error) {
      this.deps.logger.warn({ err: error, consultId }, 'bridging the consult failed');
      await this.finish(answered, 'failed', 'bridge_failed', at);
      return;
    }
    await this.announce('call.consult_answered', answered);
  }

  /** A consult's target channel ended; true when it was one. */
  async onChannelEnded(channelId: string, cause: number | null, at: Date): Promise<boolean> {
    const consult = await this.sessions.findConsultByChannel(channelId);
    if (!consult) return false;
    if (!OPEN_CONSULT_STATUSES.includes(consult.status)) return true;
    const reason = consult.status === 'ringing' ? unansweredConsultReason(cause) : 'target_hangup';
    await this.finish(consult, 'canceled', reason, at);
    return true;
  }

  /**
   * The agent's leg ended during a consult: an answered target takes the call (as when a
   * desk phone hangs up mid attended transfer); a ringing one is released. True when the
   * call goes on.
   */
  async onAgentLeft(call: Call, at: Date): Promise<boolean> {
    const consult = await this.sessions.findOpenConsult(call.companyId, call.id);
    if (!consult) return false;
    const completed = await this.sessions.updateConsult(consult.id, ANSWERED_CONSULT_STATUSES, (current) => ({
      status: 'completed',
      endReason: 'agent_hangup',
      endedAt: at,
      timeline: addStep(current.timeline, 'completed', null, at),
    }));
    if (completed) {
      await this.handOver(this.deps.telephony(), call, completed, at);
      return true;
    }
    await this.finish(consult, 'canceled', 'call_ended', at);
    return false;
  }

  /**
   * After the PBX link came back: a consult whose target leg is gone ended while we were
   * away; the agent goes back to the customer (if the call itself survived).
   */
  async reconcile(presentChannelIds: ReadonlySet<string>, linkLostAt: Date | undefined, at: Date): Promise<void> {
    for (const consult of await this.sessions.listOpenConsultsEverywhere()) {
      if (linkLostAt && consult.startedAt > linkLostAt) continue;
      if (!presentChannelIds.has(consult.channelId)) {
        await this.finish(consult, 'canceled', 'pbx_lost', linkLostAt ?? at);
      }
    }
  }

  /** The call ended: an open consult ends with it, its target released. */
  async endAll(call: Pick<Call, 'companyId' | 'id'>, reason: string, at: Date): Promise<void> {
    const consult = await this.sessions.findOpenConsult(call.companyId, call.id);
    if (consult) await this.finish(consult, 'canceled', reason, at, { isCallOver: true });
  }

  /** The target takes the agent's place in the call's bridge; the agent's leg is released. */
  private async handOver(telephony: TelephonyPort, call: Call, consult: CallConsult, at: Date): Promise<void> {
    const previousAgentChannelId = call.agentChannelId;
    // The new leg first: the old one's hangup then matches no call and ends nothing.
    await this.deps.lifecycle.patch(call, {
      agentChannelId: consult.channelId,
      agentId: consult.targetUserId ?? call.agentId,
      transferredTo: consult.target,
      heldAt: null,
    });
    if (call.asteriskBridgeId) {
      await telephony.stopBridgeMusicOnHold(call.asteriskBridgeId).catch(() => undefined);
      await telephony.removeFromBridge(consult.bridgeId, consult.channelId).catch(() => undefined);
      await telephony.addToBridge(call.asteriskBridgeId, [consult.channelId]).catch((error: unknown) => {
        this.deps.logger.warn({ err: error, callId: call.id }, 'the consult target could not join the call');
      });
    }
    await telephony.destroyBridge(consult.bridgeId).catch(() => undefined);
    if (previousAgentChannelId) await telephony.hangup(previousAgentChannelId).catch(() => undefined);
    const updated = (await this.deps.repository.findCall(call.companyId, call.id)) ?? call;
    this.deps.logger.info({ callId: call.id, consultId: consult.id, at }, 'consult completed');
    await this.announce('call.consult_completed', consult, {
      userIds: [...(call.agentId ? [call.agentId] : []), ...(consult.targetUserId ? [consult.targetUserId] : [])],
      call: updated,
    });
  }

  /** Ends an open consult and gives the agent back to the customer (unless the call is over). */
  private async finish(
    consult: CallConsult,
    status: 'canceled' | 'failed',
    reason: string,
    at: Date,
    options: { isCallOver?: boolean } = {},
  ): Promise<CallConsult | undefined> {
    let previous = consult.status;
    const ended = await this.sessions.updateConsult(consult.id, OPEN_CONSULT_STATUSES, (current) => {
      previous = current.status;
      return {
        status,
        endReason: reason,
        endedAt: at,
        timeline: addStep(current.timeline, status, options.isCallOver ? null : 'customer', at),
      };
    });
    if (!ended) return undefined;
    const telephony = this.deps.telephony();
    await telephony.hangup(ended.channelId).catch(() => undefined);
    await telephony.destroyBridge(ended.bridgeId).catch(() => undefined);
    const call = await this.deps.repository.findCall(ended.companyId, ended.callId);
    if (call && !options.isCallOver && call.status === 'in_progress') {
      if (call.agentChannelId) await telephony.stopRinging(call.agentChannelId).catch(() => undefined);
      // After a swap the agent is with the customer already.
      if (previous !== 'customer') await this.resumeCustomer(telephony, call).catch(() => undefined);
      await this.setHeld(call, null);
    }
    await this.announce(`call.consult_${status}`, ended);
    return ended;
  }

  private async holdCustomer(telephony: TelephonyPort, call: Call): Promise<void> {
    if (!call.asteriskBridgeId || !call.agentChannelId) return;
    await telephony.removeFromBridge(call.asteriskBridgeId, call.agentChannelId).catch(ignoreNotInBridge);
    await telephony.startBridgeMusicOnHold(call.asteriskBridgeId);
  }

  private async resumeCustomer(telephony: TelephonyPort, call: Call): Promise<void> {
    if (!call.asteriskBridgeId || !call.agentChannelId) return;
    await telephony.stopBridgeMusicOnHold(call.asteriskBridgeId).catch(() => undefined);
    await telephony.addToBridge(call.asteriskBridgeId, [call.agentChannelId]);
  }

  private async moveAgent(
    telephony: TelephonyPort,
    call: Call,
    move: { from: string | null; to: string | null },
  ): Promise<void> {
    if (!call.agentChannelId || !move.from || !move.to) return;
    await telephony.removeFromBridge(move.from, call.agentChannelId).catch(ignoreNotInBridge);
    await telephony.startBridgeMusicOnHold(move.from);
    await telephony.stopBridgeMusicOnHold(move.to).catch(() => undefined);
    await telephony.addToBridge(move.to, [call.agentChannelId]);
  }

  private async setHeld(call: Call, heldAt: Date | null): Promise<Call> {
    await this.deps.lifecycle.patch(call, { heldAt });
    return (await this.deps.repository.findCall(call.companyId, call.id)) ?? { ...call, heldAt };
  }

  private async resolveTarget(call: Call, to: string): Promise<ResolvedTarget> {
    const { devices, settings } = this.deps;
    const endpointOf = (device: AgentDevice) =>
      settings.agentEndpointTemplate
        .replaceAll('{sipUsername}', device.endpointId)
        .replaceAll('{extension}', String(device.extension));
    if (isUuid(to)) {
      const device = await devices.findActiveDeviceOfUser(call.companyId, to);
      if (!device) throw new ConflictError('consult.target_unreachable', 'That user has no active SIP device.');
      if (device.userId === call.agentId) throw new ConflictError('consult.self', 'You cannot consult yourself.');
      return { target: to, kind: 'user', userId: device.userId, endpoint: endpointOf(device) };
    }
    const dialed = normalizeNumber(to);
    const prefix = await this.sipPrefixOf(call);
    if (isExtension(dialed)) {
      const device = await devices.findActiveDeviceByExtension(call.companyId, Number(dialed));
      if (device && device.userId === call.agentId) {
        throw new ConflictError('consult.self', 'You cannot consult yourself.');
      }
      if (device) return { target: dialed, kind: 'extension', userId: device.userId, endpoint: endpointOf(device) };
    }
    return {
      target: dialed,
      kind: isExtension(dialed) ? 'extension' : 'number',
      userId: null,
      // `/n`: the Local channel must stay ours once the target answers (as click-to-call).
      endpoint: `Local/${dialed}@${settings.outboundContext}/n`,
      ...(prefix ? { variables: { SWITCHBOARD_SIP_PREFIX: prefix } } : {}),
    };
  }

  private async sipPrefixOf(call: Call): Promise<string | undefined> {
    if (!call.agentId) return undefined;
    const device = await this.deps.devices.findActiveDeviceOfUser(call.companyId, call.agentId);
    return device?.endpointId.split('_')[0];
  }

  private async findCall(actor: Actor, callId: string): Promise<Call> {
    const call = await this.deps.repository.findCall(actor.companyId, callId);
    if (!call || !canActOnCall(actor, call)) throw new NotFoundError('call.not_found', 'No such call.');
    return call;
  }

  private async findAnswered(actor: Actor, callId: string): Promise<Call> {
    const call = await this.findCall(actor, callId);
    if (call.status !== 'in_progress' || !call.agentChannelId || !call.asteriskBridgeId) {
      throw new ConflictError('call.not_answered', 'Only an answered call can be held or consulted.');
    }
    return call;
  }

  private async findOpen(actor: Actor, callId: string): Promise<{ call: Call; consult: CallConsult }> {
    const call = await this.findCall(actor, callId);
    const consult = await this.sessions.findOpenConsult(call.companyId, call.id);
    if (!consult) throw new NotFoundError('consult.not_found', 'The call has no consult in progress.');
    return { call, consult };
  }

  private async announce(
    name: string,
    consult: CallConsult,
    extra: { userIds?: string[]; call?: Call } = {},
  ): Promise<void> {
    const call = extra.call ?? (await this.deps.repository.findCall(consult.companyId, consult.callId));
    if (!call) return;
    await this.deps.lifecycle.announce(
      name,
      call,
      { ...toCallConsultDto(consult), call: toCallDto(call) },
      { userIds: [...(extra.userIds ?? []), ...(consult.targetUserId ? [consult.targetUserId] : [])] },
    );
  }
}

/** Removing a leg that already left the bridge is what we wanted. */
function ignoreNotInBridge(error: unknown): void {
  const status = (error as { status?: unknown }).status;
  if (status === 422 || status === 404) return;
  throw error;
}
