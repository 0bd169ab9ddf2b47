/**
 * Web chat over HTTP: admins' channel configuration under /api (the usual bearer token),
 * and the visitors' side under /webchat/v1 (a visitor token, from pages the channel
 * allows, with CORS for exactly those pages), and the widget's script at /widget.js.
 */
import {
  createWebchatChannelBodySchema,
  problemSchema,
  updateWebchatChannelBodySchema,
  webchatChannelSchema,
  webchatPrechatBodySchema,
  webchatPublicChannelSchema,
  webchatSessionBodySchema,
  webchatSessionSchema,
  webchatUploadSchema,
  type WebchatChannelDto,
} from '@switchboard/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf, bearerTokenOf } from '../../http/auth.js';
import { NotFoundError } from '../../shared/errors.js';
import { MAX_VISITOR_FILE_BYTES, type WebchatChannel } from './webchat.js';
import type { VisitorContext, WebchatService } from './webchat.service.js';
import type { WidgetScript } from './widget-script.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const idParams = z.object({ id: z.uuid() });

/** The request's own address, for the snippet: only a plain host[:port] is trusted. */
function baseUrlOf(request: FastifyRequest): string {
  const host = /^[A-Za-z0-9.[\]:-]{1,260}$/.test(request.host) ? request.host : 'localhost';
  return `${request.protocol}://${host}`;
}

export function embedSnippet(baseUrl: string, channelId: string): string {
  return `<script src="${baseUrl}/widget.js" data-channel="${channelId}" async></script>`;
}

function toChannelDto(channel: WebchatChannel, baseUrl: string): WebchatChannelDto {
  return {
    id: channel.id,
    name: channel.name,
    allowed_origins: channel.allowedOrigins,
    greeting: channel.greeting,
    prechat_fields: channel.prechatFields,
    default_queue_id: channel.defaultQueueId,
    offline_message: channel.offlineMessage,
    colors: channel.colors,
    embed_snippet: embedSnippet(baseUrl, channel.id),
    created_at: channel.createdAt.toISOString(),
    updated_at: channel.updatedAt.toISOString(),
  };
}

function toPublicChannel(channel: WebchatChannel & { isOpen: boolean }) {
  return {
    id: channel.id,
    name: channel.name,
    greeting: channel.greeting,
    prechat_fields: channel.prechatFields,
    offline_message: channel.offlineMessage,
    colors: channel.colors,
    is_open: channel.isOpen,
  };
}

function toInput(body: z.infer<typeof updateWebchatChannelBodySchema>) {
  return {
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.allowed_origins !== undefined ? { allowedOrigins: body.allowed_origins } : {}),
    ...(body.greeting !== undefined ? { greeting: body.greeting || null } : {}),
    ...(body.prechat_fields !== undefined ? { prechatFields: body.prechat_fields } : {}),
    ...(body.default_queue_id !== undefined ? { defaultQueueId: body.default_queue_id } : {}),
    ...(body.offline_message !== undefined ? { offlineMessage: body.offline_message || null } : {}),
    ...(body.colors !== undefined ? { colors: body.colors } : {}),
  };
}

export function registerWebchatRoutes(app: TypedApp, service: WebchatService, widget: WidgetScript): void {
  registerAdminRoutes(app, service);
  registerVisitorRoutes(app, service);
  app.get(
    '/widget.js',
    { config: { isPublic: true }, logLevel: 'warn', schema: { hide: true } },
    async (_request, reply) => {
      const script = await widget.load();
      if (!script) throw new NotFoundError('webchat.widget_not_built', 'The widget is not built (npm run build).');
      // Any site may load the script (it is public code); what it may do is decided per channel.
      void reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=86400, stale-while-revalidate=604800')
        .header('etag', script.etag)
        .header('access-control-allow-origin', '*')
        .header('cross-origin-resource-policy', 'cross-origin');
      if (_request.headers['if-none-match'] === script.etag) return reply.code(304).send();
      return reply.send(script.body);
    },
  );
}

