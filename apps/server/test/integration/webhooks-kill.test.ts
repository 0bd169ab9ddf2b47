/**
 * A server PROCESS killed with SIGKILL in the middle of webhook deliveries loses none
 * (issue 18, ADR 22): a receiver on 127.0.0.1 holds its answers, so deliveries are in
 * flight (claimed, under lease) and others wait behind them in the outbox; the node dies
 * with no shutdown; a new process on the same database sends the waiting ones at once and
 * the in-flight ones once their lease has run out (WEBHOOK_DELIVERY_LEASE_SECONDS: 60 s by
 * default, here its shortest, 20 s — twice the receiver's 10-s deadline — so the test does
 * not wait a minute). The receiver de-duplicates on the event id and sees every event, each
 * validly signed.
 *
 * PostgreSQL only: PGlite is one process's embedded database and a second process cannot
 * open it (webhooks-durability.test.ts covers the in-process restart on PGlite).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  eventually,
  startEventReceiver,
  verifySwitchboardSignature,
  type EventReceiver,
} from '../support/event-receiver.js';
import { LOOPBACK_ALLOWED } from '../support/outbound.js';
import { recordSkip } from '../support/programs.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../support/server.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const isPostgres = Boolean(process.env.DATABASE_URL);
if (!isPostgres) {
  recordSkip({
    suite: 'webhooks across a killed server process',
    reason: 'needs PostgreSQL (DATABASE_URL): PGlite cannot be opened by a second process',
  });
}

/** Events produced while the receiver holds its answers. */
const EVENTS = 30;

describe.skipIf(!isPostgres)('webhook deliveries across a SIGKILLed server process', () => {
  let database: TestDatabase;
  let dataDir: string;
  let receiver: EventReceiver;
  let env: Record<string, string>;
  const nodes: ServerProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-webhooks-kill-'));
    receiver = await startEventReceiver();
    env = {
      DATABASE_URL: database.databaseUrl!,
      DATA_DIR: dataDir,
      JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      AUDIOSOCKET_HOST: '127.0.0.1',
      SWITCHBOARD_ADMIN_EMAIL: ADMIN_EMAIL,
      SWITCHBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
      SWITCHBOARD_COMPANY_NAME: 'Acme',
      LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
      // The receiver is on 127.0.0.1, which the outbound guard refuses unless allowed.
      OUTBOUND_ALLOWED_HOSTS: LOOPBACK_ALLOWED,
      WEBHOOK_DELIVERY_LEASE_SECONDS: '20',
    };
  }, 60_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await receiver?.close();
    await database?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every event after a SIGKILL mid-delivery, each signed, once the new process runs', async () => {
    const first = await startServerProcess('first', env);
    nodes.push(first);
    const login = await first.request('POST', '/api/users/login', undefined, {
      email: ADMIN_EMAIL,
      password: ADMIN_PASSWORD,
    });
    expect(login.status).toBe(200);
    const admin = login.body.access_token as string;
    const hook = await first.request('POST', '/api/webhooks', admin, {
      url: receiver.url,
      allow_http: true,
      event_types: ['contact.created'],
    });
    expect(hook.status).toBe(201);
    const secret = hook.body.secret as string;

    // The receiver holds every answer: the first deliveries stay in flight.
    receiver.fallback = { status: 200, hang: true };
    const contactIds: string[] = [];
    for (let i = 0; i < EVENTS; i += 1) {
      const created = await first.request('POST', '/api/contacts', admin, {
        name: `Cliente ${i}`,
        identities: [{ kind: 'phone', value: `+551198765${String(3000 + i)}` }],
      });
      expect(created.status).toBe(201);
      contactIds.push(created.body.id as string);
    }
    // Several requests reached the receiver and wait for an answer when the node dies.
    await eventually(() => receiver.received.length >= 5, 'deliveries in flight', 60_000);
    await first.kill();
    const inFlightAtKill = new Set(receiver.received.map((r) => JSON.parse(r.rawBody).id as string)).size;
    expect(inFlightAtKill).toBeLessThan(EVENTS);

    // The receiver answers again; a new process on the same database takes over.
    receiver.fallback = { status: 200, body: '{"ok":true}' };
    const second = await startServerProcess('second', env);
    nodes.push(second);

    const delivered = () => {
      const ids = new Map<string, string>();
      for (const request of receiver.received) {
        const body = JSON.parse(request.rawBody) as { id: string; data: { id: string } };
        ids.set(body.id, body.data.id);
      }
      return ids;
    };
    // Waiting ones go at once; in-flight ones once their 20-s lease has run out.
    await eventually(() => delivered().size >= EVENTS, `all ${EVENTS} events delivered`, 180_000);
    expect([...delivered().values()].sort()).toEqual([...contactIds].sort());
    for (const request of receiver.received) {
      const header = request.headers['switchboard-signature'] as string;
      expect(verifySwitchboardSignature(header, request.rawBody, secret)).toBe(true);
    }

    // The delivery log agrees: every delivery delivered, none failed.
    const secondLogin = await second.request('POST', '/api/users/login', undefined, {
      email: ADMIN_EMAIL,
      password: ADMIN_PASSWORD,
    });
    const log = await eventually(
      async () => {
        const page = await second.request(
          'GET',
          `/api/webhooks/${hook.body.id}/deliveries?limit=100`,
          secondLogin.body.access_token,
        );
        const items = page.body.items as { status: string }[];
        return items.length === EVENTS && items.every((item) => item.status === 'delivered') && items;
      },
      'every delivery logged as delivered',
      60_000,
    );
    expect(log).toHaveLength(EVENTS);
  }, 420_000);
});
