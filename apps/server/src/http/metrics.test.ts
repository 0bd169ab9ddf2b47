import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HTTP_DURATION_BUCKETS, RequestDurationHistogram } from './metrics.js';

describe('request duration histogram', () => {
  it('writes exactly what prom-client writes for the same observations', async () => {
    const ours = new Registry();
    const histogram = new RequestDurationHistogram();
    ours.registerMetric(histogram as unknown as Parameters<Registry['registerMetric']>[0]);
    const theirs = new Registry();
    const reference = new Histogram({
      name: 'switchboard_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [...HTTP_DURATION_BUCKETS],
      registers: [theirs],
    });
    const observations: [string, string, number, number][] = [
      ['GET', '/health', 200, 0.0004],
      ['GET', '/api/users', 200, 0.012],
      ['GET', '/health', 200, 0.005], // on a bound: counted in that bucket
      ['POST', '/api/users', 409, 0.3],
      ['GET', 'unmatched', 404, 7.5], // above every bound: +Inf only
      ['GET', '/api/users', 200, 0.0251],
      ['GET', '/api/users', 500, 1],
    ];
    for (const [method, route, status, seconds] of observations) {
      histogram.observe(method, route, status, seconds);
      reference.observe({ method, route, status: String(status) }, seconds);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
    expect(await ours.metrics()).toContain(
      'switchboard_http_request_duration_seconds_count{method="GET",route="/api/users",status="200"} 2',
    );
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
