/**
 * API keys as rules: the key's format, which routes each scope opens, and the actor a key
 * acts as. A key acts for its company with no user: reads see what a supervisor sees,
 * writes reach only the routes listed for its scopes, and nothing else answers it (403).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Actor } from '../../shared/actor.js';

export const API_KEY_SCOPES = [
  'calls:read',
  'calls:write',
  'conversations:read',
  'conversations:write',
  'contacts:read',
  'contacts:write',
  'reports:read',
  'voicebot',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Every key starts with it, so a bearer token is told from a JWT without a lookup. */
export const API_KEY_PREFIX = 'sbk_';
const PREFIX_LENGTH = 12;

/**
 * The in-memory actor's user id while a key acts: the nil UUID, which no user row has. It is
 * never written: records take `authorUserIdOf`/`actedBy` (shared/actor.ts), which name the key.
 */
export const NO_USER_ID = '00000000-0000-0000-0000-000000000000';

/** An actor that is an API key. */
export interface ApiKeyActor extends Actor {
  readonly apiKeyId: string;
  readonly scopes: readonly ApiKeyScope[];
}

export function isApiKeyActor(actor: Actor): actor is ApiKeyActor {
  return typeof (actor as Partial<ApiKeyActor>).apiKeyId === 'string';
}

export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(30).toString('base64url')}`;
  return { key, prefix: key.slice(0, PREFIX_LENGTH), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Route → the scope that opens it: exact routes, and whole prefixes for read-only areas.
 * Writes open to keys are those whose records can name a key instead of a user (a call's
 * transition details say `byApiKeyId`; a conversation closed by a key has no `resolved_by`
 * user), and every one is in the audit log as `api_key.used` with the key as its actor.
 * Sending a message stays closed: a message's author is a user.
 */
const ROUTE_SCOPES: ReadonlyArray<{ methods: readonly Method[]; url: string | RegExp; scope: ApiKeyScope }> = [
  { methods: ['GET'], url: /^\/api\/calls(\/|$)/, scope: 'calls:read' },
  { methods: ['POST'], url: '/api/calls/:id/hangup', scope: 'calls:write' },
  { methods: ['POST'], url: '/api/calls/:id/transfer', scope: 'calls:write' },
  { methods: ['GET'], url: /^\/api\/conversations(\/|$)/, scope: 'conversations:read' },
  { methods: ['PATCH'], url: '/api/conversations/:id', scope: 'conversations:write' },
  { methods: ['POST'], url: '/api/conversations/:id/assign', scope: 'conversations:write' },
  { methods: ['POST'], url: '/api/conversations/:id/close', scope: 'conversations:write' },
  { methods: ['GET'], url: /^\/api\/contacts(\/|$)/, scope: 'contacts:read' },
  { methods: ['POST', 'PUT', 'PATCH', 'DELETE'], url: /^\/api\/contacts(\/|$)/, scope: 'contacts:write' },
  { methods: ['GET'], url: /^\/api\/reports(\/|$)/, scope: 'reports:read' },
  { methods: ['GET'], url: '/api/wallboard', scope: 'reports:read' },
  { methods: ['GET'], url: '/api/status', scope: 'voicebot' },
  { methods: ['POST'], url: '/api/hangup', scope: 'voicebot' },
];

/** The scope a route needs from a key, or undefined when no key may call it. */
export function scopeOfRoute(method: string, routeUrl: string): ApiKeyScope | undefined {
  const rule = ROUTE_SCOPES.find(
    (r) =>
      (r.methods as readonly string[]).includes(method.toUpperCase()) &&
      (typeof r.url === 'string' ? r.url === routeUrl : r.url.test(routeUrl)),
  );
  return rule?.scope;
}

export function isKeyUsable(key: { revokedAt: Date | null; expiresAt: Date | null }, now: Date): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt > now);
}
