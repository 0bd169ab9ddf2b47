/** HTTP for labels, canned responses and private notes: parse, one service call, map. */
import {
  cannedResponseSchema,
  createCannedResponseBodySchema,
  createLabelBodySchema,
  createNoteBodySchema,
  idParamsSchema,
  itemLabelsSchema,
  labelSchema,
  listCannedResponsesQuerySchema,
  noteSchema,
  problemSchema,
  setLabelsBodySchema,
  updateCannedResponseBodySchema,
  updateLabelBodySchema,
} from '@switchboard/contracts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import { storedFileBody } from '../../http/range.js';
import { ValidationError } from '../../shared/errors.js';
import { multipartProblem } from '../conversations/index.js';
import type { CannedResponse, Label } from './productivity.js';
import { toNoteDto, type ProductivityService } from './productivity.service.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const withConflict = { ...errors, 409: problemSchema };

const toLabelDto = (label: Label) => ({
  id: label.id,
  name: label.name,
  colour: label.colour,
  created_at: label.createdAt.toISOString(),
  updated_at: label.updatedAt.toISOString(),
});

const toCannedDto = (canned: CannedResponse) => ({
  id: canned.id,
  scope: canned.ownerId === null ? ('company' as const) : ('personal' as const),
  owner_id: canned.ownerId,
  shortcut: canned.shortcut,
  body: canned.body,
  attachment: canned.attachment && {
    kind: canned.attachment.kind,
    mime_type: canned.attachment.mimeType,
    filename: canned.attachment.filename,
    size_bytes: canned.attachment.sizeBytes,
  },
  created_at: canned.createdAt.toISOString(),
  updated_at: canned.updatedAt.toISOString(),
});

export function registerProductivityRoutes(app: TypedApp, service: ProductivityService): void {
  registerLabelRoutes(app, service);
  registerCannedRoutes(app, service);
  registerCannedAttachmentRoutes(app, service);
  registerNoteRoutes(app, service);
}

