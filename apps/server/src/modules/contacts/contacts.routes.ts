import { stat } from 'node:fs/promises';
import {
  contactExportSchema,
  contactPanelSchema,
  contactRecordSchema,
  contactSettingsSchema,
  createContactBodySchema,
  eraseContactBodySchema,
  idParamsSchema,
  listContactsQuerySchema,
  mergeContactBodySchema,
  pageSchema,
  problemSchema,
  timelineItemSchema,
  timelineQuerySchema,
  updateContactBodySchema,
} from '@switchboard/contracts';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import { sendFileRange } from '../../http/range.js';
import { AppError, NotFoundError } from '../../shared/errors.js';
import { decodeCursor, encodeCursor } from '../../shared/pagination.js';
import type { Contact } from './contacts.js';
import type { ContactPanels } from './contacts.panel.js';
import type { ContactPrivacy } from './contacts.privacy.js';
import type { ContactsService } from './contacts.service.js';
import type { ContactTimeline, TimelineItem } from './contacts.timeline.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const withConflict = { ...errors, 409: problemSchema };
const iso = (date: Date | null) => date?.toISOString() ?? null;

export const toContactDto = (contact: Contact) => ({
  id: contact.id,
  name: contact.name,
  phone: contact.phone,
  email: contact.email,
  identities: contact.identities,
  custom_attributes: contact.customAttributes,
  labels: contact.labels,
  created_at: contact.createdAt.toISOString(),
  updated_at: contact.updatedAt.toISOString(),
});

const toTimelineDto = (item: TimelineItem) => ({
  id: item.id,
  type: item.type,
  at: item.createdAt.toISOString(),
  conversation_id: item.conversationId,
  channel: item.channel,
  message: item.message && {
    message_id: item.message.messageId,
    direction: item.message.direction,
    author_type: item.message.authorType,
    author_id: item.message.authorId,
    text: item.message.text,
    media_url: item.message.mediaUrl,
    media_kind: item.message.mediaKind,
  },
  call: item.call && {
    call_id: item.call.callId,
    direction: item.call.direction,
    status: item.call.status,
    from_number: item.call.fromNumber,
    to_number: item.call.toNumber,
    agent_id: item.call.agentId,
    agent_name: item.call.agentName,
    queue_id: item.call.queueId,
    queue_name: item.call.queueName,
    wait_seconds: item.call.waitSeconds,
    talk_seconds: item.call.talkSeconds,
    disposition: item.call.disposition,
    notes: item.call.notes.map((n) => ({ body: n.body, author_id: n.authorId, created_at: n.createdAt.toISOString() })),
    recording_url: item.call.recordingUrl,
    started_at: item.call.startedAt.toISOString(),
    answered_at: iso(item.call.answeredAt),
    ended_at: iso(item.call.endedAt),
  },
  voicebot_call: item.voicebotCall && {
    voicebot_call_id: item.voicebotCall.voicebotCallId,
    role: item.voicebotCall.role,
    status: item.voicebotCall.status,
    outcome: item.voicebotCall.outcome,
    unit_number: item.voicebotCall.unitNumber,
    visitor_name: item.voicebotCall.visitorName,
    purpose: item.voicebotCall.purpose,
    transcript: item.voicebotCall.transcript.map((l) => ({ who: l.who, text: l.text, at: l.at.toISOString() })),
  },
  note: item.note && { note_id: item.note.noteId, body: item.note.body, author_id: item.note.authorId },
});

/** A merged contact's 404 names its survivor in a Link header as well as in the problem. */
async function pointingAtSurvivor<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (
      error instanceof AppError &&
      error.code === 'contact.merged' &&
      typeof error.details?.merged_into_id === 'string'
    ) {
      reply.header('link', `</api/contacts/${error.details.merged_into_id}>; rel="canonical"`);
    }
    throw error;
  }
}

