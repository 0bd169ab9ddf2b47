/** Labels, canned responses and private notes (issue 14), each parsed with its contract schema. */
import {
  cannedResponseSchema,
  itemLabelsSchema,
  labelSchema,
  noteSchema,
  type CannedResponseDto,
  type LabelDto,
  type NoteDto,
} from '@switchboard/contracts';
import { z } from 'zod';
import type { ApiClient } from '../../shared/api/api-client';
import { cannedFileOf } from './canned';

const cannedList = z.object({ items: z.array(cannedResponseSchema) });
const noteList = z.object({ items: z.array(noteSchema) });

export function productivityApi(api: ApiClient) {
  const conversation = (id: string, rest: string) => `/api/conversations/${encodeURIComponent(id)}${rest}`;
  return {
    labels: (): Promise<LabelDto[]> =>
      api.request('GET', '/api/labels', { schema: itemLabelsSchema }).then((r) => r.items),
    createLabel: (body: { name: string; colour: string }) =>
      api.request('POST', '/api/labels', { body, schema: labelSchema }),
    updateLabel: (id: string, body: { name?: string; colour?: string }) =>
      api.request('PATCH', `/api/labels/${encodeURIComponent(id)}`, { body, schema: labelSchema }),
    deleteLabel: (id: string) => api.request('DELETE', `/api/labels/${encodeURIComponent(id)}`),
    conversationLabels: (id: string): Promise<LabelDto[]> =>
      api.request('GET', conversation(id, '/labels'), { schema: itemLabelsSchema }).then((r) => r.items),
    setConversationLabels: (id: string, labelIds: string[]): Promise<LabelDto[]> =>
      api
        .request('PUT', conversation(id, '/labels'), { body: { label_ids: labelIds }, schema: itemLabelsSchema })
        .then((r) => r.items),
    canned: (q?: string): Promise<CannedResponseDto[]> =>
      api.request('GET', '/api/canned-responses', { query: { q }, schema: cannedList }).then((r) => r.items),
    createCanned: (body: { scope: 'company' | 'personal'; shortcut: string; body: string }) =>
      api.request('POST', '/api/canned-responses', { body, schema: cannedResponseSchema }),
    deleteCanned: (id: string) => api.request('DELETE', `/api/canned-responses/${encodeURIComponent(id)}`),
    /** The reply's file, to attach to the message being written. */
    cannedFile: async (canned: CannedResponseDto): Promise<File> =>
      cannedFileOf(canned, await api.blob(`/api/canned-responses/${encodeURIComponent(canned.id)}/attachment`)),
    /** Attaches (or replaces) the reply's file: 422 when outbound media would refuse it. */
    setCannedFile: (id: string, file: File) => {
      const form = new FormData();
      form.set('file', file, file.name);
      return api.request('PUT', `/api/canned-responses/${encodeURIComponent(id)}/attachment`, {
        body: form,
        schema: cannedResponseSchema,
      });
    },
    removeCannedFile: (id: string) =>
      api.request('DELETE', `/api/canned-responses/${encodeURIComponent(id)}/attachment`, {
        schema: cannedResponseSchema,
      }),
    notes: (id: string): Promise<NoteDto[]> =>
      api.request('GET', conversation(id, '/notes'), { schema: noteList }).then((r) => r.items),
    addNote: (id: string, body: string): Promise<NoteDto> =>
      api.request('POST', conversation(id, '/notes'), { body: { body }, schema: noteSchema }),
  };
}

export type ProductivityApi = ReturnType<typeof productivityApi>;
