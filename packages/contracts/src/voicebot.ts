import { z } from 'zod';
import { paginationQuerySchema } from './common.js';

/** A unit's number as residents and visitors say it: `101`, `12B`, `Casa 3` → `CASA 3`. */
export const unitNumberSchema = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[0-9A-Za-z][0-9A-Za-z -]*$/, 'letters, digits, spaces and hyphens');

const residentPhoneSchema = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{3,31}$/, 'must be a phone number');
const sipExtensionSchema = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z_.-]{1,40}$/, 'must be an extension or a SIP user');

export const unitSchema = z
  .object({
    id: z.uuid(),
    number: z.string(),
    label: z.string().nullable(),
    resident_count: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'IntercomUnit' });
export type UnitDto = z.infer<typeof unitSchema>;

export const createUnitBodySchema = z
  .object({ number: unitNumberSchema, label: z.string().trim().min(1).max(120).optional() })
  .strict();
export const updateUnitBodySchema = z
  .object({ number: unitNumberSchema.optional(), label: z.string().trim().min(1).max(120).nullable().optional() })
  .strict();
export const listUnitsQuerySchema = paginationQuerySchema
  .extend({ q: z.string().trim().min(1).max(32).optional().describe('matches part of the number or label') })
  .strict();

export const residentSchema = z
  .object({
    id: z.uuid(),
    unit_id: z.uuid(),
    unit_number: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    sip_extension: z.string().nullable(),
    priority: z.number().int().describe('lower is called first among the residents of a unit'),
    is_active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'IntercomResident' });
export type ResidentDto = z.infer<typeof residentSchema>;

export const createResidentBodySchema = z
  .object({
    unit_id: z.uuid(),
    name: z.string().trim().min(1).max(120),
    phone: residentPhoneSchema.optional(),
    sip_extension: sipExtensionSchema.optional(),
    priority: z.number().int().min(0).max(99).default(0),
  })
  .strict()
  .refine((body) => body.phone !== undefined || body.sip_extension !== undefined, {
    message: 'give a phone or a sip_extension',
    path: ['phone'],
  });
export const updateResidentBodySchema = z
  .object({
    unit_id: z.uuid().optional(),
    name: z.string().trim().min(1).max(120).optional(),
    phone: residentPhoneSchema.nullable().optional(),
    sip_extension: sipExtensionSchema.nullable().optional(),
    priority: z.number().int().min(0).max(99).optional(),
    is_active: z.boolean().optional(),
  })
  .strict();
export const listResidentsQuerySchema = paginationQuerySchema
  .extend({
    unit_id: z.uuid().optional(),
    q: z.string().trim().min(1).max(120).optional().describe('matches part of the name'),
  })
  .strict();

export const intercomOutcomes = ['authorized', 'denied', 'no_answer', 'abandoned', 'failed'] as const;
export const intercomOutcomeSchema = z.enum(intercomOutcomes);
export const transcriptSpeakers = ['bot', 'visitor', 'resident', 'system'] as const;

export const transcriptLineSchema = z.object({
  seq: z.number().int(),
  who: z.enum(transcriptSpeakers),
  /** The leg the line was said on: the bot talks to both. */
  leg: z.enum(['visitor', 'resident']),
  kind: z.enum(['speech', 'dtmf', 'recording', 'event']),
  text: z.string(),
  at: z.string(),
});
export type TranscriptLineDto = z.infer<typeof transcriptLineSchema>;

export const intercomCallSchema = z
  .object({
    id: z.uuid(),
    call_id: z.uuid().describe('the same as id; the call_id of /api/status and /api/hangup'),
    status: z.enum(['in_progress', 'completed']),
    outcome: intercomOutcomeSchema.nullable(),
    end_reason: z.string().nullable(),
    unit_id: z.uuid().nullable(),
    unit_number: z.string().nullable(),
    resident_id: z.uuid().nullable(),
    resident_name: z.string().nullable(),
    visitor_name: z.string().nullable(),
    purpose: z.string().nullable(),
    gate: z.object({
      status: z.enum(['not_requested', 'not_configured', 'opened', 'failed']),
      attempts: z.number().int(),
      http_status: z.number().int().nullable(),
      error: z.string().nullable(),
      at: z.string().nullable(),
    }),
    started_at: z.string(),
    resident_answered_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    transcript: z.array(transcriptLineSchema).optional().describe('only on GET /api/voicebot/calls/:id'),
  })
  .meta({ id: 'IntercomCall' });
export type IntercomCallDto = z.infer<typeof intercomCallSchema>;

export const listIntercomCallsQuerySchema = paginationQuerySchema
  .extend({
    outcome: intercomOutcomeSchema.optional(),
    unit_id: z.uuid().optional(),
  })
  .strict();

export const intercomSettingsSchema = z
  .object({
    intercom_uuid: z
      .uuid()
      .describe(
        'the AudioSocket UUID of this company’s intercom: AudioSocket(<intercom_uuid>,host:9092) in the dialplan',
      ),
    gate_webhook_url: z.string().nullable(),
    has_gate_webhook_secret: z.boolean().describe('the secret itself is never returned'),
    updated_at: z.string(),
  })
  .meta({ id: 'IntercomSettings' });
export type IntercomSettingsDto = z.infer<typeof intercomSettingsSchema>;

export const updateIntercomSettingsBodySchema = z
  .object({
    gate_webhook_url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .nullable()
      .optional(),
    gate_webhook_secret: z.string().min(16).max(200).nullable().optional(),
  })
  .strict();
