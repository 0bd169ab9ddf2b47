/** Call use cases reached over HTTP: click-to-call, answer, hang up, transfer, history … */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { actedBy, type Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, NotFoundError, UpstreamError, ValidationError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { decodeCursor, toPage, type Page } from '../../shared/pagination.js';
import { canActOnCall, isActive, normalizeNumber, secondsBetween, type Call, type CallNote } from './calls.js';
import type { CallLifecycle } from './calls.lifecycle.js';
import { CallConsults } from './call-consults.service.js';
import { CallMonitors } from './call-monitors.service.js';
import type { DeviceDirectory, TelephonyPort } from './calls.ports.js';
import type { CallFilter, CallStatisticsRows, CallsRepository } from './calls.repository.js';

export interface CallSettings {
  /** Dialplan context that dials external numbers and extensions (click-to-call, transfer). */
  outboundContext: string;
  /** `PJSIP/{sipUsername}`: how to reach an agent's device; `{extension}` also works. */
  agentEndpointTemplate: string;
  ringTimeoutSeconds: number;
  recordingsDir: string;
  recordingFormat: 'wav';
}

export interface CallsServiceDeps {
  repository: CallsRepository;
  lifecycle: CallLifecycle;
  telephony: TelephonyPort | undefined;
  devices: DeviceDirectory;
  clock: Clock;
  logger: Logger;
  settings: CallSettings;
}

export interface RecordingFile {
  path: string;
  sizeBytes: number;
  contentType: string;
}

const CALL_NOT_FOUND = 'call.not_found';
/** RFC 7462-style `Call-Info: answer-after=0`, which JsSIP softphones and desk phones honour. */
const AUTO_ANSWER_HEADER = 'PJSIP_HEADER(add,Call-Info)';

export function agentEndpoint(template: string, device: { endpointId: string; extension: number }): string {
  return template.replaceAll('{sipUsername}', device.endpointId).replaceAll('{extension}', String(device.extension));
}

export class CallsService {
  /** Listen, whisper, barge (call-monitors.service.ts). */
  readonly monitors: CallMonitors;
  /** Hold and consult transfer (call-consults.service.ts). */
  readonly consults: CallConsults;

  constructor(private readonly deps: CallsServiceDeps) {
    const shared = { ...deps, telephony: () => this.requireTelephony() };
    this.monitors = new CallMonitors(shared);
    this.consults = new CallConsults(shared);
  }

  /** Click-to-call: ring the agent's own device; when they answer, dial the destination. */
  async makeCall(actor: Actor, input: { to: string }): Promise<Call> {
    const telephony = this.requireTelephony();
    const device = await this.deps.devices.findActiveDeviceOfUser(actor.companyId, actor.userId);
    if (!device) throw new ConflictError('call.no_device', 'You have no active SIP device to call from.');
    const callId = newId();
    const agentChannelId = `${callId}-agent`;
    const call = await this.deps.lifecycle.create(
      {
        id: callId,
        companyId: actor.companyId,
        agentId: actor.userId,
        direction: 'outbound',
        status: 'initiated',
        fromNumber: String(device.extension),
        toNumber: normalizeNumber(input.to),
        agentChannelId,
        customerChannelId: `${callId}-customer`,
      },
      'api:make',
    );
    try {
      await telephony.originate({
        channelId: agentChannelId,
        endpoint: agentEndpoint(this.deps.settings.agentEndpointTemplate, device),
        callerId: `"${call.toNumber}" <${call.toNumber}>`,
        appArgs: ['outbound', callId],
        timeoutSeconds: this.deps.settings.ringTimeoutSeconds,
        // The agent asked for this call: their softphone (or desk phone) picks it up itself.
        variables: { [AUTO_ANSWER_HEADER]: 'answer-after=0' },
      });
    } catch (error) {
      this.deps.logger.warn({ err: error, callId }, 'originate of the agent leg failed');
      await this.deps.lifecycle.move(call, 'failed', 'api:originate_failed', this.deps.clock.now(), () => ({
        endedAt: this.deps.clock.now(),
        endedBy: 'system',
        durationSeconds: 0,
        billableSeconds: 0,
      }));
      throw toUpstream(error);
    }
    return call;
  }

  /**
   * Takes an inbound call that is ringing: the agent's device is rung again with an
   * auto-answer header, so the console's answer button picks the call up on the softphone.
   * A supervisor or admin taking it becomes its agent.
   */
  async answerCall(actor: Actor, callId: string): Promise<Call> {
    const telephony = this.requireTelephony();
    const call = await this.findActionable(actor, callId);
    if (call.direction !== 'inbound' || (call.status !== 'initiated' && call.status !== 'ringing')) {
      throw new ConflictError('call.not_ringing', 'Only an inbound call that is ringing can be answered.');
    }
    const agentId = actor.role === 'agent' ? (call.agentId ?? actor.userId) : actor.userId;
    const device = await this.deps.devices.findActiveDeviceOfUser(actor.companyId, agentId);
    if (!device) throw new ConflictError('call.no_device', 'You have no active SIP device to answer on.');
    const previousAgentChannelId = call.agentChannelId;
    const agentChannelId = `${callId}-agent-${newId().slice(0, 8)}`;
    // The new channel id first: the old leg's hangup then matches no call and ends nothing.
    await this.deps.lifecycle.patch(call, { agentChannelId, agentId });
    if (previousAgentChannelId) await telephony.hangup(previousAgentChannelId).catch(() => undefined);
    await telephony
      .originate({
        channelId: agentChannelId,
        endpoint: agentEndpoint(this.deps.settings.agentEndpointTemplate, device),
        callerId: `"${call.fromNumber}" <${call.fromNumber}>`,
        appArgs: ['inbound-agent', callId],
        timeoutSeconds: this.deps.settings.ringTimeoutSeconds,
        variables: { [AUTO_ANSWER_HEADER]: 'answer-after=0' },
      })
      .catch((error: unknown) => {
        throw toUpstream(error);
      });
    return this.getCall(actor, callId);
  }

  async hangupCall(actor: Actor, callId: string): Promise<Call> {
    const telephony = this.requireTelephony();
    const call = await this.findActionable(actor, callId);
    if (!isActive(call.status)) throw new ConflictError('call.not_active', 'The call has already ended.');
    // Recorded first: the PBX reports each leg's end while the hangups are in flight, and
    // those reports must find the call already ended by the agent, not by the customer.
    const now = this.deps.clock.now();
    const to = call.status === 'in_progress' ? 'completed' : 'canceled';
    await this.deps.lifecycle.move(call, to, 'api:hangup', now, (current) => endPatch(current, now, 'agent'), {
      ...actedBy(actor),
    });
    for (const channelId of [call.agentChannelId, call.customerChannelId]) {
      if (channelId) await telephony.hangup(channelId).catch(ignoreGone);
    }
    if (call.asteriskBridgeId) await telephony.destroyBridge(call.asteriskBridgeId).catch(ignoreGone);
    await this.endSessions(call, 'call_ended', now);
    return this.getCall(actor, callId);
  }

  /** Blind transfer: the customer leaves our bridge for the dialplan, the agent is released. */
  async transferCall(actor: Actor, callId: string, input: { to: string }): Promise<Call> {
    const telephony = this.requireTelephony();
    const call = await this.findActionable(actor, callId);
    if (call.status !== 'in_progress' || !call.customerChannelId) {
      throw new ConflictError('call.not_answered', 'Only an answered call can be transferred.');
    }
    const destination = normalizeNumber(input.to);
    const device = call.agentId
      ? await this.deps.devices.findActiveDeviceOfUser(call.companyId, call.agentId)
      : undefined;
    // The dialplan resolves extensions within the tenant named by this variable.
    if (device) {
      await telephony
        .setVariable(call.customerChannelId, 'SWITCHBOARD_SIP_PREFIX', device.endpointId.split('_')[0] ?? '')
        .catch(() => undefined);
    }
    await telephony
      .continueInDialplan(call.customerChannelId, this.deps.settings.outboundContext, destination)
      .catch((error: unknown) => {
        throw toUpstream(error);
      });
    const now = this.deps.clock.now();
    await this.deps.lifecycle.move(
      call,
      'transferred',
      'api:transfer',
      now,
      (current) => ({ ...endPatch(current, now, 'agent'), transferredTo: destination }),
      { ...actedBy(actor), to: destination },
    );
    if (call.agentChannelId) await telephony.hangup(call.agentChannelId).catch(ignoreGone);
    if (call.asteriskBridgeId) await telephony.destroyBridge(call.asteriskBridgeId).catch(ignoreGone);
    await this.endSessions(call, 'call_transferred', now);
    return this.getCall(actor, callId);
  }

  private async endSessions(call: Call, reason: string, at: Date): Promise<void> {
    await this.consults.endAll(call, reason, at);
    await this.monitors.endAll(call, reason, at);
  }

  async getCall(actor: Actor, callId: string): Promise<Call> {
    const call = await this.deps.repository.findCall(actor.companyId, callId);
    if (!call || !canActOnCall(actor, call)) throw new NotFoundError(CALL_NOT_FOUND, 'No such call.');
    return call;
  }

  async canFollowCall(actor: Actor, callId: string): Promise<boolean> {
    const call = await this.deps.repository.findCall(actor.companyId, callId);
    return call !== undefined && canActOnCall(actor, call);
  }

  async history(
    actor: Actor,
    filter: CallFilter,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<Page<Call>> {
    const scoped = actor.role === 'agent' ? { ...filter, agentId: actor.userId } : filter;
    const rows = await this.deps.repository.listHistory(actor.companyId, scoped, decodeCursor(page.cursor), page.limit);
    return toPage(rows, page.limit);
  }

  async activeCalls(actor: Actor): Promise<Call[]> {
    return this.deps.repository.listActive(actor.companyId, actor.role === 'agent' ? actor.userId : undefined);
  }

  async statistics(
    actor: Actor,
    query: { from?: Date | undefined; to?: Date | undefined; agentId?: string | undefined; timezone: string },
  ): Promise<CallStatisticsRows & { from: Date; to: Date }> {
    if (!isTimeZone(query.timezone)) {
      throw new ValidationError('request.invalid', 'Unknown time zone.', [
        { field: 'querystring.timezone', message: 'must be an IANA time zone, e.g. America/Sao_Paulo' },
      ]);
    }
    const to = query.to ?? this.deps.clock.now();
    const from = query.from ?? new Date(to.getTime() - 24 * 3600 * 1000);
    if (from >= to) {
      throw new ValidationError('request.invalid', 'The period is empty.', [
        { field: 'querystring.from', message: 'must be before `to`' },
      ]);
    }
    const agentId = actor.role === 'agent' ? actor.userId : query.agentId;
    const rows = await this.deps.repository.statistics(actor.companyId, { from, to, agentId }, query.timezone);
    return { ...rows, from, to };
  }

  async addNote(actor: Actor, callId: string, body: string): Promise<CallNote> {
    await this.getCall(actor, callId);
    const noteId = newId();
    await this.deps.repository.insertNote({
      id: noteId,
      companyId: actor.companyId,
      callId,
      authorId: actor.userId,
      body,
      createdAt: this.deps.clock.now(),
    });
    const notes = await this.deps.repository.listNotes(actor.companyId, callId);
    const note = notes.find((n) => n.id === noteId);
    if (!note) throw new Error('note vanished after insert');
    return note;
  }

  async listNotes(actor: Actor, callId: string): Promise<CallNote[]> {
    await this.getCall(actor, callId);
    return this.deps.repository.listNotes(actor.companyId, callId);
  }

  /** The recording's file, for its call's agent and the company's managers. */
  async openRecording(actor: Actor, callId: string): Promise<RecordingFile> {
    await this.getCall(actor, callId);
    const recording = await this.deps.repository.findRecordingOfCall(actor.companyId, callId);
    if (!recording) throw new NotFoundError('recording.not_found', 'The call has no recording.');
    if (recording.status === 'deleted') {
      throw new NotFoundError('recording.deleted', 'The recording was deleted under the retention policy.');
    }
    // The file name is our random recording name, never anything a client sent.
    const path = join(this.deps.settings.recordingsDir, `${recording.asteriskName}.${recording.format}`);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      throw new NotFoundError('recording.not_available', 'The recording file is not available (yet).');
    }
    return {
      path,
      sizeBytes: info.size,
      contentType: recording.format === 'wav' ? 'audio/wav' : 'application/octet-stream',
    };
  }

  private requireTelephony(): TelephonyPort {
    const telephony = this.deps.telephony;
    if (!telephony?.isAvailable()) {
      throw new UpstreamError('pbx.unavailable', 'The PBX is not connected; calls cannot be controlled now.', {
        isUnavailable: true,
      });
    }
    return telephony;
  }

  private async findActionable(actor: Actor, callId: string): Promise<Call> {
    return this.getCall(actor, callId);
  }
}

export function endPatch(current: Call, now: Date, endedBy: 'agent' | 'customer' | 'system') {
  return {
    endedAt: now,
    endedBy,
    durationSeconds: secondsBetween(current.createdAt, now),
    billableSeconds: current.answeredAt ? secondsBetween(current.answeredAt, now) : 0,
  };
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** A channel or bridge that is already gone is what we wanted anyway. */
function ignoreGone(error: unknown): void {
  if ((error as { status?: unknown }).status === 404) return;
  throw toUpstream(error);
}

function toUpstream(error: unknown): Error {
  if (error instanceof UpstreamError) return error;
  const status = (error as { status?: unknown }).status;
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamError(
    'pbx.action_failed',
    `The PBX refused the action${typeof status === 'number' ? ` (${status})` : ''}: ${message}`,
  );
}
