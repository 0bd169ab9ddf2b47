/** Webhooks and the delivery log in the database; every query is scoped to a company. */
import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { integrationDeliveries, integrationDeliveryAttempts, webhooks } from '../../db/schema/index.js';
import { decodeCursor, encodeCursor, type Page } from '../../shared/pagination.js';

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof integrationDeliveries.$inferSelect;
export type AttemptRow = typeof integrationDeliveryAttempts.$inferSelect;

export interface DeliveryWithAttempts {
  delivery: DeliveryRow;
  attempts: AttemptRow[];
}

/** Whether an active webhook gets an event of `eventType` that happened `at` (it existed by then). */
export function isSubscribed(webhook: WebhookRow, eventType: string, at: Date): boolean {
  return webhook.eventTypes.includes(eventType) && webhook.createdAt.getTime() <= at.getTime();
}

export class WebhooksRepository {
  constructor(private readonly db: Db) {}

  async list(companyId: string): Promise<WebhookRow[]> {
    return this.db.select().from(webhooks).where(eq(webhooks.companyId, companyId)).orderBy(webhooks.createdAt);
  }

  async find(companyId: string, id: string, db: Db = this.db): Promise<WebhookRow | undefined> {
    const [row] = await db
      .select()
      .from(webhooks)
      .where(and(eq(webhooks.companyId, companyId), eq(webhooks.id, id)));
    return row;
  }

  /** Active webhooks of a company that want an event type and existed when it happened. */
  /** The company's active webhooks (a pass of the outbox filters them by event: `isSubscribed`). */
  async activeOf(db: Db, companyId: string): Promise<WebhookRow[]> {
    return db
      .select()
      .from(webhooks)
      .where(and(eq(webhooks.companyId, companyId), eq(webhooks.isActive, true)));
  }

  async insert(row: typeof webhooks.$inferInsert): Promise<WebhookRow> {
    const [created] = await this.db.insert(webhooks).values(row).returning();
    if (!created) throw new Error('webhook not inserted');
    return created;
  }

  async update(
    companyId: string,
    id: string,
    patch: Partial<typeof webhooks.$inferInsert>,
    db: Db = this.db,
  ): Promise<WebhookRow | undefined> {
    const [updated] = await db
      .update(webhooks)
      .set(patch)
      .where(and(eq(webhooks.companyId, companyId), eq(webhooks.id, id)))
      .returning();
    return updated;
  }

  /** Deletes the webhook and its delivery log. */
  async delete(companyId: string, id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx
        .delete(integrationDeliveries)
        .where(and(eq(integrationDeliveries.companyId, companyId), eq(integrationDeliveries.targetId, id)));
      const deleted = await tx
        .delete(webhooks)
        .where(and(eq(webhooks.companyId, companyId), eq(webhooks.id, id)))
        .returning({ id: webhooks.id });
      return deleted.length > 0;
    });
  }

  async insertDelivery(row: typeof integrationDeliveries.$inferInsert): Promise<DeliveryRow> {
    const [created] = await this.db.insert(integrationDeliveries).values(row).returning();
    if (!created) throw new Error('delivery not inserted');
    return created;
  }

  /** A page of a target's deliveries, newest first, each with its attempts. */
  async deliveries(
    companyId: string,
    targetId: string,
    filter: { status?: string | undefined; eventType?: string | undefined; cursor?: string | undefined; limit: number },
  ): Promise<Page<DeliveryWithAttempts>> {
    const after = decodeCursor(filter.cursor);
    const rows = await this.db
      .select()
      .from(integrationDeliveries)
      .where(
        and(
          eq(integrationDeliveries.companyId, companyId),
          eq(integrationDeliveries.targetId, targetId),
          filter.status ? eq(integrationDeliveries.status, filter.status) : undefined,
          filter.eventType ? eq(integrationDeliveries.eventType, filter.eventType) : undefined,
          after
            ? or(
                sql`${integrationDeliveries.createdAt} < ${after.createdAt.toISOString()}::timestamptz`,
                and(
                  sql`${integrationDeliveries.createdAt} = ${after.createdAt.toISOString()}::timestamptz`,
                  sql`${integrationDeliveries.id} < ${after.id}::uuid`,
                ),
              )
            : undefined,
        ),
      )
      .orderBy(desc(integrationDeliveries.createdAt), desc(integrationDeliveries.id))
      .limit(filter.limit + 1);
    const page = rows.slice(0, filter.limit);
    const attempts = await this.attemptsOf(page.map((row) => row.id));
    const last = page[page.length - 1];
    return {
      items: page.map((delivery) => ({ delivery, attempts: attempts.filter((a) => a.deliveryId === delivery.id) })),
      nextCursor: rows.length > filter.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  async delivery(companyId: string, id: string): Promise<DeliveryWithAttempts | undefined> {
    const [delivery] = await this.db
      .select()
      .from(integrationDeliveries)
      .where(and(eq(integrationDeliveries.companyId, companyId), eq(integrationDeliveries.id, id)));
    if (!delivery) return undefined;
    return { delivery, attempts: await this.attemptsOf([id]) };
  }

  /** Sends a finished delivery again: pending now, with a fresh 24 h window; its attempts stay. */
  async requeue(companyId: string, id: string, now: Date): Promise<DeliveryRow | undefined> {
    const [row] = await this.db
      .update(integrationDeliveries)
      .set({ status: 'pending', nextAttemptAt: now, giveUpAt: null, deliveredAt: null, leaseUntil: null })
      .where(
        and(
          eq(integrationDeliveries.companyId, companyId),
          eq(integrationDeliveries.id, id),
          inArray(integrationDeliveries.status, ['delivered', 'failed']),
        ),
      )
      .returning();
    return row;
  }

  /** A webhook's deliveries still waiting are failed (it was disabled or turned off). */
  async failPending(companyId: string, webhookId: string, db: Db = this.db): Promise<void> {
    await db
      .update(integrationDeliveries)
      .set({ status: 'failed', nextAttemptAt: null, leaseUntil: null })
      .where(
        and(
          eq(integrationDeliveries.companyId, companyId),
          eq(integrationDeliveries.targetId, webhookId),
          eq(integrationDeliveries.status, 'pending'),
        ),
      );
  }

  private async attemptsOf(deliveryIds: string[]): Promise<AttemptRow[]> {
    if (deliveryIds.length === 0) return [];
    return this.db
      .select()
      .from(integrationDeliveryAttempts)
      .where(inArray(integrationDeliveryAttempts.deliveryId, deliveryIds))
      .orderBy(integrationDeliveryAttempts.attemptedAt, integrationDeliveryAttempts.id);
  }
}
