/**
 * Listen, whisper and barge. The supervisor's own device is rung (auto-answer, like a
 * click-to-call leg) into a monitor bridge of its own; listen and whisper add a Snoop
 * channel on the agent's leg to that bridge, barge moves the supervisor into the call's
 * bridge. A mode switch changes the snoop (its whisper direction is fixed at creation) or
 * the bridge, never the supervisor's call.
 *
 * Stasis args: `monitor,<monitorId>` (the supervisor answered), `monitor-snoop,<monitorId>`.
 */
import { isUniqueViolation } from '../../db/driver-results.js';
import { isManager, type Actor } from '../../shared/actor.js';
import { auditActorOf, type AuditRecordInput } from '../audit/index.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, ForbiddenError, NotFoundError, UpstreamError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { closeSpans, isCoaching, snoopOf, switchSpans, type CallMonitor, type MonitorMode } from './call-sessions.js';
import type { CallSessionsRepository } from './call-sessions.repository.js';
import { canActOnCall, type Call } from './calls.js';
import type { CallLifecycle } from './calls.lifecycle.js';
import type { DeviceDirectory, TelephonyPort } from './calls.ports.js';
import type { CallsRepository } from './calls.repository.js';
import { toCallMonitorDto } from './calls.dto.js';

export interface CallMonitorsDeps {
  repository: CallsRepository;
  lifecycle: CallLifecycle;
  telephony: () => TelephonyPort;
  devices: DeviceDirectory;
  clock: Clock;
  logger: Logger;
  settings: { agentEndpointTemplate: string; ringTimeoutSeconds: number };
}

const AUTO_ANSWER_HEADER = 'PJSIP_HEADER(add,Call-Info)';
const OPEN: readonly CallMonitor['status'][] = ['ringing', 'active'];

export class CallMonitors {
  private readonly sessions: CallSessionsRepository;

  constructor(private readonly deps: CallMonitorsDeps) {
    this.sessions = deps.repository.sessions();
  }

