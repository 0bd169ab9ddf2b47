/**
 * One test file's world: a fresh database on the suite's PostgreSQL server, the least
 * privileged role of the kit's postgres-asterisk-role.sql, a real Asterisk running the
 * kit, and a real Switchboard connected to it over ARI. Phones and the carrier are SIPp
 * processes (sipp.ts). Everything listens on 127.0.0.1; everything is stopped by PID.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { bootstrapFirstAdmin, createServer, type Server } from '../../../src/main.js';
import { createLogger } from '../../../src/shared/logger.js';
import { randomString } from '../../../src/shared/ids.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  createUserAndLogin,
  fastHasher,
  type HttpResponse,
  type RequestOptions,
  type TestServer,
} from '../../support/server.js';
import { Asterisk, KIT_DIR } from './asterisk.js';
import { WEB_DIST } from './console.js';
import { freeTcpPort, freeUdpPort, waitUntil } from './processes.js';
import { Sipp } from './sipp.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why the suite cannot run here (one line), or empty. */
    pbxSkipReason: string;
    asteriskPrefix: string;
    /** The PostgreSQL server Asterisk and Switchboard share (a CREATEDB role). */
    pbxDatabaseUrl: string;
  }
}

export const ARI_PASSWORD = 'ari-secret-for-tests';
/** DEFAULT_OUTBOUND_CALLERID of the rendered kit: what the carrier must see. */
export const OUTBOUND_CALLER_ID = '551130009999';

export interface Phone {
  userId: string;
  token: string;
  sipUsername: string;
  sipPassword: string;
  extension: number;
  /** The UDP port it registered from; its SIPp scenarios run there. */
  port: number;
}

