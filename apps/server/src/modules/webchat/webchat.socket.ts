/**
 * The visitors' Socket.IO namespace, `/webchat`: the web-chat channel's wire, as the
 * webhook is WhatsApp's (ADR 25). A socket is let in with a visitor token and from a page
 * its channel allows; it joins its visitor's room and its conversation's. Each client event
 * costs a token of the visitor's bucket (all their tabs on this node share it); a visitor
 * who floods is disconnected. Payloads are bounded by the schemas and the server's
 * maxHttpBufferSize.
 *
 * Agents' messages, typing, read marks, assignment, the close and queue positions reach
 * the widget from the event bus: every node sees every event and tells its own sockets.
 */
import type { Namespace, Server, Socket } from 'socket.io';
import { z } from 'zod';
import { TokenBucket, type EventRateLimits } from '../../realtime/token-bucket.js';
import { AppError } from '../../shared/errors.js';
import type { PublishedEvent } from '../../shared/events.js';
import type { Logger } from '../../shared/logger.js';
import { toVisitorMessage, toVisitorMessageOf } from './webchat.dto.js';
import type { VisitorContext, WebchatService } from './webchat.service.js';

export const WEBCHAT_NAMESPACE = '/webchat';
const MAX_PENDING = 4;
const MAX_TEXT = 4000;

const clientId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
const messageSchema = z
  .object({
    client_message_id: clientId,
    text: z.string().max(MAX_TEXT).nullable().default(null),
    upload_id: z.uuid().nullable().default(null),
  })
  .strict();
const typingSchema = z.object({ is_typing: z.boolean() }).strict();
const ratingSchema = z.object({ client_message_id: clientId, score: z.number().int().min(1).max(5) }).strict();
const seenSchema = z
  .object({ message_ids: z.array(z.uuid()).min(1).max(100), status: z.enum(['delivered', 'read']) })
  .strict();
const emptySchema = z.object({}).strict();

type Ack = (response: { ok: true; data?: unknown } | { ok: false; error: { code: string; message: string } }) => void;

interface VisitorSocketData {
  context: VisitorContext;
  conversationId: string | null;
  pending: number;
}

const rooms = {
  visitor: (visitorId: string) => `visitor:${visitorId}`,
  conversation: (conversationId: string) => `conversation:${conversationId}`,
  company: (companyId: string) => `company:${companyId}`,
};

export class WebchatSockets {
  private namespace: Namespace | undefined;
  private readonly buckets = new Map<string, { bucket: TokenBucket; sockets: number }>();

  constructor(
    private readonly deps: {
      service: WebchatService;
      limits: EventRateLimits;
      logger: Logger;
    },
  ) {}

  attach(io: Server): void {
    const namespace = io.of(WEBCHAT_NAMESPACE);
    this.namespace = namespace;
    namespace.use((socket, next) => {
      const auth = socket.handshake.auth as { token?: unknown };
      const token = typeof auth.token === 'string' ? auth.token : undefined;
      this.deps.service.authenticate(token, socket.handshake.headers.origin).then(
        (context) => {
          const data: VisitorSocketData = { context, conversationId: null, pending: 0 };
          socket.data = data;
          next();
        },
        (error: unknown) => {
          const code = error instanceof AppError ? error.code : 'webchat.invalid_token';
          if (!(error instanceof AppError)) this.deps.logger.error({ err: error }, 'visitor socket check failed');
          next(Object.assign(new Error(code), { data: { code } }));
        },
      );
    });
    namespace.on('connection', (socket) => {
      void this.onConnection(socket).catch((error: unknown) => {
        this.deps.logger.error({ err: error }, 'visitor socket set-up failed');
        socket.disconnect(true);
      });
    });
  }

  close(): void {
    this.namespace?.disconnectSockets(true);
    this.namespace?.removeAllListeners();
  }

