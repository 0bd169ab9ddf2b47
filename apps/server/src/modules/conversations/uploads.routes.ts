/**
 * Agents' files over HTTP: `POST /api/conversations/:id/attachments` (multipart, one
 * `file`) keeps a file to send later by reference; `POST /api/conversations/:id/messages`
 * takes multipart too (`file`, optional `caption`), turned into `{attachment, caption}`
 * before the body's schema is checked. A file over WhatsApp's limit or of a type it does
 * not take is a 422, before anything is sent.
 */
import fastifyMultipart from '@fastify/multipart';
import { idParamsSchema, problemSchema, uploadSchema } from '@switchboard/contracts';
import type { FastifyRequest } from 'fastify';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import { ValidationError } from '../../shared/errors.js';
import { MAX_ATTACHMENT_BYTES, multipartProblem } from './attachments.js';
import type { ConversationsService } from './conversations.service.js';
import type { MessageUploads, Upload } from './uploads.js';

const MAX_CAPTION_FIELD_BYTES = 8 * 1024;

export function toUploadDto(upload: Upload) {
  return {
    upload_id: upload.id,
    kind: upload.kind,
    mime_type: upload.mimeType,
    filename: upload.filename,
    size_bytes: upload.sizeBytes,
    created_at: upload.createdAt.toISOString(),
  };
}

/** Registers the multipart parser (once per app) and the attachments route. */
export function registerUploadRoutes(
  app: TypedApp,
  deps: { conversations: ConversationsService; uploads: MessageUploads },
): void {
  if (!app.hasContentTypeParser('multipart/form-data')) {
    void app.register(fastifyMultipart, {
      limits: { fileSize: MAX_ATTACHMENT_BYTES, files: 1, fields: 4, fieldSize: MAX_CAPTION_FIELD_BYTES, parts: 6 },
    });
  }
  app.post(
    '/api/conversations/:id/attachments',
    {
      schema: {
        tags: ['conversations'],
        summary:
          'Upload a file to send in the conversation (multipart `file`); send it with `{attachment: {upload_id}}`',
        description:
          'Images JPEG/PNG up to 5 MB, audio AAC/AMR/MP3/M4A/OGG and video MP4/3GP up to 16 MB, documents ' +
          '(PDF, Office, text) up to 100 MB: WhatsApp’s limits. `attachment.type_not_supported`, ' +
          '`attachment.too_large` (422).',
        params: idParamsSchema,
        consumes: ['multipart/form-data'],
        response: {
          201: uploadSchema,
          400: problemSchema,
          401: problemSchema,
          403: problemSchema,
          404: problemSchema,
          422: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await deps.conversations.get(actor, request.params.id);
      const { file } = await readMultipart(request);
      if (!file)
        throw new ValidationError('request.invalid', 'A `file` part is required.', [
          { field: 'body.file', message: 'is required' },
        ]);
      const upload = await deps.uploads.store(actor, file);
      return reply.code(201).send(toUploadDto(upload));
    },
  );
}

/** Stands in for the upload id until the authenticated preHandler has kept the file. */
const PENDING_UPLOAD_ID = '00000000-0000-4000-8000-000000000000';

/**
 * Hooks for the messages route taking multipart: before validation the body becomes a
 * placeholder `{attachment}` (the stream is left unread); once the caller is authenticated
 * (the app's preHandler ran first) the file is read, checked and kept, and the body names it.
 */
export function multipartReply(deps: { conversations: ConversationsService; uploads: MessageUploads }) {
  return {
    preValidation: async (request: FastifyRequest): Promise<void> => {
      if (request.isMultipart()) {
        (request as { body: unknown }).body = { attachment: { upload_id: PENDING_UPLOAD_ID } };
      }
    },
    preHandler: async (request: FastifyRequest): Promise<void> => {
      if (!request.isMultipart()) return;
      const actor = actorOf(request);
      // The route's params schema has checked the id by now.
      await deps.conversations.get(actor, (request.params as { id: string }).id);
      const { file, caption } = await readMultipart(request);
      if (!file) {
        throw new ValidationError('request.invalid', 'A `file` part is required.', [
          { field: 'body.file', message: 'is required' },
        ]);
      }
      const upload = await deps.uploads.store(actor, file);
      const trimmed = caption?.trim().slice(0, 1024);
      (request as { body: unknown }).body = {
        attachment: { upload_id: upload.id },
        ...(trimmed ? { caption: trimmed } : {}),
      };
    },
  };
}

async function readMultipart(
  request: FastifyRequest,
): Promise<{ file?: { bytes: Buffer; declaredMimeType: string; filename: string }; caption?: string }> {
  const result: { file?: { bytes: Buffer; declaredMimeType: string; filename: string }; caption?: string } = {};
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || result.file) {
          await part.toBuffer();
          continue;
        }
        result.file = { bytes: await part.toBuffer(), declaredMimeType: part.mimetype, filename: part.filename };
      } else if (part.fieldname === 'caption' && typeof part.value === 'string') {
        result.caption = part.value;
      }
    }
  } catch (error) {
    throw multipartProblem(error);
  }
  return result;
}
