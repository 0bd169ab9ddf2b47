/**
 * Dispositions, reports, the wallboard and supervisor actions (issue 12). Definitions of
 * every figure: docs/adr/0020-report-definitions.md.
 */
import { z } from 'zod';
import { isoDateTime } from './common.js';
import { presenceStatusSchema } from './presence.js';
import { routingChannelSchema } from './routing.js';

// ── dispositions ─────────────────────────────────────────────────────────────

export const dispositionSchema = z
  .object({
    id: z.uuid(),
    code: z.string(),
    label: z.string(),
    active: z.boolean(),
    created_at: isoDateTime,
    updated_at: isoDateTime,
  })
  .meta({ id: 'Disposition' });
export type DispositionDto = z.infer<typeof dispositionSchema>;

const dispositionCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, _ . - (1 to 40)');
const dispositionLabel = z.string().trim().min(1).max(120);

export const createDispositionBodySchema = z
  .object({ code: dispositionCode, label: dispositionLabel, active: z.boolean().default(true) })
  .strict();
export const updateDispositionBodySchema = z
  .object({ code: dispositionCode.optional(), label: dispositionLabel.optional(), active: z.boolean().optional() })
  .strict();
export const listDispositionsQuerySchema = z
  .object({ active: z.enum(['true', 'false']).optional().describe('only active (true) or inactive (false) codes') })
  .strict();

export const setDispositionBodySchema = z
  .object({
    disposition_id: z.uuid(),
    note: z.string().trim().max(500).optional(),
  })
  .strict();
export const itemDispositionSchema = z
  .object({
    disposition_id: z.uuid(),
    code: z.string(),
    label: z.string(),
    call_id: z.uuid().nullable(),
    conversation_id: z.uuid().nullable(),
    agent_id: z.uuid(),
    queue_id: z.uuid().nullable(),
    note: z.string().nullable(),
    set_at: isoDateTime,
  })
  .meta({ id: 'ItemDisposition' });
export type ItemDispositionDto = z.infer<typeof itemDispositionSchema>;

// ── reports ──────────────────────────────────────────────────────────────────

export const reportIntervals = ['hour', 'day'] as const;
export const reportQuerySchema = z
  .object({
    from: isoDateTime.describe('start, inclusive'),
    to: isoDateTime.describe('end, exclusive; at most 93 days after `from`'),
    tz: z
      .string()
      .max(64)
      .optional()
      .describe("IANA time zone of the buckets; default the company's routing time zone"),
    interval: z.enum(reportIntervals).default('day'),
    label_id: z
      .uuid()
      .optional()
      .describe('only conversations that carry this label now (calls carry none); 400 `report.label_not_found`'),
    format: z.enum(['json', 'csv']).optional().describe('csv, or send `Accept: text/csv`'),
  })
  .strict();
export type ReportQuery = z.infer<typeof reportQuerySchema>;

/** One figure set: per bucket, subject (queue or agent) and channel; or over the whole range. */
export const reportFiguresSchema = z.object({
  offered: z.number().int(),
  answered: z.number().int(),
  answered_within_sl: z.number().int(),
  abandoned: z.number().int().describe('abandoned after waiting 5 s or more'),
  abandoned_after_sl: z.number().int().describe('abandoned after waiting longer than the service-level threshold'),
  short_abandoned: z.number().int().describe('abandoned within 5 s: counted apart'),
  service_level: z
    .number()
    .nullable()
    .describe('answered_within_sl / (answered + abandoned_after_sl); null with neither'),
  asa_seconds: z.number().nullable().describe('average wait of answered items'),
  handled: z.number().int().describe('answered items that ended in the range'),
  aht_seconds: z.number().nullable(),
  total_handle_seconds: z.number(),
  wrap_up_seconds: z.number(),
  occupancy: z.number().nullable().describe('agents: time with work or in wrap-up / time signed in and not paused'),
  first_response_seconds: z.number().nullable().describe('chats: assignment to the first agent message, average'),
  resolution_seconds: z.number().nullable().describe('chats: first enqueue to the end of the item, average'),
  csat_average: z.number().nullable(),
  csat_count: z.number().int(),
  dispositions: z.record(z.string(), z.number().int()),
});
export type ReportFigures = z.infer<typeof reportFiguresSchema>;

