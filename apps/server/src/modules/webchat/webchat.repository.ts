/** Web-chat channels, visitors and their uploads; and what the widget reads of conversations and queues. */
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  conversations,
  queueEntries,
  queues,
  routingSettings,
  webchatChannels,
  webchatUploads,
  webchatVisitors,
} from '../../db/schema/index.js';
import type { WebchatChannel, WebchatVisitor } from './webchat.js';

type ChannelRow = typeof webchatChannels.$inferSelect;

function toChannel(row: ChannelRow): WebchatChannel {
  return { ...row };
}

export interface StoredUpload {
  id: string;
  companyId: string;
  visitorId: string;
  kind: string;
  mimeType: string;
  filename: string | null;
  sizeBytes: number;
}

export class WebchatRepository {
  constructor(private readonly db: Db) {}

  async listChannels(companyId: string): Promise<WebchatChannel[]> {
    const rows = await this.db
      .select()
      .from(webchatChannels)
      .where(eq(webchatChannels.companyId, companyId))
      .orderBy(asc(webchatChannels.createdAt), asc(webchatChannels.id));
    return rows.map(toChannel);
  }

  async findChannel(companyId: string, channelId: string): Promise<WebchatChannel | undefined> {
    const [row] = await this.db
      .select()
      .from(webchatChannels)
      .where(and(eq(webchatChannels.companyId, companyId), eq(webchatChannels.id, channelId)));
    return row && toChannel(row);
  }

  /** The channel a widget names: public, so looked up by id alone. */
  async findChannelById(channelId: string): Promise<WebchatChannel | undefined> {
    const [row] = await this.db.select().from(webchatChannels).where(eq(webchatChannels.id, channelId));
    return row && toChannel(row);
  }

  async insertChannel(channel: WebchatChannel): Promise<void> {
    await this.db.insert(webchatChannels).values(channel);
  }

  async updateChannel(
    companyId: string,
    channelId: string,
    patch: Partial<Omit<WebchatChannel, 'id' | 'companyId' | 'createdAt'>>,
  ): Promise<boolean> {
    const rows = await this.db
      .update(webchatChannels)
      .set(patch)
      .where(and(eq(webchatChannels.companyId, companyId), eq(webchatChannels.id, channelId)))
      .returning({ id: webchatChannels.id });
    return rows.length > 0;
  }

  /** Deletes the channel with its visitors and their pending uploads (their tokens stop working). */
  async deleteChannel(companyId: string, channelId: string): Promise<boolean> {
    const rows = await this.db
      .delete(webchatChannels)
      .where(and(eq(webchatChannels.companyId, companyId), eq(webchatChannels.id, channelId)))
      .returning({ id: webchatChannels.id });
    return rows.length > 0;
  }

  async isQueueOfCompany(companyId: string, queueId: string): Promise<boolean> {
    const [row] = await this.db
      .select({ id: queues.id })
      .from(queues)
      .where(and(eq(queues.companyId, companyId), eq(queues.id, queueId), isNull(queues.deletedAt)));
    return row !== undefined;
  }

  async insertVisitor(visitor: WebchatVisitor): Promise<void> {
    await this.db.insert(webchatVisitors).values(visitor);
  }

  async findVisitor(companyId: string, visitorId: string): Promise<WebchatVisitor | undefined> {
    const [row] = await this.db
      .select()
      .from(webchatVisitors)
      .where(and(eq(webchatVisitors.companyId, companyId), eq(webchatVisitors.id, visitorId)));
    return row;
  }

  async updateVisitor(
    companyId: string,
    visitorId: string,
    patch: Pick<WebchatVisitor, 'name' | 'email' | 'phone'>,
  ): Promise<void> {
    await this.db
      .update(webchatVisitors)
      .set(patch)
      .where(and(eq(webchatVisitors.companyId, companyId), eq(webchatVisitors.id, visitorId)));
  }

  async insertUpload(upload: StoredUpload & { createdAt: Date }): Promise<void> {
    await this.db.insert(webchatUploads).values(upload);
  }

  async findUpload(companyId: string, uploadId: string): Promise<StoredUpload | undefined> {
    const [row] = await this.db
      .select()
      .from(webchatUploads)
      .where(and(eq(webchatUploads.companyId, companyId), eq(webchatUploads.id, uploadId)));
    return row;
  }

  /** The contact's latest web-chat conversation. */
  async latestConversationOf(
    companyId: string,
    contactId: string,
  ): Promise<{ id: string; status: string; assigneeId: string | null } | undefined> {
    const [row] = await this.db
      .select({ id: conversations.id, status: conversations.status, assigneeId: conversations.assigneeId })
      .from(conversations)
      .where(
        and(
          eq(conversations.companyId, companyId),
          eq(conversations.contactId, contactId),
          eq(conversations.channel, 'webchat'),
        ),
      )
      .orderBy(desc(conversations.createdAt), desc(conversations.id))
      .limit(1);
    return row;
  }

  /** The conversation's entry in a queue, while it waits, is offered or assigned. */
  async liveEntryOf(
    companyId: string,
    conversationId: string,
  ): Promise<{ queueId: string; state: string } | undefined> {
    const [row] = await this.db
      .select({ queueId: queueEntries.queueId, state: queueEntries.state })
      .from(queueEntries)
      .where(
        and(
          eq(queueEntries.companyId, companyId),
          eq(queueEntries.conversationId, conversationId),
          inArray(queueEntries.state, ['waiting', 'offered', 'assigned']),
        ),
      )
      .limit(1);
    return row;
  }

  /**
   * The conversation's place among the waiting items of its queue (1 = next), in the
   * engine's order; undefined when it does not wait.
   */
  async queuePositionOf(companyId: string, conversationId: string): Promise<number | undefined> {
    const result = await this.db.execute(sql`
      select (select count(*) from ${queueEntries} o
               where o.company_id = e.company_id and o.queue_id = e.queue_id and o.state = 'waiting'
                 and (o.priority > e.priority
                      or (o.priority = e.priority and o.is_front and not e.is_front)
                      or (o.priority = e.priority and o.is_front = e.is_front
                          and (o.enqueued_at, o.id) < (e.enqueued_at, e.id)))) + 1 as position
        from ${queueEntries} e
       where e.company_id = ${companyId} and e.conversation_id = ${conversationId} and e.state = 'waiting'
       limit 1`);
    // node-postgres and PGlite both answer `{ rows }`; the Db type spans both, so it is untyped.
    const [row] = (result as { rows: { position: number | string }[] }).rows;
    return row ? Number(row.position) : undefined;
  }

  async queueHours(
    companyId: string,
    queueId: string,
  ): Promise<{ businessHours: (typeof queues.$inferSelect)['businessHours']; timeZone: string } | undefined> {
    const [queue] = await this.db
      .select({ businessHours: queues.businessHours })
      .from(queues)
      .where(and(eq(queues.companyId, companyId), eq(queues.id, queueId), isNull(queues.deletedAt)));
    if (!queue) return undefined;
    const [settings] = await this.db
      .select({ timeZone: routingSettings.timeZone })
      .from(routingSettings)
      .where(eq(routingSettings.companyId, companyId));
    return { businessHours: queue.businessHours, timeZone: settings?.timeZone ?? 'America/Sao_Paulo' };
  }
}
