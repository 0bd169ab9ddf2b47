import { describe, expect, it } from 'vitest';
import type { ThrottleCounters } from './auth.ports.js';
import { LoginThrottle, MemoryThrottleCounters } from './login-throttle.js';

function throttleAt(counters?: ThrottleCounters) {
  let now = 0;
  const throttle = new LoginThrottle(
    { maxFailuresPerIp: 3, maxFailuresPerAccount: 2, windowMs: 60_000 },
    { ...(counters ? { counters } : {}), nowMs: () => now },
  );
  return { throttle, advance: (ms: number) => (now += ms) };
}

describe('LoginThrottle', () => {
  it('never counts successful sign-ins against the IP', async () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 50; i += 1) {
      expect(await throttle.waitSeconds('10.0.0.1', `agent${i}`)).toBe(0);
      await throttle.recordSuccess(`agent${i}`);
    }
  });

  it('refuses an IP after its failures, whatever the account, until the window ends', async () => {
    const { throttle, advance } = throttleAt();
    await throttle.recordFailure('1.1.1.1', 'a');
    await throttle.recordFailure('1.1.1.1', 'b');
    expect(await throttle.waitSeconds('1.1.1.1', 'c')).toBe(0);
    await throttle.recordFailure('1.1.1.1', 'c');
    advance(15_000);
    expect(await throttle.waitSeconds('1.1.1.1', 'd')).toBe(45);
    expect(await throttle.waitSeconds('2.2.2.2', 'd')).toBe(0);
    advance(45_000);
    expect(await throttle.waitSeconds('1.1.1.1', 'd')).toBe(0);
  });

  it('locks an account after its failures, from any IP, until the window ends', async () => {
    const { throttle, advance } = throttleAt();
    await throttle.recordFailure('1.1.1.1', 'alice');
    await throttle.recordFailure('2.2.2.2', 'alice');
    expect(await throttle.waitSeconds('9.9.9.9', 'alice')).toBe(60);
    advance(60_000);
    expect(await throttle.waitSeconds('9.9.9.9', 'alice')).toBe(0);
  });

  it('forgets an account’s failures after a success, but not the IP’s', async () => {
    const { throttle } = throttleAt();
    await throttle.recordFailure('1.1.1.1', 'bob');
    await throttle.recordSuccess('bob');
    await throttle.recordFailure('1.1.1.1', 'bob');
    expect(await throttle.waitSeconds('3.3.3.3', 'bob')).toBe(0);
    await throttle.recordFailure('1.1.1.1', 'bob');
    expect(await throttle.waitSeconds('1.1.1.1', 'carol')).toBeGreaterThan(0);
  });

  it('counts in process when the shared counters fail, and keeps throttling', async () => {
    const failing: ThrottleCounters = {
      read: () => Promise.reject(new Error('redis down')),
      increment: () => Promise.reject(new Error('redis down')),
      reset: () => Promise.reject(new Error('redis down')),
    };
    const { throttle } = throttleAt(failing);
    for (let i = 0; i < 3; i += 1) await throttle.recordFailure('1.1.1.1', `x${i}`);
    expect(await throttle.waitSeconds('1.1.1.1', 'y')).toBe(60);
  });

  it('opens a window on the first failure and reads it back', async () => {
    const counters = new MemoryThrottleCounters(() => 0);
    const window = await counters.increment('k', 1000);
    expect(window).toEqual({ count: 1, resetsAtMs: 1000 });
    expect(await counters.read('k')).toEqual({ count: 1, resetsAtMs: 1000 });
  });
});
