import {
  type templateSendSchema,
  assignConversationBodySchema,
  closeConversationBodySchema,
  conversationSchema,
  createConversationBodySchema,
  favoriteResponseSchema,
  readResponseSchema,
  idParamsSchema,
  listConversationsQuerySchema,
  listMessagesQuerySchema,
  messageSchema,
  pageSchema,
  problemSchema,
  sendMessageBodySchema,
  snoozeConversationBodySchema,
  typingBodySchema,
  typingQuerySchema,
  typingStateSchema,
  updateConversationBodySchema,
  videoCallResponseSchema,
  voiceCallResponseSchema,
} from '@switchboard/contracts';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import { sendFileRange } from '../../http/range.js';
import type { Actor } from '../../shared/actor.js';
import type { Conversation } from './conversations.js';
import { toConversationDto, toMessageDto } from './conversations.dto.js';
import type { ConversationLifecycle } from './conversations.lifecycle.js';
import type { ConversationsService, OutboundInput, TemplateHeaderInput } from './conversations.service.js';
import type { TypingIndicators, TypingState } from './typing.js';
import type { MessageUploads } from './uploads.js';
import { multipartReply } from './uploads.routes.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const actionErrors = { ...errors, 409: problemSchema };

export function toTypingStateDto(state: TypingState) {
  return {
    conversation_id: state.conversationId,
    is_typing: state.isTyping,
    expires_at: state.expiresAt?.toISOString() ?? null,
  };
}

