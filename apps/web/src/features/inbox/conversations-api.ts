/** The conversation endpoints the console calls, each parsed with its contract schema. */
import {
  conversationSchema,
  favoriteResponseSchema,
  messageSchema,
  pageSchema,
  readResponseSchema,
  videoCallResponseSchema,
  voiceCallResponseSchema,
  type ConversationDto,
  type conversationPriorities,
  type MessageDto,
} from '@switchboard/contracts';
import type { ApiClient } from '../../shared/api/api-client';
import type { InboxFilter } from './inbox-model';

const conversationPage = pageSchema(conversationSchema);
const messagePage = pageSchema(messageSchema);

export type ConversationCommand = 'take' | 'unassign' | 'handoff' | 'reopen';

export function conversationsApi(api: ApiClient) {
  const path = (id: string, rest = '') => `/api/conversations/${encodeURIComponent(id)}${rest}`;
  return {
    /** A WhatsApp conversation with someone (a contact a customer shared): theirs if open, else new. */
    start: (input: { name: string; phone: string }) =>
      api.request('POST', '/api/conversations', {
        body: { channel: 'whatsapp', contact: { name: input.name, phone: input.phone } },
        schema: conversationSchema,
      }),
    list: (filter: InboxFilter, cursor: string | null, signal?: AbortSignal) =>
      api.request('GET', '/api/conversations', {
        query: { ...filter, limit: 30, cursor },
        schema: conversationPage,
        ...(signal ? { signal } : {}),
      }),
    get: (id: string, signal?: AbortSignal): Promise<ConversationDto> =>
      api.request('GET', path(id), { schema: conversationSchema, ...(signal ? { signal } : {}) }),
    messages: (id: string, before: string | null, signal?: AbortSignal) =>
      api.request('GET', path(id, '/messages'), {
        query: { limit: 30, before },
        schema: messagePage,
        ...(signal ? { signal } : {}),
      }),
    send: (id: string, text: string): Promise<MessageDto> =>
      api.request('POST', path(id, '/messages'), { body: { text }, schema: messageSchema }),
    command: (id: string, command: ConversationCommand): Promise<ConversationDto> =>
      api.request('POST', path(id, `/${command}`), { schema: conversationSchema }),
    assign: (id: string, agentId: string): Promise<ConversationDto> =>
      api.request('POST', path(id, '/assign'), { body: { agent_id: agentId }, schema: conversationSchema }),
    close: (id: string, body: { rating?: number; feedback?: string }): Promise<ConversationDto> =>
      api.request('POST', path(id, '/close'), { body, schema: conversationSchema }),
    snooze: (id: string, until: string): Promise<ConversationDto> =>
      api.request('POST', path(id, '/snooze'), { body: { until }, schema: conversationSchema }),
    setPriority: (id: string, priority: (typeof conversationPriorities)[number]): Promise<ConversationDto> =>
      api.request('PATCH', path(id), { body: { priority }, schema: conversationSchema }),
    favorite: (id: string, favorite: boolean) =>
      api.request(favorite ? 'POST' : 'DELETE', path(id, '/favorite'), { schema: favoriteResponseSchema }),
    /** The file a contact sent (`media.url`), as a Blob: the bearer token cannot ride on an <img>. */
    media: (url: string, signal?: AbortSignal) => api.blob(url, signal),
    retryMedia: (id: string, messageId: string): Promise<MessageDto> =>
      api.request('POST', path(id, `/messages/${encodeURIComponent(messageId)}/media/retry`), {
        schema: messageSchema,
      }),
    retryMessage: (id: string, messageId: string): Promise<MessageDto> =>
      api.request('POST', path(id, `/messages/${encodeURIComponent(messageId)}/retry`), { schema: messageSchema }),
    markRead: (id: string) => api.request('POST', path(id, '/read'), { schema: readResponseSchema }),
    video: (id: string) => api.request('POST', path(id, '/video'), { schema: videoCallResponseSchema }),
    call: (id: string) => api.request('POST', path(id, '/call'), { schema: voiceCallResponseSchema }),
    typing: (id: string, isTyping: boolean) =>
      isTyping
        ? api.request('POST', '/api/typing', { body: { conversation_id: id } })
        : api.request('DELETE', '/api/typing', { query: { conversation_id: id } }),
  };
}

export type ConversationsApi = ReturnType<typeof conversationsApi>;
