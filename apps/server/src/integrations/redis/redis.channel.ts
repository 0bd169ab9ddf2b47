/**
 * One Redis pub/sub channel shared by every node (REDIS_URL): strings in, strings out.
 * Two connections, as Redis requires (a subscribed connection can do nothing else). What
 * goes over it, and what to do when a message is lost, is the caller's business
 * (realtime/event-transport.ts); this file only connects, reconnects and reports.
 *
 * - Startup fails with a clear error when Redis cannot be reached within `connectTimeoutMs`:
 *   a wrong REDIS_URL shows at once instead of as a node that quietly misses events.
 * - Afterwards an outage is survived: both connections retry with capped backoff, a publish
 *   while disconnected fails at once (no offline queue to replay stale events later), and
 *   `onResubscribed` fires when the subscription is back.
 * - The URL's password never reaches a log line: only host, port and database are logged.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../../shared/logger.js';

export interface RedisChannelOptions {
  url: string;
  channel: string;
  logger: Logger;
  connectTimeoutMs?: number;
}

export interface RedisChannelHandlers {
  onMessage(message: string): void;
  onResubscribed(): void;
}

const MAX_RETRY_DELAY_MS = 5000;

/** host:port/db of a redis:// URL, for logs. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const db = parsed.pathname.replace(/^\//, '') || '0';
    return `${parsed.hostname}:${parsed.port || '6379'}/${db}`;
  } catch {
    return '(unparsable URL)';
  }
}

export class RedisChannel {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly log: Logger;
  private subscribed = false;
  private everSubscribed = false;
  private isClosed = false;

  constructor(private readonly options: RedisChannelOptions) {
    this.log = options.logger.child({ redis: describeRedisUrl(options.url), channel: options.channel });
    const common: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      retryStrategy: (attempt) => (this.isClosed ? null : Math.min(attempt * 200, MAX_RETRY_DELAY_MS)),
    };
    this.publisher = new Redis(options.url, { ...common, connectionName: 'switchboard-publisher' });
    this.subscriber = new Redis(options.url, {
      ...common,
      connectionName: 'switchboard-subscriber',
      // Our own SUBSCRIBE on every `ready`, so we know when it is back.
      autoResubscribe: false,
    });
    for (const [role, client] of [
      ['publisher', this.publisher],
      ['subscriber', this.subscriber],
    ] as const) {
      client.on('error', (error: Error) => this.log.warn({ role, message: error.message }, 'redis connection error'));
      client.on('end', () => {
        if (!this.isClosed) this.log.warn({ role }, 'redis connection ended');
      });
    }
  }

  /** Both connections up and the channel subscribed. */
  get state(): 'up' | 'down' {
    return this.subscribed && this.publisher.status === 'ready' ? 'up' : 'down';
  }

  async start(handlers: RedisChannelHandlers): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.options.channel) handlers.onMessage(message);
    });
    this.subscriber.on('close', () => (this.subscribed = false));
    this.subscriber.on('ready', () => {
      if (!this.everSubscribed || this.isClosed) return;
      this.subscribe().then(
        () => {
          this.log.info('redis subscription restored');
          handlers.onResubscribed();
        },
        (error: unknown) => this.log.warn({ err: error }, 'redis subscription not restored; retrying on reconnect'),
      );
    });
    try {
      await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
      await this.subscribe();
    } catch (error) {
      await this.close();
      throw new Error(
        `Redis at ${describeRedisUrl(this.options.url)} (REDIS_URL) is not reachable: ${(error as Error).message}`,
      );
    }
    this.everSubscribed = true;
    this.log.info('redis channel subscribed');
  }

  async publish(message: string): Promise<void> {
    await this.publisher.publish(this.options.channel, message);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.subscribed = false;
    await Promise.all([this.publisher, this.subscriber].map((client) => quit(client)));
  }

  private async subscribe(): Promise<void> {
    await this.subscriber.subscribe(this.options.channel);
    this.subscribed = true;
  }
}

/** QUIT when connected (pending replies arrive first), else just drop the connection. */
async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}
