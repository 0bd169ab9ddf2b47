/**
 * Prometheus text at /metrics, behind a bearer token (METRICS_TOKEN): without one the
 * route is not served at all, since route names, rates and process figures tell an
 * outsider about the installation. Compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { sendProblem } from './problem.js';

function isSameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The registry every metric of a server goes to: the HTTP ones here, the modules' own (ModuleContext). */
export function createMetricsRegistry(): Registry {
  return new Registry();
}

export function registerMetrics(
  app: FastifyInstance,
  options: { token: string | undefined; registry?: Registry },
): Registry {
  const registry = options.registry ?? createMetricsRegistry();
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });
  const duration = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', (request, reply, done) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  const { token } = options;
  if (token === undefined) return registry;
  app.get('/metrics', { config: { isPublic: true }, schema: { hide: true } }, async (request, reply) => {
    const given = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    if (!isSameSecret(given, token)) {
      return sendProblem(request, reply, {
        status: 401,
        code: 'metrics.unauthorized',
        detail: 'Send METRICS_TOKEN as a bearer token.',
        headers: { 'www-authenticate': 'Bearer realm="metrics"' },
      });
    }
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return registry;
}
