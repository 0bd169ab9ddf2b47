/**
 * Authentication is on by default: every route requires a valid bearer token unless it
 * declares `config: { isPublic: true }`. The acting user is re-read from the database on
 * each request, so deactivation and role changes take effect at once.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../shared/actor.js';
import { UnauthorizedError } from '../shared/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    isPublic?: boolean;
  }
}

export interface Authenticator {
  authenticate(accessToken: string): Promise<Actor>;
}

export function bearerTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
  if (!match?.[1])
    throw new UnauthorizedError('auth.invalid_token', 'The Authorization header must be "Bearer <token>".');
  return match[1];
}

export function registerAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('actor', null);
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config.isPublic || !request.routeOptions.url) return;
    const token = bearerTokenOf(request);
    if (!token) throw new UnauthorizedError('auth.required', 'Sign in first: send "Authorization: Bearer <token>".');
    request.actor = await authenticator.authenticate(token);
    request.log = request.log.child({ userId: request.actor.userId, companyId: request.actor.companyId });
  });
}

/** The acting user of an authenticated route. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new UnauthorizedError('auth.required', 'Sign in first.');
  return request.actor;
}
