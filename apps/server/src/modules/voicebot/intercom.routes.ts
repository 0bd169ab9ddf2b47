/**
 * The intercom's company data over HTTP: units, residents, settings (admins manage,
 * supervisors read) and the record of intercom calls with their transcripts.
 */
import {
  createResidentBodySchema,
  createUnitBodySchema,
  idParamsSchema,
  intercomCallSchema,
  intercomSettingsSchema,
  listIntercomCallsQuerySchema,
  listResidentsQuerySchema,
  listUnitsQuerySchema,
  pageSchema,
  problemSchema,
  residentSchema,
  unitSchema,
  updateIntercomSettingsBodySchema,
  updateResidentBodySchema,
  updateUnitBodySchema,
} from '@switchboard/contracts';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import { toIntercomCallDto, toResidentDto, toSettingsDto, toUnitDto } from './voicebot.dto.js';
import type { VoicebotService } from './voicebot.service.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

export function registerIntercomRoutes(app: TypedApp, service: VoicebotService): void {
  const tags = ['intercom'];

  app.get(
    '/api/voicebot/units',
    {
      schema: {
        tags,
        summary: 'Units of your building (admins and supervisors)',
        querystring: listUnitsQuerySchema,
        response: { 200: pageSchema(unitSchema), ...errors },
      },
    },
    async (request) => {
      const { q, cursor, limit } = request.query;
      const page = await service.listUnits(actorOf(request), q, { cursor, limit });
      return { items: page.items.map(toUnitDto), next_cursor: page.nextCursor };
    },
  );

  app.post(
    '/api/voicebot/units',
    {
      schema: {
        tags,
        summary: 'Add a unit (admins); the number is stored upper case',
        body: createUnitBodySchema,
        response: { 201: unitSchema, 409: problemSchema, ...errors },
      },
    },
    async (request, reply) => {
      const unit = await service.createUnit(actorOf(request), request.body);
      return reply.code(201).header('location', `/api/voicebot/units/${unit.id}`).send(toUnitDto(unit));
    },
  );

  app.get(
    '/api/voicebot/units/:id',
    { schema: { tags, summary: 'One unit', params: idParamsSchema, response: { 200: unitSchema, ...errors } } },
    async (request) => toUnitDto(await service.getUnit(actorOf(request), request.params.id)),
  );

  app.patch(
    '/api/voicebot/units/:id',
    {
      schema: {
        tags,
        summary: 'Change a unit (admins)',
        params: idParamsSchema,
        body: updateUnitBodySchema,
        response: { 200: unitSchema, 409: problemSchema, ...errors },
      },
    },
    async (request) => toUnitDto(await service.updateUnit(actorOf(request), request.params.id, request.body)),
  );

  app.delete(
    '/api/voicebot/units/:id',
    {
      schema: {
        tags,
        summary: 'Remove a unit without residents (admins); past calls keep its number',
        params: idParamsSchema,
        response: { 204: z.null(), 409: problemSchema, ...errors },
      },
    },
    async (request, reply) => {
      await service.deleteUnit(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/voicebot/residents',
    {
      schema: {
        tags,
        summary: 'Residents (admins and supervisors)',
        querystring: listResidentsQuerySchema,
        response: { 200: pageSchema(residentSchema), ...errors },
      },
    },
    async (request) => {
      const { unit_id: unitId, q, cursor, limit } = request.query;
      const page = await service.listResidents(actorOf(request), { unitId, search: q }, { cursor, limit });
      return { items: page.items.map(toResidentDto), next_cursor: page.nextCursor };
    },
  );

  app.post(
    '/api/voicebot/residents',
    {
      schema: {
        tags,
        summary: 'Add a resident with a phone or a SIP extension (admins)',
        body: createResidentBodySchema,
        response: { 201: residentSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { unit_id: unitId, name, phone, sip_extension: sipExtension, priority } = request.body;
      const resident = await service.createResident(actorOf(request), { unitId, name, phone, sipExtension, priority });
      return reply.code(201).header('location', `/api/voicebot/residents/${resident.id}`).send(toResidentDto(resident));
    },
  );

  app.get(
    '/api/voicebot/residents/:id',
    { schema: { tags, summary: 'One resident', params: idParamsSchema, response: { 200: residentSchema, ...errors } } },
    async (request) => toResidentDto(await service.getResident(actorOf(request), request.params.id)),
  );

  app.patch(
    '/api/voicebot/residents/:id',
    {
      schema: {
        tags,
        summary: 'Change a resident (admins)',
        params: idParamsSchema,
        body: updateResidentBodySchema,
        response: { 200: residentSchema, ...errors },
      },
    },
    async (request) => {
      const b = request.body;
      return toResidentDto(
        await service.updateResident(actorOf(request), request.params.id, {
          unitId: b.unit_id,
          name: b.name,
          phone: b.phone,
          sipExtension: b.sip_extension,
          priority: b.priority,
          isActive: b.is_active,
        }),
      );
    },
  );

  app.delete(
    '/api/voicebot/residents/:id',
    {
      schema: {
        tags,
        summary: 'Remove a resident (admins); past calls keep their name',
        params: idParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.deleteResident(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/voicebot/settings',
    {
      schema: {
        tags,
        summary: 'The intercom’s AudioSocket UUID and gate webhook (the secret is never shown)',
        response: { 200: intercomSettingsSchema, ...errors },
      },
    },
    async (request) => toSettingsDto(await service.getSettings(actorOf(request))),
  );

  app.put(
    '/api/voicebot/settings',
    {
      schema: {
        tags,
        summary: 'Set the gate webhook URL and its HMAC-SHA256 signing secret (admins); null removes',
        body: updateIntercomSettingsBodySchema,
        response: { 200: intercomSettingsSchema, ...errors },
      },
    },
    async (request) =>
      toSettingsDto(
        await service.updateSettings(actorOf(request), {
          gateWebhookUrl: request.body.gate_webhook_url,
          gateWebhookSecret: request.body.gate_webhook_secret,
        }),
      ),
  );

  app.get(
    '/api/voicebot/calls',
    {
      schema: {
        tags,
        summary: 'Intercom calls, newest first, with their outcome',
        querystring: listIntercomCallsQuerySchema,
        response: { 200: pageSchema(intercomCallSchema), ...errors },
      },
    },
    async (request) => {
      const { outcome, unit_id: unitId, cursor, limit } = request.query;
      const page = await service.listCalls(actorOf(request), { outcome, unitId }, { cursor, limit });
      return { items: page.items.map((call) => toIntercomCallDto(call)), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/api/voicebot/calls/:id',
    {
      schema: {
        tags,
        summary: 'One intercom call with its transcript, in order',
        params: idParamsSchema,
        response: { 200: intercomCallSchema, ...errors },
      },
    },
    async (request) => {
      const { call, transcript } = await service.getCall(actorOf(request), request.params.id);
      return toIntercomCallDto(call, transcript);
    },
  );
}
