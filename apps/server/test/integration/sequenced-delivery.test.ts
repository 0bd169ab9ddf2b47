/**
 * SequencedDelivery over a real event log (PGlite, or PostgreSQL with DATABASE_URL): events
 * that arrive out of order, twice, or never, and a seq that was drawn and rolled back; and
 * the log's promise they rest on (ADR 10/13): seqs become visible in commit order, even
 * with two nodes (two connection pools) appending at once; and the bus's appends inside a
 * caller's transaction (ADR 34).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { EventBus } from '../../src/realtime/event-bus.js';
import { EventLogRepository } from '../../src/realtime/event-log.repository.js';
import { SequencedDelivery } from '../../src/realtime/sequenced-delivery.js';
import { systemClock } from '../../src/shared/clock.js';
import type { PublishedEvent } from '../../src/shared/events.js';
import { createCapturingLogger } from '../support/audiosocket-peer.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const COMPANY = '0190a6f0-0000-7000-8000-000000000001';

let database: TestDatabase;
let handle: DatabaseHandle;
let log: EventLogRepository;
let delivery: SequencedDelivery | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  handle = await openDatabase({
    ...(database.databaseUrl ? { databaseUrl: database.databaseUrl } : {}),
    ...(database.pglite ? { pglite: database.pglite } : {}),
  });
  await handle.db.execute(
    sql`insert into companies (id, name, sip_prefix) values (${COMPANY}, 'Acme', 'acme') on conflict do nothing`,
  );
  log = new EventLogRepository(handle.db);
});

afterAll(async () => {
  await delivery?.close();
  await handle.close();
  await database.dispose();
});

beforeEach(async () => {
  await delivery?.close();
  delivery = undefined;
});

function append(i: number): Promise<PublishedEvent> {
  return log.append({ name: 'test.event', companyId: COMPANY, audience: { company: true }, data: { i } }, new Date());
}

async function started(options: { gapWaitMs?: number; pollIntervalMs?: number } = {}) {
  const delivered: PublishedEvent[] = [];
  const { logger, lines } = createCapturingLogger('info');
  delivery = new SequencedDelivery({
    log,
    logger,
    deliver: (event) => delivered.push(event),
    gapWaitMs: options.gapWaitMs ?? 50,
    pollIntervalMs: options.pollIntervalMs ?? 60_000,
  });
  await delivery.start();
  return { delivery, delivered, lines };
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not in time`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('EventLogRepository', () => {
  it('makes seqs visible in commit order while two pools append at once: a reader never sees a lower seq later', async () => {
    // On PostgreSQL a second pool is a second node; on PGlite there is one connection, where it holds trivially.
    const other = database.databaseUrl ? await openDatabase({ databaseUrl: database.databaseUrl }) : undefined;
    const logs = [log, new EventLogRepository((other ?? handle).db)];
    const seqsOf = async (query: ReturnType<typeof sql>) =>
      ((await handle.db.execute(query)) as { rows: { seq: number | string }[] }).rows.map((row) => Number(row.seq));
    const [start = 0] = await seqsOf(sql`select coalesce(max(seq), 0) as seq from event_log`);
    let isAppending = true;
    const seen: number[] = [];
    const outOfOrder: string[] = [];
    const reader = (async () => {
      let last = start;
      for (;;) {
        const wasAppending = isAppending;
        const rows = await seqsOf(sql`select seq from event_log where seq > ${last} order by seq`);
        seen.push(...rows);
        if (rows.length > 0) last = rows.at(-1)!;
        if (!wasAppending && rows.length === 0) break;
      }
      // Everything read, in one pass after the appends: any seq missing from what was read
      // in passing became visible after a higher one had been read.
      const all = await seqsOf(sql`select seq from event_log where seq > ${start} order by seq`);
      const read = new Set(seen);
      for (const seq of all) if (!read.has(seq)) outOfOrder.push(String(seq));
    })();
    try {
      // 2 pools × 8 appenders × 5 batches of 1–5 events: 240 events.
      await Promise.all(
        logs.flatMap((repo, node) =>
          Array.from({ length: 8 }, async (_, appender) => {
            for (let batch = 0; batch < 5; batch += 1) {
              const size = 1 + ((appender + batch) % 5);
              const events = Array.from({ length: size }, (__, i) => ({
                event: {
                  name: 'test.concurrent',
                  companyId: COMPANY,
                  audience: {},
                  data: { node, appender, batch, i },
                },
                at: new Date(),
              }));
              const stored = await repo.appendMany(events);
              // Seqs follow the order given, and each stored event is the one given.
              expect(stored.map((e) => e.data)).toEqual(events.map((e) => e.event.data));
              expect(stored.map((e) => e.seq)).toEqual([...stored.map((e) => e.seq)].sort((a, b) => a - b));
            }
          }),
        ),
      );
    } finally {
      isAppending = false;
      await reader;
      await other?.close();
    }
    expect(outOfOrder).toEqual([]);
    expect(seen).toHaveLength(240);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });
});

describe('SequencedDelivery', () => {
  it('holds an event that arrives before the one ahead of it, then delivers both in order', async () => {
    const { delivery, delivered } = await started({ gapWaitMs: 60_000 });
    const first = await append(1);
    const second = await append(2);
    delivery.receive(second);
    expect(delivered).toEqual([]);
    delivery.receive(first);
    expect(delivered.map((e) => e.seq)).toEqual([first.seq, second.seq]);
  });

  it('drops a duplicate and an event from before it started', async () => {
    const before = await append(0);
    const { delivery, delivered } = await started();
    const event = await append(1);
    delivery.receive(before);
    delivery.receive(event);
    delivery.receive(event);
    expect(delivered.map((e) => e.seq)).toEqual([event.seq]);
  });

  it('reads a missing event from the log when the gap does not fill', async () => {
    const { delivery, delivered } = await started();
    const lost = await append(1);
    const next = await append(2);
    delivery.receive(next); // the message for `lost` never comes
    await eventually(() => delivered.length === 2, 'the gap filled from the log');
    expect(delivered.map((e) => e.seq)).toEqual([lost.seq, next.seq]);
    expect(delivered[0]?.data).toEqual({ i: 1 });
    delivery.receive(lost); // its message, late: a duplicate now
    expect(delivered).toHaveLength(2);
  });

  it('skips a seq that was drawn and rolled back, once a later one is committed', async () => {
    const { delivery, delivered } = await started();
    await handle.db
      .transaction(async (tx) => {
        await tx.execute(
          sql`insert into event_log (company_id, name, data) values (${COMPANY}, 'test.rolled_back', '{}')`,
        );
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const after = await append(3);
    delivery.receive(after);
    await eventually(() => delivered.length === 1, 'delivered past the hole');
    expect(delivered.map((e) => e.name)).toEqual(['test.event']);
    const next = await append(4);
    delivery.receive(next);
    expect(delivered.map((e) => e.seq)).toEqual([after.seq, next.seq]);
  });

  it('finds, on its poll, an event whose message never came and nothing came after', async () => {
    const { delivered, lines } = await started({ pollIntervalMs: 50 });
    const orphan = await append(5);
    await eventually(() => delivered.length === 1, 'the poll');
    expect(delivered[0]?.seq).toBe(orphan.seq);
    expect(lines.some((line) => line.msg === 'events delivered from the event log' && line.reason === 'poll')).toBe(
      true,
    );
  });

  it('keeps delivering when a subscriber throws, and logs it', async () => {
    const { logger, lines } = createCapturingLogger('info');
    const seen: number[] = [];
    delivery = new SequencedDelivery({
      log,
      logger,
      deliver: (event) => {
        seen.push(event.seq);
        if (seen.length === 1) throw new Error('subscriber bug');
      },
      pollIntervalMs: 60_000,
    });
    await delivery.start();
    const one = await append(6);
    const two = await append(7);
    delivery.receive(one);
    delivery.receive(two);
    expect(seen).toEqual([one.seq, two.seq]);
    expect(lines.some((line) => line.msg === 'event subscriber failed')).toBe(true);
  });
});

describe('EventBus.withinTransaction (ADR 34)', () => {
  const event = (i: number) => ({ name: 'test.bus', companyId: COMPANY, audience: { company: true }, data: { i } });

  function startedBus() {
    const { logger } = createCapturingLogger('info');
    const bus = new EventBus(log, systemClock, logger);
    const delivered: PublishedEvent[] = [];
    bus.subscribe((published) => delivered.push(published));
    return { bus, delivered };
  }

  const marker = async (db: object, i: number) => {
    await (db as typeof handle.db).execute(
      sql`insert into event_log (company_id, name, data) values (${COMPANY}, 'test.marker', ${JSON.stringify({ i })}::jsonb)`,
    );
  };

  it('appends in the caller’s transaction: committed with its change, handed on after, later publishes after it', async () => {
    const { bus, delivered } = startedBus();
    let later: Promise<PublishedEvent> | undefined;
    const isAppended = await bus.withinTransaction((append) =>
      handle.db.transaction(async (tx) => {
        await marker(tx, 10);
        const appended = await append(tx, [event(11), event(12)]);
        // Published while the transaction holds the turn: it waits, and is not handed on first.
        later = bus.publish(event(13));
        expect(delivered).toHaveLength(0);
        return appended;
      }),
    );
    expect(isAppended).toBe(true);
    const after = await later!;
    await bus.drain();
    expect(delivered.map((e) => e.data.i)).toEqual([11, 12, 13]);
    expect(delivered.map((e) => e.seq)).toEqual([...delivered.map((e) => e.seq)].sort((a, b) => a - b));
    expect(after.seq).toBeGreaterThan(delivered[1]!.seq);
    const stored = await handle.db.execute(
      sql`select name, data from event_log where name in ('test.bus', 'test.marker') and (data->>'i')::int between 10 and 13 order by seq`,
    );
    expect((stored as { rows: { data: { i: number } }[] }).rows.map((r) => r.data.i)).toEqual([10, 11, 12, 13]);
  });

  it('writes and hands on nothing when the transaction rolls back; what was published meanwhile still goes out', async () => {
    const { bus, delivered } = startedBus();
    let later: Promise<PublishedEvent> | undefined;
    const failed = await bus
      .withinTransaction((append) =>
        handle.db.transaction(async (tx) => {
          await append(tx, [event(21)]);
          later = bus.publish(event(22));
          throw new Error('roll back');
        }),
      )
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(Error);
    await later;
    await bus.drain();
    expect(delivered.map((e) => e.data.i)).toEqual([22]);
    const stored = await handle.db.execute(
      sql`select count(*)::int as n from event_log where name = 'test.bus' and (data->>'i')::int = 21`,
    );
    expect((stored as { rows: { n: number }[] }).rows[0]?.n).toBe(0);
  });

  it('never waits for the turn: while a batch is being appended it answers false, and the caller publishes after', async () => {
    const { bus, delivered } = startedBus();
    const first = bus.publish(event(31)); // its batch holds the turn from here to its append's end
    // Asked while that batch is under way (no await in between, so it cannot have ended).
    const isAppended = await bus.withinTransaction((append) => append(handle.db, [event(32)]));
    expect(isAppended).toBe(false);
    await first;
    await bus.publish(event(32));
    expect(delivered.map((e) => e.data.i)).toEqual([31, 32]);
  });
});