export const reportChannels = ['voice', 'whatsapp', 'webchat', 'all'] as const;
const reportRowBase = reportFiguresSchema.extend({
  channel: z.enum(reportChannels).describe('one channel, or `all` of them together'),
  bucket_start: isoDateTime.nullable().describe('null in totals'),
});
export const queueReportRowSchema = reportRowBase.extend({ queue_id: z.uuid(), queue_name: z.string() });
export const agentReportRowSchema = reportRowBase.extend({ agent_id: z.uuid(), agent_name: z.string() });
export const queueReportSchema = z
  .object({
    from: isoDateTime,
    to: isoDateTime,
    tz: z.string(),
    interval: z.enum(reportIntervals),
    rows: z.array(queueReportRowSchema),
    totals: z.array(queueReportRowSchema),
  })
  .meta({ id: 'QueueReport' });
export const agentReportSchema = z
  .object({
    from: isoDateTime,
    to: isoDateTime,
    tz: z.string(),
    interval: z.enum(reportIntervals),
    rows: z.array(agentReportRowSchema),
    totals: z.array(agentReportRowSchema),
  })
  .meta({ id: 'AgentReport' });
export type QueueReportDto = z.infer<typeof queueReportSchema>;
export type AgentReportDto = z.infer<typeof agentReportSchema>;
export type QueueReportRow = z.infer<typeof queueReportRowSchema>;
export type AgentReportRow = z.infer<typeof agentReportRowSchema>;

// ── wallboard ────────────────────────────────────────────────────────────────

export const wallboardAgentStates = ['available', 'busy', 'wrap_up', 'paused', 'offline'] as const;
export const wallboardAgentStateSchema = z.enum(wallboardAgentStates);
export type WallboardAgentState = z.infer<typeof wallboardAgentStateSchema>;

export const wallboardQueueSchema = z.object({
  queue_id: z.uuid(),
  name: z.string(),
  service_level_seconds: z.number().int(),
  service_level_target: z.number(),
  waiting: z.number().int(),
  oldest_enqueued_at: isoDateTime.nullable().describe('the longest wait ticks from here'),
  service_level_today: z.number().nullable(),
  service_level_30m: z.number().nullable(),
  answered_today: z.number().int(),
  abandoned_today: z.number().int(),
  asa_seconds_today: z.number().nullable(),
  aht_seconds_today: z.number().nullable(),
  agents: z.object({
    available: z.number().int(),
    busy: z.number().int(),
    wrap_up: z.number().int(),
    paused: z.number().int(),
    offline: z.number().int(),
  }),
  paused_by_reason: z.record(z.string(), z.number().int()),
  waiting_items: z.array(
    z.object({
      entry_id: z.uuid(),
      channel: routingChannelSchema,
      label: z.string().nullable(),
      enqueued_at: isoDateTime,
    }),
  ),
});
export const wallboardAgentSchema = z.object({
  agent_id: z.uuid(),
  name: z.string(),
  status: presenceStatusSchema,
  state: wallboardAgentStateSchema,
  pause_reason: z.string().nullable(),
  state_since: isoDateTime.nullable(),
  current_items: z.number().int(),
  handled_today: z.number().int(),
  aht_seconds_today: z.number().nullable(),
  occupancy_today: z.number().nullable(),
  queue_ids: z.array(z.uuid()),
});
export const wallboardSchema = z
  .object({
    at: isoDateTime,
    tz: z.string(),
    queues: z.array(wallboardQueueSchema),
    agents: z.array(wallboardAgentSchema),
  })
  .meta({ id: 'Wallboard' });
export type WallboardDto = z.infer<typeof wallboardSchema>;
export type WallboardQueueDto = z.infer<typeof wallboardQueueSchema>;
export type WallboardAgentDto = z.infer<typeof wallboardAgentSchema>;

// ── supervisor actions ───────────────────────────────────────────────────────

export const forceStatusBodySchema = z
  .object({
    status: presenceStatusSchema,
    pause_reason_id: z.uuid().optional().describe('with `away`: one of the company pause reasons'),
    reason: z.string().trim().min(1).max(200).describe('why the supervisor forced it (logged)'),
  })
  .strict();
export const signOutAgentBodySchema = z.object({ reason: z.string().trim().min(1).max(200) }).strict();
export const moveEntryBodySchema = z
  .object({
    queue_id: z.uuid().optional(),
    agent_id: z.uuid().optional(),
    reason: z.string().trim().max(200).optional(),
  })
  .strict()
  .refine((b) => (b.queue_id === undefined) !== (b.agent_id === undefined), {
    message: 'give either queue_id or agent_id',
  });
export const supervisorActionSchema = z.object({
  id: z.uuid(),
  action: z.string(),
  actor_id: z.uuid(),
  target_user_id: z.uuid().nullable(),
  entry_id: z.uuid().nullable(),
  reason: z.string().nullable(),
  at: isoDateTime,
});
