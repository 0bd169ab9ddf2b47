/**
 * The engine's one-statement read of a decision (routing.engine-repository.ts, DECISION_READ):
 * the queue and its waiting entries come back equal to what the ORM reads, in routing order,
 * and the candidates are exactly the members who could take work now.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentPresences, queueEntries, routingAgents, users } from '../../src/db/schema/index.js';
import { EngineRepository } from '../../src/modules/routing/routing.engine-repository.js';
import { createQueue, setMembers } from '../support/routing.js';
import { createUserAndLogin, startTestServer, type TestServer } from '../support/server.js';

describe('the routing decision read', () => {
  let api: TestServer;
  let admin: string;
  let companyId: string;
  let someoneId: string;

  beforeAll(async () => {
    api = await startTestServer();
    admin = await api.adminToken();
    const someone = await createUserAndLogin(api, admin);
    const [row] = await api.server.database.db
      .select({ companyId: users.companyId })
      .from(users)
      .where(eq(users.id, someone.id));
    companyId = row!.companyId;
    someoneId = someone.id;
  });
  afterAll(async () => {
    await api.close();
  });

  const repository = () => new EngineRepository(api.server.database.db);

  /** A member with a presence and routing row as given (no socket: the rows are the input). */
  async function member(
    presence: { status: 'online' | 'away' | 'offline'; isConnected: boolean },
    routing: Partial<typeof routingAgents.$inferInsert> = {},
  ) {
    const user = await createUserAndLogin(api, admin, { role: 'agent' });
    const now = new Date();
    const db = api.server.database.db;
    await db
      .insert(agentPresences)
      .values({
        companyId,
        userId: user.id,
        status: presence.status,
        isConnected: presence.isConnected,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: [agentPresences.companyId, agentPresences.userId],
        set: { status: presence.status, isConnected: presence.isConnected },
      });
    await db
      .insert(routingAgents)
      .values({ userId: user.id, companyId, updatedAt: now, ...routing })
      .onConflictDoUpdate({ target: routingAgents.userId, set: { updatedAt: now, ...routing } });
    return user.id;
  }

  function waitingEntry(queueId: string, at: Date, extra: Partial<typeof queueEntries.$inferInsert> = {}) {
    return {
      id: randomUUID(),
      companyId,
      queueId,
      channel: 'whatsapp' as const,
      callId: null,
      conversationId: null,
      label: 'Cliente',
      priority: 0,
      enqueuedAt: at,
      originalEnqueuedAt: new Date(at.getTime() - 60_000),
      state: 'waiting' as const,
      updatedAt: at,
      ...extra,
    };
  }

  it('reads the queue and its waiting entries as the ORM does, in routing order', async () => {
    const queue = await createQueue(api, admin, {
      name: `Leitura ${randomUUID().slice(0, 8)}`,
      channels: ['whatsapp', 'webchat'],
      required_skills: [{ name: 'Vendas', min_level: 2 }],
      max_wait_seconds: 300,
      business_hours: {
        ranges: [{ day: 1, from: '08:00', to: '18:00' }],
        closed_action: { action: 'message', text: 'Fechado' },
      },
    });
    const t0 = new Date('2026-12-01T12:00:00.123Z');
    const later = waitingEntry(queue.id, new Date(t0.getTime() + 1000), {
      declinedBy: [randomUUID()],
      offeredAgents: [randomUUID(), randomUUID()],
      attempts: 2,
      lastAnnouncedAt: t0,
      lastAnnouncedPosition: 3,
      overflowAction: { action: 'queue', queue_id: queue.id },
      isSlaBreached: true,
    });
    const first = waitingEntry(queue.id, new Date(t0.getTime() + 2000), { isFront: true });
    const urgent = waitingEntry(queue.id, new Date(t0.getTime() + 3000), { priority: 5 });
    const older = waitingEntry(queue.id, t0);
    const assigned = waitingEntry(queue.id, t0, { state: 'assigned', assignedTo: someoneId, assignedAt: t0 });
    await api.server.database.db.insert(queueEntries).values([later, first, urgent, older, assigned]);

    const repo = repository();
    const read = await repo.transaction((tx) => tx.readForDecision(companyId, queue.id, 10, new Date()));

    expect(read.queue).toEqual(await repo.findQueue(companyId, queue.id));
    expect(read.entries.map((e) => e.id)).toEqual([urgent.id, first.id, older.id, later.id]);
    for (const entry of read.entries) expect(entry).toEqual(await repo.findEntry(companyId, entry.id));
    const limited = await repo.transaction((tx) => tx.readForDecision(companyId, queue.id, 2, new Date()));
    expect(limited.entries.map((e) => e.id)).toEqual([urgent.id, first.id]);
  });

  it('offers as candidates only the members who could take work now, with their load and skills', async () => {
    const now = new Date();
    const free = await member(
      { status: 'online', isConnected: true },
      { whatsappCapacity: 2, whatsappItems: 1, lastItemEndedAt: new Date(now.getTime() - 5000) },
    );
    const wrapUpOver = await member(
      { status: 'online', isConnected: true },
      { wrapUpUntil: new Date(now.getTime() - 1000) },
    );
    const inWrapUp = await member(
      { status: 'online', isConnected: true },
      { wrapUpUntil: new Date(now.getTime() + 60_000) },
    );
    const onCall = await member({ status: 'online', isConnected: true }, { voiceItems: 1 });
    const paused = await member({ status: 'away', isConnected: true });
    const disconnected = await member({ status: 'online', isConnected: false });
    const offline = await member({ status: 'offline', isConnected: false });
    const plain = await createQueue(api, admin, { name: `Candidatos ${randomUUID().slice(0, 8)}` });
    const skilled = await createQueue(api, admin, {
      name: `Habilidades ${randomUUID().slice(0, 8)}`,
      required_skills: [{ name: 'Vendas', min_level: 2 }],
    });
    const members = [free, wrapUpOver, inWrapUp, onCall, paused, disconnected, offline];
    for (const queue of [plain, skilled]) {
      await setMembers(
        api,
        admin,
        queue.id,
        members.map((id, i) => ({ user_id: id, priority: i })),
      );
    }
    await api.request('PUT', `/api/users/${free}/skills`, { token: admin, body: [{ name: 'Vendas', level: 4 }] });
    const repo = repository();

    const read = await repo.transaction((tx) => tx.readForDecision(companyId, plain.id, 10, now));
    expect(read.entries).toEqual([]);
    expect(read.candidates.map((c) => c.agentId).sort()).toEqual([free, wrapUpOver].sort());
    expect(read.candidates.find((c) => c.agentId === free)).toEqual({
      agentId: free,
      memberPriority: 0,
      status: 'online',
      isConnected: true,
      wrapUpUntil: null,
      lastItemEndedAt: new Date(now.getTime() - 5000),
      skills: {},
      capacity: { whatsapp: 2, webchat: 3 },
      load: { voice: 0, whatsapp: 1, webchat: 0 },
    });

    const withSkills = await repo.transaction((tx) => tx.readForDecision(companyId, skilled.id, 10, now));
    expect(withSkills.candidates.find((c) => c.agentId === free)?.skills).toEqual({ vendas: 4 });
    expect(withSkills.candidates.find((c) => c.agentId === wrapUpOver)?.skills).toEqual({});

    const unknown = await repo.transaction((tx) => tx.readForDecision(randomUUID(), plain.id, 10, now));
    expect(unknown).toEqual({ queue: undefined, entries: [], candidates: [] });
  });
});
