import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { REDACTED_PATHS, createLogger } from '../shared/logger.js';
import { buildApp } from './app.js';
import { bindingsOfUnmade, lazyChildLogger } from './request-logger.js';

function capture(level: string, options: { redact?: string[] } = {}) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return {
    logger: pino(
      { level, ...(options.redact ? { redact: { paths: options.redact, censor: '[redacted]' } } : {}) },
      stream,
    ),
    lines,
  };
}

/** The server's own logger (its redaction and serializers) at info, its lines captured. */
function serverLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

describe('lazy request logger', () => {
  it('makes no child for lines its level drops, and logs kept lines with the bindings', async () => {
    const { logger, lines } = capture('info');
    const child = vi.spyOn(logger, 'child');
    const probe = lazyChildLogger(logger, { reqId: 'r1' }, { level: 'warn' });
    probe.info('dropped');
    probe.debug('dropped');
    expect(child).not.toHaveBeenCalled();
    expect(probe.level).toBe('warn');
    // Asked before a line is built (the request log's): no child made either.
    expect((probe as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled('info')).toBe(false);
    expect((probe as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled('warn')).toBe(true);
    expect(child).not.toHaveBeenCalled();
    probe.warn({ n: 1 }, 'kept');
    expect(child).toHaveBeenCalledTimes(1);
    probe.error('kept too');
    probe.info('still dropped');
    expect(child).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.reqId, l.msg, l.n])).toEqual([
      ['r1', 'kept', 1],
      ['r1', 'kept too', undefined],
    ]);
  });

  it('takes the server level when the route gives none, and children keep every binding', async () => {
    const { logger, lines } = capture('info');
    const child = vi.spyOn(logger, 'child');
    const request = lazyChildLogger(logger, { reqId: 'r2' }, {});
    const user = request.child({ userId: 'u1' });
    user.debug('dropped');
    user.info('answered');
    // One pino child for the request and its user together.
    expect(child).toHaveBeenCalledTimes(1);
    request.level = 'error';
    request.warn('dropped after the level changed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.reqId, l.userId, l.msg])).toEqual([['r2', 'u1', 'answered']]);
  });

  it("gives a request's bindings for the request log line, which a child without redaction writes the same", async () => {
    const { logger: root, lines } = capture('info', { redact: REDACTED_PATHS });
    const request = lazyChildLogger(root, { reqId: 'r3' }, {}).child({ userId: 'u1', companyId: 'c1' });
    const plain = root.child({}, { redact: [], level: 'trace' });
    const line = {
      req: { method: 'GET', url: '/api/users?limit=20', remoteAddress: '127.0.0.1' },
      res: { statusCode: 200 },
      responseTime: 1.25,
    };
    const bindings = bindingsOfUnmade(request, root);
    expect(bindings).toEqual({ reqId: 'r3', userId: 'u1', companyId: 'c1' });
    plain.info({ ...bindings, ...line }, 'request completed');
    request.info(line, 'request completed');
    await new Promise((resolve) => setImmediate(resolve));
    const [fast, child] = lines.map(({ time: _time, ...rest }) => rest);
    expect(Object.keys(fast ?? {})).toEqual(Object.keys(child ?? {}));
    expect(fast).toEqual(child);
    // Once made (a line of its own was written), or under another parent: not given.
    expect(bindingsOfUnmade(request, root)).toBeUndefined();
    expect(bindingsOfUnmade(lazyChildLogger(root, { reqId: 'r4' }, {}), plain)).toBeUndefined();
    expect(bindingsOfUnmade(root, root)).toBeUndefined();
  });
});

const APP_OPTIONS = {
  authenticator: { authenticate: () => Promise.resolve({ userId: 'u1', companyId: 'c1', role: 'admin' as const }) },
  bodyLimitBytes: 1024,
  trustProxy: false,
  corsOrigins: [],
  readiness: [],
  version: 'test',
  isDocsEnabled: false,
};

