import {
  callConsultSchema,
  callMonitorSchema,
  type MonitorMode,
  callNoteSchema,
  callSchema,
  callStatisticsSchema,
  pageSchema,
  type callDirectionSchema,
  type CallDto,
  type callStatuses,
} from '@switchboard/contracts';
import { z } from 'zod';
import type { ApiClient } from '../../shared/api/api-client';

export interface CallFilter {
  from?: string | undefined;
  to?: string | undefined;
  status?: (typeof callStatuses)[number] | undefined;
  direction?: z.infer<typeof callDirectionSchema> | undefined;
  number?: string | undefined;
  agent_id?: string | undefined;
}

const callPage = pageSchema(callSchema);
const callList = z.object({ items: z.array(callSchema) });
const noteList = z.object({ items: z.array(callNoteSchema) });
const monitorList = z.object({ items: z.array(callMonitorSchema) });

export function callsApi(api: ApiClient) {
  const path = (id: string, rest = '') => `/api/calls/${encodeURIComponent(id)}${rest}`;
  return {
    history: (filter: CallFilter, cursor: string | null, signal?: AbortSignal) =>
      api.request('GET', '/api/calls/history', {
        query: { ...filter, limit: 50, cursor },
        schema: callPage,
        ...(signal ? { signal } : {}),
      }),
    active: (signal?: AbortSignal) =>
      api.request('GET', '/api/calls/active', { schema: callList, ...(signal ? { signal } : {}) }),
    get: (id: string, signal?: AbortSignal) =>
      api.request('GET', path(id), { schema: callSchema, ...(signal ? { signal } : {}) }),
    notes: (id: string, signal?: AbortSignal) =>
      api.request('GET', path(id, '/notes'), { schema: noteList, ...(signal ? { signal } : {}) }),
    addNote: (id: string, body: string) =>
      api.request('POST', path(id, '/notes'), { body: { body }, schema: callNoteSchema }),
    recording: (id: string, signal?: AbortSignal) => api.blob(path(id, '/recording'), signal),
    answer: (id: string) => api.request('POST', path(id, '/answer'), { schema: callSchema }),
    hangup: (id: string) => api.request('POST', path(id, '/hangup'), { schema: callSchema }),
    hold: (id: string) => api.request('POST', path(id, '/hold'), { schema: callSchema }),
    unhold: (id: string) => api.request('POST', path(id, '/unhold'), { schema: callSchema }),
    monitors: (id: string, signal?: AbortSignal) =>
      api.request('GET', path(id, '/monitors'), { schema: monitorList, ...(signal ? { signal } : {}) }),
    startMonitor: (id: string, mode: MonitorMode) =>
      api.request('POST', path(id, '/monitor'), { body: { mode }, schema: callMonitorSchema }),
    switchMonitor: (id: string, mode: MonitorMode) =>
      api.request('PATCH', path(id, '/monitor'), { body: { mode }, schema: callMonitorSchema }),
    stopMonitor: (id: string) => api.request('DELETE', path(id, '/monitor'), { schema: callMonitorSchema }),
    consult: (id: string, to: string) =>
      api.request('POST', path(id, '/consult'), { body: { to }, schema: callConsultSchema }),
    consultStep: (id: string, step: 'complete' | 'cancel' | 'swap') =>
      api.request('POST', path(id, `/consult/${step}`), { schema: callConsultSchema }),
    statistics: (query: { from?: string; to?: string; agent_id?: string; timezone: string }, signal?: AbortSignal) =>
      api.request('GET', '/api/calls/statistics', {
        query,
        schema: callStatisticsSchema,
        ...(signal ? { signal } : {}),
      }),
  };
}

export const CALL_EVENTS = [
  'call_initiated',
  'call_ringing',
  'call_answered',
  'call_ended',
  'call_transferred',
  'call_held',
  'call_unheld',
] as const;

/** A consult's steps; each carries the consult and, as `call`, the call after the step. */
export const CONSULT_EVENTS = [
  'call_consult_started',
  'call_consult_answered',
  'call_consult_swapped',
  'call_consult_completed',
  'call_consult_canceled',
  'call_consult_failed',
] as const;

/** A supervisor's monitor sessions (managers only). */
export const MONITOR_EVENTS = ['call_monitor_started', 'call_monitor_changed', 'call_monitor_ended'] as const;

export function isActiveCall(call: Pick<CallDto, 'status'>): boolean {
  return call.status === 'initiated' || call.status === 'ringing' || call.status === 'in_progress';
}

/** Keeps a list of calls current with one call event: newest first, replaced by id. */
export function upsertCall(calls: readonly CallDto[], call: CallDto): CallDto[] {
  const rest = calls.filter((item) => item.id !== call.id);
  return [call, ...rest].sort((a, b) => b.started_at.localeCompare(a.started_at));
}

/** `yyyy-mm-dd` of a date input, as the ISO instant of that local midnight (plus `days`). */
export function localDayToIso(day: string, days = 0): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days);
  return date.toISOString();
}
