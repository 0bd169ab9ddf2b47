import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { HeartbeatBatch } from './presence.heartbeats.js';
import { UNSEEN, type AgentKey, type AgentPresence } from './presence.js';

const logger = createLogger({ level: 'silent' });
const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const ana: AgentKey = { companyId: 'c1', agentId: 'ana' };
const bia: AgentKey = { companyId: 'c1', agentId: 'bia' };
const ghost: AgentKey = { companyId: 'c1', agentId: 'ghost' };

type Beat = AgentKey & { at: Date };

/** A store that keeps the later heartbeat per agent, like the statement, and knows two agents. */
function memoryStore() {
  const stored = new Map<string, Date>();
  const calls: Beat[][] = [];
  let gate: Promise<void> | undefined;
  return {
    stored,
    calls,
    hold() {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
    store: async (beats: readonly Beat[]): Promise<AgentPresence[]> => {
      calls.push([...beats]);
      if (gate) await gate;
      const known = beats.filter((beat) => beat.agentId !== 'ghost');
      for (const beat of known) {
        const before = stored.get(beat.agentId);
        if (!before || before < beat.at) stored.set(beat.agentId, beat.at);
      }
      return known.map((beat) => ({
        ...UNSEEN,
        companyId: beat.companyId,
        agentId: beat.agentId,
        agentName: beat.agentId,
        role: 'agent' as const,
        lastHeartbeatAt: stored.get(beat.agentId) ?? null,
      }));
    },
  };
}

describe('HeartbeatBatch', () => {
  it('stores the heartbeats of one window in one call and answers each once stored', async () => {
    const db = memoryStore();
    const batch = new HeartbeatBatch(db.store, logger, 20);
    const answers = await Promise.all([batch.record(ana, at(1)), batch.record(bia, at(2))]);
    expect(db.calls).toHaveLength(1);
    expect(db.calls[0]!.map((beat) => beat.agentId).sort()).toEqual(['ana', 'bia']);
    expect(answers.map((presence) => presence?.lastHeartbeatAt)).toEqual([at(1), at(2)]);
  });

  it('writes an agent beating twice in a window once, with the later moment, and answers both', async () => {
    const db = memoryStore();
    const batch = new HeartbeatBatch(db.store, logger, 20);
    const answers = await Promise.all([batch.record(ana, at(5)), batch.record(ana, at(3))]);
    expect(db.calls).toEqual([[{ ...ana, at: at(5) }]]);
    expect(answers.map((presence) => presence?.lastHeartbeatAt)).toEqual([at(5), at(5)]);
  });

  it('stores the moment a heartbeat was received, not the moment its batch is written', async () => {
    const db = memoryStore();
    const batch = new HeartbeatBatch(db.store, logger, 60_000);
    const release = db.hold();
    const first = batch.record(ana, at(1));
    const flushed = batch.flush();
    // Received while the first batch is still being written: its own batch, after it.
    const second = batch.record(bia, at(2));
    const secondFlush = batch.flush();
    release();
    await Promise.all([flushed, secondFlush]);
    expect(db.calls).toEqual([[{ ...ana, at: at(1) }], [{ ...bia, at: at(2) }]]);
    expect((await first)?.lastHeartbeatAt).toEqual(at(1));
    expect((await second)?.lastHeartbeatAt).toEqual(at(2));
  });

  it('flushes at once when asked (the sweeper does before it looks for silent agents)', async () => {
    const db = memoryStore();
    const batch = new HeartbeatBatch(db.store, logger, 60_000);
    const answer = batch.record(ana, at(1));
    await batch.flush();
    expect(db.stored.get('ana')).toEqual(at(1));
    expect((await answer)?.agentId).toBe('ana');
    await batch.flush();
    expect(db.calls).toHaveLength(1);
  });

  it('answers undefined for a user the store does not know, and the others as stored', async () => {
    const db = memoryStore();
    const batch = new HeartbeatBatch(db.store, logger, 20);
    const [known, unknown] = await Promise.all([batch.record(ana, at(1)), batch.record(ghost, at(1))]);
    expect(known?.agentId).toBe('ana');
    expect(unknown).toBeUndefined();
  });

  it('fails every heartbeat of a batch the store refused, and stores the next batch', async () => {
    let isFirst = true;
    const db = memoryStore();
    const batch = new HeartbeatBatch(
      async (beats) => {
        if (isFirst) {
          isFirst = false;
          throw new Error('database unavailable');
        }
        return db.store(beats);
      },
      logger,
      20,
    );
    const failed = await Promise.allSettled([batch.record(ana, at(1)), batch.record(bia, at(1))]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect((await batch.record(ana, at(2)))?.lastHeartbeatAt).toEqual(at(2));
  });
});
