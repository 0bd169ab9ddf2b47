import { z } from 'zod';
import { isoDateTime } from './common.js';

export const routingChannels = ['voice', 'whatsapp', 'webchat'] as const;
export const routingChannelSchema = z.enum(routingChannels);
export const queueStrategies = ['longest_idle', 'least_busy', 'round_robin', 'ring_all'] as const;
export const queueOfferModes = ['auto', 'accept'] as const;
export const queueEntryStates = ['waiting', 'offered', 'assigned', 'abandoned', 'overflowed', 'completed'] as const;
export const routingOfferStates = ['offered', 'accepted', 'rejected', 'expired', 'cancelled'] as const;

const hhmm = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/, 'HH:MM, 00:00 to 24:00');

export const requiredSkillSchema = z.object({
  name: z.string().trim().min(1).max(60),
  min_level: z.number().int().min(1).max(10).default(1),
});

export const overflowSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('queue'), queue_id: z.uuid() }).strict(),
  z.object({ action: z.literal('voicemail') }).strict(),
  z.object({ action: z.literal('callback') }).strict(),
]);

export const businessHoursSchema = z
  .object({
    ranges: z
      .array(
        z
          .object({ day: z.number().int().min(0).max(6).describe('0 = Sunday … 6 = Saturday'), from: hhmm, to: hhmm })
          .strict(),
      )
      .max(50),
    closed_action: z.discriminatedUnion('action', [
      z
        .object({
          action: z.literal('message'),
          text: z
            .string()
            .trim()
            .min(1)
            .max(1000)
            .nullable()
            .optional()
            .describe('default: a text in the company language'),
        })
        .strict(),
      z.object({ action: z.literal('voicemail') }).strict(),
    ]),
  })
  .strict()
  .describe("weekly open ranges in the company's IANA time zone (GET/PUT /api/routing/settings)");

const queueFields = {
  name: z.string().trim().min(1).max(80),
  channels: z.array(routingChannelSchema).min(1).max(3),
  strategy: z.enum(queueStrategies),
  offer_mode: z.enum(queueOfferModes),
  offer_timeout_seconds: z.number().int().min(1).max(600),
  required_skills: z.array(requiredSkillSchema).max(20),
  priority: z.number().int().min(-100).max(100),
  service_level_seconds: z.number().int().min(1).max(86_400),
  service_level_target: z.number().min(0).max(1),
  max_wait_seconds: z.number().int().min(1).max(86_400).nullable(),
  overflow: overflowSchema.nullable(),
  wrap_up_seconds: z.number().int().min(0).max(3600),
  announce_position: z.boolean(),
  business_hours: businessHoursSchema.nullable(),
};

export const createQueueBodySchema = z
  .object({
    name: queueFields.name,
    channels: queueFields.channels,
    strategy: queueFields.strategy.default('longest_idle'),
    offer_mode: queueFields.offer_mode.default('auto'),
    offer_timeout_seconds: queueFields.offer_timeout_seconds.default(20),
    required_skills: queueFields.required_skills.default([]),
    priority: queueFields.priority.default(0),
    service_level_seconds: queueFields.service_level_seconds.default(20),
    service_level_target: queueFields.service_level_target.default(0.8),
    max_wait_seconds: queueFields.max_wait_seconds.default(null),
    overflow: queueFields.overflow.default(null),
    wrap_up_seconds: queueFields.wrap_up_seconds.default(0),
    announce_position: queueFields.announce_position.default(false),
    business_hours: queueFields.business_hours.default(null),
  })
  .strict();
export type CreateQueueBody = z.infer<typeof createQueueBodySchema>;

export const updateQueueBodySchema = z.object(queueFields).partial().strict();
export type UpdateQueueBody = z.infer<typeof updateQueueBodySchema>;

export const queueMemberSchema = z.object({
  user_id: z.uuid(),
  priority: z.number().int().min(0).max(100).default(0).describe('lower is tried first (a penalty, as app_queue)'),
});

