/**
 * The intercom's company data: units, residents, settings (intercom UUID, gate webhook)
 * and the record of intercom calls. Admins manage; supervisors read.
 */
import { isUniqueViolation } from '../../db/driver-results.js';
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { decodeCursor, encodeCursor, toPage, type Page } from '../../shared/pagination.js';
import type { VoicebotRepository } from './voicebot.repository.js';
import {
  assertAdmin,
  assertCanRead,
  normalizeUnitNumber,
  type IntercomCall,
  type IntercomOutcome,
  type IntercomSettings,
  type Resident,
  type TranscriptLine,
  type Unit,
} from './voicebot.js';

export interface VoicebotServiceDeps {
  repository: VoicebotRepository;
  clock: Clock;
  logger: Logger;
}

interface PageRequest {
  cursor?: string | undefined;
  limit: number;
}

const UNIT_NOT_FOUND = 'voicebot_unit.not_found';
const RESIDENT_NOT_FOUND = 'voicebot_resident.not_found';
const CALL_NOT_FOUND = 'intercom_call.not_found';

export class VoicebotService {
  constructor(private readonly deps: VoicebotServiceDeps) {}

  // ── units ─────────────────────────────────────────────────────────────────

  async listUnits(actor: Actor, search: string | undefined, page: PageRequest): Promise<Page<Unit>> {
    assertCanRead(actor);
    const rows = await this.deps.repository.listUnits(actor.companyId, search, decodeCursor(page.cursor), page.limit);
    return toPage(rows, page.limit);
  }

  async getUnit(actor: Actor, unitId: string): Promise<Unit> {
    assertCanRead(actor);
    return this.unitOrThrow(actor.companyId, unitId);
  }

  async createUnit(actor: Actor, input: { number: string; label?: string | undefined }): Promise<Unit> {
    assertAdmin(actor);
    const now = this.deps.clock.now();
    const unitId = newId();
    await this.translateUnitConflict(() =>
      this.deps.repository.insertUnit({
        id: unitId,
        companyId: actor.companyId,
        number: normalizeUnitNumber(input.number),
        label: input.label ?? null,
        createdAt: now,
        updatedAt: now,
      }),
    );
    this.deps.logger.info({ companyId: actor.companyId, unitId, byUserId: actor.userId }, 'intercom unit created');
    return this.unitOrThrow(actor.companyId, unitId);
  }

  async updateUnit(
    actor: Actor,
    unitId: string,
    input: { number?: string | undefined; label?: string | null | undefined },
  ): Promise<Unit> {
    assertAdmin(actor);
    const isUpdated = await this.translateUnitConflict(() =>
      this.deps.repository.updateUnit(actor.companyId, unitId, {
        ...(input.number !== undefined ? { number: normalizeUnitNumber(input.number) } : {}),
        ...(input.label !== undefined ? { label: input.label } : {}),
        updatedAt: this.deps.clock.now(),
      }),
    );
    if (!isUpdated) throw new NotFoundError(UNIT_NOT_FOUND, 'No such unit.');
    return this.unitOrThrow(actor.companyId, unitId);
  }

  async deleteUnit(actor: Actor, unitId: string): Promise<void> {
    assertAdmin(actor);
    await this.unitOrThrow(actor.companyId, unitId);
    if ((await this.deps.repository.countResidentsOfUnit(actor.companyId, unitId)) > 0) {
      throw new ConflictError('voicebot_unit.has_residents', 'Remove or move the unit’s residents first.');
    }
    await this.deps.repository.deleteUnit(actor.companyId, unitId);
    this.deps.logger.info({ companyId: actor.companyId, unitId, byUserId: actor.userId }, 'intercom unit deleted');
  }

  // ── residents ─────────────────────────────────────────────────────────────

  async listResidents(
    actor: Actor,
    filter: { unitId?: string | undefined; search?: string | undefined },
    page: PageRequest,
  ): Promise<Page<Resident>> {
    assertCanRead(actor);
    const rows = await this.deps.repository.listResidents(
      actor.companyId,
      filter,
      decodeCursor(page.cursor),
      page.limit,
    );
    return toPage(rows, page.limit);
  }

  async getResident(actor: Actor, residentId: string): Promise<Resident> {
    assertCanRead(actor);
    return this.residentOrThrow(actor.companyId, residentId);
  }

  async createResident(
    actor: Actor,
    input: {
      unitId: string;
      name: string;
      phone?: string | undefined;
      sipExtension?: string | undefined;
      priority: number;
    },
  ): Promise<Resident> {
    assertAdmin(actor);
    await this.unitOrThrow(actor.companyId, input.unitId);
    const now = this.deps.clock.now();
    const residentId = newId();
    await this.deps.repository.insertResident({
      id: residentId,
      companyId: actor.companyId,
      unitId: input.unitId,
      name: input.name,
      phone: input.phone ?? null,
      sipExtension: input.sipExtension ?? null,
      priority: input.priority,
      isActive: true,
      createdAt: now,
      updatedAt: now,
    });
    this.deps.logger.info(
      { companyId: actor.companyId, residentId, unitId: input.unitId, byUserId: actor.userId },
      'intercom resident created',
    );
    return this.residentOrThrow(actor.companyId, residentId);
  }

