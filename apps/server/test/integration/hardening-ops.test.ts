/**
 * Operations hardening, over real sockets and the real database: the console's security
 * headers, /metrics behind METRICS_TOKEN, DOCS_ENABLED, first-start listen addresses,
 * AudioSocket peers, event_log pruning, and error logs without users' data.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { companies, eventLog } from '../../src/db/schema/index.js';
import { createAudiosocketServer } from '../../src/integrations/audiosocket/index.js';
import { EventLogRepository } from '../../src/realtime/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { uuidFrame } from '../support/audiosocket-peer.js';
import { startTestServer, type TestServer } from '../support/server.js';

const METRICS_TOKEN = 'metrics-token-metrics-token-0123456789';

describe('security headers on the console and the API', () => {
  let api: TestServer;
  let proxied: TestServer;
  const webRoot = mkdtempSync(join(tmpdir(), 'switchboard-web-'));

  beforeAll(async () => {
    writeFileSync(
      join(webRoot, 'index.html'),
      '<!doctype html><html><head><script type="module" src="/assets/index.js"></script></head><body></body></html>',
    );
    api = await startTestServer({ WEB_ROOT: webRoot, SIP_WSS_URL: 'wss://pbx.example.com:8089/ws', METRICS_TOKEN });
    proxied = await startTestServer({ TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await api.close();
    await proxied.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('serves / with a strict CSP, no framing, nosniff and no referrer', async () => {
    const response = await api.request('GET', '/');
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('img-src')).toEqual(expect.arrayContaining(['blob:', 'data:']));
    expect(directives.get('media-src')).toEqual(expect.arrayContaining(['blob:']));
    expect(directives.get('connect-src')).toEqual(expect.arrayContaining(["'self'", 'wss://pbx.example.com:8089']));
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });

  it('sends the REST set on JSON answers: the API, its refusals, /metrics (ADR 14)', async () => {
    const answers = [
      await api.request('GET', '/api/users'), // 401 problem+json
      await api.request('GET', '/api/users', { token: await api.adminToken() }),
      await api.request('GET', '/api/no-such-route'), // 404 problem+json
      await api.request('GET', '/webchat/v1/channels/00000000-0000-0000-0000-000000000000'),
      await api.request('GET', '/metrics', { token: METRICS_TOKEN }),
      await api.request('GET', '/metrics'), // 401 problem+json
    ];
    expect(answers.map((response) => response.status)).toEqual([401, 200, 404, 404, 200, 401]);
    for (const response of answers) {
      expect(response.headers.get('content-type')).toMatch(/^(application\/(problem\+)?json|text\/plain)/);
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      // What only a document uses is the console's.
      expect(response.headers.get('cross-origin-opener-policy')).toBeNull();
      expect(response.headers.get('x-dns-prefetch-control')).toBeNull();
      expect(response.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('sends only no-store and nosniff on the probes, besides the request id (ADR 14, second amendment)', async () => {
    const answers = [
      await api.request('GET', '/health'),
      await api.request('GET', '/ready'),
      await api.request('GET', '/health/'),
      await api.request('GET', '/ready?verbose=1'),
      await api.request('HEAD', '/health'),
    ];
    expect(answers.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    for (const response of answers) {
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      // The whole header block: the rest is the answer's framing, no other security header.
      const transport = new Set(['connection', 'keep-alive', 'date']);
      expect([...response.headers.keys()].filter((name) => !transport.has(name)).sort()).toEqual([
        'cache-control',
        'content-length',
        'content-type',
        'x-content-type-options',
        'x-request-id',
      ]);
    }
  });

  it("keeps the console's whole set on its pages and on paths nobody serves", async () => {
    for (const path of ['/', '/index.html', '/no-such-page', '/health/more', '/healthz']) {
      const response = await api.request('GET', path);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin-allow-popups');
      expect(response.headers.get('cache-control')).not.toBe('no-store');
    }
  });

  it('sends HSTS only behind a trusted proxy that says the request came over HTTPS', async () => {
    const https = await proxied.request('GET', '/health', { headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    expect(https.headers.get('x-frame-options')).toBeNull();
    const http = await proxied.request('GET', '/health', { headers: { 'x-forwarded-proto': 'http' } });
    expect(http.headers.get('strict-transport-security')).toBeNull();
    const untrusted = await api.request('GET', '/health', { headers: { 'x-forwarded-proto': 'https' } });
    expect(untrusted.headers.get('strict-transport-security')).toBeNull();
    // The REST set's answers too.
    const refused = await proxied.request('GET', '/api/users', { headers: { 'x-forwarded-proto': 'https' } });
    expect(refused.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    expect(refused.headers.get('x-frame-options')).toBe('DENY');
    // The console's answers too.
    const page = await proxied.request('GET', '/no-such-page', { headers: { 'x-forwarded-proto': 'https' } });
    expect(page.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin-allow-popups');
  });
});

describe('/metrics and /docs', () => {
  let withToken: TestServer;
  let plain: TestServer;

  beforeAll(async () => {
    withToken = await startTestServer({ METRICS_TOKEN, DOCS_ENABLED: 'false' });
    plain = await startTestServer();
  });
  afterAll(async () => {
    await withToken.close();
    await plain.close();
  });

  it('serves /metrics only with METRICS_TOKEN as a bearer token', async () => {
    const missing = await withToken.request('GET', '/metrics');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.body.code).toBe('metrics.unauthorized');
    expect((await withToken.request('GET', '/metrics', { token: `${METRICS_TOKEN}x` })).status).toBe(401);
    const admin = await withToken.adminToken();
    expect((await withToken.request('GET', '/metrics', { token: admin })).status).toBe(401);
    const good = await withToken.request('GET', '/metrics', { token: METRICS_TOKEN });
    expect(good.status).toBe(200);
    expect(good.text).toContain('switchboard_http_request_duration_seconds');
  });

  it('does not serve /metrics at all without METRICS_TOKEN', async () => {
    const response = await plain.request('GET', '/metrics');
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('route.not_found');
  });

  it('serves no /docs and no /openapi.json with DOCS_ENABLED=false, and both by default', async () => {
    expect((await withToken.request('GET', '/docs')).status).toBe(404);
    expect((await withToken.request('GET', '/openapi.json')).status).toBe(404);
    expect((await plain.request('GET', '/docs')).status).toBe(200);
    expect((await plain.request('GET', '/openapi.json')).status).toBe(200);
  });
});

describe('listen addresses on a first start', () => {
  it('listens on loopback for HTTP and AudioSocket unless told otherwise', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
    try {
      const config = loadConfig({ DATA_DIR: dataDir });
      expect(config.host).toBe('127.0.0.1');
      expect(config.audiosocket.host).toBe('127.0.0.1');
      expect(config.audiosocket.allowedPeers).toEqual([]);
      const deployed = loadConfig({
        DATA_DIR: dataDir,
        HOST: '0.0.0.0',
        AUDIOSOCKET_ALLOWED_PEERS: '10.0.0.5,10.1.0.0/16',
      });
      expect(deployed.host).toBe('0.0.0.0');
      expect(deployed.audiosocket.allowedPeers).toEqual(['10.0.0.5', '10.1.0.0/16']);
      expect(() => loadConfig({ DATA_DIR: dataDir, AUDIOSOCKET_ALLOWED_PEERS: 'pbx.example.com' })).toThrow(
        /AUDIOSOCKET_ALLOWED_PEERS/,
      );
      expect(() => loadConfig({ DATA_DIR: dataDir, OUTBOUND_ALLOWED_HOSTS: '10.0.0.0/40' })).toThrow(
        /OUTBOUND_ALLOWED_HOSTS/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** A non-loopback address of this machine, to connect from something other than 127.0.0.1. */