export const queueSchema = z
  .object({
    id: z.uuid(),
    ...queueFields,
    members: z.array(z.object({ user_id: z.uuid(), name: z.string(), priority: z.number().int() })),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Queue' });
export type QueueDto = z.infer<typeof queueSchema>;

export const putQueueMembersBodySchema = z.array(queueMemberSchema).max(2000);

export const skillSchema = z.object({ name: z.string().trim().min(1).max(60), level: z.number().int().min(1).max(10) });
export const putUserSkillsBodySchema = z.array(skillSchema).max(50);

export const capacitySchema = z.object({
  whatsapp: z.number().int().min(0).max(50),
  webchat: z.number().int().min(0).max(50),
});

/** `PATCH /api/users/:id`: what routing keeps of a user. */
export const patchUserRoutingBodySchema = z.object({ capacity: capacitySchema.partial().strict() }).strict();

export const userRoutingProfileSchema = z
  .object({
    user_id: z.uuid(),
    capacity: capacitySchema.extend({ voice: z.literal(1) }),
    skills: z.array(skillSchema),
  })
  .meta({ id: 'UserRoutingProfile' });

export const pauseReasonSchema = z
  .object({ id: z.uuid(), name: z.string(), created_at: z.string() })
  .meta({ id: 'PauseReason' });
export const createPauseReasonBodySchema = z.object({ name: z.string().trim().min(1).max(60) }).strict();

export const queueEntrySchema = z
  .object({
    id: z.uuid(),
    queue_id: z.uuid(),
    channel: routingChannelSchema,
    call_id: z.uuid().nullable(),
    conversation_id: z.uuid().nullable(),
    label: z.string().nullable(),
    priority: z.number().int(),
    state: z.enum(queueEntryStates),
    enqueued_at: z.string(),
    original_enqueued_at: z.string(),
    offered_to: z.uuid().nullable(),
    attempts: z.number().int(),
    assigned_to: z.uuid().nullable(),
    wait_seconds: z.number().int().nullable().describe('when it ended: the time it waited'),
    ended_at: z.string().nullable(),
    end_reason: z.string().nullable(),
    position: z.number().int().nullable().describe('1 = next to be routed; null unless waiting'),
    waiting_seconds: z.number().int().describe('since it entered this queue (or until it ended)'),
  })
  .meta({ id: 'QueueEntry' });
export type QueueEntryDto = z.infer<typeof queueEntrySchema>;

export const listQueueEntriesQuerySchema = z
  .object({
    state: z.enum(queueEntryStates).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const routingOfferSchema = z
  .object({
    id: z.uuid(),
    entry_id: z.uuid(),
    queue_id: z.uuid(),
    queue_name: z.string(),
    agent_id: z.uuid(),
    channel: routingChannelSchema,
    conversation_id: z.uuid().nullable(),
    call_id: z.uuid().nullable(),
    label: z.string().nullable(),
    state: z.enum(routingOfferStates),
    offered_at: z.string(),
    expires_at: z.string(),
    enqueued_at: z.string().describe('when the customer started waiting (the original enqueue)'),
  })
  .meta({ id: 'RoutingOffer' });
export type RoutingOfferDto = z.infer<typeof routingOfferSchema>;

/**
 * `GET /api/routing/wrap-up`: the caller's wrap-up under way (the server's clock decides
 * when it ends), so a console that reloads shows the same countdown; null when none.
 */
export const myWrapUpSchema = z
  .object({
    wrap_up: z
      .object({
        entry_id: z.uuid(),
        queue_id: z.uuid(),
        queue_name: z.string(),
        channel: routingChannelSchema,
        conversation_id: z.uuid().nullable(),
        call_id: z.uuid().nullable(),
        ended_at: z.string(),
        until: z.string().describe('when routing offers the agent work again'),
        disposition_code: z.string().nullable().describe('the code already given to the item, if any'),
      })
      .nullable(),
  })
  .meta({ id: 'MyWrapUp' });
export type MyWrapUpDto = z.infer<typeof myWrapUpSchema>;

export const transferToQueueBodySchema = z.object({ queue_id: z.uuid() }).strict();

export const entryMenuSchema = z
  .object({
    prompt: z.string().trim().min(1).max(1000).nullable().optional(),
    options: z
      .array(
        z.object({
          key: z
            .string()
            .trim()
            .regex(/^[0-9]$/, 'one digit'),
          label: z.string().trim().min(1).max(60),
          queue_id: z.uuid(),
        }),
      )
      .min(1)
      .max(9),
  })
  .strict();

/** `PUT /api/channels/{whatsapp|webchat}/routing`: where the channel's conversations go. */
export const channelRoutingBodySchema = z
  .object({ default_queue_id: z.uuid().nullable(), menu: entryMenuSchema.nullable().default(null) })
  .strict();
export const channelRoutingSchema = z
  .object({
    channel: routingChannelSchema,
    default_queue_id: z.uuid().nullable(),
    menu: entryMenuSchema.nullable(),
    updated_at: z.string().nullable(),
  })
  .meta({ id: 'ChannelRouting' });
export const channelParamsSchema = z.object({ channel: z.enum(['whatsapp', 'webchat']) }).strict();

export const routingSettingsSchema = z
  .object({
    time_zone: z
      .string()
      .min(1)
      .max(64)
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'an IANA time zone, e.g. America/Sao_Paulo'),
    language: z.enum(['pt-BR', 'en']),
  })
  .meta({ id: 'RoutingSettings' });

/** `data` of `queue_stats` (to managers, at most once a second per queue). */
export const queueStatsSchema = z.object({
  queue_id: z.uuid(),
  waiting: z.number().int(),
  longest_wait_seconds: z.number().int(),
  agents: z.object({
    available: z.number().int(),
    busy: z.number().int(),
    wrap_up: z.number().int(),
    paused: z.number().int(),
    offline: z.number().int(),
  }),
  service_level_30m: z.number().nullable().describe('share answered within service_level_seconds; null: none'),
  at: isoDateTime,
});
export type QueueStatsDto = z.infer<typeof queueStatsSchema>;
