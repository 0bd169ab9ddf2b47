// Benchmark: listing a conversation's messages on the embedded database (PGlite).
//
// Fills a fresh PGlite data directory (the embedded default, on disk) with 100,000
// messages in one conversation, plus 10,000 spread over 100 other conversations, then
// times the real ConversationsRepository.listMessages: the newest 100, and 100 from a
// page halfway down (a `before` cursor at the 50,000th message). Prints p50/p99 and the
// query plan. Run with `npm run bench:messages` (tsx loads the TypeScript sources).
//
// Options: BENCH_MESSAGES (default 100000), BENCH_RUNS (default 500).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../src/db/client.js';
import { ConversationsRepository } from '../src/modules/conversations/conversations.repository.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 500);
const OTHER_CONVERSATIONS = 100;
const OTHER_MESSAGES_EACH = 100;
const PAGE = 100;

const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
const database = await openDatabase({ dataDir: dir });

try {
  await database.migrate();
  const { db } = database;
  const companyId = randomUUID();
  const conversationId = randomUUID();
  const base = Date.parse('2026-01-01T00:00:00Z');

  const fillStarted = performance.now();
  await db.execute(sql`insert into companies (id, name, sip_prefix) values (${companyId}, 'Bench', 'benchx')`);
  const addConversation = async (id, contactId, phone) => {
    await db.execute(sql`insert into contacts (id, company_id, phone, created_at, updated_at)
      values (${contactId}, ${companyId}, ${phone}, now(), now())`);
    await db.execute(sql`insert into conversations
      (id, company_id, contact_id, channel, status, last_activity_at, created_at, updated_at)
      values (${id}, ${companyId}, ${contactId}, 'whatsapp', 'open', now(), now(), now())`);
  };
  // Timestamps one millisecond apart, the precision the API's cursors carry.
  const fill = (id, count, offsetMs) =>
    db.execute(sql`insert into messages
      (id, company_id, conversation_id, direction, author_type, type, body, status, channel_message_id, created_at, updated_at)
      select gen_random_uuid(), ${companyId}, ${id},
        case when n % 2 = 0 then 'inbound'::message_direction else 'outbound'::message_direction end,
        case when n % 2 = 0 then 'contact'::message_author_type else 'agent'::message_author_type end,
        'text', 'message number ' || n || ' with some words of ordinary length in it',
        case when n % 2 = 0 then null else 'read'::delivery_status end,
        'wamid.bench.' || ${id}::text || '.' || (${offsetMs}::bigint + n),
        to_timestamp((${base + offsetMs}::bigint + n) / 1000.0),
        to_timestamp((${base + offsetMs}::bigint + n) / 1000.0)
      from generate_series(1, ${count}) as n`);

  await addConversation(conversationId, randomUUID(), '+5511900000000');
  for (let start = 0; start < MESSAGES; start += 20_000) {
    await fill(conversationId, Math.min(20_000, MESSAGES - start), start);
  }
  for (let i = 1; i <= OTHER_CONVERSATIONS; i += 1) {
    const other = randomUUID();
    await addConversation(other, randomUUID(), `+55119${String(i).padStart(8, '0')}`);
    await fill(other, OTHER_MESSAGES_EACH, i * 7);
  }
  await db.execute(sql`analyze`);
  const fillSeconds = (performance.now() - fillStarted) / 1000;

  const repository = new ConversationsRepository(db);
  const [middle] = (
    await db.execute(sql`select id, created_at from messages where conversation_id = ${conversationId}
      order by created_at desc, id desc offset ${Math.floor(MESSAGES / 2)} limit 1`)
  ).rows;
  const deepCursor = { createdAt: new Date(middle.created_at), id: middle.id };

  const measure = async (cursor) => {
    for (let i = 0; i < 20; i += 1) await repository.listMessages(companyId, conversationId, cursor, PAGE);
    const times = [];
    let rows = 0;
    for (let i = 0; i < RUNS; i += 1) {
      const started = performance.now();
      const page = await repository.listMessages(companyId, conversationId, cursor, PAGE);
      times.push(performance.now() - started);
      rows = page.length;
    }
    times.sort((a, b) => a - b);
    const at = (q) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
    return { rows, p50: at(0.5), p99: at(0.99), max: times[times.length - 1] };
  };

  const newest = await measure(undefined);
  const deep = await measure(deepCursor);

  const plan = (
    await db.execute(sql`explain (analyze, costs off, timing off, summary off)
      select * from messages where conversation_id = ${conversationId} and company_id = ${companyId}
      and (created_at, id) < (${deepCursor.createdAt.toISOString()}::timestamptz, ${deepCursor.id}::uuid)
      order by created_at desc, id desc limit ${PAGE + 1}`)
  ).rows.map((r) => r['QUERY PLAN']);

  const cpu = cpus();
  const pglite = JSON.parse(
    readFileSync(new URL('../../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'),
  ).version;
  const ms = (value) => value.toFixed(2);
  console.log(`machine: ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}, ${Math.round(totalmem() / 2 ** 30)} GiB`);
  console.log(`system:  ${platform()} ${release()}, Node ${process.version}, PGlite ${pglite} (on disk, ${dir})`);
  console.log(
    `data:    ${MESSAGES} messages in the conversation, ${OTHER_CONVERSATIONS * OTHER_MESSAGES_EACH} in ${OTHER_CONVERSATIONS} others (filled in ${fillSeconds.toFixed(1)} s)`,
  );
  console.log(
    `runs:    ${RUNS} per query after 20 warm-up runs, ${PAGE} messages per page (+1 to detect the next page)`,
  );
  console.log(`newest ${PAGE}:          p50 ${ms(newest.p50)} ms  p99 ${ms(newest.p99)} ms  max ${ms(newest.max)} ms`);
  console.log(`${PAGE} from halfway down: p50 ${ms(deep.p50)} ms  p99 ${ms(deep.p99)} ms  max ${ms(deep.max)} ms`);
  console.log('plan of the page halfway down:');
  for (const line of plan) console.log(`  ${line}`);
  if (newest.rows !== PAGE + 1 || deep.rows !== PAGE + 1) throw new Error('a page came back short');
} finally {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}
