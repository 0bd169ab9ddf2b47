import { listTemplatesQuerySchema, problemSchema, templateListSchema } from '@switchboard/contracts';
import type { TypedApp } from '../../http/app.js';
import { actorOf } from '../../http/auth.js';
import { bodyTextOf, headerFormatOf, variablesOf } from './whatsapp-templates.js';
import type { TemplateRow, WhatsAppTemplates } from './whatsapp-templates.service.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 409: problemSchema, 502: problemSchema };

function toTemplateDto(row: TemplateRow) {
  return {
    id: row.id,
    template_id: row.templateId,
    name: row.name,
    language: row.language,
    status: row.status,
    status_reason: row.statusReason,
    category: row.category,
    parameter_format: row.parameterFormat,
    body: bodyTextOf(row.components),
    header_format: headerFormatOf(row.components),
    components: row.components,
    variables: variablesOf(row.components).map((v) => ({ key: v.key, component: v.component, example: v.example })),
    synced_at: row.syncedAt.toISOString(),
  };
}

export function registerTemplateRoutes(app: TypedApp, templates: WhatsAppTemplates): void {
  const tags = ['channels'];
  app.get(
    '/api/channels/whatsapp/templates',
    {
      schema: {
        tags,
        summary: 'The business account’s message templates, with their languages, components and variables',
        description:
          'Served from a cache synced from the Graph API (the first time, with `refresh=true`, or POST …/refresh) ' +
          'and kept current by Meta’s template status webhooks. `channel.no_business_account` (409): set ' +
          '`business_account_id` on the channel first. `whatsapp.templates_unavailable` (502): Meta failed.',
        querystring: listTemplatesQuerySchema,
        response: { 200: templateListSchema, ...errors },
      },
    },
    async (request) => {
      const list = await templates.list(actorOf(request), {
        refresh: request.query.refresh === 'true',
        status: request.query.status,
      });
      return { items: list.items.map(toTemplateDto), synced_at: list.syncedAt?.toISOString() ?? null };
    },
  );
  app.post(
    '/api/channels/whatsapp/templates/refresh',
    {
      schema: {
        tags,
        summary: 'Sync the templates from the Graph API now and list them',
        response: { 200: templateListSchema, ...errors },
      },
    },
    async (request) => {
      const list = await templates.list(actorOf(request), { refresh: true });
      return { items: list.items.map(toTemplateDto), synced_at: list.syncedAt?.toISOString() ?? null };
    },
  );
}
