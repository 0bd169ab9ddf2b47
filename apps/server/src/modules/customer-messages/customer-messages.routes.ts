import { customerMessagesSchema, problemSchema, updateCustomerMessagesBodySchema } from '@switchboard/contracts';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import type {
  CustomerMessagesService,
  CustomerMessageSettings,
  CustomerMessageView,
} from './customer-messages.service.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema };

function toDto(result: { settings: CustomerMessageSettings; messages: CustomerMessageView[] }) {
  return {
    language: result.settings.language,
    rating_enabled: result.settings.isRatingEnabled,
    messages: result.messages.map((m) => ({
      key: m.key,
      text: m.text,
      default_text: m.defaultText,
      is_custom: m.isCustom,
      variables: m.variables,
    })),
    updated_at: result.settings.updatedAt?.toISOString() ?? null,
  };
}

export function registerCustomerMessagesRoutes(app: TypedApp, service: CustomerMessagesService): void {
  const tags = ['settings'];
  app.get(
    '/api/settings/customer-messages',
    {
      schema: {
        tags,
        summary: 'What Switchboard writes to customers on its own, in the company’s language (admins)',
        response: { 200: customerMessagesSchema, ...errors },
      },
    },
    async (request) => toDto(await service.view(actorOf(request))),
  );
  app.put(
    '/api/settings/customer-messages',
    {
      schema: {
        tags,
        summary: 'Change the language (pt-BR, en, es), the rating question on close, and texts (admins)',
        description:
          'A null text goes back to the default. Texts may use {{contact.name}}, {{agent.name}}, ' +
          '{{queue.position}}, {{queue.wait_minutes}}, {{link}} where the message offers them (see `variables`).',
        body: updateCustomerMessagesBodySchema,
        response: { 200: customerMessagesSchema, ...errors },
      },
    },
    async (request) =>
      toDto(
        await service.update(actorOf(request), {
          language: request.body.language,
          isRatingEnabled: request.body.rating_enabled,
          texts: request.body.texts,
        }),
      ),
  );
}
