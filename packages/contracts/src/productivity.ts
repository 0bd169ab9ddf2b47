/**
 * Agent productivity (issue 14): labels, canned responses, private notes, and the agent's
 * current wrap-up as the server holds it (issue 12).
 */
import { z } from 'zod';

export const labelColourSchema = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
  .transform((colour) => colour.toLowerCase());

export const labelSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  colour: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type LabelDto = z.infer<typeof labelSchema>;

export const createLabelBodySchema = z
  .object({ name: z.string().trim().min(1).max(40), colour: labelColourSchema })
  .strict();
export const updateLabelBodySchema = z
  .object({ name: z.string().trim().min(1).max(40).optional(), colour: labelColourSchema.optional() })
  .strict();
export const setLabelsBodySchema = z.object({ label_ids: z.array(z.uuid()).max(50) }).strict();
export const itemLabelsSchema = z.object({ items: z.array(labelSchema) });

export const cannedScopes = ['company', 'personal'] as const;
/** The file a canned response carries; its bytes at `GET /api/canned-responses/:id/attachment`. */
export const cannedAttachmentSchema = z.object({
  kind: z.enum(['image', 'document', 'audio', 'video']),
  mime_type: z.string(),
  filename: z.string().nullable(),
  size_bytes: z.number().int(),
});
export type CannedAttachmentDto = z.infer<typeof cannedAttachmentSchema>;
export const cannedResponseSchema = z.object({
  id: z.uuid(),
  scope: z.enum(cannedScopes),
  owner_id: z.uuid().nullable(),
  shortcut: z.string(),
  body: z.string(),
  attachment: cannedAttachmentSchema.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type CannedResponseDto = z.infer<typeof cannedResponseSchema>;

const shortcutSchema = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[\p{L}\p{N}_-]+$/u, 'letters, digits, - and _ (typed after /)');
export const createCannedResponseBodySchema = z
  .object({
    scope: z.enum(cannedScopes).default('personal'),
    shortcut: shortcutSchema,
    body: z.string().trim().min(1).max(4000),
  })
  .strict();
export const updateCannedResponseBodySchema = z
  .object({ shortcut: shortcutSchema.optional(), body: z.string().trim().min(1).max(4000).optional() })
  .strict();
export const listCannedResponsesQuerySchema = z
  .object({ q: z.string().trim().max(40).optional().describe('shortcut or text contains (case-insensitive)') })
  .strict();

export const noteSchema = z.object({
  id: z.uuid(),
  conversation_id: z.uuid(),
  author_id: z.uuid(),
  author_name: z.string(),
  body: z.string(),
  mentions: z.array(z.object({ user_id: z.uuid(), name: z.string() })),
  created_at: z.string(),
});
export type NoteDto = z.infer<typeof noteSchema>;
export const createNoteBodySchema = z.object({ body: z.string().trim().min(1).max(4000) }).strict();

/** `data` of `agent_mentioned`, to the agent named in a note. */
export const agentMentionedSchema = z.object({
  note_id: z.uuid(),
  conversation_id: z.uuid(),
  author_id: z.uuid(),
  author_name: z.string(),
  /** The conversation's channel (the toast shows it). */
  channel: z.enum(['whatsapp', 'webchat', 'voice']),
  excerpt: z.string(),
  created_at: z.string(),
});
export type AgentMentioned = z.infer<typeof agentMentionedSchema>;

/** The agent's wrap-up in progress, so a reloaded console shows its banner again. */
export const currentWrapUpSchema = z.object({
  items: z.array(
    z.object({
      entry_id: z.uuid(),
      conversation_id: z.uuid().nullable(),
      call_id: z.uuid().nullable(),
      wrap_up_until: z.string(),
      disposition_id: z.uuid().nullable(),
    }),
  ),
});
export type CurrentWrapUpDto = z.infer<typeof currentWrapUpSchema>;
