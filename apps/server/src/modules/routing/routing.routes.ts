import {
  channelParamsSchema,
  channelRoutingBodySchema,
  channelRoutingSchema,
  createPauseReasonBodySchema,
  createQueueBodySchema,
  idParamsSchema,
  listQueueEntriesQuerySchema,
  myWrapUpSchema,
  patchUserRoutingBodySchema,
  pauseReasonSchema,
  problemSchema,
  putQueueMembersBodySchema,
  putUserSkillsBodySchema,
  queueEntrySchema,
  queueSchema,
  routingOfferSchema,
  routingSettingsSchema,
  transferToQueueBodySchema,
  updateQueueBodySchema,
  userRoutingProfileSchema,
} from '@switchboard/contracts';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import type { ConversationRouter } from './routing.conversations.js';
import { toEntryDto, toOfferDto, toQueueDto } from './routing.dto.js';
import { toEntry, toOffer } from './routing.rows.js';
import type { RoutingService } from './routing.service.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const withConflict = { ...errors, 409: problemSchema };
/** A queue's create and change: also 422 when the strategy does not fit its channels. */
const queueWriteErrors = { ...withConflict, 422: problemSchema };
const RING_ALL_NEEDS_VOICE =
  '`queue.ring_all_needs_voice` (422, naming `body.strategy` or `body.channels`): `ring_all` rings phones, ' +
  'so it needs the `voice` channel.';

type Profile = Awaited<ReturnType<RoutingService['getProfile']>>;
const toProfileDto = (userId: string, profile: Profile) => ({
  user_id: userId,
  capacity: { ...profile.capacity, voice: 1 as const },
  skills: profile.skills,
});

