import {
  channelSchema,
  configureWhatsAppBodySchema,
  problemSchema,
  webhookReceiptSchema,
  whatsAppVerificationQuerySchema,
  type ChannelDto,
} from '@switchboard/contracts';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import { WHATSAPP_WEBHOOK_PATH, type ChannelSummary } from './channels.js';
import type { ChannelsService } from './channels.service.js';
import type { WhatsAppTemplates } from './whatsapp-templates.service.js';
import { registerTemplateRoutes } from './whatsapp-templates.routes.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

function toChannelDto(summary: ChannelSummary): ChannelDto {
  return {
    channel: summary.channel,
    is_configured: summary.isConfigured,
    provider: summary.provider,
    phone_number_id: summary.phoneNumberId,
    business_account_id: summary.businessAccountId,
    webhook_path: summary.webhookPath,
    updated_at: summary.updatedAt?.toISOString() ?? null,
  };
}

export function registerChannelsRoutes(app: TypedApp, channels: ChannelsService, templates: WhatsAppTemplates): void {
  const tags = ['channels'];

  app.get(
    '/api/channels',
    {
      schema: {
        tags,
        summary: 'Your company’s channels and whether each is configured (no secret is ever returned)',
        response: { 200: z.object({ items: z.array(channelSchema) }), ...errors },
      },
    },
    async (request) => ({ items: (await channels.list(actorOf(request))).map(toChannelDto) }),
  );

  app.put(
    '/api/channels/whatsapp',
    {
      schema: {
        tags,
        summary: 'Configure the WhatsApp Cloud API number (admins); secrets are write-only',
        description:
          'Point Meta’s webhook at `/webhooks/whatsapp` with the same verify token. ' +
          '`channel.phone_number_taken` (409): another company has this number.',
        body: configureWhatsAppBodySchema,
        response: { 200: channelSchema, 409: problemSchema, ...errors },
      },
    },
    async (request) => {
      const body = request.body;
      return toChannelDto(
        await channels.configureWhatsApp(actorOf(request), {
          phoneNumberId: body.phone_number_id,
          accessToken: body.access_token,
          appSecret: body.app_secret,
          verifyToken: body.verify_token,
          businessAccountId: body.business_account_id,
        }),
      );
    },
  );

  app.delete(
    '/api/channels/whatsapp',
    {
      schema: {
        tags,
        summary: 'Remove the WhatsApp configuration (admins); conversations stay',
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await channels.removeWhatsApp(actorOf(request));
      return reply.code(204).send(null);
    },
  );

  registerTemplateRoutes(app, templates);

  // Meta signs the exact bytes it sends, so this scope keeps the raw body: its JSON
  // parser hands the handler a Buffer, which is parsed only after the signature is known.
  void app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<ZodTypeProvider>();
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
      done(null, body);
    });

    scope.get(
      WHATSAPP_WEBHOOK_PATH,
      {
        config: { isPublic: true },
        // The request line carries hub.verify_token: keep it out of the info-level request log.
        logLevel: 'warn',
        schema: {
          tags: ['webhooks'],
          summary: 'Meta’s verification handshake: answers `hub.challenge` when `hub.verify_token` is known',
          querystring: whatsAppVerificationQuerySchema,
          response: { 200: z.string(), 400: problemSchema, 403: problemSchema },
        },
      },
      async (request, reply) => {
        const challenge = await channels.verifyWhatsAppSubscription({
          mode: request.query['hub.mode'],
          verifyToken: request.query['hub.verify_token'],
          challenge: request.query['hub.challenge'],
        });
        return reply.type('text/plain; charset=utf-8').send(challenge);
      },
    );

    scope.post(
      WHATSAPP_WEBHOOK_PATH,
      {
        config: { isPublic: true },
        schema: {
          tags: ['webhooks'],
          summary: 'WhatsApp Cloud API deliveries (messages and statuses), signed with X-Hub-Signature-256',
          description:
            '`webhook.signature_missing`, `webhook.invalid_signature` (401): nothing stored. ' +
            '`whatsapp.unknown_phone_number` (404): no company has that phone number id. ' +
            'A message already stored (a retried delivery) is counted in `duplicates`, not stored again.',
          response: { 200: webhookReceiptSchema, ...errors },
        },
      },
      async (request) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const signature = request.headers[channels.whatsAppSignatureHeader];
        const receipt = await channels.receiveWhatsApp(raw, typeof signature === 'string' ? signature : undefined);
        return {
          status: 'ok' as const,
          messages_stored: receipt.messagesStored,
          duplicates: receipt.duplicates,
          statuses_applied: receipt.statusesApplied,
          templates_updated: receipt.templatesUpdated,
        };
      },
    );
  });
}
