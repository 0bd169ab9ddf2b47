/**
 * Request and reply between nodes over Redis pub/sub (REDIS_URL): each node subscribes to
 * its own channel (`<prefix><nodeId>`); a request is published to the target's channel and
 * the reply to the sender's. Used to hand call commands to the node that owns the PBX and
 * AudioSocket hang-ups to the node holding the session (ADR 23).
 *
 * - PUBLISH answers how many subscribers got the message: 0 means the target is not
 *   listening (dead, or not started yet), known at once instead of at the deadline.
 * - A request that gets no reply within its deadline is reported as `timeout`: it may or
 *   may not have been carried out, and the caller must say so.
 * - Every node says it is alive every two seconds in a sorted set (`<prefix>nodes`), so a
 *   question for all nodes (every node's AudioSocket sessions) knows whom to ask.
 * - What the payloads mean is the caller's business; this file only moves strings.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../shared/logger.js';
import { describeRedisUrl } from './redis.channel.js';

export interface RedisRpcOptions {
  url: string;
  /** Channel name prefix; the node's channel is `<prefix><nodeId>`. */
  prefix: string;
  nodeId: string;
  logger: Logger;
  connectTimeoutMs?: number;
}

export type RpcResult = { status: 'replied'; body: string } | { status: 'unreachable' } | { status: 'timeout' };

interface Frame {
  t: 'req' | 'res';
  id: string;
  /** Request: the topic's handler; reply: unused. */
  topic?: string;
  from?: string;
  body: string;
}

const MAX_RETRY_DELAY_MS = 2_000;
/** How often a node says it is alive, and how long it counts as alive after. */
const HEARTBEAT_MS = 2_000;
const NODE_TTL_MS = 6_000;

export class RedisRpc {
  readonly nodeId: string;
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #log: Logger;
  readonly #handlers = new Map<string, (body: string) => Promise<string>>();
  readonly #pending = new Map<string, { resolve: (result: RpcResult) => void; timer: NodeJS.Timeout }>();
  #isClosed = false;
  #heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RedisRpcOptions) {
    this.nodeId = options.nodeId;
    this.#log = options.logger.child({ redis: describeRedisUrl(options.url), rpc: options.prefix });
    const common: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      retryStrategy: (attempt) => (this.#isClosed ? null : Math.min(attempt * 200, MAX_RETRY_DELAY_MS)),
    };
    this.#publisher = new Redis(options.url, { ...common, connectionName: 'switchboard-rpc' });
    this.#subscriber = new Redis(options.url, { ...common, connectionName: 'switchboard-rpc-subscriber' });
    for (const client of [this.#publisher, this.#subscriber]) {
      client.on('error', (error: Error) => this.#log.warn({ message: error.message }, 'redis rpc connection error'));
    }
  }

  /** Handles requests on `topic`; the handler's string is the reply. */
  serve(topic: string, handler: (body: string) => Promise<string>): void {
    this.#handlers.set(topic, handler);
  }

  async start(): Promise<void> {
    this.#subscriber.on('message', (_channel: string, message: string) => this.#onMessage(message));
    // ioredis resubscribes by itself after a reconnect (autoResubscribe).
    await Promise.all([this.#publisher.connect(), this.#subscriber.connect()]);
    await this.#subscriber.subscribe(this.#channelOf(this.nodeId));
    await this.#heartbeat();
    this.#heartbeatTimer = setInterval(() => void this.#heartbeat(), HEARTBEAT_MS);
    this.#heartbeatTimer.unref();
  }

  /** The nodes that said they were alive within the last few seconds (this one included). */
  async listNodes(): Promise<string[]> {
    const since = Date.now() - NODE_TTL_MS;
    const nodes = await this.#publisher.zrangebyscore(this.#nodesKey, since, '+inf');
    return nodes.sort();
  }

  async #heartbeat(): Promise<void> {
    try {
      await this.#publisher.zadd(this.#nodesKey, Date.now(), this.nodeId);
      // Nodes gone for a minute leave the set (their entry is only read within NODE_TTL_MS).
      await this.#publisher.zremrangebyscore(this.#nodesKey, '-inf', Date.now() - 60_000);
    } catch (error) {
      this.#log.debug({ err: error }, 'node heartbeat not written');
    }
  }

  get #nodesKey(): string {
    return `${this.options.prefix}nodes`;
  }

  async request(nodeId: string, topic: string, body: string, timeoutMs: number): Promise<RpcResult> {
    const id = randomUUID();
    const frame: Frame = { t: 'req', id, topic, from: this.nodeId, body };
    const replied = new Promise<RpcResult>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve({ status: 'timeout' });
      }, timeoutMs);
      this.#pending.set(id, { resolve, timer });
    });
    let receivers: number;
    try {
      receivers = await this.#publisher.publish(this.#channelOf(nodeId), JSON.stringify(frame));
    } catch (error) {
      this.#settle(id, { status: 'unreachable' });
      this.#log.warn({ err: error, nodeId }, 'redis rpc request not sent');
      return replied;
    }
    if (receivers === 0) this.#settle(id, { status: 'unreachable' });
    return replied;
  }

  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    clearInterval(this.#heartbeatTimer);
    for (const id of [...this.#pending.keys()]) this.#settle(id, { status: 'unreachable' });
    if (this.#publisher.status === 'ready') await this.#publisher.zrem(this.#nodesKey, this.nodeId).catch(() => 0);
    await Promise.all([this.#publisher, this.#subscriber].map((client) => quit(client)));
  }

  #channelOf(nodeId: string): string {
    return `${this.options.prefix}${nodeId}`;
  }

  #settle(id: string, result: RpcResult): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(result);
  }

  #onMessage(message: string): void {
    let frame: Frame;
    try {
      frame = JSON.parse(message) as Frame;
    } catch {
      this.#log.warn({}, 'redis rpc message is not JSON; dropped');
      return;
    }
    if (frame.t === 'res') {
      this.#settle(frame.id, { status: 'replied', body: frame.body });
      return;
    }
    const handler = frame.topic === undefined ? undefined : this.#handlers.get(frame.topic);
    if (frame.t !== 'req' || !handler || !frame.from) {
      this.#log.warn({ topic: frame.topic }, 'redis rpc request without a handler; dropped');
      return;
    }
    const from = frame.from;
    void handler(frame.body)
      .then((body) => {
        const reply: Frame = { t: 'res', id: frame.id, body };
        return this.#publisher.publish(this.#channelOf(from), JSON.stringify(reply));
      })
      .catch((error: unknown) => this.#log.warn({ err: error, topic: frame.topic }, 'redis rpc reply not sent'));
  }
}

async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}
