import {
  listDeliveriesQuerySchema,
  pageSchema,
  problemSchema,
  putRdStationBodySchema,
  rdStationSettingsSchema,
  webhookDeliverySchema,
  type RdStationSettingsDto,
} from '@switchboard/contracts';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import { toDeliveryDto } from '../webhooks/index.js';
import type { RdSettings } from './rdstation.js';
import type { RdStationService } from './rdstation.service.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

function toSettingsDto(settings: RdSettings | undefined): RdStationSettingsDto {
  return {
    is_configured: settings !== undefined,
    is_active: settings?.isActive ?? false,
    token_hint: settings ? settings.apiToken.slice(-4) : null,
    conversions: settings?.conversions ?? [],
    field_mapping: settings?.fieldMapping ?? {},
    updated_at: settings?.updatedAt.toISOString() ?? null,
  };
}

export function registerRdStationRoutes(app: TypedApp, service: RdStationService): void {
  const tags = ['integrations'];

  app.get(
    '/api/integrations/rdstation',
    {
      schema: {
        tags,
        summary: 'The RD Station Marketing connector (admins); the token is never returned',
        response: { 200: rdStationSettingsSchema, ...errors },
      },
    },
    async (request) => toSettingsDto(await service.get(actorOf(request))),
  );

  app.put(
    '/api/integrations/rdstation',
    {
      schema: {
        tags,
        summary: 'Configure RD Station Marketing conversions (admins); the API token is write-only',
        description:
          'On each chosen trigger (a new contact, a closed conversation, an answered or abandoned call) ' +
          'a conversion is sent to RD Station’s conversions API with the contact’s e-mail, name, phone and ' +
          'the mapped fields, through the same durable delivery and log as webhooks. A contact without an ' +
          'e-mail makes no conversion (RD Station needs one).',
        body: putRdStationBodySchema,
        response: { 200: rdStationSettingsSchema, ...errors },
      },
    },
    async (request) => {
      const body = request.body;
      return toSettingsDto(
        await service.put(actorOf(request), {
          apiToken: body.api_token,
          isActive: body.is_active,
          conversions: body.conversions,
          fieldMapping: body.field_mapping,
        }),
      );
    },
  );

  app.get(
    '/api/integrations/rdstation/deliveries',
    {
      schema: {
        tags,
        summary: 'The conversions sent to RD Station, newest first, with every attempt (admins)',
        description: 'Redeliver one with POST /api/webhooks/deliveries/:id/redeliver.',
        querystring: listDeliveriesQuerySchema,
        response: { 200: pageSchema(webhookDeliverySchema), ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      const page = await service.deliveries(actorOf(request), {
        status: query.status,
        eventType: query.event_type,
        cursor: query.cursor,
        limit: query.limit,
      });
      return { items: page.items.map(toDeliveryDto), next_cursor: page.nextCursor };
    },
  );
}
