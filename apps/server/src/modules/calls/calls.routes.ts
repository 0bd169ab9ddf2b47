import {
  callConsultSchema,
  callMonitorSchema,
  consultBodySchema,
  monitorBodySchema,
  callHistoryQuerySchema,
  callNoteBodySchema,
  callNoteSchema,
  callSchema,
  callStatisticsQuerySchema,
  callStatisticsSchema,
  callStatuses,
  idParamsSchema,
  makeCallBodySchema,
  pageSchema,
  problemSchema,
  transferCallBodySchema,
  type CallStatisticsDto,
} from '@switchboard/contracts';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import { sendFileRange } from '../../http/range.js';
import type { CallStatus } from './calls.js';
import { toCallConsultDto, toCallDto, toCallMonitorDto, toCallNoteDto } from './calls.dto.js';
import type { CallsService } from './calls.service.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const actionErrors = { ...errors, 409: problemSchema, 502: problemSchema, 503: problemSchema };
const optionalDate = (value: string | undefined) => (value === undefined ? undefined : new Date(value));

export function registerCallsRoutes(app: TypedApp, calls: CallsService): void {
  const tags = ['calls'];

  app.post(
    '/api/calls/make',
    {
      schema: {
        tags,
        summary: 'Click-to-call: ring your own SIP device, then dial `to` when you answer',
        body: makeCallBodySchema,
        response: { 201: callSchema, ...actionErrors },
      },
    },
    async (request, reply) => {
      const call = await calls.makeCall(actorOf(request), { to: request.body.to });
      return reply.code(201).header('location', `/api/calls/${call.id}`).send(toCallDto(call));
    },
  );

  app.post(
    '/api/calls/:id/answer',
    {
      schema: {
        tags,
        summary: 'Take a ringing inbound call on your softphone (it is rung with an auto-answer header)',
        params: idParamsSchema,
        response: { 202: callSchema, ...actionErrors },
      },
    },
    async (request, reply) =>
      reply.code(202).send(toCallDto(await calls.answerCall(actorOf(request), request.params.id))),
  );

  app.post(
    '/api/calls/:id/hangup',
    {
      schema: {
        tags,
        summary: 'Hang up a call',
        params: idParamsSchema,
        response: { 200: callSchema, ...actionErrors },
      },
    },
    async (request) => toCallDto(await calls.hangupCall(actorOf(request), request.params.id)),
  );

  app.post(
    '/api/calls/:id/transfer',
    {
      schema: {
        tags,
        summary: 'Blind transfer of an answered call to an extension or a number',
        params: idParamsSchema,
        body: transferCallBodySchema,
        response: { 200: callSchema, ...actionErrors },
      },
    },
    async (request) => toCallDto(await calls.transferCall(actorOf(request), request.params.id, request.body)),
  );

  registerHoldAndConsultRoutes(app, calls);
  registerMonitorRoutes(app, calls);

  app.get(
    '/api/calls/history',
    {
      schema: {
        tags,
        summary: 'Past and present calls, newest first (agents see their own)',
        querystring: callHistoryQuerySchema,
        response: { 200: pageSchema(callSchema), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await calls.history(
        actorOf(request),
        {
          from: optionalDate(q.from),
          to: optionalDate(q.to),
          agentId: q.agent_id,
          status: q.status,
          direction: q.direction,
          number: q.number,
        },
        { cursor: q.cursor, limit: q.limit },
      );
      return { items: page.items.map(toCallDto), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/api/calls/active',
    {
      schema: {
        tags,
        summary: 'Calls not yet ended (agents see their own)',
        response: { 200: z.object({ items: z.array(callSchema) }), ...errors },
      },
    },
    async (request) => ({ items: (await calls.activeCalls(actorOf(request))).map(toCallDto) }),
  );

  app.get(
    '/api/calls/statistics',
    {
      schema: {
        tags,
        summary: 'Counts, answer rate, talk and ring times, per agent and per hour, for a period',
        querystring: callStatisticsQuerySchema,
        response: { 200: callStatisticsSchema, ...errors },
      },
    },
    async (request): Promise<CallStatisticsDto> => {
      const q = request.query;
      const stats = await calls.statistics(actorOf(request), {
        from: optionalDate(q.from),
        to: optionalDate(q.to),
        agentId: q.agent_id,
        timezone: q.timezone,
      });
      const byStatus = Object.fromEntries(callStatuses.map((s) => [s, 0])) as Record<CallStatus, number>;
      for (const row of stats.byStatus) byStatus[row.status] = row.count;
      const { total, answered } = stats.totals;
      return {
        from: stats.from.toISOString(),
        to: stats.to.toISOString(),
        timezone: q.timezone,
        total,
        answered,
        answer_rate: total === 0 ? 0 : answered / total,
        total_talk_seconds: stats.totals.talkSeconds,
        average_talk_seconds: stats.totals.averageTalkSeconds,
        average_ring_seconds: stats.totals.averageRingSeconds,
        by_status: byStatus,
        by_agent: stats.byAgent.map((a) => ({
          agent_id: a.agentId,
          agent_name: a.agentName,
          total: a.total,
          answered: a.answered,
          total_talk_seconds: a.talkSeconds,
        })),
        by_hour: stats.byHour,
      };
    },
  );

  app.get(
    '/api/calls/:id',
    { schema: { tags, summary: 'One call', params: idParamsSchema, response: { 200: callSchema, ...errors } } },
    async (request) => toCallDto(await calls.getCall(actorOf(request), request.params.id)),
  );

  app.post(
    '/api/calls/:id/notes',
    {
      schema: {
        tags,
        summary: 'Add a note to a call',
        params: idParamsSchema,
        body: callNoteBodySchema,
        response: { 201: callNoteSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(toCallNoteDto(await calls.addNote(actorOf(request), request.params.id, request.body.body))),
  );

  app.get(
    '/api/calls/:id/notes',
    {
      schema: {
        tags,
        summary: "A call's notes, oldest first",
        params: idParamsSchema,
        response: { 200: z.object({ items: z.array(callNoteSchema) }), ...errors },
      },
    },
    async (request) => ({ items: (await calls.listNotes(actorOf(request), request.params.id)).map(toCallNoteDto) }),
  );

  app.get(
    '/api/calls/:id/recording',
    {
      schema: {
        tags,
        summary: "The call's recording (HTTP Range supported): its agent, supervisors and admins",
        params: idParamsSchema,
        response: {
          200: z.unknown().describe('the audio file'),
          206: z.unknown().describe('part of the audio file'),
          ...errors,
          416: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const file = await calls.openRecording(actorOf(request), request.params.id);
      reply.header('cache-control', 'private, no-store').type(file.contentType);
      return sendFileRange(request, reply, file, 'recording.range_not_satisfiable');
    },
  );
}

function registerHoldAndConsultRoutes(app: TypedApp, calls: CallsService): void {
  const tags = ['calls'];
  for (const [action, summary] of [
    ['hold', 'Put the customer on hold: music on hold for them, the agent hears nothing of them'],
    ['unhold', 'Take the customer off hold'],
  ] as const) {
    app.post(
      `/api/calls/:id/${action}`,
      { schema: { tags, summary, params: idParamsSchema, response: { 200: callSchema, ...actionErrors } } },
      async (request) => {
        const actor = actorOf(request);
        const call =
          action === 'hold'
            ? await calls.consults.hold(actor, request.params.id)
            : await calls.consults.unhold(actor, request.params.id);
        return toCallDto(call);
      },
    );
  }

  app.post(
    '/api/calls/:id/consult',
    {
      schema: {
        tags,
        summary: 'Consult (attended transfer): hold the customer and call `to` from the agent',
        params: idParamsSchema,
        body: consultBodySchema,
        response: { 201: callConsultSchema, ...actionErrors },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(toCallConsultDto(await calls.consults.consult(actorOf(request), request.params.id, request.body.to))),
  );

  for (const [step, summary] of [
    ['complete', 'Complete the consult: the target takes the customer, the agent is released'],
    ['cancel', 'Cancel the consult: the target is released, the agent is back with the customer'],
    ['swap', 'Swap: talk to the other party while the one you leave hears music'],
  ] as const) {
    app.post(
      `/api/calls/:id/consult/${step}`,
      { schema: { tags, summary, params: idParamsSchema, response: { 200: callConsultSchema, ...actionErrors } } },
      async (request) => toCallConsultDto(await calls.consults[step](actorOf(request), request.params.id)),
    );
  }

  app.get(
    '/api/calls/:id/consults',
    {
      schema: {
        tags,
        summary: "The call's consults, oldest first, each with whom the agent talked to when",
        params: idParamsSchema,
        response: { 200: z.object({ items: z.array(callConsultSchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await calls.consults.list(actorOf(request), request.params.id)).map(toCallConsultDto),
    }),
  );
}

function registerMonitorRoutes(app: TypedApp, calls: CallsService): void {
  const tags = ['calls'];
  app.post(
    '/api/calls/:id/monitor',
    {
      schema: {
        tags,
        summary: 'Listen, whisper to the agent or barge in (supervisors, admins): your device is rung',
        params: idParamsSchema,
        body: monitorBodySchema,
        response: { 201: callMonitorSchema, ...actionErrors },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(toCallMonitorDto(await calls.monitors.start(actorOf(request), request.params.id, request.body.mode))),
  );

  app.patch(
    '/api/calls/:id/monitor',
    {
      schema: {
        tags,
        summary: 'Switch your monitor of the call to another mode, on the same device call',
        params: idParamsSchema,
        body: monitorBodySchema,
        response: { 200: callMonitorSchema, ...actionErrors },
      },
    },
    async (request) =>
      toCallMonitorDto(await calls.monitors.switchMode(actorOf(request), request.params.id, request.body.mode)),
  );

  app.delete(
    '/api/calls/:id/monitor',
    {
      schema: {
        tags,
        summary: 'Stop monitoring the call (your device is hung up)',
        params: idParamsSchema,
        response: { 200: callMonitorSchema, ...actionErrors },
      },
    },
    async (request) => toCallMonitorDto(await calls.monitors.stop(actorOf(request), request.params.id)),
  );

  app.get(
    '/api/calls/:id/monitors',
    {
      schema: {
        tags,
        summary: "The call's monitor sessions: who, which modes and when (supervisors, admins)",
        params: idParamsSchema,
        response: { 200: z.object({ items: z.array(callMonitorSchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await calls.monitors.list(actorOf(request), request.params.id)).map(toCallMonitorDto),
    }),
  );
}
