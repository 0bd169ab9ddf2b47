import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logger.js';
import { NodeConnections } from './presence.connections.js';
import type { AgentKey } from './presence.js';
import {
  hasChanged,
  isAvailable,
  isInactive,
  isVisibleChange,
  secondsInStatus,
  statusToRestore,
  timedOut,
  UNSEEN,
  withStatus,
  type PresenceState,
} from './presence.js';

const T0 = new Date('2026-01-05T09:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const TIMEOUT_MS = 120_000;

const online: PresenceState = {
  status: 'online',
  message: null,
  lastHeartbeatAt: T0,
  isConnected: true,
  statusChangedAt: T0,
};

describe('presence rules', () => {
  it('is available only when online and connected', () => {
    expect(isAvailable(online)).toBe(true);
    expect(isAvailable({ ...online, isConnected: false })).toBe(false);
    expect(isAvailable({ ...online, status: 'busy' })).toBe(false);
    expect(isAvailable(UNSEEN)).toBe(false);
  });

  it('is inactive after the timeout without a heartbeat, or with none ever', () => {
    expect(isInactive(online, at(120), TIMEOUT_MS)).toBe(false);
    expect(isInactive(online, at(121), TIMEOUT_MS)).toBe(true);
    expect(isInactive(UNSEEN, T0, TIMEOUT_MS)).toBe(true);
  });

  it('counts whole seconds in the current status', () => {
    expect(secondsInStatus(online, at(90.9))).toBe(90);
    expect(secondsInStatus(UNSEEN, T0)).toBeNull();
  });

  it('keeps the status clock when only the message changes, and clears the message with a new status', () => {
    const busy = withStatus(online, 'busy', ' Em reunião ', at(10));
    expect(busy).toMatchObject({
      status: 'busy',
      message: 'Em reunião',
      statusChangedAt: at(10),
      lastHeartbeatAt: at(10),
    });
    const retitled = withStatus(busy, 'busy', 'Almoço', at(20));
    expect(retitled).toMatchObject({ message: 'Almoço', statusChangedAt: at(10) });
    expect(withStatus(retitled, 'away', undefined, at(30)).message).toBeNull();
    expect(withStatus(retitled, 'away', '   ', at(30)).message).toBeNull();
    // The first status ever set starts the clock even when it is "offline" again.
    expect(withStatus(UNSEEN, 'offline', null, at(5)).statusChangedAt).toEqual(at(5));
  });

  it('treats status, message and availability as visible, never the heartbeat or the socket of an agent not online', () => {
    expect(isVisibleChange(online, { ...online, lastHeartbeatAt: at(30) })).toBe(false);
    expect(isVisibleChange(online, { ...online, status: 'away' })).toBe(true);
    expect(isVisibleChange(online, { ...online, message: 'x' })).toBe(true);
    expect(isVisibleChange(online, { ...online, isConnected: false })).toBe(true);
    const busy = { ...online, status: 'busy' as const };
    expect(isVisibleChange(busy, { ...busy, isConnected: false })).toBe(false);
    expect(hasChanged(busy, { ...busy, isConnected: false })).toBe(true);
    expect(hasChanged(online, { ...online, lastHeartbeatAt: at(30) })).toBe(false);
  });

  it('times out an agent with no socket and no heartbeat for longer than the timeout', () => {
    const silent = { ...online, isConnected: false, message: 'Disponível' };
    expect(timedOut(silent, at(120), TIMEOUT_MS)).toBeUndefined();
    expect(timedOut(silent, at(121), TIMEOUT_MS)).toEqual({
      ...silent,
      status: 'offline',
      message: null,
      pause: null,
      statusChangedAt: at(121),
    });
    expect(timedOut(online, at(500), TIMEOUT_MS)).toBeUndefined();
    expect(timedOut({ ...silent, status: 'offline' }, at(500), TIMEOUT_MS)).toBeUndefined();
  });
});

describe('NodeConnections', () => {
  const key: AgentKey = { companyId: 'c1', agentId: 'a1' };
  const logger = createLogger({ level: 'silent' });

  /** A sync that takes a turn of the event loop, recording what each write stored. */
  function recordingSync() {
    const writes: number[] = [];
    let active = 0;
    let maxActive = 0;
    const sync = async (_key: AgentKey, open: number) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      writes.push(open);
      active -= 1;
    };
    return { sync, writes, maxActive: () => maxActive };
  }

  it('writes one agent at a time and ends with the last count, absorbing changes made while waiting', async () => {
    const { sync, writes, maxActive } = recordingSync();
    const connections = new NodeConnections(sync, logger);
    void connections.update(key, 1);
    void connections.update(key, 2);
    void connections.update(key, 1);
    void connections.update(key, 0);
    await connections.close();
    expect(maxActive()).toBe(1);
    expect(writes.at(-1)).toBe(0);
    expect(writes.length).toBeLessThanOrEqual(2);
  });

  it('rewrites agents the database lost or kept by mistake, and nothing once closed', async () => {
    const { sync, writes } = recordingSync();
    const connections = new NodeConnections(sync, logger);
    void connections.update(key, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    writes.length = 0;
    connections.reconcile([]);
    connections.reconcile([{ companyId: 'c1', agentId: 'gone' }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(writes.sort()).toEqual([0, 1]);
    await connections.close();
    void connections.update(key, 3);
    connections.reconcile([]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(writes).toHaveLength(2);
  });

  it('stores the moment a change was seen, not the moment its write ran', async () => {
    let clock = 1_000;
    const writes: { open: number; seenAt: number }[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const connections = new NodeConnections(
      async (_key, open, seenAt) => {
        if (writes.length === 0) await blocked;
        writes.push({ open, seenAt: seenAt.getTime() });
      },
      logger,
      () => new Date(clock),
    );
    void connections.update(key, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Seen while the first write is stuck; the clock moves on before it can run.
    void connections.update(key, 0);
    clock = 200_000;
    release();
    await connections.close();
    expect(writes).toEqual([
      { open: 1, seenAt: 1_000 },
      { open: 0, seenAt: 1_000 },
    ]);
  });

  it('keeps going after a failed write', async () => {
    const writes: number[] = [];
    let isFirst = true;
    const connections = new NodeConnections(async (_key, open) => {
      if (isFirst) {
        isFirst = false;
        throw new Error('database unavailable');
      }
      writes.push(open);
    }, logger);
    void connections.update(key, 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    void connections.update(key, 2);
    await connections.close();
    expect(writes).toEqual([2]);
  });
});

describe('statusToRestore', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 11, 3, 12, 0, s));
  const offline = { ...UNSEEN, statusChangedAt: at(10) };
  const chosen = { status: 'busy' as const, message: 'foco', pause: null };

  it('restores the chosen status when the agent signed in after going offline', () => {
    expect(statusToRestore(offline, chosen, at(11))).toEqual(chosen);
  });

  it('restores nothing for a reconnect on a session older than the offline', () => {
    expect(statusToRestore(offline, chosen, at(10))).toBeUndefined();
    expect(statusToRestore(offline, chosen, at(5))).toBeUndefined();
  });

  it('restores nothing when not offline, never chosen, chosen offline or never signed in', () => {
    expect(statusToRestore({ ...offline, status: 'online' }, chosen, at(11))).toBeUndefined();
    expect(statusToRestore(offline, null, at(11))).toBeUndefined();
    expect(statusToRestore(offline, { ...chosen, status: 'offline' }, at(11))).toBeUndefined();
    expect(statusToRestore(offline, chosen, null)).toBeUndefined();
  });

  it('restores a never-set presence (no status change yet) after a sign-in', () => {
    expect(statusToRestore(UNSEEN, chosen, at(1))).toEqual(chosen);
  });
});
