import {
  agentReportSchema,
  createDispositionBodySchema,
  dispositionSchema,
  forceStatusBodySchema,
  idParamsSchema,
  itemDispositionSchema,
  listDispositionsQuerySchema,
  moveEntryBodySchema,
  problemSchema,
  queueReportSchema,
  reportQuerySchema,
  setDispositionBodySchema,
  signOutAgentBodySchema,
  supervisorActionSchema,
  updateDispositionBodySchema,
  wallboardSchema,
} from '@switchboard/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import { type ReportKind, type ReportRow } from './reports.js';
import { toCsv } from './reports.csv.js';
import type { Disposition, ItemDisposition } from './reports.repository.js';
import type { ReportsService } from './reports.service.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const withConflict = { ...errors, 409: problemSchema };

const toDispositionDto = (d: Disposition) => ({
  id: d.id,
  code: d.code,
  label: d.label,
  active: d.isActive,
  created_at: d.createdAt.toISOString(),
  updated_at: d.updatedAt.toISOString(),
});

const toItemDispositionDto = (d: ItemDisposition) => ({
  disposition_id: d.dispositionId,
  code: d.code,
  label: d.label,
  call_id: d.callId,
  conversation_id: d.conversationId,
  agent_id: d.agentId,
  queue_id: d.queueId,
  note: d.note,
  set_at: d.setAt.toISOString(),
});

function wantsCsv(request: FastifyRequest, format: string | undefined): boolean {
  if (format !== undefined) return format === 'csv';
  return /\btext\/csv\b/i.test(request.headers.accept ?? '');
}