  async start(actor: Actor, callId: string, mode: MonitorMode): Promise<CallMonitor> {
    const call = await this.findMonitorable(actor, callId);
    const telephony = this.deps.telephony();
    if (call.status !== 'in_progress' || !call.agentChannelId || !call.asteriskBridgeId) {
      throw new ConflictError('call.not_answered', 'Only an answered call can be monitored.');
    }
    if (call.agentId === actor.userId) throw new ConflictError('monitor.own_call', 'This is your own call.');
    const device = await this.deps.devices.findActiveDeviceOfUser(actor.companyId, actor.userId);
    if (!device) throw new ConflictError('call.no_device', 'You have no active SIP device to listen on.');
    const monitorId = newId();
    const now = this.deps.clock.now();
    let monitor: CallMonitor;
    try {
      monitor = await this.sessions.insertMonitor(
        {
          id: monitorId,
          companyId: call.companyId,
          callId: call.id,
          supervisorId: actor.userId,
          mode,
          status: 'ringing',
          modes: [{ mode, from: now.toISOString(), to: null }],
          supervisorChannelId: `${monitorId}-supervisor`,
          bridgeId: `${monitorId}-monitor`,
          startedAt: now,
        },
        auditOf(actor, call.id, monitorId, mode),
      );
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError('monitor.already_open', 'You are already monitoring this call; change its mode.');
      }
      throw error;
    }
    try {
      await telephony.originate({
        channelId: monitor.supervisorChannelId,
        endpoint: this.deps.settings.agentEndpointTemplate
          .replaceAll('{sipUsername}', device.endpointId)
          .replaceAll('{extension}', String(device.extension)),
        callerId: `"Monitor" <${call.direction === 'inbound' ? call.fromNumber : call.toNumber}>`,
        appArgs: ['monitor', monitorId],
        timeoutSeconds: this.deps.settings.ringTimeoutSeconds,
        variables: { [AUTO_ANSWER_HEADER]: 'answer-after=0' },
      });
    } catch (error) {
      this.deps.logger.warn({ err: error, callId, monitorId }, 'ringing the supervisor failed');
      await this.end(monitor, 'originate_failed', this.deps.clock.now());
      throw new UpstreamError('pbx.action_failed', 'The PBX could not ring your device.');
    }
    await this.announce('call.monitor_started', monitor);
    return monitor;
  }

  async switchMode(actor: Actor, callId: string, mode: MonitorMode): Promise<CallMonitor> {
    const current = await this.findOwnOpen(actor, callId);
    if (current.mode === mode) return current;
    const telephony = this.deps.telephony();
    const now = this.deps.clock.now();
    const updated = await this.sessions.updateMonitor(
      current.id,
      OPEN,
      (row) => (row.mode === mode ? undefined : { mode, modes: switchSpans(row.modes, mode, now) }),
      (row) => auditOf(actor, callId, row.id, mode, row.mode),
    );
    if (!updated) return this.findOwnOpen(actor, callId);
    if (updated.status === 'active') {
      const call = await this.deps.repository.findCall(updated.companyId, updated.callId);
      if (call) await this.applyMode(telephony, updated, call, current.mode);
    }
    await this.announce('call.monitor_changed', updated);
    if (updated.status === 'active' && isCoaching(current.mode) !== isCoaching(mode)) {
      await this.announceCoaching(updated, isCoaching(mode));
    }
    return updated;
  }

  async stop(actor: Actor, callId: string): Promise<CallMonitor> {
    const current = await this.findOwnOpen(actor, callId);
    this.deps.telephony();
    return (await this.end(current, 'stopped', this.deps.clock.now())) ?? current;
  }

  async list(actor: Actor, callId: string): Promise<CallMonitor[]> {
    const call = await this.findMonitorable(actor, callId);
    return this.sessions.listMonitors(call.companyId, call.id, false);
  }

  /** StasisStart `monitor,<id>`: the supervisor's device answered. */
  async onSupervisorAnswered(monitorId: string, channelId: string, at: Date): Promise<void> {
    const telephony = this.deps.telephony();
    const monitor = await this.sessions.findMonitorById(monitorId);
    if (monitor?.supervisorChannelId !== channelId) {
      await telephony.hangup(channelId).catch(() => undefined);
      return;
    }
    const active = await this.sessions.updateMonitor(monitor.id, ['ringing'], () => ({
      status: 'active',
      answeredAt: at,
    }));
    const call = active && (await this.deps.repository.findCall(active.companyId, active.callId));
    if (!active || !call || call.status !== 'in_progress') {
      if (active) await this.end(active, 'call_ended', at);
      else await telephony.hangup(channelId).catch(() => undefined);
      return;
    }
    try {
      await telephony.createBridge(active.bridgeId);
      await telephony.addToBridge(active.bridgeId, [channelId]);
      await this.applyMode(telephony, active, call, undefined);
    } catch (error) {
      this.deps.logger.warn({ err: error, monitorId }, 'starting the monitor failed');
      await this.end(active, 'pbx_failed', at);
      return;
    }
    await this.announce('call.monitor_changed', active);
    if (isCoaching(active.mode)) await this.announceCoaching(active, true);
  }

  /** StasisStart `monitor-snoop,<id>`: the snoop is ready to join the monitor bridge. */
  async onSnoopEntered(monitorId: string, channelId: string): Promise<void> {
    const telephony = this.deps.telephony();
    const monitor = await this.sessions.findMonitorById(monitorId);
    if (monitor?.status !== 'active' || monitor.snoopChannelId !== channelId) {
      // A snoop of an earlier mode, or of a session already over.
      await telephony.hangup(channelId).catch(() => undefined);
      return;
    }
    await telephony.addToBridge(monitor.bridgeId, [channelId]).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, monitorId }, 'the snoop could not join the monitor bridge');
    });
  }

  /** A monitor's channel ended; true when it was one. */
  async onChannelEnded(channelId: string, at: Date): Promise<boolean> {
    const monitor = await this.sessions.findMonitorByChannel(channelId);
    if (!monitor) return false;
    if (monitor.endedAt) return true;
    if (monitor.supervisorChannelId === channelId) {
      await this.end(monitor, monitor.status === 'ringing' ? 'not_answered' : 'supervisor_hangup', at);
    } else if (monitor.snoopChannelId === channelId) {
      // The spied leg went away (hangup, a completed transfer): there is nobody left to hear.
      await this.end(monitor, 'agent_left', at);
    }
    return true;
  }

  /**
   * After the PBX link came back: a session whose supervisor leg is gone ended while we
   * were away (its ChannelDestroyed was lost). Sessions begun since the link was lost are
   * left alone: their channels may be younger than the list.
   */
  async reconcile(presentChannelIds: ReadonlySet<string>, linkLostAt: Date | undefined, at: Date): Promise<void> {
    for (const monitor of await this.sessions.listOpenMonitorsEverywhere()) {
      if (linkLostAt && monitor.startedAt > linkLostAt) continue;
      if (!presentChannelIds.has(monitor.supervisorChannelId)) await this.end(monitor, 'pbx_lost', linkLostAt ?? at);
    }
  }

  /** The call is over (or its agent changed): every open session of it ends. */
  async endAll(call: Pick<Call, 'companyId' | 'id'>, reason: string, at: Date): Promise<void> {
    for (const monitor of await this.sessions.listMonitors(call.companyId, call.id, true)) {
      await this.end(monitor, reason, at);
    }
  }

  private async end(monitor: CallMonitor, reason: string, at: Date): Promise<CallMonitor | undefined> {
    const ended = await this.sessions.updateMonitor(monitor.id, OPEN, (row) => ({
      status: 'ended',
      endedAt: at,
      endReason: reason,
      modes: closeSpans(row.modes, at),
    }));
    if (!ended) return undefined;
    const telephony = this.tryTelephony();
    for (const channelId of [ended.supervisorChannelId, ended.snoopChannelId]) {
      if (channelId) await telephony?.hangup(channelId).catch(() => undefined);
    }
    await telephony?.destroyBridge(ended.bridgeId).catch(() => undefined);
    await this.announce('call.monitor_ended', ended);
    if (monitor.status === 'active' && isCoaching(monitor.mode)) await this.announceCoaching(ended, false);
    return ended;
  }

  /**
   * Puts the PBX in `monitor.mode` from `previous` (undefined: just answered, the
   * supervisor alone in the monitor bridge).
   */
  private async applyMode(
    telephony: TelephonyPort,
    monitor: CallMonitor,
    call: Call,
    previous: MonitorMode | undefined,
  ): Promise<void> {
    const { supervisorChannelId: supervisor } = monitor;
    if (previous === 'barge' && call.asteriskBridgeId) {
      await telephony.removeFromBridge(call.asteriskBridgeId, supervisor).catch(() => undefined);
      await telephony.addToBridge(monitor.bridgeId, [supervisor]);
    }
    if (monitor.snoopChannelId) {
      await this.sessions.updateMonitor(monitor.id, ['active'], () => ({ snoopChannelId: null }));
      await telephony.hangup(monitor.snoopChannelId).catch(() => undefined);
    }
    const snoop = snoopOf(monitor.mode);
    if (snoop && call.agentChannelId) {
      const snoopChannelId = `${monitor.id}-snoop-${newId().slice(0, 8)}`;
      // Stored first: its StasisStart checks that it is still the session's snoop.
      await this.sessions.updateMonitor(monitor.id, ['active'], () => ({ snoopChannelId }));
      await telephony.snoop({
        channelId: call.agentChannelId,
        snoopChannelId,
        ...snoop,
        appArgs: ['monitor-snoop', monitor.id],
      });
      return;
    }
    if (monitor.mode === 'barge' && call.asteriskBridgeId) {
      await telephony.removeFromBridge(monitor.bridgeId, supervisor).catch(() => undefined);
      await telephony.addToBridge(call.asteriskBridgeId, [supervisor]);
    }
  }

  private async findMonitorable(actor: Actor, callId: string): Promise<Call> {
    const call = await this.deps.repository.findCall(actor.companyId, callId);
    if (!call || !canActOnCall(actor, call)) throw new NotFoundError('call.not_found', 'No such call.');
    if (!isManager(actor)) {
      throw new ForbiddenError('monitor.forbidden', 'Only supervisors and administrators monitor calls.');
    }
    return call;
  }

  private async findOwnOpen(actor: Actor, callId: string): Promise<CallMonitor> {
    await this.findMonitorable(actor, callId);
    const monitor = await this.sessions.findOpenMonitor(actor.companyId, callId, actor.userId);
    if (!monitor) throw new NotFoundError('monitor.not_found', 'You are not monitoring this call.');
    return monitor;
  }

  private tryTelephony(): TelephonyPort | undefined {
    try {
      return this.deps.telephony();
    } catch {
      return undefined;
    }
  }

  private async announce(name: string, monitor: CallMonitor): Promise<void> {
    // Managers only: an agent never learns of a listen from the wire.
    await this.deps.lifecycle.announceTo(
      name,
      monitor.companyId,
      { managers: true, userIds: [monitor.supervisorId] },
      toCallMonitorDto(monitor),
    );
  }

  /** The agent's discreet marker: someone whispers or barged in, or no longer does. */
  private async announceCoaching(monitor: CallMonitor, isCoached: boolean): Promise<void> {
    const call = await this.deps.repository.findCall(monitor.companyId, monitor.callId);
    if (!call?.agentId) return;
    await this.deps.lifecycle.announceTo(
      'call.coaching_changed',
      monitor.companyId,
      { userIds: [call.agentId] },
      {
        call_id: call.id,
        is_coached: isCoached,
        mode: isCoached ? monitor.mode : null,
      },
    );
  }
}

const AUDIT_ACTION_OF: Record<MonitorMode, string> = {
  listen: 'call.listened',
  whisper: 'call.whispered',
  barge: 'call.barged',
};

/** Who heard which call, in which mode: ids only (the audit log never holds numbers). */
function auditOf(
  actor: Actor,
  callId: string,
  monitorId: string,
  mode: MonitorMode,
  previousMode?: MonitorMode,
): AuditRecordInput {
  return {
    companyId: actor.companyId,
    actor: auditActorOf(actor),
    action: AUDIT_ACTION_OF[mode],
    target: { type: 'call', id: callId },
    details: { monitor_id: monitorId, mode, ...(previousMode ? { previous_mode: previousMode } : {}) },
  };
}
