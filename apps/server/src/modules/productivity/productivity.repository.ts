/**
 * Labels, canned responses and notes in PostgreSQL. Every query is bounded to one company.
 * The conversation, contact and user rows are read here only to check they exist in the
 * company and who may see them (their modules own every write).
 */
import { and, asc, eq, ilike, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  cannedResponses,
  contactLabels,
  contacts,
  conversationLabels,
  conversationNotes,
  conversations,
  labels,
  users,
} from '../../db/schema/index.js';
import type { CannedAttachment, CannedResponse, Label, Mentionable, Note } from './productivity.js';

type LabelRow = typeof labels.$inferSelect;
type CannedRow = typeof cannedResponses.$inferSelect;

const toLabel = (row: LabelRow): Label => ({ ...row });
const toCanned = (row: CannedRow): CannedResponse => ({
  id: row.id,
  companyId: row.companyId,
  ownerId: row.ownerId,
  shortcut: row.shortcut,
  body: row.body,
  attachment: row.attachment ?? null,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

export class ProductivityRepository {
  constructor(private readonly db: Db) {}

  transaction<T>(fn: (repo: ProductivityRepository) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new ProductivityRepository(tx as unknown as Db)));
  }

  // ── labels ────────────────────────────────────────────────────────────────

  async listLabels(companyId: string): Promise<Label[]> {
    const rows = await this.db
      .select()
      .from(labels)
      .where(eq(labels.companyId, companyId))
      .orderBy(asc(sql`lower(${labels.name})`), asc(labels.id));
    return rows.map(toLabel);
  }

  async findLabel(companyId: string, labelId: string): Promise<Label | undefined> {
    const [row] = await this.db
      .select()
      .from(labels)
      .where(and(eq(labels.companyId, companyId), eq(labels.id, labelId)));
    return row && toLabel(row);
  }

  async insertLabel(label: Label): Promise<void> {
    await this.db.insert(labels).values(label);
  }

  async updateLabel(companyId: string, labelId: string, patch: Partial<Pick<Label, 'name' | 'colour'>>, now: Date) {
    const [row] = await this.db
      .update(labels)
      .set({ ...patch, updatedAt: now })
      .where(and(eq(labels.companyId, companyId), eq(labels.id, labelId)))
      .returning();
    return row && toLabel(row);
  }

  /** Removes the label and, by the foreign keys' cascade, every assignment of it. */
  async deleteLabel(companyId: string, labelId: string): Promise<boolean> {
    const rows = await this.db
      .delete(labels)
      .where(and(eq(labels.companyId, companyId), eq(labels.id, labelId)))
      .returning({ id: labels.id });
    return rows.length > 0;
  }

  /** How many of `labelIds` are the company's. */
  async countLabels(companyId: string, labelIds: readonly string[]): Promise<number> {
    if (labelIds.length === 0) return 0;
    const [row] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(labels)
      .where(and(eq(labels.companyId, companyId), inArray(labels.id, [...labelIds])));
    return row?.count ?? 0;
  }

  async labelsOfConversation(companyId: string, conversationId: string): Promise<Label[]> {
    const rows = await this.db
      .select({ label: labels })
      .from(conversationLabels)
      .innerJoin(labels, eq(labels.id, conversationLabels.labelId))
      .where(and(eq(conversationLabels.companyId, companyId), eq(conversationLabels.conversationId, conversationId)))
      .orderBy(asc(sql`lower(${labels.name})`));
    return rows.map((r) => toLabel(r.label));
  }

  /** Label ids per conversation, for a page of the inbox. */
  async labelIdsOfConversations(companyId: string, conversationIds: readonly string[]) {
    if (conversationIds.length === 0) return [];
    return this.db
      .select({ conversationId: conversationLabels.conversationId, labelId: conversationLabels.labelId })
      .from(conversationLabels)
      .where(
        and(
          eq(conversationLabels.companyId, companyId),
          inArray(conversationLabels.conversationId, [...conversationIds]),
        ),
      );
  }

  async setConversationLabels(companyId: string, conversationId: string, labelIds: readonly string[], now: Date) {
    await this.db
      .delete(conversationLabels)
      .where(and(eq(conversationLabels.companyId, companyId), eq(conversationLabels.conversationId, conversationId)));
    if (labelIds.length === 0) return;
    await this.db
      .insert(conversationLabels)
      .values(labelIds.map((labelId) => ({ companyId, conversationId, labelId, createdAt: now })));
  }

  async labelsOfContact(companyId: string, contactId: string): Promise<Label[]> {
    const rows = await this.db
      .select({ label: labels })
      .from(contactLabels)
      .innerJoin(labels, eq(labels.id, contactLabels.labelId))
      .where(and(eq(contactLabels.companyId, companyId), eq(contactLabels.contactId, contactId)))
      .orderBy(asc(sql`lower(${labels.name})`));
    return rows.map((r) => toLabel(r.label));
  }

  async setContactLabels(companyId: string, contactId: string, labelIds: readonly string[], now: Date) {
    await this.db
      .delete(contactLabels)
      .where(and(eq(contactLabels.companyId, companyId), eq(contactLabels.contactId, contactId)));
    if (labelIds.length === 0) return;
    await this.db
      .insert(contactLabels)
      .values(labelIds.map((labelId) => ({ companyId, contactId, labelId, createdAt: now })));
  }

  // ── what is labelled or noted ─────────────────────────────────────────────

  async findConversation(companyId: string, conversationId: string) {
    const [row] = await this.db
      .select({
        companyId: conversations.companyId,
        assigneeId: conversations.assigneeId,
        channel: conversations.channel,
      })
      .from(conversations)
      .where(and(eq(conversations.companyId, companyId), eq(conversations.id, conversationId)));
    return row;
  }

  /** Locks the conversation row so two label changes on it apply one after the other. */
  async lockConversation(companyId: string, conversationId: string): Promise<void> {
    await this.db
      .select({ id: conversations.id })
      .from(conversations)
      .where(and(eq(conversations.companyId, companyId), eq(conversations.id, conversationId)))
      .for('update');
  }

  async contactExists(companyId: string, contactId: string, lock = false): Promise<boolean> {
    const query = this.db
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(eq(contacts.companyId, companyId), eq(contacts.id, contactId)));
    const [row] = lock ? await query.for('update') : await query;
    return row !== undefined;
  }

  // ── canned responses ──────────────────────────────────────────────────────

  /** The company's replies and the actor's own, by shortcut (own first on a tie). */
  async listCanned(companyId: string, userId: string, q: string | undefined): Promise<CannedResponse[]> {
    const visible = or(isNull(cannedResponses.ownerId), eq(cannedResponses.ownerId, userId));
    const pattern = q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
    const rows = await this.db
      .select()
      .from(cannedResponses)
      .where(
        and(
          eq(cannedResponses.companyId, companyId),
          visible,
          pattern ? or(ilike(cannedResponses.shortcut, pattern), ilike(cannedResponses.body, pattern)) : undefined,
        ),
      )
      .orderBy(asc(cannedResponses.shortcut), sql`${cannedResponses.ownerId} is null`, asc(cannedResponses.id))
      .limit(200);
    return rows.map(toCanned);
  }

  /** `forUpdate`: the row stays locked to the end of the transaction (a file replaced or deleted). */
  async findCanned(companyId: string, cannedId: string, forUpdate = false): Promise<CannedResponse | undefined> {
    const query = this.db
      .select()
      .from(cannedResponses)
      .where(and(eq(cannedResponses.companyId, companyId), eq(cannedResponses.id, cannedId)));
    const [row] = forUpdate ? await query.for('update') : await query;
    return row && toCanned(row);
  }

  async setCannedAttachment(
    companyId: string,
    cannedId: string,
    attachment: CannedAttachment | null,
    now: Date,
  ): Promise<CannedResponse | undefined> {
    const [row] = await this.db
      .update(cannedResponses)
      .set({ attachment, updatedAt: now })
      .where(and(eq(cannedResponses.companyId, companyId), eq(cannedResponses.id, cannedId)))
      .returning();
    return row && toCanned(row);
  }

  async insertCanned(canned: CannedResponse, createdBy: string): Promise<void> {
    await this.db.insert(cannedResponses).values({ ...canned, createdBy });
  }

  async updateCanned(
    companyId: string,
    cannedId: string,
    patch: Partial<Pick<CannedResponse, 'shortcut' | 'body'>>,
    now: Date,
  ): Promise<CannedResponse | undefined> {
    const [row] = await this.db
      .update(cannedResponses)
      .set({ ...patch, updatedAt: now })
      .where(and(eq(cannedResponses.companyId, companyId), eq(cannedResponses.id, cannedId)))
      .returning();
    return row && toCanned(row);
  }

  async deleteCanned(companyId: string, cannedId: string): Promise<void> {
    await this.db
      .delete(cannedResponses)
      .where(and(eq(cannedResponses.companyId, companyId), eq(cannedResponses.id, cannedId)));
  }

  // ── notes ─────────────────────────────────────────────────────────────────

  /** Active users of the company, who may be mentioned. */
  async mentionable(companyId: string): Promise<Mentionable[]> {
    return this.db
      .select({ userId: users.id, name: users.name })
      .from(users)
      .where(and(eq(users.companyId, companyId), eq(users.isActive, true)));
  }

  async insertNote(note: Omit<Note, 'authorName' | 'mentions'> & { mentions: string[] }): Promise<void> {
    await this.db.insert(conversationNotes).values(note);
  }

  async listNotes(companyId: string, conversationId: string): Promise<Note[]> {
    const rows = await this.db
      .select({ note: conversationNotes, authorName: users.name })
      .from(conversationNotes)
      .innerJoin(users, eq(users.id, conversationNotes.authorId))
      .where(and(eq(conversationNotes.companyId, companyId), eq(conversationNotes.conversationId, conversationId)))
      .orderBy(asc(conversationNotes.createdAt), asc(conversationNotes.id))
      .limit(500);
    const mentioned = [...new Set(rows.flatMap((r) => r.note.mentions))];
    const names = mentioned.length
      ? await this.db
          .select({ id: users.id, name: users.name })
          .from(users)
          .where(and(eq(users.companyId, companyId), inArray(users.id, mentioned)))
      : [];
    const nameOf = new Map(names.map((u) => [u.id, u.name]));
    return rows.map(({ note, authorName }) => ({
      ...note,
      authorName,
      mentions: note.mentions.map((userId) => ({ userId, name: nameOf.get(userId) ?? '' })),
    }));
  }
}