export function registerReportsRoutes(app: TypedApp, reports: ReportsService): void {
  const tags = ['reports'];

  app.get(
    '/api/dispositions',
    {
      schema: {
        tags,
        summary: 'Disposition codes of your company (every role: agents choose one at wrap-up)',
        querystring: listDispositionsQuerySchema,
        response: { 200: z.object({ items: z.array(dispositionSchema) }), ...errors },
      },
    },
    async (request) => {
      const { active } = request.query;
      const items = await reports.listDispositions(
        actorOf(request),
        active === undefined ? undefined : active === 'true',
      );
      return { items: items.map(toDispositionDto) };
    },
  );

  app.post(
    '/api/dispositions',
    {
      schema: {
        tags,
        summary: 'Create a disposition code (admins)',
        description: '`disposition.code_taken` (409).',
        body: createDispositionBodySchema,
        response: { 201: dispositionSchema, ...withConflict },
      },
    },
    async (request, reply) => {
      const created = await reports.createDisposition(actorOf(request), request.body);
      return reply.code(201).header('location', `/api/dispositions/${created.id}`).send(toDispositionDto(created));
    },
  );

  app.patch(
    '/api/dispositions/:id',
    {
      schema: {
        tags,
        summary: 'Change a disposition code (admins); items keep the code and label they were given',
        params: idParamsSchema,
        body: updateDispositionBodySchema,
        response: { 200: dispositionSchema, ...withConflict },
      },
    },
    async (request) =>
      toDispositionDto(await reports.updateDisposition(actorOf(request), request.params.id, request.body)),
  );

  app.delete(
    '/api/dispositions/:id',
    {
      schema: {
        tags,
        summary: 'Delete a disposition code (admins); reports keep counting it',
        params: idParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await reports.deleteDisposition(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  for (const kind of ['call', 'conversation'] as const) {
    const path = kind === 'call' ? '/api/calls/:id/disposition' : '/api/conversations/:id/disposition';
    app.put(
      path,
      {
        schema: {
          tags,
          summary: `Give the ${kind} a disposition (its agent, or a manager); the last one given counts`,
          description:
            'Given at wrap-up, before or after the close. `disposition.inactive` (409) for a code no longer offered.',
          params: idParamsSchema,
          body: setDispositionBodySchema,
          response: { 200: itemDispositionSchema, ...withConflict },
        },
      },
      async (request) =>
        toItemDispositionDto(await reports.setItemDisposition(actorOf(request), kind, request.params.id, request.body)),
    );
    app.get(
      path,
      {
        schema: {
          tags,
          summary: `The ${kind}'s disposition`,
          params: idParamsSchema,
          response: { 200: itemDispositionSchema, ...errors },
        },
      },
      async (request) =>
        toItemDispositionDto(await reports.getItemDisposition(actorOf(request), kind, request.params.id)),
    );
  }

  const reportRoute = (kind: ReportKind) => {
    const subject = kind === 'queues' ? 'queue' : 'agent';
    const toRowDto = (row: ReportRow) => {
      const { subject_id, subject_name, ...rest } = row;
      return { ...rest, [`${subject}_id`]: subject_id, [`${subject}_name`]: subject_name };
    };
    app.get(
      `/api/reports/${kind}`,
      {
        schema: {
          tags,
          summary: `Figures per ${subject}, channel and hour or day of a time zone (supervisors and admins)`,
          description:
            'JSON, or CSV with `Accept: text/csv` or `format=csv` (one line per bucket, subject and channel). ' +
            'Definitions: docs/adr/0020-report-definitions.md. `report.invalid_range`, `report.invalid_time_zone` (400).',
          querystring: reportQuerySchema,
          produces: ['application/json', 'text/csv'],
          response: { 200: kind === 'queues' ? queueReportSchema : agentReportSchema, ...errors },
        },
      },
      async (request, reply: FastifyReply) => {
        const { format, ...query } = request.query as z.infer<typeof reportQuerySchema>;
        const report = await reports.report(actorOf(request), kind, query);
        if (wantsCsv(request, format)) {
          const day = report.from.toISOString().slice(0, 10);
          return reply
            .serializer((payload: unknown) => payload as string)
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="switchboard-${kind}-${day}.csv"`)
            .send(toCsv(kind, report.rows));
        }
        return {
          from: report.from.toISOString(),
          to: report.to.toISOString(),
          tz: report.timeZone,
          interval: report.interval,
          rows: report.rows.map(toRowDto),
          totals: report.totals.map(toRowDto),
        };
      },
    );
  };
  reportRoute('queues');
  reportRoute('agents');

  app.get(
    '/api/wallboard',
    {
      schema: {
        tags,
        summary: 'The live wallboard (supervisors and admins); kept current by socket events',
        description:
          'Refetch on `queue_entry_created`, `entry_*`, `offer_*`, `queue_stats` and `agent_presence_changed`; ' +
          'waiting times tick from `oldest_enqueued_at`.',
        response: { 200: wallboardSchema, ...errors },
      },
    },
    async (request) => reports.wallboard(actorOf(request)),
  );

  app.post(
    '/api/wallboard/agents/:id/status',
    {
      schema: {
        tags,
        summary: "Force an agent's status, with the reason logged (supervisors and admins)",
        params: idParamsSchema,
        body: forceStatusBodySchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await reports.forceStatus(actorOf(request), request.params.id, request.body);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/wallboard/agents/:id/sign-out',
    {
      schema: {
        tags,
        summary: 'Sign an agent out: every session ends and they go offline (supervisors and admins)',
        params: idParamsSchema,
        body: signOutAgentBodySchema,
        response: { 204: z.null(), ...withConflict },
      },
    },
    async (request, reply) => {
      await reports.signOut(actorOf(request), request.params.id, request.body.reason);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/wallboard/entries/:id/move',
    {
      schema: {
        tags,
        summary: 'Move a waiting chat or call to another queue (its first enqueue time kept) or to an agent',
        description:
          '`entry.not_waiting`, `entry.same_queue`, `agent.on_call` (a call to an agent on a call), `queue.channel_not_served` (409). A waiting call moved keeps its place by its first enqueue time; given to an agent, their device rings.',
        params: idParamsSchema,
        body: moveEntryBodySchema,
        response: { 204: z.null(), ...withConflict },
      },
    },
    async (request, reply) => {
      await reports.moveEntry(actorOf(request), request.params.id, request.body);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/wallboard/actions',
    {
      schema: {
        tags,
        summary: 'What supervisors did from the wallboard, newest first',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(),
        response: { 200: z.object({ items: z.array(supervisorActionSchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await reports.listActions(actorOf(request), request.query.limit)).map((a) => ({
        id: a.id,
        action: a.action,
        actor_id: a.actorId,
        target_user_id: a.targetUserId,
        entry_id: a.entryId,
        reason: a.reason,
        at: a.at.toISOString(),
      })),
    }),
  );
}
