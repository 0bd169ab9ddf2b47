/**
 * Prometheus text at /metrics, behind a bearer token (METRICS_TOKEN): without one the
 * route is not served at all, since route names, rates and process figures tell an
 * outsider about the installation. Compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
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

export const HTTP_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type Labels = { method: string; route: string; status: string };
/** One line of the exposition, as prom-client's metrics give them to the registry. */
type MetricValue = { labels: Record<string, string | number>; value: number; metricName: string; exemplar?: null };

interface Series {
  labels: Labels;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * `switchboard_http_request_duration_seconds`, by method, route and status. prom-client's
 * Histogram hashes the label object on every observation (sorting and joining the label
 * names, validating each), a few per cent of the CPU of a GET /health (bench:http); here
 * a series is found by route, method and status in nested maps and counted in a typed
 * array, and the registry reads them through the same `get()` a prom-client metric offers,
 * so /metrics writes exactly what prom-client's Histogram would (`metrics.test.ts` compares
 * both). The maps' keys are the route's own path string, the parser's method string and a
 * number, whose hashes V8 keeps: a key joined from the three per answer was a new string
 * hashed on every observation (bench:http, seventh pass).
 */
export class RequestDurationHistogram {
  readonly name = 'switchboard_http_request_duration_seconds';
  readonly help = 'HTTP request duration by route and status';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Series by route, then method, then status code; `all` in first-observed order for `get()`. */
  private readonly byRoute = new Map<string, Map<string, Map<number, Series>>>();
  private readonly all: Series[] = [];

  constructor(private readonly buckets: readonly number[] = HTTP_DURATION_BUCKETS) {}

  observe(method: string, route: string, statusCode: number, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    const series = this.byRoute.get(route)?.get(method)?.get(statusCode) ?? this.addSeries(method, route, statusCode);
    let at = 0;
    while (at < this.buckets.length && seconds > this.buckets[at]!) at += 1;
    series.counts[at] = series.counts[at]! + 1;
    series.sum += seconds;
    series.count += 1;
  }

  private addSeries(method: string, route: string, statusCode: number): Series {
    const series: Series = {
      labels: { method, route, status: String(statusCode) },
      counts: new Float64Array(this.buckets.length + 1),
      sum: 0,
      count: 0,
    };
    let byMethod = this.byRoute.get(route);
    if (byMethod === undefined) this.byRoute.set(route, (byMethod = new Map<string, Map<number, Series>>()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map<number, Series>()));
    byStatus.set(statusCode, series);
    this.all.push(series);
    return series;
  }

  reset(): void {
    this.byRoute.clear();
    this.all.length = 0;
  }

  /** What prom-client's Histogram#get answers: cumulative buckets, +Inf, sum and count per series. */
  get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: MetricValue[];
    aggregator: 'sum';
  }> {
    const values: MetricValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const { labels, counts, sum, count } of this.all) {
      let cumulative = 0;
      this.buckets.forEach((bound, index) => {
        cumulative += counts[index]!;
        values.push({ labels: { le: bound, ...labels }, value: cumulative, metricName: bucketName, exemplar: null });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: bucketName, exemplar: null });
      values.push({ labels: { ...labels }, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...labels }, value: count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' });
  }
}

/**
 * The HTTP metrics of a server in `registry`: the process's default metrics and the
 * request duration histogram, observed by the request log controller when each answer
 * is finished (app.ts; no hook of its own). The probes (`/health`, `/ready`) are not
 * observed, as is common practice: a load balancer's polling would otherwise outnumber
 * and flatten the users' requests in every rate and quantile of the histogram.
 */
export function createHttpMetrics(registry: Registry): RequestDurationHistogram {
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });
  const duration = new RequestDurationHistogram();
  registry.registerMetric(duration as unknown as Parameters<Registry['registerMetric']>[0]);
  return duration;
}

/** GET /metrics, served only with a token. */
export function registerMetricsRoute(app: FastifyInstance, options: { token: string | undefined; registry: Registry }) {
  const { token, registry } = options;
  if (token === undefined) return;
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
}
