import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.js';

function throttleAt(start = 0) {
  let now = start;
  const throttle = new LoginThrottle({ maxAttemptsPerIp: 3, maxFailuresPerAccount: 2, windowMs: 60_000 }, () => now);
  return { throttle, advance: (ms: number) => (now += ms) };
}

describe('LoginThrottle', () => {
  it('admits attempts up to the per-IP limit, then answers the seconds left in the window', () => {
    const { throttle, advance } = throttleAt();
    expect(throttle.admit('1.1.1.1', 'a')).toBe(0);
    expect(throttle.admit('1.1.1.1', 'b')).toBe(0);
    expect(throttle.admit('1.1.1.1', 'c')).toBe(0);
    advance(15_000);
    expect(throttle.admit('1.1.1.1', 'd')).toBe(45);
    expect(throttle.admit('2.2.2.2', 'd')).toBe(0);
    advance(45_000);
    expect(throttle.admit('1.1.1.1', 'd')).toBe(0);
  });

  it('locks an account after its failures, from any IP, until the window ends', () => {
    const { throttle, advance } = throttleAt();
    throttle.recordFailure('alice');
    throttle.recordFailure('alice');
    expect(throttle.admit('9.9.9.9', 'alice')).toBe(60);
    advance(60_000);
    expect(throttle.admit('9.9.9.9', 'alice')).toBe(0);
  });

  it('forgets failures after a success', () => {
    const { throttle } = throttleAt();
    throttle.recordFailure('bob');
    throttle.recordSuccess('bob');
    throttle.recordFailure('bob');
    expect(throttle.admit('1.1.1.1', 'bob')).toBe(0);
  });
});
