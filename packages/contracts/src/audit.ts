/**
 * The audit log (issue 13): who did what sensitive thing, when and from where. Written by
 * the server in the same transaction as the action; read-only over the API (admins).
 */
import { z } from 'zod';
import { isoDateTime } from './common.js';

/** Actions the server records today; modules may add more (`<subject>.<verb in past tense>`). */
export const AUDIT_ACTIONS = [
  'auth.signed_in',
  'auth.sign_in_failed',
  'user.role_changed',
  'presence.status_forced',
  'channel.secrets_changed',
  'recording.downloaded',
  'call.listened',
  'call.whispered',
  'call.barged',
  'contact.exported',
  'contact.erased',
  'contact.merged',
  'contact.deleted',
  'api_key.created',
  'api_key.revoked',
  'api_key.used',
] as const;

export const auditActorTypeSchema = z.enum(['user', 'api_key', 'system']);
export type AuditActorType = z.infer<typeof auditActorTypeSchema>;

export const auditActionSchema = z.string().regex(/^[a-z_]{1,30}\.[a-z_]{1,30}$/, '`<subject>.<verb>` in lower case');

export const auditEntrySchema = z
  .object({
    id: z.uuid(),
    actor_type: auditActorTypeSchema,
    actor_user_id: z.uuid().nullable(),
    actor_api_key_id: z.uuid().nullable(),
    action: z.string(),
    target_type: z.string().nullable(),
    target_id: z.string().nullable(),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    created_at: isoDateTime,
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntryDto = z.infer<typeof auditEntrySchema>;

export const auditLogQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
    actor_user_id: z.uuid().optional(),
    actor_api_key_id: z.uuid().optional(),
    action: auditActionSchema.optional(),
    target_type: z
      .string()
      .regex(/^[a-z_]{1,30}$/)
      .optional(),
    target_id: z.string().max(64).optional(),
    from: isoDateTime.optional().describe('inclusive'),
    to: isoDateTime.optional().describe('exclusive'),
  })
  .strict();
export type AuditLogQuery = z.infer<typeof auditLogQuerySchema>;
