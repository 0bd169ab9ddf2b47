import { describe, expect, it } from 'vitest';
import { AUDIOSOCKET_KIND } from './audiosocket.codec.js';
import {
  AudiosocketSessionRegistry,
  isAudiosocketRole,
  type AudiosocketRole,
  type AudiosocketSessionSnapshot,
  type RegisteredSession,
} from './audiosocket.registry.js';

function fakeSession(callId: string, role: AudiosocketRole, startedAtMs: number): RegisteredSession {
  const startedAt = new Date(startedAtMs);
  return {
    callId,
    role,
    audiosocketUuid: `${callId}-${role}`,
    startedAt,
    remoteAddress: '127.0.0.1',
    state: 'active',
    intentData: {},
    kind: AUDIOSOCKET_KIND.AUDIO_SLIN,
    snapshot: () => ({ callId, role, startedAt }) as AudiosocketSessionSnapshot,
  };
}

describe('AudiosocketSessionRegistry', () => {
  it('keys sessions by call id and role, so one call holds a visitor and a resident leg', () => {
    const registry = new AudiosocketSessionRegistry();
    const visitor = fakeSession('call-1', 'visitor', 2000);
    const resident = fakeSession('call-1', 'resident', 1000);
    expect(registry.add(visitor)).toBe(true);
    expect(registry.add(resident)).toBe(true);
    expect(registry.get('call-1', 'visitor')).toBe(visitor);
    expect(registry.size).toBe(2);
    expect(registry.list().map((s) => s.role)).toEqual(['resident', 'visitor']);
  });

  it('refuses a second session for the same call and role and keeps the first', () => {
    const registry = new AudiosocketSessionRegistry();
    const first = fakeSession('call-1', 'visitor', 0);
    registry.add(first);
    expect(registry.add(fakeSession('call-1', 'visitor', 1))).toBe(false);
    expect(registry.get('call-1', 'visitor')).toBe(first);
  });

  it('removes only the session it was given, and forgets an empty call', () => {
    const registry = new AudiosocketSessionRegistry();
    const first = fakeSession('call-1', 'visitor', 0);
    registry.add(first);
    registry.remove(fakeSession('call-1', 'visitor', 0));
    expect(registry.has('call-1', 'visitor')).toBe(true);
    registry.remove(first);
    expect(registry.size).toBe(0);
    expect(registry.all()).toEqual([]);
  });

  it('knows the two roles', () => {
    expect(['visitor', 'resident', 'agent', 1].map(isAudiosocketRole)).toEqual([true, true, false, false]);
  });
});
