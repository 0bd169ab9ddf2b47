import {
  contactPanelSchema,
  contactRecordSchema,
  pageSchema,
  timelineItemSchema,
  type ContactPanelDto,
  type ContactRecordDto,
  type TimelineItemDto,
} from '@switchboard/contracts';
import type { ApiClient } from '../../shared/api/api-client';

export type { ContactPanelDto, ContactRecordDto, TimelineItemDto };

const contactPage = pageSchema(contactRecordSchema);
const timelinePage = pageSchema(timelineItemSchema);

export function contactsApi(api: ApiClient) {
  const path = (id: string, rest = '') => `/api/contacts/${encodeURIComponent(id)}${rest}`;
  return {
    list: (q: string, cursor: string | null, signal?: AbortSignal) =>
      api.request('GET', '/api/contacts', {
        query: { q: q.trim() || undefined, limit: 50, cursor },
        schema: contactPage,
        ...(signal ? { signal } : {}),
      }),
    get: (id: string, signal?: AbortSignal) =>
      api.request('GET', path(id), { schema: contactRecordSchema, ...(signal ? { signal } : {}) }),
    update: (id: string, body: { name?: string | null; custom_attributes?: Record<string, unknown> }) =>
      api.request('PATCH', path(id), { body, schema: contactRecordSchema }),
    merge: (id: string, otherId: string) =>
      api.request('POST', path(id, '/merge'), { body: { other_id: otherId }, schema: contactRecordSchema }),
    timeline: (id: string, cursor: string | null, signal?: AbortSignal) =>
      api.request('GET', path(id, '/timeline'), {
        query: { limit: 50, cursor },
        schema: timelinePage,
        ...(signal ? { signal } : {}),
      }),
    /** The panel beside a conversation: 403 `contact.not_handling` for an agent not handling the contact. */
    summary: (id: string, signal?: AbortSignal) =>
      api.request('GET', path(id, '/summary'), { schema: contactPanelSchema, ...(signal ? { signal } : {}) }),
    audio: (url: string) => api.blob(url),
  };
}
