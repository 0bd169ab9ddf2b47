/**
 * Voice routing's use cases over HTTP: where each DID sends its callers (a queue, or a
 * DTMF menu of queues), a call's queue history (queue, wait, who it was offered to) and
 * the transfer of an answered call into a queue.
 */
import { isManager, type Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, ForbiddenError, NotFoundError, UpstreamError, ValidationError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Call, CallsRepository } from '../calls/index.js';
import type { QueueEntry } from '../routing/index.js';
import type { QueueCalls } from './queue-calls.js';
import { normalizeDid, type VoiceMenu } from './voice-routing.js';
import type { QueueTelephony } from './voice-routing.ports.js';
import type { CallEntry, VoiceEntryPoint, VoiceRoutingRepository } from './voice-routing.repository.js';

export interface VoiceRoutingServiceDeps {
  repository: VoiceRoutingRepository;
  calls: CallsRepository;
  queueCalls: QueueCalls | undefined;
  telephony: QueueTelephony | undefined;
  clock: Clock;
  logger: Logger;
}

export interface CallRouting {
  callId: string;
  /** The queue of the entry that was answered, else of the latest one. */
  queueId: string | null;
  /** Seconds from the first enqueue to the answer (or to the end when never answered). */
  waitSeconds: number | null;
  /** Every agent the call was offered to, in order, over all its queues. */
  offeredAgents: string[];
  entries: CallEntry[];
}

function assertAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new ForbiddenError('auth.forbidden', 'Only administrators may change routing.');
}

function didOf(raw: string): string {
  const did = normalizeDid(raw);
  if (!did) {
    throw new ValidationError('request.invalid', 'A DID is 3 to 20 digits, as the carrier delivers it.', [
      { field: 'params.did', message: 'digits only, e.g. 551130001000' },
    ]);
  }
  return did;
}

export class VoiceRoutingService {
  constructor(private readonly deps: VoiceRoutingServiceDeps) {}

  async listEntryPoints(actor: Actor): Promise<VoiceEntryPoint[]> {
    if (!isManager(actor)) throw new ForbiddenError('auth.forbidden', 'Only managers read routing configuration.');
    return this.deps.repository.listEntryPoints(actor.companyId);
  }

  async saveEntryPoint(
    actor: Actor,
    rawDid: string,
    input: { defaultQueueId: string | null; menu: VoiceMenu | null },
  ): Promise<VoiceEntryPoint> {
    assertAdmin(actor);
    const did = didOf(rawDid);
    const menu = input.menu && input.menu.options.length > 0 ? input.menu : null;
    if (!input.defaultQueueId && !menu) {
      throw new ValidationError('request.invalid', 'A DID needs a default queue, a menu, or both.', [
        { field: 'body.default_queue_id', message: 'required without a menu' },
      ]);
    }
    const keys = menu?.options.map((o) => o.key) ?? [];
    if (new Set(keys).size !== keys.length) {
      throw new ValidationError('request.invalid', 'Each menu key may appear once.', [
        { field: 'body.menu.options', message: 'duplicate key' },
      ]);
    }
    const queueIds = [
      ...(input.defaultQueueId ? [input.defaultQueueId] : []),
      ...(menu?.options.map((o) => o.queue_id) ?? []),
    ];
    const known = await this.deps.repository.existingQueueIds(actor.companyId, queueIds);
    if (queueIds.some((id) => !known.has(id))) throw new NotFoundError('queue.not_found', 'No such queue.');
    const holders = await this.deps.repository.entryPointsOfDid(did);
    if (holders.some((p) => p.companyId !== actor.companyId)) {
      throw new ConflictError('voice_entry.did_taken', 'Another company routes this DID.');
    }
    await this.deps.repository.saveEntryPoint(
      { companyId: actor.companyId, did, defaultQueueId: input.defaultQueueId, menu },
      this.deps.clock.now(),
    );
    this.deps.logger.info({ companyId: actor.companyId, did, queueId: input.defaultQueueId }, 'DID routing set');
    const [saved] = await this.deps.repository.entryPointsOfDid(did);
    if (!saved) throw new Error('entry point vanished after save');
    return saved;
  }

  async deleteEntryPoint(actor: Actor, rawDid: string): Promise<void> {
    assertAdmin(actor);
    if (!(await this.deps.repository.deleteEntryPoint(actor.companyId, didOf(rawDid)))) {
      throw new NotFoundError('voice_entry.not_found', 'This DID has no routing.');
    }
  }

  async callRouting(actor: Actor, callId: string): Promise<CallRouting> {
    const call = await this.findCall(actor, callId);
    const entries = await this.deps.repository.entriesOfCall(actor.companyId, call.id);
    const answered = entries.find((e) => e.assignedTo !== null && e.state !== 'abandoned');
    const last = answered ?? entries.at(-1);
    return {
      callId: call.id,
      queueId: last?.queueId ?? null,
      waitSeconds: last?.waitSeconds ?? null,
      offeredAgents: [...new Set(entries.flatMap((e) => e.offeredAgents))],
      entries,
    };
  }

  async transferToQueue(actor: Actor, callId: string, queueId: string): Promise<QueueEntry> {
    const call = await this.findCall(actor, callId);
    const { queueCalls, telephony } = this.deps;
    if (!queueCalls || !telephony?.isAvailable()) {
      throw new UpstreamError('pbx.unavailable', 'The PBX is not connected; calls cannot be controlled now.', {
        isUnavailable: true,
      });
    }
    if (call.status !== 'in_progress' || !call.customerChannelId) {
      throw new ConflictError('call.not_answered', 'Only an answered call can be transferred.');
    }
    const queue = await this.deps.repository.findQueue(actor.companyId, queueId);
    if (!queue) throw new NotFoundError('queue.not_found', 'No such queue.');
    if (!queue.channels.includes('voice')) {
      throw new ConflictError('queue.channel_not_served', 'The queue does not take voice items.');
    }
    const entry = await queueCalls.transferToQueue(
      {
        id: call.id,
        companyId: call.companyId,
        customerChannelId: call.customerChannelId,
        agentChannelId: call.agentChannelId,
        asteriskBridgeId: call.asteriskBridgeId,
        callerNumber: call.direction === 'outbound' ? call.toNumber : call.fromNumber,
      },
      queueId,
    );
    if (!entry) throw new ConflictError('entry.already_queued', 'The call is already in a queue.');
    this.deps.logger.info(
      { companyId: actor.companyId, callId, queueId, byUserId: actor.userId },
      'call transferred to a queue',
    );
    return entry;
  }

  /** Agents act on their own calls; managers on any of their company (404 otherwise, as for calls). */
  private async findCall(actor: Actor, callId: string): Promise<Call> {
    const call = await this.deps.calls.findCall(actor.companyId, callId);
    if (!call || (actor.role === 'agent' && call.agentId !== actor.userId)) {
      throw new NotFoundError('call.not_found', 'No such call.');
    }
    return call;
  }
}
