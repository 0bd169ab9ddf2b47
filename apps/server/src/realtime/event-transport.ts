/**
 * How one node's published events reach the other nodes (REDIS_URL; the adapter is
 * integrations/redis). A transport carries events as they were stored, seq included; it
 * promises neither order nor delivery: sequenced-delivery.ts puts them in order and reads
 * the event log for what never came.
 */
import { z } from 'zod';
import { WATCH_TOPICS, type PublishedEvent } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';

export interface EventTransportHandlers {
  /** Every node's events, this node's included, in any order. */
  onEvent(event: PublishedEvent): void;
  /** The subscription was lost and is back: messages sent meanwhile are gone. */
  onResubscribed(): void;
}

export interface EventTransport {
  start(handlers: EventTransportHandlers): Promise<void>;
  /** Rejects when the event could not be handed over (the others read it from the log). */
  send(event: PublishedEvent): Promise<void>;
  /** `up` while both sending and receiving work. */
  readonly state: 'up' | 'down';
  close(): Promise<void>;
}

const wireEvent = z.object({
  seq: z.number().int().positive(),
  at: z.iso.datetime(),
  name: z.string().min(1),
  companyId: z.string().min(1),
  audience: z.object({
    userIds: z.array(z.string()).optional(),
    managers: z.boolean().optional(),
    company: z.boolean().optional(),
    callId: z.string().min(1).optional(),
    topic: z.enum(WATCH_TOPICS).optional(),
  }),
  data: z.record(z.string(), z.unknown()),
});

export function encodeEvent(event: PublishedEvent): string {
  return JSON.stringify({ ...event, at: event.at.toISOString() });
}

/** The event, or undefined for a message that is not one (logged by the caller). */
export function decodeEvent(message: string): PublishedEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return undefined;
  }
  const parsed = wireEvent.safeParse(json);
  if (!parsed.success) return undefined;
  const { audience, ...rest } = parsed.data;
  return {
    ...rest,
    at: new Date(rest.at),
    audience: {
      ...(audience.userIds ? { userIds: audience.userIds } : {}),
      ...(audience.managers !== undefined ? { managers: audience.managers } : {}),
      ...(audience.company !== undefined ? { company: audience.company } : {}),
      ...(audience.callId ? { callId: audience.callId } : {}),
      ...(audience.topic ? { topic: audience.topic } : {}),
    },
  };
}

/** A broadcast channel of strings between the nodes (integrations/redis: RedisChannel). */
export interface MessageChannel {
  start(handlers: { onMessage(message: string): void; onResubscribed(): void }): Promise<void>;
  publish(message: string): Promise<void>;
  readonly state: 'up' | 'down';
  close(): Promise<void>;
}

/** Events over a message channel, JSON-encoded; a message that is not an event is logged and dropped. */
export function channelTransport(channel: MessageChannel, logger: Logger): EventTransport {
  return {
    start: (handlers) =>
      channel.start({
        onMessage(message) {
          const event = decodeEvent(message);
          if (event) handlers.onEvent(event);
          else logger.warn({ bytes: message.length }, 'event channel message is not an event; dropped');
        },
        onResubscribed: () => handlers.onResubscribed(),
      }),
    send: (event) => channel.publish(encodeEvent(event)),
    get state() {
      return channel.state;
    },
    close: () => channel.close(),
  };
}
