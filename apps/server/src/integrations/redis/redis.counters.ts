/**
 * Fixed-window counters shared by every node (REDIS_URL): the login throttle's failures
 * per IP and per account. One key per counter under `prefix`; Redis expires the window.
 * Like the events channel, Redis must answer at start; afterwards a failed call rejects at
 * once (no offline queue) and the caller counts in process meanwhile.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../../shared/logger.js';
import { describeRedisUrl } from './redis.channel.js';

export interface RedisCountersOptions {
  url: string;
  /** Put before every key, e.g. `switchboard:login:`. */
  prefix: string;
  logger: Logger;
  connectTimeoutMs?: number;
}

export interface CounterWindow {
  count: number;
  resetsAtMs: number;
}

// INCR and the window's expiry in one step, so a counter never outlives its window.
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PTTL', KEYS[1]) }
`;

const MAX_RETRY_DELAY_MS = 5000;

export class RedisCounters {
  private readonly client: Redis;
  private isClosed = false;

  constructor(private readonly options: RedisCountersOptions) {
    const log = options.logger.child({ redis: describeRedisUrl(options.url) });
    this.client = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      connectionName: 'switchboard-counters',
      retryStrategy: (attempt) => (this.isClosed ? null : Math.min(attempt * 200, MAX_RETRY_DELAY_MS)),
    });
    this.client.on('error', (error: Error) => log.warn({ message: error.message }, 'redis connection error'));
  }

  async start(): Promise<void> {
    try {
      await this.client.connect();
    } catch (error) {
      await this.close();
      throw new Error(
        `Redis at ${describeRedisUrl(this.options.url)} (REDIS_URL) is not reachable: ${(error as Error).message}`,
      );
    }
  }

  async read(key: string): Promise<CounterWindow | undefined> {
    const [[, count], [, ttlMs]] = (await this.client.multi().get(this.key(key)).pttl(this.key(key)).exec()) as [
      [Error | null, string | null],
      [Error | null, number],
    ];
    if (count === null || ttlMs < 0) return undefined;
    return { count: Number(count), resetsAtMs: Date.now() + ttlMs };
  }

  async increment(key: string, windowMs: number): Promise<CounterWindow> {
    const [count, ttlMs] = (await this.client.eval(INCREMENT, 1, this.key(key), String(windowMs))) as [number, number];
    return { count, resetsAtMs: Date.now() + Math.max(ttlMs, 0) };
  }

  async reset(key: string): Promise<void> {
    await this.client.del(this.key(key));
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }

  private key(key: string): string {
    return `${this.options.prefix}${key}`;
  }
}
