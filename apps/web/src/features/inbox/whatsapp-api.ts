/** WhatsApp extras the console calls: files, templates (issue 14). */
import type { TemplateHeaderBody } from './template-header';
import { messageSchema, templateListSchema, uploadSchema, type MessageDto } from '@switchboard/contracts';
import type { ApiClient } from '../../shared/api/api-client';

export function whatsappApi(api: ApiClient) {
  const path = (id: string, rest: string) => `/api/conversations/${encodeURIComponent(id)}${rest}`;
  return {
    /** Uploads the file (checked against WhatsApp's limits: 422 when it does not fit). */
    upload: (id: string, file: File) => {
      const form = new FormData();
      form.set('file', file, file.name);
      return api.request('POST', path(id, '/attachments'), { body: form, schema: uploadSchema });
    },
    sendAttachment: (id: string, uploadId: string, caption: string): Promise<MessageDto> =>
      api.request('POST', path(id, '/messages'), {
        body: { attachment: { upload_id: uploadId }, ...(caption.trim() ? { caption: caption.trim() } : {}) },
        schema: messageSchema,
      }),
    sendTemplate: (
      id: string,
      template: {
        name: string;
        language: string;
        variables: Record<string, string>;
        header?: TemplateHeaderBody | undefined;
      },
    ): Promise<MessageDto> => api.request('POST', path(id, '/messages'), { body: { template }, schema: messageSchema }),
    templates: (refresh: boolean) =>
      api.request('GET', '/api/channels/whatsapp/templates', {
        query: { status: 'APPROVED', ...(refresh ? { refresh: 'true' } : {}) },
        schema: templateListSchema,
      }),
  };
}

export type WhatsAppApi = ReturnType<typeof whatsappApi>;
