/**
 * Wire objects and fake-API answers the admin screens' tests share (Admin › Users,
 * Queues, Routing, Productivity), shaped by the contracts.
 */
import type { QueueDto, User, WallboardDto } from '@switchboard/contracts';
import { AT, ME } from './render-signed-in';

/** A distinct, valid uuid per number. */
export const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export function queueOf(id: string, name: string, over: Partial<QueueDto> = {}): QueueDto {
  return {
    id,
    name,
    channels: ['whatsapp'],
    strategy: 'longest_idle',
    offer_mode: 'auto',
    offer_timeout_seconds: 20,
    required_skills: [],
    priority: 0,
    service_level_seconds: 20,
    service_level_target: 0.8,
    max_wait_seconds: null,
    overflow: null,
    wrap_up_seconds: 0,
    announce_position: false,
    business_hours: null,
    members: [],
    created_at: AT,
    updated_at: AT,
    ...over,
  };
}

/** An active agent of the signed-in admin's company, without a device. */
export function agentUser(id: string, name: string, email: string): User {
  return {
    id,
    company_id: ME,
    email,
    name,
    role: 'agent',
    phone: null,
    is_active: true,
    last_login_at: null,
    created_at: AT,
    updated_at: AT,
    device: null,
  };
}

/** A queue on the wallboard with `waiting` customers and nothing else going on. */
export function wallboardQueue(id: string, name: string, waiting: number): WallboardDto['queues'][number] {
  return {
    queue_id: id,
    name,
    service_level_seconds: 20,
    service_level_target: 0.8,
    waiting,
    oldest_enqueued_at: waiting > 0 ? AT : null,
    service_level_today: null,
    service_level_30m: null,
    answered_today: 0,
    abandoned_today: 0,
    asa_seconds_today: null,
    aht_seconds_today: null,
    agents: { available: 0, busy: 0, wrap_up: 0, paused: 0, offline: 0 },
    paused_by_reason: {},
    waiting_items: [],
  };
}

/** GET /api/routing/settings. */
export const ROUTING_SETTINGS = { status: 200, body: { time_zone: 'America/Sao_Paulo', language: 'pt-BR' } };

/** A channel's routing (GET /api/channels/:channel/routing). */
export function channelRouting(channel: string, queueId: string | null = null) {
  return { channel, default_queue_id: queueId, menu: null, updated_at: null };
}

/**
 * What Admin › Queues reads besides the queues, answered empty: the routing settings, no
 * channel routed, no DIDs. Undefined for any other request.
 */
export function emptyRoutingReads(method: string, path: string) {
  if (method !== 'GET') return undefined;
  if (path === '/api/routing/settings') return ROUTING_SETTINGS;
  if (path.startsWith('/api/channels/')) return { status: 200, body: channelRouting('x') };
  if (path === '/api/voice/entry-points') return { status: 200, body: { items: [] } };
  return undefined;
}
