/**
 * The audit trail's HTTP side: the client address of the request an entry is written
 * under (so services need not carry it: `rememberClientIp`), and the audited reads (no
 * transaction to join).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../shared/logger.js';
import { auditActorOf, rememberClientIp, type AuditRecordInput } from './audit.js';

interface AuditedRoute {
  method: string;
  url: string;
  action: string;
  targetType: string;
  /** Whether this response is one auditable act (a player's later Range requests are not). */
  isAct(request: FastifyRequest, statusCode: number): boolean;
}

const isFirstByteRange = (request: FastifyRequest): boolean => {
  const range = request.headers.range;
  return range === undefined || /^bytes=0-/.test(range);
};

/**
 * Routes audited by their outcome: a recording download is a read, with no transaction to
 * join. (Writes are recorded by their module in their own transaction, e.g. the channels
 * module's `channel.secrets_changed`.)
 */
const AUDITED_ROUTES: readonly AuditedRoute[] = [
  {
    method: 'GET',
    url: '/api/calls/:id/recording',
    action: 'recording.downloaded',
    targetType: 'call',
    isAct: (request, status) => (status === 200 || status === 206) && isFirstByteRange(request),
  },
];

/** The static start of each audited route's path: a request outside all of them is not read further. */
const AUDITED_PREFIXES = AUDITED_ROUTES.map((route) => route.url.split(':')[0] ?? route.url);

export function registerAuditHooks(
  app: FastifyInstance,
  deps: { db: Db; record(db: Db, input: AuditRecordInput): Promise<void>; logger: Logger },
): void {
  // After authentication (registered before the modules): the request's own copy of its
  // actor, which the session cache shares between requests, carrying the client address.
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.actor) {
      const actor = { ...request.actor };
      rememberClientIp(actor, request.ip);
      request.actor = actor;
    }
    done();
  });
  // A callback hook: most answers are not audited reads, and they pass without a promise.
  app.addHook('onResponse', (request, reply, done) => {
    const route = auditedRouteOf(request);
    if (!route || !request.actor || !route.isAct(request, reply.statusCode)) return done();
    const params = request.params as Record<string, unknown>;
    const targetId = typeof params.id === 'string' ? params.id : (route.url.split('/').pop() ?? '');
    deps
      .record(deps.db, {
        companyId: request.actor.companyId,
        actor: auditActorOf(request.actor),
        action: route.action,
        target: { type: route.targetType, id: targetId },
        ip: request.ip,
        details: { method: request.method },
      })
      .catch((error: unknown) => deps.logger.error({ err: error, action: route.action }, 'audit entry not written'))
      .then(() => done(), done);
  });
}

/** The audited route a request was answered by, if any (a path test before reading the route). */
function auditedRouteOf(request: FastifyRequest): AuditedRoute | undefined {
  if (!AUDITED_PREFIXES.some((prefix) => request.url.startsWith(prefix))) return undefined;
  const url = request.routeOptions.url;
  return AUDITED_ROUTES.find((r) => r.method === request.method && r.url === url);
}