export function registerContactsRoutes(
  app: TypedApp,
  deps: { contacts: ContactsService; timeline: ContactTimeline; privacy: ContactPrivacy; panels: ContactPanels },
): void {
  const { contacts, timeline, privacy, panels } = deps;
  const tags = ['contacts'];

  app.get(
    '/api/contacts',
    {
      schema: {
        tags,
        summary: 'Contacts of your company, newest first (every role)',
        querystring: listContactsQuerySchema,
        response: { 200: pageSchema(contactRecordSchema), ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, q, label_id: labelId, channel } = request.query;
      const page = await contacts.list(actorOf(request), { q, labelId, channel }, { cursor, limit });
      return { items: page.items.map(toContactDto), next_cursor: page.nextCursor };
    },
  );

  app.post(
    '/api/contacts',
    {
      schema: {
        tags,
        summary: 'Create a contact; identities are normalized (phones to E.164 in the company’s country)',
        description: '`contact.identity_taken` (409) when another contact has one of the identities: merge them.',
        body: createContactBodySchema,
        response: { 201: contactRecordSchema, ...withConflict },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const contact = await contacts.create(actorOf(request), {
        name: body.name,
        identities: body.identities,
        customAttributes: body.custom_attributes,
      });
      return reply.code(201).send(toContactDto(contact));
    },
  );

  app.get(
    '/api/contacts/settings',
    {
      schema: {
        tags,
        summary: 'Contact settings: the country numbers without a country code are read in (BR by default)',
        response: { 200: contactSettingsSchema, ...errors },
      },
    },
    async (request) => contacts.settings(actorOf(request)),
  );

  app.put(
    '/api/contacts/settings',
    {
      schema: {
        tags,
        summary: 'Change the contact settings (admins)',
        body: contactSettingsSchema,
        response: { 200: contactSettingsSchema, ...errors },
      },
    },
    async (request) => contacts.saveSettings(actorOf(request), request.body.country),
  );

  app.get(
    '/api/contacts/:id',
    {
      schema: {
        tags,
        summary: 'A contact; a merged one answers 404 `contact.merged` with a Link to its survivor',
        params: idParamsSchema,
        response: { 200: contactRecordSchema, ...errors },
      },
    },
    async (request, reply) =>
      toContactDto(await pointingAtSurvivor(reply, () => contacts.get(actorOf(request), request.params.id))),
  );

  app.patch(
    '/api/contacts/:id',
    {
      schema: {
        tags,
        summary: 'Edit a contact: name, custom attributes, identities (replaced as given)',
        params: idParamsSchema,
        body: updateContactBodySchema,
        response: { 200: contactRecordSchema, ...withConflict },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const contact = await pointingAtSurvivor(reply, () =>
        contacts.update(actorOf(request), request.params.id, {
          name: body.name,
          identities: body.identities,
          customAttributes: body.custom_attributes,
        }),
      );
      return toContactDto(contact);
    },
  );

  app.delete(
    '/api/contacts/:id',
    {
      schema: {
        tags,
        summary: 'Delete a contact (its conversations and calls stay); LGPD erasure is POST …/erase',
        description:
          'Hides the contact (404 afterwards) and releases its identities, so new traffic from them makes a new ' +
          'contact; names and messages are kept. Publishes `contact.deleted` (webhooks), not `contact.erased`: ' +
          'only `POST /api/contacts/:id/erase` forgets the person.',
        params: idParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await pointingAtSurvivor(reply, () => contacts.delete(actorOf(request), request.params.id));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/contacts/:id/merge',
    {
      schema: {
        tags,
        summary: 'Merge another contact into this one: identities, conversations, calls, notes and labels move here',
        params: idParamsSchema,
        body: mergeContactBodySchema,
        response: { 200: contactRecordSchema, ...withConflict },
      },
    },
    async (request, reply) => {
      const contact = await pointingAtSurvivor(reply, () =>
        contacts.merge(actorOf(request), request.params.id, request.body.other_id),
      );
      return toContactDto(contact);
    },
  );

  app.get(
    '/api/contacts/:id/timeline',
    {
      schema: {
        tags,
        summary: "The contact's timeline, newest first: messages, calls, voicemails, intercom calls, events, notes",
        params: idParamsSchema,
        querystring: timelineQuerySchema,
        response: { 200: pageSchema(timelineItemSchema), ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { limit, cursor, channel, type } = request.query;
      await pointingAtSurvivor(reply, () => contacts.get(actor, request.params.id));
      const rows = await timeline.read(actor, request.params.id, { channel, type }, decodeCursor(cursor), limit);
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map(toTimelineDto),
        next_cursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
      };
    },
  );

  app.get(
    '/api/contacts/:id/summary',
    {
      schema: {
        tags,
        summary: "The contact panel: the card, the contact's conversations, recent calls and notes",
        description:
          'Managers always; an agent while handling the contact (a conversation of theirs or an unassigned open one, or a call of theirs live or ended within the hour), else 403 `contact.not_handling`.',
        params: idParamsSchema,
        response: { 200: contactPanelSchema, ...errors },
      },
    },
    async (request, reply) => {
      const panel = await pointingAtSurvivor(reply, () => panels.read(actorOf(request), request.params.id));
      return {
        contact: toContactDto(panel.contact),
        conversations: panel.conversations.map((c) => ({
          conversation_id: c.conversationId,
          channel: c.channel,
          status: c.status,
          assignee_id: c.assigneeId,
          last_message_preview: c.lastMessagePreview,
          last_activity_at: c.lastActivityAt.toISOString(),
        })),
        calls: panel.calls.map((c) => ({
          call_id: c.callId,
          direction: c.direction,
          status: c.status,
          agent_name: c.agentName,
          talk_seconds: c.talkSeconds,
          disposition: c.disposition,
          conversation_id: c.conversationId,
          started_at: c.startedAt.toISOString(),
        })),
        notes: panel.notes.map((n) => ({
          note_id: n.noteId,
          conversation_id: n.conversationId,
          body: n.body,
          author_id: n.authorId,
          created_at: n.createdAt.toISOString(),
        })),
      };
    },
  );

  app.get(
    '/api/contacts/:id/export',
    {
      schema: {
        tags,
        summary: 'Everything held about the contact (admins; LGPD), with file links valid for an hour',
        params: idParamsSchema,
        response: { 200: contactExportSchema, ...errors },
      },
    },
    async (request, reply) => {
      const data = await pointingAtSurvivor(reply, () => privacy.export(actorOf(request), request.params.id));
      reply.header('cache-control', 'private, no-store');
      return {
        exported_at: data.exportedAt.toISOString(),
        contact: toContactDto(data.contact),
        conversations: data.conversations,
        calls: data.calls,
        voicebot_calls: data.voicebotCalls,
        files: data.files,
      };
    },
  );

  app.post(
    '/api/contacts/:id/erase',
    {
      schema: {
        tags,
        summary: "Erase the contact's personal data (admins; LGPD): idempotent, the id then answers 404",
        description:
          'Deletes identities, names, message texts, media files, recordings, voicemails, transcripts and notes; keeps anonymous counts and durations for reports.',
        params: idParamsSchema,
        body: eraseContactBodySchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await pointingAtSurvivor(reply, () => privacy.erase(actorOf(request), request.params.id));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/contact-files',
    {
      config: { isPublic: true },
      schema: {
        tags,
        summary: 'A file of a contact export, by its signed, time-limited link',
        querystring: z.object({ token: z.string().min(10).max(400) }).strict(),
        response: { 200: z.unknown(), 206: z.unknown(), 404: problemSchema, 416: problemSchema },
      },
    },
    async (request, reply) => {
      const file = await privacy.resolveLink(request.query.token);
      const info = await stat(file.path).catch(() => undefined);
      if (!info?.isFile()) throw new NotFoundError('contact_file.not_found', 'The file is no longer stored.');
      reply.header('cache-control', 'private, no-store').type(file.contentType);
      return sendFileRange(
        request,
        reply,
        { path: file.path, sizeBytes: info.size },
        'contact_file.range_not_satisfiable',
      );
    },
  );
}