function registerLabelRoutes(app: TypedApp, service: ProductivityService): void {
  const tags = ['labels'];
  app.get(
    '/api/labels',
    {
      schema: {
        tags,
        summary: 'Your company’s labels, by name (every role)',
        response: { 200: itemLabelsSchema, ...errors },
      },
    },
    async (request) => ({ items: (await service.listLabels(actorOf(request))).map(toLabelDto) }),
  );
  app.post(
    '/api/labels',
    {
      schema: {
        tags,
        summary: 'Create a label (supervisors and admins)',
        description: '`label.name_taken` (409).',
        body: createLabelBodySchema,
        response: { 201: labelSchema, ...withConflict },
      },
    },
    async (request, reply) => {
      const label = await service.createLabel(actorOf(request), request.body);
      return reply.code(201).header('location', `/api/labels/${label.id}`).send(toLabelDto(label));
    },
  );
  app.patch(
    '/api/labels/:id',
    {
      schema: {
        tags,
        summary: 'Rename or recolour a label (supervisors and admins)',
        params: idParamsSchema,
        body: updateLabelBodySchema,
        response: { 200: labelSchema, ...withConflict },
      },
    },
    async (request) => toLabelDto(await service.updateLabel(actorOf(request), request.params.id, request.body)),
  );
  app.delete(
    '/api/labels/:id',
    {
      schema: {
        tags,
        summary: 'Delete a label and take it off every conversation and contact (supervisors and admins)',
        params: idParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.deleteLabel(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/conversations/:id/labels',
    {
      schema: {
        tags,
        summary: 'The conversation’s labels',
        params: idParamsSchema,
        response: { 200: itemLabelsSchema, ...errors },
      },
    },
    async (request) => ({
      items: (await service.labelsOfConversation(actorOf(request), request.params.id)).map(toLabelDto),
    }),
  );
  app.put(
    '/api/conversations/:id/labels',
    {
      schema: {
        tags,
        summary: 'Set the conversation’s labels (whoever sees it); `conversation_labels_changed` follows',
        params: idParamsSchema,
        body: setLabelsBodySchema,
        response: { 200: itemLabelsSchema, ...errors },
      },
    },
    async (request) => ({
      items: (await service.setConversationLabels(actorOf(request), request.params.id, request.body.label_ids)).map(
        toLabelDto,
      ),
    }),
  );
  app.get(
    '/api/contacts/:id/labels',
    {
      schema: {
        tags,
        summary: 'The contact’s labels',
        params: idParamsSchema,
        response: { 200: itemLabelsSchema, ...errors },
      },
    },
    async (request) => ({
      items: (await service.labelsOfContact(actorOf(request), request.params.id)).map(toLabelDto),
    }),
  );
  app.put(
    '/api/contacts/:id/labels',
    {
      schema: {
        tags,
        summary: 'Set the contact’s labels',
        params: idParamsSchema,
        body: setLabelsBodySchema,
        response: { 200: itemLabelsSchema, ...errors },
      },
    },
    async (request) => ({
      items: (await service.setContactLabels(actorOf(request), request.params.id, request.body.label_ids)).map(
        toLabelDto,
      ),
    }),
  );
  app.get(
    '/api/labels/conversations',
    {
      schema: {
        tags,
        summary: 'Label ids of the given conversations (the inbox shows them on each row)',
        querystring: z.object({ ids: z.string().max(4000).describe('conversation ids, comma-separated') }).strict(),
        response: {
          200: z.object({ items: z.array(z.object({ conversation_id: z.uuid(), label_ids: z.array(z.uuid()) })) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const ids = request.query.ids.split(',').filter((id) => z.uuid().safeParse(id).success);
      const byConversation = await service.labelIdsOf(actorOf(request), ids.slice(0, 200));
      return {
        items: [...byConversation].map(([conversationId, labelIds]) => ({
          conversation_id: conversationId,
          label_ids: labelIds,
        })),
      };
    },
  );
}

function registerCannedRoutes(app: TypedApp, service: ProductivityService): void {
  const tags = ['canned responses'];
  app.get(
    '/api/canned-responses',
    {
      schema: {
        tags,
        summary: 'The company’s canned responses and your own, by shortcut; `q` searches shortcut and text',
        querystring: listCannedResponsesQuerySchema,
        response: { 200: z.object({ items: z.array(cannedResponseSchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await service.listCanned(actorOf(request), request.query.q || undefined)).map(toCannedDto),
    }),
  );
  app.post(
    '/api/canned-responses',
    {
      schema: {
        tags,
        summary: 'Create a canned response: `personal` (anyone) or `company` (supervisors and admins)',
        description:
          'Variables filled in by the composer: `{{contact.name}}`, `{{contact.first_name}}`, `{{contact.phone}}`, `{{agent.name}}`. `canned_response.shortcut_taken` (409).',
        body: createCannedResponseBodySchema,
        response: { 201: cannedResponseSchema, ...withConflict },
      },
    },
    async (request, reply) => {
      const canned = await service.createCanned(actorOf(request), request.body);
      return reply.code(201).header('location', `/api/canned-responses/${canned.id}`).send(toCannedDto(canned));
    },
  );
  app.patch(
    '/api/canned-responses/:id',
    {
      schema: {
        tags,
        summary: 'Edit a canned response (your own; the company’s: supervisors and admins)',
        params: idParamsSchema,
        body: updateCannedResponseBodySchema,
        response: { 200: cannedResponseSchema, ...withConflict },
      },
    },
    async (request) => toCannedDto(await service.updateCanned(actorOf(request), request.params.id, request.body)),
  );
  app.delete(
    '/api/canned-responses/:id',
    {
      schema: {
        tags,
        summary: 'Delete a canned response (your own; the company’s: supervisors and admins)',
        params: idParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.deleteCanned(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}

/**
 * A canned response's file: `PUT` (multipart `file`; the multipart parser is the one the
 * conversations module registers for agents' uploads), `DELETE`, and `GET` its bytes (the
 * composer attaches them to the reply it is writing, sent like any file the agent picks).
 */
function registerCannedAttachmentRoutes(app: TypedApp, service: ProductivityService): void {
  const tags = ['canned responses'];
  app.put(
    '/api/canned-responses/:id/attachment',
    {
      schema: {
        tags,
        summary: 'Attach a file (multipart `file`) to a canned response, replacing the one it had',
        description:
          'The rules of files agents send: images JPEG/PNG up to 5 MB, audio AAC/AMR/MP3/M4A/OGG and video ' +
          'MP4/3GP up to 16 MB, documents (PDF, Office, text) up to 100 MB. `attachment.type_not_supported`, ' +
          '`attachment.too_large`, `attachment.empty` (422). The replaced file is deleted.',
        params: idParamsSchema,
        consumes: ['multipart/form-data'],
        response: { 200: cannedResponseSchema, ...errors, 422: problemSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const file = await readFilePart(request);
      return toCannedDto(await service.setCannedAttachment(actor, request.params.id, file));
    },
  );
  app.delete(
    '/api/canned-responses/:id/attachment',
    {
      schema: {
        tags,
        summary: 'Take the file off a canned response (and delete it)',
        params: idParamsSchema,
        response: { 200: cannedResponseSchema, ...errors },
      },
    },
    async (request) => toCannedDto(await service.removeCannedAttachment(actorOf(request), request.params.id)),
  );
  app.get(
    '/api/canned-responses/:id/attachment',
    {
      schema: {
        tags,
        summary: 'The canned response’s file (the company’s: everyone; personal: its owner)',
        description: '`canned_response.no_attachment` (404) when it has none.',
        params: idParamsSchema,
        response: { 200: z.any().describe('the file’s bytes'), ...errors },
      },
    },
    async (request, reply) => {
      const { attachment, ...file } = await service.cannedAttachmentFile(actorOf(request), request.params.id);
      const name = attachment.filename ?? `${attachment.kind}`;
      return reply
        .header('content-type', attachment.mimeType)
        .header('content-length', file.sizeBytes)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(name)}`)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .send(storedFileBody(file));
    },
  );
}

/** The one `file` part of a multipart body; too large is a 422 like any agent's file. */
async function readFilePart(
  request: FastifyRequest,
): Promise<{ bytes: Buffer; declaredMimeType: string; filename: string }> {
  if (!request.isMultipart()) {
    throw new ValidationError('request.invalid', 'Send the file as multipart/form-data.', [
      { field: 'body.file', message: 'is required' },
    ]);
  }
  let file: { bytes: Buffer; declaredMimeType: string; filename: string } | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      const bytes = await part.toBuffer();
      if (part.fieldname === 'file' && !file)
        file = { bytes, declaredMimeType: part.mimetype, filename: part.filename };
    }
  } catch (error) {
    throw multipartProblem(error);
  }
  if (!file) {
    throw new ValidationError('request.invalid', 'A `file` part is required.', [
      { field: 'body.file', message: 'is required' },
    ]);
  }
  return file;
}

function registerNoteRoutes(app: TypedApp, service: ProductivityService): void {
  const tags = ['conversations'];
  app.get(
    '/api/conversations/:id/notes',
    {
      schema: {
        tags,
        summary: 'The conversation’s private notes, oldest first (agents only: never sent to the customer)',
        params: idParamsSchema,
        response: { 200: z.object({ items: z.array(noteSchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await service.listNotes(actorOf(request), request.params.id)).map(toNoteDto),
    }),
  );
  app.post(
    '/api/conversations/:id/notes',
    {
      schema: {
        tags,
        summary: 'Add a private note; `@Name` mentions notify that agent (`agent_mentioned`)',
        description: 'Never sent to the customer. Colleagues who see the conversation receive `note_created`.',
        params: idParamsSchema,
        body: createNoteBodySchema,
        response: { 201: noteSchema, ...errors },
      },
    },
    async (request, reply) => {
      const note = await service.addNote(actorOf(request), request.params.id, request.body.body);
      return reply.code(201).send(toNoteDto(note));
    },
  );
}