  private async onConnection(socket: Socket): Promise<void> {
    const data = socket.data as VisitorSocketData;
    const { visitor } = data.context;
    await socket.join([rooms.visitor(visitor.id), rooms.company(visitor.companyId)]);
    const shared = this.buckets.get(visitor.id) ?? { bucket: new TokenBucket(this.deps.limits), sockets: 0 };
    shared.sockets += 1;
    this.buckets.set(visitor.id, shared);
    socket.on('disconnect', () => {
      shared.sockets -= 1;
      if (shared.sockets <= 0) this.buckets.delete(visitor.id);
    });
    socket.use((packet, next) => {
      if (!shared.bucket.take()) {
        this.deps.logger.warn({ visitorId: visitor.id }, 'visitor socket flooding, disconnected');
        socket.emit('rate_limited', { code: 'webchat.rate_limited' });
        socket.disconnect(true);
        return;
      }
      const ack: unknown = packet[packet.length - 1];
      if (data.pending >= MAX_PENDING) {
        if (typeof ack === 'function') (ack as Ack)({ ok: false, error: busy() });
        return;
      }
      next();
    });
    this.command(socket, 'thread', emptySchema, async () => {
      const thread = await this.deps.service.thread(data.context);
      await this.follow(socket, thread.conversationId);
      return {
        conversation_id: thread.conversationId,
        status: thread.status,
        agent_name: thread.agentName,
        queue_position: thread.queuePosition,
        messages: thread.messages.map(toVisitorMessageOf),
      };
    });
    this.command(socket, 'message', messageSchema, async (payload) => {
      const result = await this.deps.service.sendMessage(data.context, {
        clientMessageId: payload.client_message_id,
        text: payload.text,
        uploadId: payload.upload_id,
      });
      await this.followEverywhere(visitor.id, result.conversationId);
      void this.sendPosition(visitor.companyId, result.conversationId);
      return { conversation_id: result.conversationId, is_duplicate: result.isDuplicate };
    });
    this.command(socket, 'rating', ratingSchema, async (payload) => {
      const result = await this.deps.service.rate(data.context, {
        clientMessageId: payload.client_message_id,
        score: payload.score,
      });
      return { conversation_id: result.conversationId };
    });
    this.command(socket, 'seen', seenSchema, async (payload) =>
      this.deps.service.acknowledge(data.context, { messageIds: payload.message_ids, status: payload.status }),
    );
    this.command(socket, 'typing', typingSchema, async (payload) => {
      if (data.conversationId) await this.deps.service.typing(data.context, data.conversationId, payload.is_typing);
      return {};
    });
  }

  private command<T>(
    socket: Socket,
    event: string,
    schema: z.ZodType<T>,
    handle: (payload: T) => Promise<unknown>,
  ): void {
    const data = socket.data as VisitorSocketData;
    socket.on(event, (payload: unknown, ack?: unknown) => {
      const reply: Ack = typeof ack === 'function' ? (ack as Ack) : () => undefined;
      const parsed = schema.safeParse(payload ?? {});
      if (!parsed.success) {
        reply({ ok: false, error: { code: 'validation.failed', message: 'The event payload is not valid.' } });
        return;
      }
      data.pending += 1;
      handle(parsed.data)
        .then((result) => reply({ ok: true, data: result }))
        .catch((error: unknown) => {
          if (error instanceof AppError) {
            reply({ ok: false, error: { code: error.code, message: error.message } });
            return;
          }
          this.deps.logger.error({ err: error, event }, 'visitor event failed');
          reply({ ok: false, error: { code: 'internal', message: 'Something went wrong.' } });
        })
        .finally(() => {
          data.pending -= 1;
        });
    });
  }

  private async follow(socket: Socket, conversationId: string | null): Promise<void> {
    const data = socket.data as VisitorSocketData;
    if (!conversationId || data.conversationId === conversationId) return;
    if (data.conversationId) await socket.leave(rooms.conversation(data.conversationId));
    data.conversationId = conversationId;
    await socket.join(rooms.conversation(conversationId));
  }

