import { pauseReasonSchema, wallboardSchema } from '@switchboard/contracts';
import { z } from 'zod';
import type { ApiClient } from '../../shared/api/api-client';

const pauseReasonList = z.object({ items: z.array(pauseReasonSchema) });

export function wallboardApi(api: ApiClient) {
  return {
    snapshot: (signal?: AbortSignal) =>
      api.request('GET', '/api/wallboard', { schema: wallboardSchema, ...(signal ? { signal } : {}) }),
    pauseReasons: (signal?: AbortSignal) =>
      api.request('GET', '/api/presence/pause-reasons', { schema: pauseReasonList, ...(signal ? { signal } : {}) }),
    forceStatus: (
      agentId: string,
      body: { status: 'online' | 'offline' | 'busy' | 'away'; pause_reason_id?: string; reason: string },
    ) => api.request('POST', `/api/wallboard/agents/${encodeURIComponent(agentId)}/status`, { body }),
    signOut: (agentId: string, reason: string) =>
      api.request('POST', `/api/wallboard/agents/${encodeURIComponent(agentId)}/sign-out`, { body: { reason } }),
    move: (entryId: string, body: ({ queue_id: string } | { agent_id: string }) & { reason?: string }) =>
      api.request('POST', `/api/wallboard/entries/${encodeURIComponent(entryId)}/move`, { body }),
  };
}