const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe.skipIf(externalAddress === undefined)('AudioSocket peers (needs a non-loopback IPv4 address)', () => {
  const address = externalAddress ?? '';

  async function connectAndSendUuid(allowedPeers: string[]) {
    const server = createAudiosocketServer({
      logger: createLogger({ level: 'silent' }),
      host: '0.0.0.0',
      port: 0,
      allowedPeers,
    });
    const { port } = await server.listen();
    const outcome = new Promise<string>((resolve) => {
      server.on('connectionRejected', (event) => resolve(`rejected:${event.reason}:${event.remoteAddress ?? ''}`));
      server.on('sessionStarted', () => resolve('started'));
    });
    const socket = connect({ host: address, port });
    socket.on('error', () => undefined);
    socket.write(uuidFrame('0f2c8e3a-4b5d-4e6f-8a7b-9c0d1e2f3a4b'));
    const result = await outcome;
    socket.destroy();
    await server.close();
    return result;
  }

  it('closes a connection from an address AUDIOSOCKET_ALLOWED_PEERS does not name, with the reason', async () => {
    expect(await connectAndSendUuid([])).toBe(`rejected:peer_not_allowed:${address}`);
  });

  it('accepts the named peers', async () => {
    expect(await connectAndSendUuid([`${address}/32`])).toBe('started');
  });
});

describe('event_log pruning', () => {
  let api: TestServer;

  beforeAll(async () => {
    api = await startTestServer({ EVENT_LOG_RETENTION_DAYS: '3' });
  });
  afterAll(async () => {
    await api.close();
  });

  it('deletes events older than EVENT_LOG_RETENTION_DAYS and keeps the newer ones', async () => {
    const { db } = api.server.database;
    const repository = new EventLogRepository(db);
    const now = Date.now();
    const [company] = await db.select({ id: companies.id }).from(companies).limit(1);
    const event = (name: string) => ({ name, companyId: company!.id, audience: { company: true }, data: {} });
    const old = await repository.append(event('test.old'), new Date(now - 4 * 86_400_000));
    const older = await repository.append(event('test.older'), new Date(now - 30 * 86_400_000));
    const recent = await repository.append(event('test.recent'), new Date(now - 2 * 86_400_000));

    const sweep = await api.server.eventLogRetention.sweepOnce();
    expect(sweep.isLeader).toBe(true);
    const remaining = await db
      .select({ seq: eventLog.seq })
      .from(eventLog)
      .where(sql`${eventLog.seq} in (${old.seq}, ${older.seq}, ${recent.seq})`);
    expect(remaining.map((r) => r.seq)).toEqual([recent.seq]);
  });
});

describe('error logs', () => {
  function capture(level: string) {
    const lines: Record<string, any>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    return { logger: createLogger({ level, destination }), lines };
  }

  it('log a failed query with its code and statement, without its parameters or a stack', async () => {
    const api = await startTestServer();
    try {
      const error = await api.server.database.db
        .execute(sql`select ${'maria@secret.example'}::int as n`)
        .then(() => undefined)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      const info = capture('info');
      info.logger.error({ err: error }, 'unhandled error');
      const logged = JSON.stringify(info.lines[0]);
      expect(logged).not.toContain('maria@secret.example');
      expect(logged).not.toContain('"stack"');
      expect(info.lines[0]?.err).toMatchObject({ query: expect.stringContaining('$1') });
      expect(logged).toContain('22P02');

      const debug = capture('debug');
      debug.logger.error({ err: error }, 'unhandled error');
      expect(JSON.stringify(debug.lines[0])).toContain('"stack"');
      expect(JSON.stringify(debug.lines[0])).not.toContain('maria@secret.example');
    } finally {
      await api.close();
    }
  });
});
