import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

function bucketAt(limits = { perSecond: 2, burst: 3 }) {
  let now = 0;
  const bucket = new TokenBucket(limits, () => now);
  return { bucket, advance: (ms: number) => (now += ms) };
}

describe('TokenBucket', () => {
  it('admits a burst, then refuses until time refills it', () => {
    const { bucket, advance } = bucketAt();
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    advance(499);
    expect(bucket.take()).toBe(false);
    advance(1);
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('refills at most to the burst however long the socket was quiet', () => {
    const { bucket, advance } = bucketAt();
    advance(60_000);
    const taken = Array.from({ length: 5 }, () => bucket.take()).filter(Boolean).length;
    expect(taken).toBe(3);
  });

  it('admits a steady rate at the refill speed for ever', () => {
    const { bucket, advance } = bucketAt({ perSecond: 10, burst: 1 });
    for (let i = 0; i < 1000; i += 1) {
      advance(100);
      expect(bucket.take()).toBe(true);
    }
  });
});