function registerAdminRoutes(app: TypedApp, service: WebchatService): void {
  const tags = ['channels'];
  app.get(
    '/api/channels/webchat',
    {
      schema: {
        tags,
        summary: 'Your company’s web-chat channels (admins)',
        response: { 200: z.object({ items: z.array(webchatChannelSchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await service.listChannels(actorOf(request))).map((c) => toChannelDto(c, baseUrlOf(request))),
    }),
  );
  app.post(
    '/api/channels/webchat',
    {
      schema: {
        tags,
        summary: 'Create a web-chat channel (admins); its embed snippet comes back',
        body: createWebchatChannelBodySchema,
        response: { 201: webchatChannelSchema, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const channel = await service.createChannel(actorOf(request), { ...toInput(body), name: body.name });
      return reply.code(201).send(toChannelDto(channel, baseUrlOf(request)));
    },
  );
  app.get(
    '/api/channels/webchat/:id',
    {
      schema: {
        tags,
        summary: 'A web-chat channel (admins)',
        params: idParams,
        response: { 200: webchatChannelSchema, ...errors },
      },
    },
    async (request) => toChannelDto(await service.getChannel(actorOf(request), request.params.id), baseUrlOf(request)),
  );
  app.put(
    '/api/channels/webchat/:id',
    {
      schema: {
        tags,
        summary: 'Change a web-chat channel (admins): the fields given',
        params: idParams,
        body: updateWebchatChannelBodySchema,
        response: { 200: webchatChannelSchema, ...errors },
      },
    },
    async (request) =>
      toChannelDto(
        await service.updateChannel(actorOf(request), request.params.id, toInput(request.body)),
        baseUrlOf(request),
      ),
  );
  app.delete(
    '/api/channels/webchat/:id',
    {
      schema: {
        tags,
        summary: 'Delete a web-chat channel (admins): its visitors’ tokens stop working',
        params: idParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.deleteChannel(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}

/** CORS for a page the channel allowed (the check itself is the service's). */
function allowPage(request: FastifyRequest, reply: FastifyReply): void {
  const origin = request.headers.origin;
  if (origin) void reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
}

function registerVisitorRoutes(app: TypedApp, service: WebchatService): void {
  const tags = ['webchat'];
  const visitorOf = async (request: FastifyRequest): Promise<VisitorContext> =>
    service.authenticate(bearerTokenOf(request), request.headers.origin);

  void app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<ZodTypeProvider>();
    // Pictures and PDFs arrive as they are; the service tells their type by their bytes.
    for (const type of ['application/octet-stream', 'application/pdf', /^image\//]) {
      scope.addContentTypeParser(
        type,
        { parseAs: 'buffer', bodyLimit: MAX_VISITOR_FILE_BYTES },
        (_request, body, done) => done(null, body),
      );
    }
    // Answered for any page: the request that follows is what is checked.
    scope.options('/webchat/v1/*', { config: { isPublic: true }, schema: { hide: true } }, async (request, reply) => {
      allowPage(request, reply);
      return reply
        .header('access-control-allow-methods', 'GET, POST, PUT')
        .header('access-control-allow-headers', 'authorization, content-type, x-filename')
        .header('access-control-max-age', '600')
        .code(204)
        .send();
    });
    scope.addHook('onRequest', async (request, reply) => allowPage(request, reply));

    scope.get(
      '/webchat/v1/channels/:id',
      {
        config: { isPublic: true },
        schema: {
          tags,
          summary: 'What the widget shows of its channel, for a page the channel allows',
          params: idParams,
          response: { 200: webchatPublicChannelSchema, ...errors },
        },
      },
      async (request) => toPublicChannel(await service.publicChannel(request.params.id, request.headers.origin)),
    );
    scope.post(
      '/webchat/v1/sessions',
      {
        config: { isPublic: true },
        schema: {
          tags,
          summary: 'A new anonymous visitor: their signed token, for a page the channel allows',
          body: webchatSessionBodySchema,
          response: { 201: webchatSessionSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { channel_id: channelId, ...answers } = request.body;
        const session = await service.startSession(channelId, request.headers.origin, answers);
        return reply.code(201).send({
          token: session.token,
          visitor_id: session.visitor.id,
          channel: toPublicChannel(session.channel),
        });
      },
    );
    scope.put(
      '/webchat/v1/visitor',
      {
        config: { isPublic: true },
        schema: {
          tags,
          summary: 'The visitor’s pre-chat answers (visitor token)',
          body: webchatPrechatBodySchema,
          response: { 200: z.object({ name: z.string().nullable(), email: z.string().nullable() }), ...errors },
        },
      },
      async (request) => {
        const visitor = await service.updateVisitor(await visitorOf(request), request.body);
        return { name: visitor.name, email: visitor.email };
      },
    );
    scope.post(
      '/webchat/v1/uploads',
      {
        config: { isPublic: true },
        schema: {
          tags,
          summary: 'A picture (JPEG, PNG, GIF, WebP, 5 MB) or PDF (10 MB) to send, as the body (visitor token)',
          description: 'The file name in `x-filename`. Then send `{upload_id}` in a `message` on the socket.',
          response: { 201: webchatUploadSchema, 413: problemSchema, 415: problemSchema, 422: problemSchema, ...errors },
        },
      },
      async (request, reply) => {
        const context = await visitorOf(request);
        const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const filename = request.headers['x-filename'];
        const upload = await service.storeUpload(context, {
          bytes,
          filename: typeof filename === 'string' ? decodeName(filename) : undefined,
        });
        return reply.code(201).send({
          upload_id: upload.id,
          kind: upload.kind === 'image' ? ('image' as const) : ('document' as const),
          mime_type: upload.mimeType,
          filename: upload.filename,
          size_bytes: upload.sizeBytes,
        });
      },
    );
    scope.get(
      '/webchat/v1/messages/:id/media',
      {
        config: { isPublic: true },
        schema: {
          tags,
          summary: 'The file of a message of the visitor’s conversation (visitor token)',
          params: idParams,
        },
      },
      async (request, reply) => {
        const context = await visitorOf(request);
        const message = await service.visitorMessage(context, request.params.id);
        const file = message.media?.status === 'stored' ? await service.messageFile(message) : undefined;
        if (!message.media || !file) throw new NotFoundError('media.not_found', 'The file is not stored.');
        return reply
          .header('content-type', message.media.storedMimeType ?? message.media.mimeType ?? 'application/octet-stream')
          .header('cache-control', 'private, max-age=3600')
          .header('content-disposition', message.media.kind === 'image' ? 'inline' : 'attachment')
          .header('x-content-type-options', 'nosniff')
          .send(file);
      },
    );
  });
}

function decodeName(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