export interface PbxHarness {
  api: TestServer;
  asterisk: Asterisk;
  /** Switchboard's database, for what the API does not show (call transitions). */
  sql: pg.Client;
  /** Asterisk's SIP address, host:port. */
  sipAddress: string;
  carrierUasPort: number;
  carrierUacPort: number;
  startSwitchboard(): Promise<void>;
  stopSwitchboard(): Promise<void>;
  /** Creates an agent with a `sip` device through the API and registers a SIPp phone for it. */
  phone(): Promise<Phone>;
  /** Cuts Switchboard's open connections to ARI (REST and the events WebSocket), as a network fault would. */
  dropAriConnections(): number;
  /** The environment Switchboard runs with here (PORT and DATA_DIR aside, for processes of its own). */
  env: Record<string, string>;
  /** Sends `api`'s requests to a Switchboard started elsewhere (`switchboard: false`). */
  useSwitchboard(baseUrl: string): void;
  /** Waits for `/ready` to show the PBX in the given state. */
  waitForPbx(state: 'up' | 'disconnected', timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** The kit's role script with this run's names: a role per database, so runs never share one. */
function roleScript(database: string, role: string, password: string): string {
  const script = readFileSync(join(KIT_DIR, 'postgres-asterisk-role.sql'), 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n');
  const replaced = script
    .replace(
      `CREATE ROLE asterisk LOGIN PASSWORD :'asterisk_password';`,
      `CREATE ROLE ${role} LOGIN PASSWORD '${password}';`,
    )
    .replace('ON DATABASE switchboard TO asterisk;', `ON DATABASE ${database} TO ${role};`)
    .replaceAll(' TO asterisk;', ` TO ${role};`);
  if (/\basterisk\b/.test(replaced) || !replaced.includes(role)) {
    throw new Error('asterisk/postgres-asterisk-role.sql changed: the PBX suite cannot render it');
  }
  return replaced;
}

/**
 * Switchboard reaches ARI through this TCP relay on loopback, so a test can cut the
 * connection in the middle of a call without touching either side.
 */
async function startAriRelay(
  targetPort: () => number,
): Promise<{ port: number; drop(): number; close(): Promise<void> }> {
  const pairs = new Set<[Socket, Socket]>();
  const server: TcpServer = createTcpServer((client) => {
    const upstream = connect(targetPort(), '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const close = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    drop() {
      const count = pairs.size;
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      return count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

interface StartOptions {
  /** Start Switchboard before Asterisk (and leave Asterisk to the test when false). */
  startAsterisk?: boolean;
  /**
   * Serve the built console (apps/web/dist) and give browser devices the kit's WSS address
   * (`wss://127.0.0.1:<https port>/ws`, the harness's self-signed certificate).
   */
  console?: boolean;
  env?: Record<string, string>;
  /**
   * false: no Switchboard in this process. The test runs its own (server processes, to kill
   * one for real) with `harness.env`, and points `api` at one with `useSwitchboard`.
   */
  switchboard?: boolean;
}

export async function startPbxHarness(options: StartOptions = {}): Promise<PbxHarness> {
  const baseUrl = inject('pbxDatabaseUrl');
  process.env.DATABASE_URL = baseUrl;
  const database: TestDatabase = await createTestDatabase();
  const databaseUrl = new URL(database.databaseUrl!);
  const databaseName = databaseUrl.pathname.slice(1);
  const sql = new pg.Client({ connectionString: databaseUrl.toString() });
  await sql.connect();

  const role = `asterisk_${randomString(8, 'abcdefghijklmnopqrstuvwxyz')}`;
  const rolePassword = randomString(24, 'abcdefghijklmnopqrstuvwxyz0123456789');
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await sql.query(roleScript(databaseName, role, rolePassword));

  const [http, https, audiosocket] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
  const sip = await freeUdpPort();
  const carrierUasPort = await freeUdpPort();
  const carrierUacPort = await freeUdpPort();
  const rtpStart = 20_000 + Math.floor(Math.random() * 400) * 20;
  const asterisk = Asterisk.render({
    prefix: inject('asteriskPrefix'),
    ports: { http, https, sip, rtpStart, rtpEnd: rtpStart + 199 },
    ariPassword: ARI_PASSWORD,
    database: {
      host: databaseUrl.hostname,
      port: Number(databaseUrl.port || 5432),
      name: databaseName,
      user: role,
      password: rolePassword,
    },
    audiosocket: { host: '127.0.0.1', port: audiosocket },
    carrierUasPort,
    carrierUacPort,
    outboundCallerId: OUTBOUND_CALLER_ID,
  });

  const relay = await startAriRelay(() => http);
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-pbx-data-'));
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl.toString(),
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    LOG_LEVEL: 'silent',
    LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
    SWITCHBOARD_ADMIN_EMAIL: ADMIN_EMAIL,
    SWITCHBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
    SWITCHBOARD_COMPANY_NAME: 'Acme',
    AUDIOSOCKET_HOST: '127.0.0.1',
    AUDIOSOCKET_PORT: String(audiosocket),
    ASTERISK_ARI_URL: `http://127.0.0.1:${relay.port}`,
    ASTERISK_ARI_USERNAME: 'switchboard',
    ASTERISK_ARI_PASSWORD: ARI_PASSWORD,
    ASTERISK_RECORDINGS_DIR: asterisk.recordingsDir,
    SIP_DOMAIN: '127.0.0.1',
    SIP_DEFAULT_TEMPLATE: 'sip',
    CALL_RING_TIMEOUT_SECONDS: '6',
    ...(options.console ? { WEB_ROOT: WEB_DIST, SIP_WSS_URL: `wss://127.0.0.1:${https}/ws` } : {}),
    ...options.env,
  };
  const config = loadConfig(env);
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

  let server: Server | undefined;
  let address = '';
  let adminToken: string | undefined;

  const request = async <T = any>(
    method: string,
    path: string,
    init: RequestOptions = {},
  ): Promise<HttpResponse<T>> => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: string | undefined;
    if (init.rawBody !== undefined) body = init.rawBody;
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${address}${path}`, { method, headers, body, signal: AbortSignal.timeout(15_000) });
    const text = await response.text();
    let parsed: unknown = text;
    if (/json/.test(response.headers.get('content-type') ?? '') && text) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  };

  const login = async (email: string, password: string) => {
    const response = await request<{ access_token: string; refresh_token: string; user: { id: string } }>(
      'POST',
      '/api/users/login',
      { body: { email, password } },
    );
    if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
    return {
      accessToken: response.body.access_token,
      refreshToken: response.body.refresh_token,
      userId: response.body.user.id,
    };
  };

  const api: TestServer = {
    get baseUrl() {
      return address;
    },
    get server() {
      if (!server) throw new Error('Switchboard is not running');
      return server;
    },
    config,
    request,
    login,
    async adminToken() {
      adminToken ??= (await login(ADMIN_EMAIL, ADMIN_PASSWORD)).accessToken;
      return adminToken;
    },
    async close() {
      await server?.close();
      server = undefined;
    },
  };

  const harness: PbxHarness = {
    api,
    asterisk,
    sql,
    sipAddress: `127.0.0.1:${sip}`,
    carrierUasPort,
    carrierUacPort,
    async startSwitchboard() {
      server = await createServer(config, logger, { hasher: fastHasher });
      await bootstrapFirstAdmin(server, config);
      address = await server.app.listen({ port: 0, host: '127.0.0.1' });
    },
    async stopSwitchboard() {
      await api.close();
    },
    async phone() {
      const agent = await createUserAndLogin(api, await api.adminToken(), { device_template: 'sip' });
      const device = (await request('GET', '/api/users/me/device', { token: agent.token })).body;
      // A SIPp process answers exactly one call: the qualify OPTIONS Asterisk sends a `sip`
      // device (every 60 s, first soon after it registers) would be taken for that call
      // and the INVITE that follows dropped. Qualify is not under test: off for SIPp phones.
      await sql.query('update ps_aors set qualify_frequency = 0 where id = $1', [device.sip_username]);
      const port = await freeUdpPort();
      await Sipp.run({
        scenario: 'register',
        port,
        remote: harness.sipAddress,
        service: device.sip_username,
        auth: { username: device.sip_username, password: device.sip_password },
      });
      return {
        userId: agent.id,
        token: agent.token,
        sipUsername: device.sip_username,
        sipPassword: device.sip_password,
        extension: device.extension,
        port,
      };
    },
    dropAriConnections: () => relay.drop(),
    env,
    useSwitchboard(baseUrl) {
      address = baseUrl;
      adminToken = undefined;
    },
    async waitForPbx(state, timeoutMs = 30_000) {
      await waitUntil(
        async () => (await request('GET', '/ready')).body?.checks?.pbx === state,
        timeoutMs,
        `/ready to show pbx: ${state}`,
        200,
      );
    },
    async close() {
      await api.close();
      await relay.close();
      await asterisk.dispose();
      await sql.end().catch(() => undefined);
      await database.dispose();
      await admin.query(`drop role if exists ${role}`).catch(() => undefined);
      await admin.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };

  try {
    if (options.startAsterisk !== false) await asterisk.start();
    if (options.switchboard !== false) {
      await harness.startSwitchboard();
      if (options.startAsterisk !== false) await harness.waitForPbx('up');
    }
  } catch (error) {
    // A file whose setup fails never reaches its afterAll: stop what was started here.
    await harness.close().catch(() => undefined);
    throw error;
  }
  return harness;
}

/** The transitions a call went through, as stored (the API shows only the current status). */
export async function transitionsOf(sql: pg.Client, callId: string): Promise<string[]> {
  const { rows } = await sql.query<{ from_status: string | null; to_status: string; source: string }>(
    'select from_status, to_status, source from call_transitions where call_id = $1 order by occurred_at, recorded_at',
    [callId],
  );
  return rows.map((row) => `${row.from_status ?? '-'}→${row.to_status} (${row.source})`);
}
