import {
  apiKeySchema,
  createApiKeyBodySchema,
  createdApiKeySchema,
  idParamsSchema,
  problemSchema,
  type ApiKeyDto,
} from '@switchboard/contracts';
import { z } from 'zod';
import type { TypedApp } from '../../http/app.js';
import { actorOf, registerBearerScheme } from '../../http/auth.js';
import type { ApiKeyRow } from './api-keys.repository.js';
import type { ApiKeysService } from './api-keys.service.js';
import { API_KEY_PREFIX, isApiKeyActor, type ApiKeyScope } from './api-keys.js';

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

function toApiKeyDto(row: ApiKeyRow): ApiKeyDto {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes as ApiKeyScope[],
    prefix: row.prefix,
    expires_at: row.expiresAt?.toISOString() ?? null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

const TARGET_TYPES: Record<string, string> = { calls: 'call', conversations: 'conversation', contacts: 'contact' };

/** `/api/calls/:id/hangup` → the call it names. */
function targetOf(route: string, params: unknown): { type: string; id: string } | undefined {
  const area = /^\/api\/([a-z_-]+)\/:id(\/|$)/.exec(route)?.[1];
  const id = (params as { id?: unknown } | undefined)?.id;
  const type = area ? TARGET_TYPES[area] : undefined;
  return type && typeof id === 'string' ? { type, id } : undefined;
}

/** The API-key routes, and `Bearer sbk_…` accepted on every authenticated route its scopes open. */
export function registerApiKeyRoutes(app: TypedApp, keys: ApiKeysService): void {
  const tags = ['api-keys'];
  registerBearerScheme(app, {
    prefix: API_KEY_PREFIX,
    authenticate: (token, request) =>
      keys.authenticate(token, { method: request.method, url: request.routeOptions.url ?? request.url }),
  });

  // Every write a key makes is in the audit log, the key as its actor — recorded before the
  // answer goes out (onSend), so a client that reads the log after its answer finds it.
  app.addHook('onSend', async (request, reply, payload) => {
    const actor = request.actor;
    const route = request.routeOptions.url;
    if (!actor || !isApiKeyActor(actor) || request.method === 'GET' || !route) return payload;
    if (reply.statusCode < 200 || reply.statusCode >= 300) return payload;
    try {
      await keys.recordWrite(
        actor,
        { method: request.method, route, status: reply.statusCode, target: targetOf(route, request.params) },
        request.ip,
      );
    } catch (error) {
      request.log.error({ err: error, apiKeyId: actor.apiKeyId }, 'api key write not audited');
    }
    return payload;
  });

  app.get(
    '/api/api-keys',
    {
      schema: {
        tags,
        summary: 'Your company’s API keys (admins): prefix, scopes, last use; never the key',
        response: { 200: z.object({ items: z.array(apiKeySchema) }), ...errors },
      },
    },
    async (request) => ({ items: (await keys.list(actorOf(request))).map(toApiKeyDto) }),
  );

  app.post(
    '/api/api-keys',
    {
      schema: {
        tags,
        summary: 'Create an API key (admins); the key is in this answer only',
        description:
          'Send it as `Authorization: Bearer <key>`. It acts for the company with no user, on the routes ' +
          'its scopes open (403 `auth.scope_missing` elsewhere; 401 `auth.invalid_api_key` once revoked or expired).',
        body: createApiKeyBodySchema,
        response: { 201: createdApiKeySchema, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const { row, key } = await keys.create(
        actorOf(request),
        { name: body.name, scopes: body.scopes, expiresAt: body.expires_at ? new Date(body.expires_at) : undefined },
        request.ip,
      );
      return reply.status(201).send({ ...toApiKeyDto(row), key });
    },
  );

  app.delete(
    '/api/api-keys/:id',
    {
      schema: {
        tags,
        summary: 'Revoke an API key (admins); it answers 401 at once',
        params: idParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await keys.revoke(actorOf(request), request.params.id, request.ip);
      return reply.status(204).send(null);
    },
  );
}
