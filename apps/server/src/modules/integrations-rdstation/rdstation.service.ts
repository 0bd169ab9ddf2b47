/**
 * The RD Station Marketing connector: settings (admins; the token is write-only), and the
 * connector as a target of the delivery outbox, so conversions are retried and logged like
 * webhook deliveries.
 */
import type { Db } from '../../db/client.js';
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { Page } from '../../shared/pagination.js';
import {
  assertIsAdmin,
  eventIdOf,
  type ClaimedDelivery,
  type DeliveryLog,
  type DeliveryTarget,
  type DeliveryWithAttempts,
  type LoggedEvent,
  type PlanPass,
  type PlannedDelivery,
} from '../webhooks/index.js';
import type { RdStationRepository } from './rdstation.repository.js';
import {
  conversionOf,
  dispositionItemOf,
  triggerOf,
  type RdConversionBody,
  type RdConversionSetting,
  type RdFacts,
  type RdMappableField,
  type RdSettings,
  type RdTrigger,
} from './rdstation.js';

export const RD_STATION_API_URL = 'https://api.rd.services';

export interface RdStationInput {
  apiToken?: string | undefined;
  isActive: boolean;
  conversions: RdConversionSetting[];
  fieldMapping: Partial<Record<RdMappableField, string>>;
}

export interface RdStationServiceDeps {
  repository: RdStationRepository;
  clock: Clock;
  logger: Logger;
  log: DeliveryLog;
  /** RD Station's API origin (tests: a local stub). */
  apiUrl: string;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

export class RdStationService {
  constructor(private readonly deps: RdStationServiceDeps) {}

  async get(actor: Actor): Promise<RdSettings | undefined> {
    assertIsAdmin(actor);
    return this.deps.repository.find(actor.companyId);
  }

  async put(actor: Actor, input: RdStationInput): Promise<RdSettings> {
    assertIsAdmin(actor);
    const current = await this.deps.repository.find(actor.companyId);
    const apiToken = input.apiToken ?? current?.apiToken;
    if (!apiToken) {
      throw new ValidationError('rdstation.token_required', 'Send the API token the first time.', [
        { field: 'body.api_token', message: 'required' },
      ]);
    }
    const triggers = input.conversions.map((c) => c.trigger);
    if (new Set(triggers).size !== triggers.length) {
      throw new ValidationError('rdstation.duplicate_trigger', 'Each trigger may appear once.', [
        { field: 'body.conversions', message: 'duplicate trigger' },
      ]);
    }
    const now = this.deps.clock.now();
    const saved = await this.deps.repository.upsert({
      id: current?.id ?? newId(),
      companyId: actor.companyId,
      apiToken,
      isActive: input.isActive,
      conversions: input.conversions,
      fieldMapping: input.fieldMapping,
      createdAt: now,
      updatedAt: now,
    });
    this.deps.logger.info(
      { companyId: actor.companyId, isTokenChanged: input.apiToken !== undefined },
      'rdstation configured',
    );
    return saved;
  }

  async deliveries(
    actor: Actor,
    filter: { status?: string | undefined; eventType?: string | undefined; cursor?: string | undefined; limit: number },
  ): Promise<Page<DeliveryWithAttempts>> {
    assertIsAdmin(actor);
    const settings = await this.deps.repository.find(actor.companyId);
    if (!settings) throw new NotFoundError('rdstation.not_configured', 'RD Station is not configured.');
    return this.deps.log.list(actor.companyId, settings.id, filter);
  }

  target(): DeliveryTarget {
    return {
      kind: 'rdstation',
      plan: async (db, event, pass) => this.plan(db, event, pass),
      prepare: async (delivery) => {
        const settings = await this.deps.repository.findById(delivery.companyId, delivery.targetId);
        if (!settings) return { skip: 'RD Station is no longer configured' };
        if (!settings.isActive) return { skip: 'the RD Station connector is off' };
        const payload = await this.withDisposition(delivery, settings);
        const url = new URL('/platform/conversions', this.deps.apiUrl);
        url.searchParams.set('api_key', settings.apiToken);
        return {
          request: {
            url: url.href,
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify(payload),
          },
        };
      },
    };
  }

