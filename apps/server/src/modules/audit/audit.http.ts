/**
 * The audit trail's HTTP side: the client address of the request an entry is written
 * under (so services need not carry it), and the audited reads (no transaction to join).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../shared/logger.js';
import { auditActorOf, type AuditRecordInput } from './audit.js';

const requestScope = new AsyncLocalStorage<{ ip: string }>();

/** The address of the HTTP request being served, if any. */
export function currentClientIp(): string | undefined {
  return requestScope.getStore()?.ip;
}

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

export function registerAuditHooks(
  app: FastifyInstance,
  deps: { db: Db; record(db: Db, input: AuditRecordInput): Promise<void>; logger: Logger },
): void {
  app.addHook('onRequest', (request, _reply, done) => {
    requestScope.run({ ip: request.ip }, done);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = AUDITED_ROUTES.find((r) => r.method === request.method && r.url === request.routeOptions.url);
    if (!route || !request.actor || !route.isAct(request, reply.statusCode)) return;
    const params = request.params as Record<string, unknown>;
    const targetId = typeof params.id === 'string' ? params.id : (route.url.split('/').pop() ?? '');
    try {
      await deps.record(deps.db, {
        companyId: request.actor.companyId,
        actor: auditActorOf(request.actor),
        action: route.action,
        target: { type: route.targetType, id: targetId },
        ip: request.ip,
        details: { method: request.method },
      });
    } catch (error) {
      deps.logger.error({ err: error, action: route.action }, 'audit entry not written');
    }
  });
}
