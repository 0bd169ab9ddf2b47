import { z } from 'zod';
import { roleSchema } from './auth.js';

export const presenceStatuses = ['online', 'offline', 'busy', 'away'] as const;
export const presenceStatusSchema = z.enum(presenceStatuses);
export type PresenceStatus = z.infer<typeof presenceStatusSchema>;

/** Longest status message ("Em reunião até 15h" fits many times over). */
export const PRESENCE_MESSAGE_MAX_LENGTH = 200;

export const agentPresenceSchema = z
  .object({
    agent_id: z.uuid(),
    agent_name: z.string(),
    role: roleSchema,
    status: presenceStatusSchema,
    message: z.string().nullable(),
    last_heartbeat: z.string().nullable().describe('null: never seen'),
    websocket_connected: z.boolean().describe('at least one Socket.IO connection open, on any server node'),
    status_changed_at: z.string().nullable().describe('null: the status was never set'),
    is_available: z.boolean().describe('online and connected: can take conversations and calls'),
    is_inactive: z.boolean().describe('no heartbeat for longer than PRESENCE_OFFLINE_AFTER_SECONDS'),
    time_in_status_seconds: z.number().int().nullable(),
    pause_reason: z.string().nullable().describe('while away: the pause reason (`missed_offers` when routing set it)'),
  })
  .meta({ id: 'AgentPresence' });
export type AgentPresenceDto = z.infer<typeof agentPresenceSchema>;

/** `POST /api/presence/status` and the `update_status` socket event. */
export const setPresenceStatusBodySchema = z
  .object({
    status: presenceStatusSchema,
    message: z
      .string()
      .trim()
      .max(PRESENCE_MESSAGE_MAX_LENGTH)
      .nullable()
      .optional()
      .describe('omitted, null or blank clears it: a message belongs to the status it was set with'),
    pause_reason_id: z
      .uuid()
      .nullable()
      .optional()
      .describe('with `away`: one of GET /api/presence/pause-reasons; stored with the change and reported'),
  })
  .strict();
export type SetPresenceStatusBody = z.infer<typeof setPresenceStatusBodySchema>;

/** The `heartbeat` socket event: send `{}` (or nothing) with an ack. */
export const presenceHeartbeatPayloadSchema = z.object({}).strict().optional();

export const listPresenceQuerySchema = z
  .object({
    status: presenceStatusSchema.optional(),
    available: z.enum(['true', 'false']).optional().describe('only agents who are (or are not) available'),
    role: roleSchema.optional(),
  })
  .strict();

/** `restored`: a fresh sign-in brought back the status the agent last chose. */
export const presenceChangeReasons = ['status_updated', 'connected', 'disconnected', 'timeout', 'restored'] as const;

/** `data` of the `agent_presence_changed` event (agent-presence.md, plus what a board needs). */
export const agentPresenceChangedSchema = z.object({
  agent_id: z.uuid(),
  status: presenceStatusSchema,
  previous_status: presenceStatusSchema,
  message: z.string().nullable(),
  websocket_connected: z.boolean(),
  is_available: z.boolean(),
  status_changed_at: z.string().nullable(),
  reason: z.enum(presenceChangeReasons),
  pause_reason: z.string().nullable(),
  timestamp: z.string(),
});
export type AgentPresenceChanged = z.infer<typeof agentPresenceChangedSchema>;
