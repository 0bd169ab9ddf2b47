/**
 * Fixed-window counters of failed logins, per client IP and per account. Only failures
 * count: thirty agents signing in behind one office NAT do not lock each other out, while
 * someone guessing passwords from one address, or at one account from many, is stopped.
 * A success clears the account's failures (not the IP's: one valid account must not
 * reset a guesser's count). Unknown emails count like real ones: the answer never tells
 * whether an account exists.
 *
 * The counters live in a `ThrottleCounters` store: in-process by default, in Redis with
 * REDIS_URL so every node sees the same counts. If the shared store fails, this node
 * counts in process until it answers again (throttling never stops, and logins go on).
 */
import { sha256Hex } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import type { ThrottleCounters, ThrottleWindow } from './auth.ports.js';

export interface ThrottleLimits {
  maxFailuresPerIp: number;
  maxFailuresPerAccount: number;
  windowMs: number;
}

const MAX_TRACKED_KEYS = 100_000;

/** In-process counters: one node's view (the default, and the fallback when Redis fails). */
export class MemoryThrottleCounters implements ThrottleCounters {
  private readonly windows = new Map<string, ThrottleWindow>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  read(key: string): Promise<ThrottleWindow | undefined> {
    return Promise.resolve(this.current(key, this.nowMs()));
  }

  increment(key: string, windowMs: number): Promise<ThrottleWindow> {
    const now = this.nowMs();
    const window = this.current(key, now);
    if (window) {
      window.count += 1;
      return Promise.resolve({ ...window });
    }
    if (this.windows.size >= MAX_TRACKED_KEYS) this.prune(now);
    const fresh = { count: 1, resetsAtMs: now + windowMs };
    this.windows.set(key, fresh);
    return Promise.resolve({ ...fresh });
  }

  reset(key: string): Promise<void> {
    this.windows.delete(key);
    return Promise.resolve();
  }

  private current(key: string, now: number): ThrottleWindow | undefined {
    const window = this.windows.get(key);
    if (window && window.resetsAtMs <= now) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (window.resetsAtMs <= now) this.windows.delete(key);
    // Still full of live windows: drop the oldest entries (Map keeps insertion order).
    for (const key of this.windows.keys()) {
      if (this.windows.size < MAX_TRACKED_KEYS) break;
      this.windows.delete(key);
    }
  }
}

export class LoginThrottle {
  private readonly fallback: MemoryThrottleCounters;

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly options: { counters?: ThrottleCounters; nowMs?: () => number; logger?: Logger } = {},
  ) {
    this.fallback = new MemoryThrottleCounters(options.nowMs);
  }

  /** Seconds to wait before `ip` may try `account` again; 0 when it may now. */
  async waitSeconds(ip: string, account: string): Promise<number> {
    const [byAccount, byIp] = await Promise.all([
      this.use((c) => c.read(accountKey(account))),
      this.use((c) => c.read(ipKey(ip))),
    ]);
    const now = (this.options.nowMs ?? Date.now)();
    let resetsAtMs = 0;
    if (byAccount && byAccount.count >= this.limits.maxFailuresPerAccount) resetsAtMs = byAccount.resetsAtMs;
    if (byIp && byIp.count >= this.limits.maxFailuresPerIp) resetsAtMs = Math.max(resetsAtMs, byIp.resetsAtMs);
    return resetsAtMs === 0 ? 0 : Math.max(1, Math.ceil((resetsAtMs - now) / 1000));
  }

  async recordFailure(ip: string, account: string): Promise<void> {
    const { windowMs } = this.limits;
    await Promise.all([
      this.use((c) => c.increment(accountKey(account), windowMs)),
      this.use((c) => c.increment(ipKey(ip), windowMs)),
    ]);
  }

  async recordSuccess(account: string): Promise<void> {
    await this.use((c) => c.reset(accountKey(account)));
  }

  private async use<T>(operation: (counters: ThrottleCounters) => Promise<T>): Promise<T> {
    const shared = this.options.counters;
    if (!shared) return operation(this.fallback);
    try {
      return await operation(shared);
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'shared login counters unavailable; counting on this node');
      return operation(this.fallback);
    }
  }
}

function ipKey(ip: string): string {
  return `ip:${ip}`;
}

/** Hashed: the shared store never holds email addresses. */
function accountKey(account: string): string {
  return `account:${sha256Hex(account)}`;
}
