/**
 * A token bucket per socket: `burst` events may come at once, then `perSecond` more each
 * second. Client events are small commands a console sends a few times a minute (a
 * heartbeat every 30 s, typing, joining a call), so a socket that empties its bucket is
 * not a busy console but a flood.
 */
export interface EventRateLimits {
  perSecond: number;
  burst: number;
}

export class TokenBucket {
  private tokens: number;
  private refilledAtMs: number;

  constructor(
    private readonly limits: EventRateLimits,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.tokens = limits.burst;
    this.refilledAtMs = nowMs();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const now = this.nowMs();
    const elapsedMs = Math.max(0, now - this.refilledAtMs);
    this.tokens = Math.min(this.limits.burst, this.tokens + (elapsedMs * this.limits.perSecond) / 1000);
    this.refilledAtMs = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