describe('request logging in the app', () => {
  it('gives each request a lazy child of the server logger, which keeps our error serializer', async () => {
    const lines: Record<string, unknown>[] = [];
    const root = pino(
      { level: 'info', serializers: { err: (error: Error) => ({ type: error.name, message: 'ours' }) } },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const app = await buildApp({
      ...APP_OPTIONS,
      logger: root,
      routes: (api) => {
        api.get('/api/quiet', { logLevel: 'warn' }, (request) => {
          request.log.info('dropped');
          return { ok: true };
        });
        api.get('/api/loud', (request) => {
          request.log.child({ step: 'loud' }).error({ err: new Error('secret detail') }, 'failed');
          return { ok: true };
        });
      },
    });
    await app.ready();
    const child = vi.spyOn(app.log, 'child');
    try {
      const headers = { authorization: 'Bearer t' };
      expect((await app.inject({ url: '/api/quiet', headers })).statusCode).toBe(200);
      expect(child).not.toHaveBeenCalled();
      expect(lines.find((line) => line.msg === 'dropped')).toBeUndefined();
      expect((await app.inject({ url: '/api/loud', headers })).statusCode).toBe(200);
      // One pino child for the request, its user and the route's own bindings, made for the line it kept.
      expect(child).toHaveBeenCalledTimes(1);
      const failed = lines.find((line) => line.msg === 'failed');
      expect(failed).toMatchObject({
        userId: 'u1',
        companyId: 'c1',
        step: 'loud',
        err: { type: 'Error', message: 'ours' },
      });
      expect(typeof failed?.reqId).toBe('string');
      app.log.info({ n: 1 }, 'server line');
      expect(lines.find((line) => line.msg === 'server line')).toMatchObject({ n: 1 });
    } finally {
      await app.close();
    }
  });

  it("observes every answer once: its line, its request id and headers, the duration histogram by route (not the probes')", async () => {
    const { logger, lines } = serverLogger();
    const app = await buildApp({
      ...APP_OPTIONS,
      logger,
      metricsToken: 'metrics-token',
      routes: (api) => {
        api.get('/api/things/:id', () => ({ ok: true }));
      },
    });
    try {
      const headers = { authorization: 'Bearer t', 'x-request-id': 'given-id' };
      const health = await app.inject({ url: '/health', headers: { 'x-request-id': 'probe-1' } });
      expect(health.statusCode).toBe(200);
      expect(health.headers['x-request-id']).toBe('probe-1');
      // A probe's set (ADR 14, second amendment); the API's and /metrics' answers keep the REST set.
      expect(health.headers['cache-control']).toBe('no-store');
      expect(health.headers['x-content-type-options']).toBe('nosniff');
      expect(health.headers['x-frame-options']).toBeUndefined();
      expect(health.headers['content-security-policy']).toBeUndefined();
      expect((await app.inject({ url: '/health' })).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const thing = await app.inject({ url: '/api/things/7?x=1', headers });
      expect(thing.statusCode).toBe(200);
      expect(thing.headers['x-request-id']).toBe('given-id');
      expect(thing.headers['x-frame-options']).toBe('DENY');
      const missing = await app.inject({ url: '/api/nothing-here', headers });
      expect(missing.statusCode).toBe(404);
      expect(missing.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");

      // The probes log at warn: no line. The others, one line each, with their request id.
      const completed = lines.filter((line) => line.msg === 'request completed');
      expect(
        completed.map((line) => [
          line.reqId,
          (line.req as { url: string }).url,
          (line.res as { statusCode: number }).statusCode,
        ]),
      ).toEqual([
        ['given-id', '/api/things/7?x=1', 200],
        ['given-id', '/api/nothing-here', 404],
      ]);
      // A probe with a method nobody serves is not the probe: it is answered, logged and timed.
      expect((await app.inject({ method: 'POST', url: '/health' })).statusCode).toBe(404);
      expect(lines.filter((line) => line.msg === 'request completed').at(-1)?.res).toEqual({ statusCode: 404 });
      const metrics = await app.inject({ url: '/metrics', headers: { authorization: 'Bearer metrics-token' } });
      expect(metrics.headers['x-frame-options']).toBe('DENY');
      expect(metrics.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      const count = (method: string, route: string, status: number) =>
        new RegExp(
          `switchboard_http_request_duration_seconds_count\\{method="${method}",route="${route}",status="${status}"\\} (\\d+)`,
        ).exec(metrics.body)?.[1];
      expect(count('GET', '/api/things/:id', 200)).toBe('1');
      expect(count('GET', 'unmatched', 404)).toBe('1');
      expect(count('POST', 'unmatched', 404)).toBe('1');
      // The probes' answers are not timed (docs/architecture.md, Operations).
      expect(metrics.body).not.toContain('route="/health"');
    } finally {
      await app.close();
    }
  });

  it("writes the request log line without making the request's logger, the same line as the made logger writes", async () => {
    const { logger, lines } = serverLogger();
    const app = await buildApp({
      ...APP_OPTIONS,
      logger,
      routes: (api) => {
        api.get('/api/plain', () => ({ ok: true }));
        // A line of the reply's own first: its logger is made, and the request line goes through it.
        api.get('/api/made', (_request, reply) => {
          reply.log.info('own line');
          return { ok: true };
        });
      },
    });
    await app.ready();
    const child = vi.spyOn(app.log, 'child');
    try {
      const headers = { authorization: 'Bearer t' };
      expect((await app.inject({ url: '/api/plain?limit=2', headers })).statusCode).toBe(200);
      expect(child).not.toHaveBeenCalled();
      expect((await app.inject({ url: '/api/made?limit=2', headers })).statusCode).toBe(200);
      expect(child).toHaveBeenCalledTimes(1);
      const [plain, made] = lines
        .filter((line) => line.msg === 'request completed')
        .map(({ time: _time, reqId, responseTime, ...rest }) => {
          expect(typeof reqId).toBe('string');
          expect(typeof responseTime).toBe('number');
          return rest;
        });
      expect(Object.keys(plain ?? {})).toEqual(Object.keys(made ?? {}));
      expect(plain).toEqual({ ...made, req: { ...(made?.req as object), url: '/api/plain?limit=2' } });
      expect(plain?.res).toEqual({ statusCode: 200 });
      // The client's address reaches the line (inject's is 127.0.0.1).
      expect(plain?.req).toMatchObject({ method: 'GET', remoteAddress: '127.0.0.1' });
    } finally {
      await app.close();
    }
  });
});
