/**
 * Fixed-window counters for login attempts, per client IP (every attempt) and per
 * account (failures only, so a user who types the right password is not locked out by
 * their own earlier typos once they succeed). Unknown emails are counted like real ones:
 * the answer never tells whether an account exists.
 *
 * In-process: with several API nodes each enforces its own window (see docs/security.md).
 */
export interface ThrottleLimits {
  maxAttemptsPerIp: number;
  maxFailuresPerAccount: number;
  windowMs: number;
}

interface Window {
  count: number;
  resetsAt: number;
}

const MAX_TRACKED_KEYS = 100_000;

export class LoginThrottle {
  private readonly ipWindows = new Map<string, Window>();
  private readonly accountWindows = new Map<string, Window>();

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Counts an attempt from `ip`; returns seconds to wait when a limit is reached, else 0. */
  admit(ip: string, account: string): number {
    const now = this.nowMs();
    const accountWindow = this.current(this.accountWindows, account, now);
    if (accountWindow && accountWindow.count >= this.limits.maxFailuresPerAccount) {
      return secondsUntil(accountWindow.resetsAt, now);
    }
    const ipWindow = this.bump(this.ipWindows, ip, now);
    if (ipWindow.count > this.limits.maxAttemptsPerIp) return secondsUntil(ipWindow.resetsAt, now);
    return 0;
  }

  recordFailure(account: string): void {
    this.bump(this.accountWindows, account, this.nowMs());
  }

  recordSuccess(account: string): void {
    this.accountWindows.delete(account);
  }

  private current(map: Map<string, Window>, key: string, now: number): Window | undefined {
    const window = map.get(key);
    if (window && window.resetsAt <= now) {
      map.delete(key);
      return undefined;
    }
    return window;
  }

  private bump(map: Map<string, Window>, key: string, now: number): Window {
    const window = this.current(map, key, now);
    if (window) {
      window.count += 1;
      return window;
    }
    if (map.size >= MAX_TRACKED_KEYS) prune(map, now);
    const fresh = { count: 1, resetsAt: now + this.limits.windowMs };
    map.set(key, fresh);
    return fresh;
  }
}

function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}

function prune(map: Map<string, Window>, now: number): void {
  for (const [key, window] of map) if (window.resetsAt <= now) map.delete(key);
  // Still full of live windows: drop the oldest entries (Map keeps insertion order).
  for (const key of map.keys()) {
    if (map.size < MAX_TRACKED_KEYS) break;
    map.delete(key);
  }
}