  /** Every socket of the visitor on this node follows the conversation (their other tabs). */
  private async followEverywhere(visitorId: string, conversationId: string): Promise<void> {
    const sockets = await this.namespace?.in(rooms.visitor(visitorId)).fetchSockets();
    for (const remote of sockets ?? []) {
      const socket = this.namespace?.sockets.get(remote.id);
      if (socket) await this.follow(socket, conversationId);
    }
  }

  private async sendPosition(companyId: string, conversationId: string): Promise<void> {
    try {
      const position = await this.deps.service.queuePositionOf(companyId, conversationId);
      this.namespace
        ?.to(rooms.conversation(conversationId))
        .emit('queue_position', { conversation_id: conversationId, position: position ?? null });
    } catch (error) {
      this.deps.logger.warn({ err: error, conversationId }, 'queue position not sent');
    }
  }

  private hasRoom(room: string): boolean {
    return this.namespace?.adapter.rooms.has(room) ?? false;
  }

  /** Events of the bus that concern visitors connected to this node. */
  onEvent(event: PublishedEvent): void {
    if (!this.namespace || !this.hasRoom(rooms.company(event.companyId))) return;
    const data = event.data;
    const conversationId = typeof data.conversation_id === 'string' ? data.conversation_id : undefined;
    switch (event.name) {
      case 'message.created':
      case 'message.updated':
      case 'message.status_changed': {
        if (!conversationId || !this.hasRoom(rooms.conversation(conversationId))) return;
        this.namespace.to(rooms.conversation(conversationId)).emit('message', toVisitorMessage(data));
        return;
      }
      case 'typing.started':
      case 'typing.stopped': {
        // Agents' typing only: the visitor's own comes back with no agent id.
        if (!conversationId || typeof data.agent_id !== 'string') return;
        this.namespace.to(rooms.conversation(conversationId)).emit('typing', {
          is_typing: event.name === 'typing.started',
          name: typeof data.from === 'string' ? data.from : null,
        });
        return;
      }
      case 'webchat.read':
        if (conversationId) this.namespace.to(rooms.conversation(conversationId)).emit('read', { up_to: data.up_to });
        return;
      case 'conversation.created':
      case 'conversation.updated':
      case 'conversation.assigned':
      case 'conversation.closed':
        if (data.channel === 'webchat' && conversationId) void this.onConversation(event, conversationId);
        return;
      default:
        if (event.name.startsWith('entry.')) this.refreshPositions(event.companyId);
    }
  }

  private async onConversation(event: PublishedEvent, conversationId: string): Promise<void> {
    try {
      const contact = event.data.contact as { identities?: { channel: string; external_id: string }[] } | undefined;
      const visitorId = contact?.identities?.find((i) => i.channel === 'webchat')?.external_id;
      if (visitorId && this.hasRoom(rooms.visitor(visitorId))) await this.followEverywhere(visitorId, conversationId);
      const room = rooms.conversation(conversationId);
      if (!this.hasRoom(room)) return;
      const assigneeId = typeof event.data.assignee_id === 'string' ? event.data.assignee_id : null;
      this.namespace?.to(room).emit('conversation', {
        conversation_id: conversationId,
        status: event.data.status,
        agent_name: await this.deps.service.agentName(event.companyId, assigneeId),
      });
      if (event.name === 'conversation.assigned' || event.name === 'conversation.created') {
        await this.sendPosition(event.companyId, conversationId);
      }
    } catch (error) {
      this.deps.logger.warn({ err: error, conversationId }, 'visitor not told of the conversation');
    }
  }

  /** A queue moved: the company's waiting visitors on this node learn their place. */
  private refreshPositions(companyId: string): void {
    const sockets = this.namespace?.sockets;
    if (!sockets) return;
    const waiting = new Set<string>();
    for (const socket of sockets.values()) {
      const data = socket.data as VisitorSocketData;
      if (data.context.visitor.companyId === companyId && data.conversationId) waiting.add(data.conversationId);
    }
    for (const conversationId of waiting) void this.sendPosition(companyId, conversationId);
  }
}

function busy(): { code: string; message: string } {
  return { code: 'webchat.busy', message: 'Too many requests at once; try again.' };
}