  private async plan(db: Db, event: LoggedEvent, pass: PlanPass): Promise<PlannedDelivery[]> {
    const trigger = triggerOf(event.name, event.data);
    if (!trigger) return [];
    const settings = await pass.once(`rdstation:${event.companyId}`, () =>
      this.deps.repository.find(event.companyId, db),
    );
    const conversion = settings?.conversions.find((c) => c.trigger === trigger);
    if (!settings?.isActive || !conversion) return [];
    const facts = await this.factsOf(db, event, trigger);
    const body = facts && conversionOf(conversion.conversion_identifier, facts, settings.fieldMapping);
    if (!body) return [];
    // An answered call waits out its queue's wrap-up, when the agent gives its disposition.
    const wrapUpSeconds =
      trigger === 'call_answered' && typeof event.data.id === 'string'
        ? await this.deps.repository.wrapUpSecondsOfCall(db, event.companyId, event.data.id)
        : 0;
    return [
      {
        targetId: settings.id,
        eventId: eventIdOf(event.seq),
        eventType: `rdstation.${trigger}`,
        orderingKey: `contact:${facts.contact_email ?? ''}`.slice(0, 120),
        payload: body as unknown as Record<string, unknown>,
        ...(wrapUpSeconds > 0 ? { notBefore: new Date(event.at.getTime() + wrapUpSeconds * 1000) } : {}),
      },
    ];
  }

  /**
   * The conversion as planned, with the disposition of its conversation or call as it is
   * now (given during wrap-up, after the event), when the mapping sends dispositions.
   */
  private async withDisposition(delivery: ClaimedDelivery, settings: RdSettings): Promise<Record<string, unknown>> {
    const field = settings.fieldMapping.disposition;
    const trigger = delivery.eventType.replace(/^rdstation\./, '') as RdTrigger;
    const seq = Number(/^evt_(\d+)$/.exec(delivery.eventId)?.[1]);
    if (!field || !Number.isSafeInteger(seq)) return delivery.payload;
    const data = await this.deps.repository.eventData(delivery.companyId, seq);
    const item = data && dispositionItemOf(trigger, data);
    const label = item && (await this.deps.repository.dispositionOf(delivery.companyId, item));
    if (!label) return delivery.payload;
    const body = delivery.payload as unknown as RdConversionBody;
    return { ...body, payload: { ...body.payload, [field]: label } };
  }

  private async factsOf(db: Db, event: LoggedEvent, trigger: RdTrigger): Promise<RdFacts | undefined> {
    const data = event.data;
    if (trigger === 'contact_created') {
      return { contact_email: text(data.email), contact_name: text(data.name), contact_phone: text(data.phone) };
    }
    if (trigger === 'conversation_closed' || trigger === 'conversation_rated') {
      const contact = (data.contact ?? {}) as Record<string, unknown>;
      const item = dispositionItemOf(trigger, data);
      return {
        contact_email: text(contact.email),
        contact_name: text(contact.name),
        contact_phone: text(contact.phone),
        conversation_rating: num(data.rating),
        conversation_feedback: text(data.feedback),
        conversation_channel: text(data.channel),
        disposition: item ? await this.deps.repository.dispositionOf(event.companyId, item, db) : null,
      };
    }
    const callId = trigger === 'call_answered' ? text(data.id) : text(data.call_id);
    if (!callId) return undefined;
    const call = await this.deps.repository.callNumbers(db, event.companyId, callId);
    if (!call) return undefined;
    const number = call.direction === 'outbound' ? call.toNumber : call.fromNumber;
    const contact = await this.deps.repository.contactByPhone(db, event.companyId, number);
    if (!contact) return undefined;
    return {
      contact_email: contact.email,
      contact_name: contact.name,
      contact_phone: contact.phone,
      call_direction: call.direction,
      ...(trigger === 'call_answered'
        ? {
            call_duration_seconds: num(data.billable_seconds) ?? num(data.duration_seconds),
            disposition: await this.deps.repository.dispositionOf(event.companyId, { kind: 'call', id: callId }, db),
          }
        : {}),
      ...(trigger === 'call_abandoned' ? { queue_wait_seconds: num(data.wait_seconds) } : {}),
    };
  }
}