export function registerRoutingRoutes(app: TypedApp, routing: RoutingService, router: ConversationRouter): void {
  const tags = ['routing'];

  app.get(
    '/api/queues',
    {
      schema: {
        tags,
        summary: 'Queues (managers: all; agents: those they serve)',
        response: { 200: z.object({ items: z.array(queueSchema) }), ...errors },
      },
    },
    async (request) => ({ items: (await routing.listQueues(actorOf(request))).map(toQueueDto) }),
  );

  app.post(
    '/api/queues',
    {
      schema: {
        tags,
        summary: 'Create a queue (admins)',
        description: `\`queue.name_taken\` (409). \`overflow.queue_id\` must be another queue of your company. ${RING_ALL_NEEDS_VOICE}`,
        body: createQueueBodySchema,
        response: { 201: queueSchema, ...queueWriteErrors },
      },
    },
    async (request, reply) => {
      const queue = await routing.createQueue(actorOf(request), request.body);
      return reply.code(201).header('location', `/api/queues/${queue.id}`).send(toQueueDto(queue));
    },
  );

  app.get(
    '/api/queues/:id',
    { schema: { tags, summary: 'One queue', params: idParamsSchema, response: { 200: queueSchema, ...errors } } },
    async (request) => toQueueDto(await routing.getQueue(actorOf(request), request.params.id)),
  );

  app.patch(
    '/api/queues/:id',
    {
      schema: {
        tags,
        summary: 'Change a queue (admins); its waiting items are routed again at once',
        description: RING_ALL_NEEDS_VOICE,
        params: idParamsSchema,
        body: updateQueueBodySchema,
        response: { 200: queueSchema, ...queueWriteErrors },
      },
    },
    async (request) => toQueueDto(await routing.updateQueue(actorOf(request), request.params.id, request.body)),
  );

  app.delete(
    '/api/queues/:id',
    {
      schema: {
        tags,
        summary: 'Delete a queue (admins); its history stays',
        description:
          '`queue.not_empty` (409): items wait or are served in it. `queue.in_use` (409): overflow or channel target.',
        params: idParamsSchema,
        response: { 204: z.null(), ...withConflict },
      },
    },
    async (request, reply) => {
      await routing.deleteQueue(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/api/queues/:id/members',
    {
      schema: {
        tags,
        summary: 'Set the queue’s members (admins); `priority` 0 is tried before 1 …',
        params: idParamsSchema,
        body: putQueueMembersBodySchema,
        response: { 200: queueSchema, ...errors },
      },
    },
    async (request) => toQueueDto(await routing.putMembers(actorOf(request), request.params.id, request.body)),
  );

  app.get(
    '/api/queues/:id/entries',
    {
      schema: {
        tags,
        summary: 'Items of a queue: `state=waiting` (default) in routing order, with position and waiting time',
        params: idParamsSchema,
        querystring: listQueueEntriesQuerySchema,
        response: { 200: z.object({ items: z.array(queueEntrySchema) }), ...errors },
      },
    },
    async (request) => {
      const { state = 'waiting', limit } = request.query;
      const { entries, isWaitingList, now } = await routing.listEntries(
        actorOf(request),
        request.params.id,
        state,
        limit,
      );
      return { items: entries.map((entry, index) => toEntryDto(entry, isWaitingList ? index + 1 : null, now)) };
    },
  );

  app.get(
    '/api/users/:id/routing',
    {
      schema: {
        tags,
        summary: 'A user’s skills and capacity (managers, or the user)',
        params: idParamsSchema,
        response: { 200: userRoutingProfileSchema, ...errors },
      },
    },
    async (request) => toProfileDto(request.params.id, await routing.getProfile(actorOf(request), request.params.id)),
  );

  app.put(
    '/api/users/:id/skills',
    {
      schema: {
        tags,
        summary: 'Set a user’s skills, `[{name, level 1-10}]` (admins); names are case-insensitive',
        params: idParamsSchema,
        body: putUserSkillsBodySchema,
        response: { 200: userRoutingProfileSchema, ...errors },
      },
    },
    async (request) =>
      toProfileDto(request.params.id, await routing.putSkills(actorOf(request), request.params.id, request.body)),
  );

  app.patch(
    '/api/users/:id',
    {
      schema: {
        tags,
        summary: 'Set a user’s chat capacity, `{capacity: {whatsapp, webchat}}` (admins); voice is always 1',
        description: 'Other user fields are changed with `PUT /api/users/:id`.',
        params: idParamsSchema,
        body: patchUserRoutingBodySchema,
        response: { 200: userRoutingProfileSchema, ...errors },
      },
    },
    async (request) =>
      toProfileDto(
        request.params.id,
        await routing.setCapacity(actorOf(request), request.params.id, request.body.capacity),
      ),
  );

  app.get(
    '/api/presence/pause-reasons',
    {
      schema: {
        tags: ['presence'],
        summary: 'The company’s pause reasons (everyone: the status menu lists them)',
        response: { 200: z.object({ items: z.array(pauseReasonSchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await routing.listPauseReasons(actorOf(request))).map((r) => ({
        id: r.id,
        name: r.name,
        created_at: r.createdAt.toISOString(),
      })),
    }),
  );

  app.post(
    '/api/presence/pause-reasons',
    {
      schema: {
        tags: ['presence'],
        summary: 'Add a pause reason (admins), e.g. almoço, treinamento, pausa NR-17',
        body: createPauseReasonBodySchema,
        response: { 201: pauseReasonSchema, ...withConflict },
      },
    },
    async (request, reply) => {
      const reason = await routing.createPauseReason(actorOf(request), request.body.name);
      return reply.code(201).send({ id: reason.id, name: reason.name, created_at: reason.createdAt.toISOString() });
    },
  );

  app.delete(
    '/api/presence/pause-reasons/:id',
    {
      schema: {
        tags: ['presence'],
        summary: 'Remove a pause reason (admins); past status changes keep its name',
        params: idParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await routing.deletePauseReason(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/channels/:channel/routing',
    {
      schema: {
        tags,
        summary: 'Where the channel’s new conversations go (managers)',
        params: channelParamsSchema,
        response: { 200: channelRoutingSchema, ...errors },
      },
    },
    async (request) => toChannelRoutingDto(await routing.getChannelRouting(actorOf(request), request.params.channel)),
  );

  app.put(
    '/api/channels/:channel/routing',
    {
      schema: {
        tags,
        summary: 'Set the channel’s default queue and optional menu ("1 Vendas, 2 Suporte") (admins)',
        params: channelParamsSchema,
        body: channelRoutingBodySchema,
        response: { 200: channelRoutingSchema, ...errors },
      },
    },
    async (request) =>
      toChannelRoutingDto(
        await routing.setChannelRouting(actorOf(request), request.params.channel, {
          defaultQueueId: request.body.default_queue_id,
          menu: request.body.menu,
        }),
      ),
  );

  app.get(
    '/api/routing/settings',
    {
      schema: {
        tags,
        summary: 'The company’s time zone (business hours) and customer language',
        response: { 200: routingSettingsSchema, ...errors },
      },
    },
    async (request) => {
      const settings = await routing.getSettings(actorOf(request));
      return { time_zone: settings.timeZone, language: settings.language as 'pt-BR' | 'en' };
    },
  );

  app.put(
    '/api/routing/settings',
    {
      schema: {
        tags,
        summary: 'Set the time zone and customer language (admins)',
        body: routingSettingsSchema,
        response: { 200: routingSettingsSchema, ...errors },
      },
    },
    async (request) => {
      const settings = await routing.setSettings(actorOf(request), {
        timeZone: request.body.time_zone,
        language: request.body.language,
      });
      return { time_zone: settings.timeZone, language: settings.language as 'pt-BR' | 'en' };
    },
  );

  app.get(
    '/api/routing/offers',
    {
      schema: {
        tags,
        summary: 'Your live offers, oldest first',
        response: { 200: z.object({ items: z.array(routingOfferSchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await routing.listMyOffers(actorOf(request))).map((row) =>
        toOfferDto(toOffer(row.offer), toEntry(row.entry), row.queueName),
      ),
    }),
  );

  app.get(
    '/api/routing/wrap-up',
    {
      schema: {
        tags,
        summary: 'Your wrap-up under way (when new work comes again), or null',
        description:
          'The item whose end started it and the disposition already given to it; `until` is by the server’s clock.',
        response: { 200: myWrapUpSchema, ...errors },
      },
    },
    async (request) => {
      const row = await routing.myWrapUp(actorOf(request));
      return {
        wrap_up: row
          ? {
              entry_id: row.entryId,
              queue_id: row.queueId,
              queue_name: row.queueName,
              channel: row.channel,
              conversation_id: row.conversationId,
              call_id: row.callId,
              ended_at: row.endedAt.toISOString(),
              until: row.until.toISOString(),
              disposition_code: row.dispositionCode,
            }
          : null,
      };
    },
  );

  for (const action of ['accept', 'reject'] as const) {
    app.post(
      `/api/routing/offers/:id/${action}`,
      {
        schema: {
          tags,
          summary:
            action === 'accept' ? 'Take the offered item: it is assigned to you' : 'Decline: it goes to the next agent',
          description:
            '`offer.expired`, `offer.rejected`, `offer.accepted`, `offer.cancelled` (409): the offer is no longer live. ' +
            '`offer.item_gone` (409): the customer no longer waits.',
          params: idParamsSchema,
          response: { 200: z.object({ id: z.uuid(), state: z.string() }), ...withConflict },
        },
      },
      async (request) => {
        const actor = actorOf(request);
        const offer =
          action === 'accept'
            ? await routing.acceptOffer(actor, request.params.id)
            : await routing.rejectOffer(actor, request.params.id);
        return { id: offer.id, state: offer.state };
      },
    );
  }

  app.post(
    '/api/conversations/:id/queue',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Transfer the conversation to a queue (its agent, or a manager); its first enqueue time is kept',
        params: idParamsSchema,
        body: transferToQueueBodySchema,
        response: { 200: queueEntrySchema, ...withConflict },
      },
    },
    async (request) => {
      const entry = await router.transfer(actorOf(request), request.params.id, request.body.queue_id);
      return toEntryDto(entry, null, new Date());
    },
  );
}

function toChannelRoutingDto(point: Awaited<ReturnType<RoutingService['getChannelRouting']>>) {
  return {
    channel: point.channel,
    default_queue_id: point.defaultQueueId,
    menu: point.menu ? { prompt: point.menu.prompt ?? null, options: point.menu.options } : null,
    updated_at: point.updatedAt?.toISOString() ?? null,
  };
}