export function registerConversationsRoutes(
  app: TypedApp,
  deps: {
    conversations: ConversationsService;
    lifecycle: ConversationLifecycle;
    typing: TypingIndicators;
    uploads: MessageUploads;
  },
): void {
  const { conversations, lifecycle, typing } = deps;
  const tags = ['conversations'];
  const conversationAction = (
    path: string,
    summary: string,
    run: (actor: Actor, conversationId: string) => Promise<Conversation>,
    description?: string,
  ) =>
    app.post(
      `/api/conversations/:id/${path}`,
      {
        schema: {
          tags,
          summary,
          ...(description ? { description } : {}),
          params: idParamsSchema,
          response: { 200: conversationSchema, ...actionErrors },
        },
      },
      async (request) => toConversationDto(await run(actorOf(request), request.params.id)),
    );

  app.get(
    '/api/conversations',
    {
      schema: {
        tags,
        summary: 'Conversations, most recent activity first (agents see theirs and the unassigned ones)',
        querystring: listConversationsQuerySchema,
        response: { 200: pageSchema(conversationSchema), ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, status, channel, assignee, filter, q, label } = request.query;
      const page = await conversations.list(
        actorOf(request),
        { status, channel, assigneeId: assignee, filter, search: q, labelId: label },
        { limit, cursor },
      );
      return { items: page.items.map(toConversationDto), next_cursor: page.nextCursor };
    },
  );

  app.post(
    '/api/conversations',
    {
      schema: {
        tags,
        summary: 'Start a conversation with a contact (found by phone or email, or created); assigned to you',
        description:
          'Answers 200 with the contact’s unresolved conversation on that channel when there is one. ' +
          '`contact.no_phone` (409): a WhatsApp conversation needs a phone.',
        body: createConversationBodySchema,
        response: { 200: conversationSchema, 201: conversationSchema, ...actionErrors },
      },
    },
    async (request, reply) => {
      const { channel, contact, priority } = request.body;
      const result = await conversations.create(actorOf(request), { channel, contact, priority });
      const dto = toConversationDto(result.conversation);
      if (!result.isNew) return dto;
      return reply.code(201).header('location', `/api/conversations/${dto.id}`).send(dto);
    },
  );

  app.get(
    '/api/conversations/:id',
    {
      schema: {
        tags,
        summary: 'One conversation with its contact',
        params: idParamsSchema,
        response: { 200: conversationSchema, ...errors },
      },
    },
    async (request) => toConversationDto(await conversations.get(actorOf(request), request.params.id)),
  );

  app.patch(
    '/api/conversations/:id',
    {
      schema: {
        tags,
        summary: 'Change the priority',
        params: idParamsSchema,
        body: updateConversationBodySchema,
        response: { 200: conversationSchema, ...errors },
      },
    },
    async (request) =>
      toConversationDto(await lifecycle.updatePriority(actorOf(request), request.params.id, request.body.priority)),
  );

  app.get(
    '/api/conversations/:id/messages',
    {
      schema: {
        tags,
        summary: 'Messages, newest first; pass `next_cursor` as `before` for older ones',
        params: idParamsSchema,
        querystring: listMessagesQuerySchema,
        response: { 200: pageSchema(messageSchema), ...errors },
      },
    },
    async (request) => {
      const { limit, before } = request.query;
      const page = await conversations.listMessages(actorOf(request), request.params.id, { limit, before });
      return { items: page.items.map(toMessageDto), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/api/conversations/:id/messages/:messageId/media',
    {
      schema: {
        tags,
        summary: 'The file a contact sent with a message (HTTP Range supported)',
        description:
          'Images, audio and video that browsers play safely are served inline; anything else as an ' +
          'attachment. `media.pending` (409): still being fetched, `message_updated` announces it. ' +
          '`media.unavailable` (409): it could not be fetched (the reason is in the detail).',
        params: z.object({ id: z.uuid(), messageId: z.uuid() }),
        response: {
          200: z.unknown().describe('the file'),
          206: z.unknown().describe('part of the file'),
          ...actionErrors,
          416: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const file = await conversations.openMedia(actorOf(request), request.params.id, request.params.messageId);
      const contentType = servedContentType(file.mimeType);
      reply
        .header('cache-control', 'private, max-age=3600')
        .header('x-content-type-options', 'nosniff')
        // The file is the contact's: it never runs as a page of ours, whatever it holds.
        .header('content-security-policy', "default-src 'none'; media-src 'self'; img-src 'self'; sandbox")
        .header('content-disposition', contentDisposition(contentType, file.filename, file.kind))
        .type(contentType);
      return sendFileRange(request, reply, file, 'media.range_not_satisfiable');
    },
  );

  app.post(
    '/api/conversations/:id/messages/:messageId/media/retry',
    {
      schema: {
        tags,
        summary: 'Fetch the file a contact sent again, now (after a failure); `message_updated` follows',
        description: '`media.stored` (409): nothing to do. `media.downloading` (409): a fetch is under way.',
        params: z.object({ id: z.uuid(), messageId: z.uuid() }),
        response: { 202: messageSchema, ...actionErrors },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(
          toMessageDto(await conversations.retryMedia(actorOf(request), request.params.id, request.params.messageId)),
        ),
  );

  app.post(
    '/api/conversations/:id/messages/:messageId/retry',
    {
      schema: {
        tags,
        summary: 'Send a failed outbound message again: back to `queued`, then `message_status_changed`',
        description:
          '`message.not_failed` (409): only a failed message is sent again. ' +
          '`conversation.resolved` (409): reopen it first.',
        params: z.object({ id: z.uuid(), messageId: z.uuid() }),
        response: { 202: messageSchema, ...actionErrors },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(
          toMessageDto(await conversations.retryMessage(actorOf(request), request.params.id, request.params.messageId)),
        ),
  );

  app.post(
    '/api/conversations/:id/messages',
    {
      // multipart/form-data (`file`, `caption`) becomes `{attachment, caption}` (uploads.routes.ts).
      ...multipartReply({ conversations, uploads: deps.uploads }),
      schema: {
        tags,
        summary: 'Reply: stored as `queued`, then delivered through the channel (`message_status_changed`)',
        description:
          'Text, a file (multipart `file` + `caption`, or `{attachment: {upload_id}}`) or a WhatsApp template ' +
          '(`{template: {name, language, variables}}`). Replying to an unassigned conversation takes it. ' +
          '`conversation.resolved` (409): reopen it first. `conversation.channel_cannot_message` (409): a voice ' +
          'conversation. `conversation.window_closed` (409): WhatsApp’s 24-hour window has closed, send a ' +
          'template. `attachment.*`, `template.*` (422): the file or the variables do not fit.',
        params: idParamsSchema,
        body: sendMessageBodySchema,
        response: { 201: messageSchema, ...actionErrors, 422: problemSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const input: OutboundInput =
        'text' in body
          ? { kind: 'text', text: body.text }
          : 'attachment' in body
            ? { kind: 'attachment', uploadId: body.attachment.upload_id, caption: body.caption }
            : { kind: 'template', ...body.template, header: templateHeaderOf(body.template.header) };
      return reply
        .code(201)
        .send(toMessageDto(await conversations.sendMessage(actorOf(request), request.params.id, input)));
    },
  );

  conversationAction(
    'handoff',
    'Transfer to a human: the conversation enters the waiting queue (`awaiting_human`) for any agent',
    (actor, id) => lifecycle.handoff(actor, id),
  );
  conversationAction(
    'take',
    'Take a conversation from the queue',
    (actor, id) => lifecycle.take(actor, id),
    '`conversation.already_assigned` (409).',
  );

  app.post(
    '/api/conversations/:id/assign',
    {
      schema: {
        tags,
        summary: 'Assign to an agent (admins and supervisors; agents may pass on their own)',
        params: idParamsSchema,
        body: assignConversationBodySchema,
        response: { 200: conversationSchema, ...actionErrors },
      },
    },
    async (request) =>
      toConversationDto(await lifecycle.assign(actorOf(request), request.params.id, request.body.agent_id)),
  );

  conversationAction('unassign', 'Back to the queue: nobody has it and it waits for a human', (actor, id) =>
    lifecycle.unassign(actor, id),
  );

  app.post(
    '/api/conversations/:id/close',
    {
      schema: {
        tags,
        summary: 'Resolve, with an optional rating (1 to 5) and feedback',
        params: idParamsSchema,
        body: closeConversationBodySchema.nullish(),
        response: { 200: conversationSchema, ...actionErrors },
      },
    },
    async (request) =>
      toConversationDto(await lifecycle.close(actorOf(request), request.params.id, request.body ?? {})),
  );

  conversationAction(
    'reopen',
    'Reopen a resolved or snoozed conversation (a message from the contact does it too)',
    (actor, id) => lifecycle.reopen(actor, id),
    '`conversation.not_closed` (409).',
  );

  app.post(
    '/api/conversations/:id/snooze',
    {
      schema: {
        tags,
        summary: 'Snooze until a time; it reopens then, or when the contact writes',
        params: idParamsSchema,
        body: snoozeConversationBodySchema,
        response: { 200: conversationSchema, ...actionErrors },
      },
    },
    async (request) =>
      toConversationDto(await lifecycle.snooze(actorOf(request), request.params.id, new Date(request.body.until))),
  );

  for (const method of ['POST', 'DELETE'] as const) {
    app.route({
      method,
      url: '/api/conversations/:id/favorite',
      schema: {
        tags,
        summary: method === 'POST' ? 'Star for yourself' : 'Unstar for yourself',
        params: idParamsSchema,
        response: { 200: favoriteResponseSchema, ...errors },
      },
      handler: async (request) => ({
        conversation_id: request.params.id,
        favorite: await conversations.setFavorite(actorOf(request), request.params.id, method === 'POST'),
      }),
    });
  }

  app.post(
    '/api/conversations/:id/read',
    {
      schema: {
        tags,
        summary: 'Mark read up to now, for yourself (the inbox’s unread marks follow you across devices)',
        params: idParamsSchema,
        response: { 200: readResponseSchema, ...errors },
      },
    },
    async (request) => ({
      conversation_id: request.params.id,
      last_read_at: (await conversations.markRead(actorOf(request), request.params.id)).toISOString(),
    }),
  );

  app.post(
    '/api/conversations/:id/video',
    {
      schema: {
        tags,
        summary: 'A Jitsi video room: the contact’s link goes out through the channel as a system message',
        params: idParamsSchema,
        response: { 201: videoCallResponseSchema, ...actionErrors },
      },
    },
    async (request, reply) => {
      const { room, message } = await conversations.startVideo(actorOf(request), request.params.id);
      return reply.code(201).send({
        video_url: room.agentUrl,
        room_name: room.roomName,
        expires_at: room.expiresAt.toISOString(),
        message: toMessageDto(message),
      });
    },
  );

  app.post(
    '/api/conversations/:id/call',
    {
      schema: {
        tags,
        summary: 'Click-to-call the contact from your SIP device; the call joins the conversation’s timeline',
        description: '`contact.no_phone` (409), `call.no_device` (409), `pbx.unavailable` (503).',
        params: idParamsSchema,
        response: { 201: voiceCallResponseSchema, ...actionErrors, 502: problemSchema, 503: problemSchema },
      },
    },
    async (request, reply) => {
      const { call, message } = await conversations.startVoiceCall(actorOf(request), request.params.id);
      return reply.code(201).send({ call_id: call.id, call_status: call.status, message: toMessageDto(message) });
    },
  );

  app.post(
    '/api/typing',
    {
      schema: {
        tags: ['typing'],
        summary: 'You are typing in a conversation (`typing_start`); renew within the timeout or it stops',
        body: typingBodySchema,
        response: { 200: typingStateSchema, ...errors },
      },
    },
    async (request) => toTypingStateDto(await typing.start(actorOf(request), request.body.conversation_id)),
  );

  app.delete(
    '/api/typing',
    {
      schema: {
        tags: ['typing'],
        summary: 'You stopped typing (`typing_stop`)',
        querystring: typingQuerySchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await typing.stopVisible(actorOf(request), request.query.conversation_id);
      return reply.code(204).send(null);
    },
  );
}

/** Types a browser shows or plays without running anything; all else is a download. */
const INLINE_TYPES = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'audio/ogg',
  'audio/mpeg',
  'audio/mp4',
  'audio/aac',
  'audio/amr',
  'audio/wav',
  'video/mp4',
  'video/3gpp',
  'video/webm',
]);

/** The channel's MIME type when it looks like one, without parameters; else a byte stream. */
function servedContentType(mimeType: string | null): string {
  const type = mimeType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type) ? type : 'application/octet-stream';
}

function contentDisposition(contentType: string, filename: string | null, kind: string): string {
  const disposition = INLINE_TYPES.has(contentType) ? 'inline' : 'attachment';
  const name = (filename ?? kind).replace(/[\r\n"\\]/g, '_').slice(0, 200);
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** The wire's template header (snake case) as the service takes it. */
function templateHeaderOf(header: z.infer<typeof templateSendSchema>['header']): TemplateHeaderInput | undefined {
  if (!header) return undefined;
  if (header.kind === 'location') return header;
  return { kind: header.kind, link: header.link, uploadId: header.upload_id, filename: header.filename };
}