  async updateResident(
    actor: Actor,
    residentId: string,
    input: {
      unitId?: string | undefined;
      name?: string | undefined;
      phone?: string | null | undefined;
      sipExtension?: string | null | undefined;
      priority?: number | undefined;
      isActive?: boolean | undefined;
    },
  ): Promise<Resident> {
    assertAdmin(actor);
    const current = await this.residentOrThrow(actor.companyId, residentId);
    if (input.unitId !== undefined) await this.unitOrThrow(actor.companyId, input.unitId);
    const phone = input.phone === undefined ? current.phone : input.phone;
    const sipExtension = input.sipExtension === undefined ? current.sipExtension : input.sipExtension;
    if (!phone && !sipExtension) {
      throw new ValidationError('voicebot_resident.unreachable', 'A resident needs a phone or a SIP extension.', [
        { field: 'body.phone', message: 'give a phone or a sip_extension' },
      ]);
    }
    await this.deps.repository.updateResident(actor.companyId, residentId, {
      ...(input.unitId !== undefined ? { unitId: input.unitId } : {}),
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.phone !== undefined ? { phone: input.phone } : {}),
      ...(input.sipExtension !== undefined ? { sipExtension: input.sipExtension } : {}),
      ...(input.priority !== undefined ? { priority: input.priority } : {}),
      ...(input.isActive !== undefined ? { isActive: input.isActive } : {}),
      updatedAt: this.deps.clock.now(),
    });
    return this.residentOrThrow(actor.companyId, residentId);
  }

  async deleteResident(actor: Actor, residentId: string): Promise<void> {
    assertAdmin(actor);
    if (!(await this.deps.repository.deleteResident(actor.companyId, residentId))) {
      throw new NotFoundError(RESIDENT_NOT_FOUND, 'No such resident.');
    }
    this.deps.logger.info(
      { companyId: actor.companyId, residentId, byUserId: actor.userId },
      'intercom resident deleted',
    );
  }

  // ── settings ──────────────────────────────────────────────────────────────

  async getSettings(actor: Actor): Promise<IntercomSettings> {
    assertCanRead(actor);
    return this.deps.repository.ensureSettings(actor.companyId, { intercomUuid: newId(), at: this.deps.clock.now() });
  }

  async updateSettings(
    actor: Actor,
    input: { gateWebhookUrl?: string | null | undefined; gateWebhookSecret?: string | null | undefined },
  ): Promise<IntercomSettings> {
    assertAdmin(actor);
    const current = await this.deps.repository.ensureSettings(actor.companyId, {
      intercomUuid: newId(),
      at: this.deps.clock.now(),
    });
    const url = input.gateWebhookUrl === undefined ? current.gateWebhookUrl : input.gateWebhookUrl;
    const secret = input.gateWebhookSecret === undefined ? current.gateWebhookSecret : input.gateWebhookSecret;
    if (url && !secret) {
      throw new ValidationError('voicebot_settings.gate_secret_required', 'A gate webhook needs a signing secret.', [
        { field: 'body.gate_webhook_secret', message: 'required with gate_webhook_url' },
      ]);
    }
    await this.deps.repository.updateSettings(actor.companyId, {
      ...(input.gateWebhookUrl !== undefined ? { gateWebhookUrl: input.gateWebhookUrl } : {}),
      ...(input.gateWebhookSecret !== undefined ? { gateWebhookSecret: input.gateWebhookSecret } : {}),
      updatedAt: this.deps.clock.now(),
    });
    this.deps.logger.info(
      {
        companyId: actor.companyId,
        byUserId: actor.userId,
        hasGateWebhook: Boolean(url),
        isSecretChanged: input.gateWebhookSecret !== undefined,
      },
      'intercom settings updated',
    );
    return this.getSettings(actor);
  }

  // ── calls ─────────────────────────────────────────────────────────────────

  async listCalls(
    actor: Actor,
    filter: { outcome?: IntercomOutcome | undefined; unitId?: string | undefined },
    page: PageRequest,
  ): Promise<Page<IntercomCall>> {
    assertCanRead(actor);
    const rows = await this.deps.repository.listCalls(actor.companyId, filter, decodeCursor(page.cursor), page.limit);
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > page.limit && last ? encodeCursor({ createdAt: last.startedAt, id: last.id }) : null,
    };
  }

  async getCall(actor: Actor, callId: string): Promise<{ call: IntercomCall; transcript: TranscriptLine[] }> {
    assertCanRead(actor);
    const call = await this.deps.repository.findCall(actor.companyId, callId);
    if (!call) throw new NotFoundError(CALL_NOT_FOUND, 'No such intercom call.');
    return { call, transcript: await this.deps.repository.listTranscript(actor.companyId, callId) };
  }

  private async unitOrThrow(companyId: string, unitId: string): Promise<Unit> {
    const unit = await this.deps.repository.findUnit(companyId, unitId);
    if (!unit) throw new NotFoundError(UNIT_NOT_FOUND, 'No such unit.');
    return unit;
  }

  private async residentOrThrow(companyId: string, residentId: string): Promise<Resident> {
    const resident = await this.deps.repository.findResident(companyId, residentId);
    if (!resident) throw new NotFoundError(RESIDENT_NOT_FOUND, 'No such resident.');
    return resident;
  }

  private async translateUnitConflict<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError('voicebot_unit.number_taken', 'Another unit already has this number.');
      }
      throw error;
    }
  }
}
