import { idParamsSchema, problemSchema, queueEntrySchema } from '@switchboard/contracts';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import { toEntryDto } from '../routing/index.js';
import type { VoicePrompts } from './voice-prompts.js';
import type { VoiceRoutingService } from './voice-routing.service.js';
import type { VoiceEntryPoint } from './voice-routing.repository.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const withConflict = { ...errors, 409: problemSchema };

const menuOptionSchema = z
  .object({
    key: z.string().regex(/^[0-9*#]$/, 'one DTMF key: 0-9, * or #'),
    label: z.string().trim().min(1).max(60),
    queue_id: z.uuid(),
  })
  .strict();
const voiceMenuSchema = z
  .object({
    prompt: z.string().trim().min(1).max(500).nullable().optional().describe('spoken as is; default: the options'),
    options: z.array(menuOptionSchema).min(1).max(12),
  })
  .strict();
const entryPointBodySchema = z
  .object({ default_queue_id: z.uuid().nullable(), menu: voiceMenuSchema.nullable().default(null) })
  .strict();
const entryPointSchema = z
  .object({
    did: z.string(),
    default_queue_id: z.uuid().nullable(),
    menu: z.object({ prompt: z.string().nullable(), options: z.array(menuOptionSchema) }).nullable(),
    updated_at: z.string(),
  })
  .meta({ id: 'VoiceEntryPoint' });
const didParamsSchema = z.object({ did: z.string().max(40) }).strict();
const callRoutingSchema = z
  .object({
    call_id: z.uuid(),
    queue_id: z.uuid().nullable().describe('the queue of the answered entry, else of the latest'),
    wait_seconds: z.number().int().nullable().describe('from the first enqueue to the answer (or the end)'),
    offered_agents: z.array(z.uuid()).describe('every agent the call rang, in order'),
    entries: z.array(
      z.object({
        id: z.uuid(),
        queue_id: z.uuid(),
        queue_name: z.string(),
        state: z.string(),
        enqueued_at: z.string(),
        original_enqueued_at: z.string(),
        offered_agents: z.array(z.uuid()),
        assigned_to: z.uuid().nullable(),
        wait_seconds: z.number().int().nullable(),
        ended_at: z.string().nullable(),
        end_reason: z.string().nullable().describe('`abandoned_short`: hung up within 5 s, counted apart'),
      }),
    ),
  })
  .meta({ id: 'CallRouting' });

function toEntryPointDto(point: VoiceEntryPoint) {
  return {
    did: point.did,
    default_queue_id: point.defaultQueueId,
    menu: point.menu ? { prompt: point.menu.prompt ?? null, options: point.menu.options } : null,
    updated_at: point.updatedAt.toISOString(),
  };
}

export function registerVoiceRoutingRoutes(app: TypedApp, service: VoiceRoutingService, prompts: VoicePrompts): void {
  const tags = ['routing'];

  app.get(
    '/api/voice/entry-points',
    {
      schema: {
        tags,
        summary: 'Where each DID sends its callers (managers)',
        response: { 200: z.object({ items: z.array(entryPointSchema) }), ...errors },
      },
    },
    async (request) => ({ items: (await service.listEntryPoints(actorOf(request))).map(toEntryPointDto) }),
  );

  app.put(
    '/api/voice/entry-points/:did',
    {
      schema: {
        tags,
        summary: 'Send a DID’s callers to a queue, or to a spoken DTMF menu of queues (admins)',
        description:
          'The dialplan hands the call over as `Stasis(switchboard,did,<DID>)` (docs/asterisk.md). ' +
          '`voice_entry.did_taken` (409): another company routes this DID.',
        params: didParamsSchema,
        body: entryPointBodySchema,
        response: { 200: entryPointSchema, ...withConflict },
      },
    },
    async (request) =>
      toEntryPointDto(
        await service.saveEntryPoint(actorOf(request), request.params.did, {
          defaultQueueId: request.body.default_queue_id,
          menu: request.body.menu,
        }),
      ),
  );

  app.delete(
    '/api/voice/entry-points/:did',
    {
      schema: {
        tags,
        summary: 'Stop routing a DID (admins); its calls are then refused',
        params: didParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.deleteEntryPoint(actorOf(request), request.params.did);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/calls/:id/routing',
    {
      schema: {
        tags: ['calls'],
        summary: 'The call’s queues: which, how long it waited, the agents it was offered to',
        params: idParamsSchema,
        response: { 200: callRoutingSchema, ...errors },
      },
    },
    async (request) => {
      const routing = await service.callRouting(actorOf(request), request.params.id);
      return {
        call_id: routing.callId,
        queue_id: routing.queueId,
        wait_seconds: routing.waitSeconds,
        offered_agents: routing.offeredAgents,
        entries: routing.entries.map((e) => ({
          id: e.id,
          queue_id: e.queueId,
          queue_name: e.queueName,
          state: e.state,
          enqueued_at: e.enqueuedAt.toISOString(),
          original_enqueued_at: e.originalEnqueuedAt.toISOString(),
          offered_agents: e.offeredAgents,
          assigned_to: e.assignedTo,
          wait_seconds: e.waitSeconds,
          ended_at: e.endedAt?.toISOString() ?? null,
          end_reason: e.endReason,
        })),
      };
    },
  );

  app.post(
    '/api/calls/:id/queue',
    {
      schema: {
        tags: ['calls'],
        summary: 'Transfer an answered call to a queue (its agent, or a manager); its first enqueue time is kept',
        description:
          '`call.not_answered` (409), `queue.channel_not_served` (409): the queue takes no calls. ' +
          '`pbx.unavailable` (503).',
        params: idParamsSchema,
        body: z.object({ queue_id: z.uuid() }).strict(),
        response: { 200: queueEntrySchema, ...withConflict, 502: problemSchema, 503: problemSchema },
      },
    },
    async (request) => {
      const entry = await service.transferToQueue(actorOf(request), request.params.id, request.body.queue_id);
      return toEntryDto(entry, null, new Date());
    },
  );

  app.get(
    '/api/voice/prompts/:language/:text/:file',
    {
      config: { isPublic: true },
      schema: {
        hide: true,
        params: z.object({ language: z.string().max(8), text: z.string().max(2000), file: z.string().max(40) }),
      },
    },
    async (request, reply) => {
      const wav = await prompts.render(request.params.language, request.params.text, request.params.file);
      return reply.header('cache-control', 'public, max-age=86400').type('audio/wav').send(wav);
    },
  );
}
