import { z } from 'zod';
import { paginationQuerySchema } from './common.js';

export const callStatuses = [
  'initiated',
  'ringing',
  'in_progress',
  'completed',
  'failed',
  'busy',
  'no_answer',
  'canceled',
  'transferred',
] as const;
export const callStatusSchema = z.enum(callStatuses);
export const callDirectionSchema = z.enum(['inbound', 'outbound', 'internal']);

/** What may be dialled: digits with an optional leading +, spaces and ()- allowed. */
export const dialStringSchema = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{2,32}$/, 'must be an extension or a phone number');

export const callSchema = z
  .object({
    id: z.uuid(),
    call_id: z.uuid().describe('the same as id; the name the real-time events use'),
    agent_id: z.uuid().nullable(),
    direction: callDirectionSchema,
    status: callStatusSchema,
    from_number: z.string(),
    to_number: z.string(),
    asterisk_unique_id: z.string().nullable(),
    started_at: z.string(),
    ringing_at: z.string().nullable(),
    answered_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    duration_seconds: z.number().int().nullable(),
    billable_seconds: z.number().int().nullable(),
    hangup_cause: z.number().int().nullable(),
    hangup_cause_text: z.string().nullable(),
    ended_by: z.enum(['agent', 'customer', 'system']).nullable(),
    transferred_to: z.string().nullable(),
    has_recording: z.boolean(),
    held_at: z.string().nullable().describe('since when the customer hears music on hold; null when not held'),
  })
  .meta({ id: 'Call' });
export type CallDto = z.infer<typeof callSchema>;

export const makeCallBodySchema = z.object({ to: dialStringSchema }).strict();
export const transferCallBodySchema = z
  .object({ to: dialStringSchema.describe('an extension of your company or an external number') })
  .strict();

export const callHistoryQuerySchema = paginationQuerySchema
  .extend({
    from: z.iso.datetime({ offset: true }).optional().describe('period start (inclusive)'),
    to: z.iso.datetime({ offset: true }).optional().describe('period end (exclusive)'),
    agent_id: z.uuid().optional(),
    status: callStatusSchema.optional(),
    direction: callDirectionSchema.optional(),
    number: z.string().trim().min(1).max(32).optional().describe('matches part of the from or to number'),
  })
  .strict();

export const callStatisticsQuerySchema = z
  .object({
    from: z.iso.datetime({ offset: true }).optional().describe('default: 24 hours ago'),
    to: z.iso.datetime({ offset: true }).optional().describe('default: now'),
    agent_id: z.uuid().optional(),
    timezone: z.string().min(1).max(64).default('UTC').describe('IANA time zone of the per-hour buckets'),
  })
  .strict();

export const callStatisticsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    timezone: z.string(),
    total: z.number().int(),
    answered: z.number().int(),
    answer_rate: z.number().describe('answered / total, 0 when there were no calls'),
    total_talk_seconds: z.number().int(),
    average_talk_seconds: z.number().nullable(),
    average_ring_seconds: z.number().nullable(),
    by_status: z.record(callStatusSchema, z.number().int()),
    by_agent: z.array(
      z.object({
        agent_id: z.uuid().nullable(),
        agent_name: z.string().nullable(),
        total: z.number().int(),
        answered: z.number().int(),
        total_talk_seconds: z.number().int(),
      }),
    ),
    by_hour: z.array(z.object({ hour: z.string(), total: z.number().int(), answered: z.number().int() })),
  })
  .meta({ id: 'CallStatistics' });
export type CallStatisticsDto = z.infer<typeof callStatisticsSchema>;

export const callNoteBodySchema = z.object({ body: z.string().trim().min(1).max(10_000) }).strict();
export const callNoteSchema = z
  .object({
    id: z.uuid(),
    call_id: z.uuid(),
    author_id: z.uuid(),
    author_name: z.string(),
    body: z.string(),
    created_at: z.string(),
  })
  .meta({ id: 'CallNote' });
export type CallNoteDto = z.infer<typeof callNoteSchema>;

/** Listen: hear both sides. Whisper: also speak to the agent only. Barge: join the call. */
export const monitorModes = ['listen', 'whisper', 'barge'] as const;
export const monitorModeSchema = z.enum(monitorModes);
export type MonitorMode = z.infer<typeof monitorModeSchema>;
export const monitorBodySchema = z.object({ mode: monitorModeSchema }).strict();

export const callMonitorSchema = z
  .object({
    id: z.uuid(),
    call_id: z.uuid(),
    supervisor_id: z.uuid(),
    mode: monitorModeSchema,
    status: z.enum(['ringing', 'active', 'ended']).describe("ringing: the supervisor's device is being called"),
    modes: z.array(z.object({ mode: monitorModeSchema, from: z.string(), to: z.string().nullable() })),
    started_at: z.string(),
    answered_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    end_reason: z.string().nullable(),
  })
  .meta({ id: 'CallMonitor' });
export type CallMonitorDto = z.infer<typeof callMonitorSchema>;

/** Whom to consult: an extension or number, or a user's id. */
export const consultBodySchema = z
  .object({
    to: z.union([z.uuid(), dialStringSchema]).describe('an extension, an external number or a user id'),
  })
  .strict();

export const consultStatuses = ['ringing', 'talking', 'customer', 'completed', 'canceled', 'failed'] as const;
export const callConsultSchema = z
  .object({
    id: z.uuid(),
    call_id: z.uuid(),
    agent_id: z.uuid().nullable().describe('who consulted'),
    target: z.string(),
    target_kind: z.enum(['extension', 'number', 'user']),
    target_user_id: z.uuid().nullable(),
    status: z
      .enum(consultStatuses)
      .describe('talking: the agent speaks with the target; customer: back with the customer, the target on hold'),
    end_reason: z.string().nullable(),
    timeline: z.array(
      z.object({
        at: z.string(),
        step: z.string(),
        agent_with: z.enum(['customer', 'target']).nullable().describe('whom the agent talks to from then on'),
      }),
    ),
    started_at: z.string(),
    answered_at: z.string().nullable(),
    ended_at: z.string().nullable(),
  })
  .meta({ id: 'CallConsult' });
export type CallConsultDto = z.infer<typeof callConsultSchema>;
