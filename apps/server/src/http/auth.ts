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
  interface FastifyInstance {
    /** Other kinds of bearer token (API keys), told apart by their prefix. */
    bearerSchemes: BearerScheme[];
  }
  interface FastifyContextConfig {
    isPublic?: boolean;
  }
}

export interface Authenticator {
  authenticate(accessToken: string): Promise<Actor>;
}

/**
 * A kind of bearer token besides the access token (API keys: `sbk_…`), added by the module
 * that owns it. It authenticates and authorizes the token for the route being called.
 */
export interface BearerScheme {
  prefix: string;
  authenticate(token: string, request: FastifyRequest): Promise<Actor>;
}

export function registerBearerScheme(app: FastifyInstance, scheme: BearerScheme): void {
  app.bearerSchemes.push(scheme);
}

/** The actor of a bearer token: a scheme's when its prefix matches, the access token's otherwise. */
export async function authenticateBearer(
  request: FastifyRequest,
  token: string,
  authenticator: Authenticator,
): Promise<Actor> {
  const scheme = request.server.bearerSchemes.find((s) => token.startsWith(s.prefix));
  return scheme ? scheme.authenticate(token, request) : authenticator.authenticate(token);
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
  app.decorate('bearerSchemes', [] as BearerScheme[]);
  // A callback hook: a public route (the probes) passes without a promise of its own.
  app.addHook('preHandler', (request, _reply, done) => {
    const route = request.routeOptions; // a getter that builds an object: read once
    if (route.config.isPublic || !route.url) return done();
    authenticateRequest(request, authenticator).then(() => done(), done);
  });
}

async function authenticateRequest(request: FastifyRequest, authenticator: Authenticator): Promise<void> {
  const token = bearerTokenOf(request);
  if (!token) throw new UnauthorizedError('auth.required', 'Sign in first: send "Authorization: Bearer <token>".');
  request.actor = await authenticateBearer(request, token, authenticator);
  const apiKeyId = (request.actor as Actor & { apiKeyId?: string }).apiKeyId;
  request.log = request.log.child({
    ...(apiKeyId ? { apiKeyId } : { userId: request.actor.userId }),
    companyId: request.actor.companyId,
  });
}

/** The acting user of an authenticated route. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new UnauthorizedError('auth.required', 'Sign in first.');
  return request.actor;
}
