/** Contacts, their identities and labels, and the links of calls to them. */
import { and, asc, desc, eq, exists, ilike, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  contactCallLinks,
  contactIdentities,
  contactLabels,
  contacts,
  contactSettings,
  conversations,
  labels,
  routingSettings,
} from '../../db/schema/index.js';
import type { KeysetCursor } from '../../shared/pagination.js';
import type { Contact, ContactIdentity, ContactLabel, IdentityInput, IdentityKind } from './contacts.js';

export type ContactRow = typeof contacts.$inferSelect;

export interface ContactFilter {
  q?: string | undefined;
  labelId?: string | undefined;
  channel?: 'whatsapp' | 'webchat' | 'voice' | undefined;
}

const live = and(isNull(contacts.mergedIntoId), isNull(contacts.deletedAt), isNull(contacts.erasedAt));

/** Which stored identity kinds an input kind is found under (`voice` is a legacy phone). */
const STORED_KINDS: Record<IdentityKind, readonly string[]> = {
  phone: ['phone', 'voice'],
  whatsapp: ['whatsapp'],
  email: ['email'],
  webchat: ['webchat'],
};

export class ContactsRepository {
  constructor(readonly db: Db) {}

  transaction<T>(fn: (repo: ContactsRepository) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new ContactsRepository(tx as unknown as Db)));
  }

  // ── settings ────────────────────────────────────────────────────────────

  async settingsOf(companyId: string): Promise<{ country: string; language: string }> {
    const [settings] = await this.db
      .select({ country: contactSettings.country })
      .from(contactSettings)
      .where(eq(contactSettings.companyId, companyId));
    const [routing] = await this.db
      .select({ language: routingSettings.language })
      .from(routingSettings)
      .where(eq(routingSettings.companyId, companyId));
    return { country: settings?.country ?? 'BR', language: routing?.language ?? 'pt-BR' };
  }

  async saveCountry(companyId: string, country: string, at: Date): Promise<void> {
    await this.db
      .insert(contactSettings)
      .values({ companyId, country, updatedAt: at })
      .onConflictDoUpdate({ target: contactSettings.companyId, set: { country, updatedAt: at } });
  }

  // ── contacts ────────────────────────────────────────────────────────────

  async findRow(companyId: string, contactId: string): Promise<ContactRow | undefined> {
    const [row] = await this.db
      .select()
      .from(contacts)
      .where(and(eq(contacts.companyId, companyId), eq(contacts.id, contactId)));
    return row;
  }

  async lockRows(companyId: string, contactIds: string[]): Promise<ContactRow[]> {
    return this.db
      .select()
      .from(contacts)
      .where(and(eq(contacts.companyId, companyId), inArray(contacts.id, contactIds)))
      .orderBy(asc(contacts.id))
      .for('update');
  }

  async load(row: ContactRow): Promise<Contact> {
    const [identities, labelsOf] = await Promise.all([
      this.identitiesOf(row.companyId, [row.id]),
      this.labelsOf(row.companyId, [row.id]),
    ]);
    return toContact(row, identities.get(row.id) ?? [], labelsOf.get(row.id) ?? []);
  }

  async list(companyId: string, filter: ContactFilter, cursor: KeysetCursor | undefined, limit: number) {
    const conditions: (SQL | undefined)[] = [eq(contacts.companyId, companyId), live];
    if (filter.q) {
      const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const digits = filter.q.replace(/\D/g, '');
      conditions.push(
        or(
          ilike(contacts.name, pattern),
          ilike(contacts.email, pattern),
          ...(digits.length >= 3 ? [ilike(contacts.phone, `%${digits}%`)] : []),
          exists(
            this.db
              .select({ one: sql`1` })
              .from(contactIdentities)
              .where(
                and(
                  eq(contactIdentities.contactId, contacts.id),
                  digits.length >= 3
                    ? or(
                        ilike(contactIdentities.externalId, pattern),
                        ilike(contactIdentities.externalId, `%${digits}%`),
                      )
                    : ilike(contactIdentities.externalId, pattern),
                ),
              ),
          ),
        ),
      );
    }
    if (filter.labelId) {
      conditions.push(
        exists(
          this.db
            .select({ one: sql`1` })
            .from(contactLabels)
            .where(and(eq(contactLabels.contactId, contacts.id), eq(contactLabels.labelId, filter.labelId))),
        ),
      );
    }
    if (filter.channel) {
      conditions.push(
        exists(
          this.db
            .select({ one: sql`1` })
            .from(conversations)
            .where(
              and(
                eq(conversations.companyId, companyId),
                eq(conversations.contactId, contacts.id),
                eq(conversations.channel, filter.channel),
              ),
            ),
        ),
      );
    }
    if (cursor) {
      conditions.push(
        or(
          lt(contacts.createdAt, cursor.createdAt),
          and(eq(contacts.createdAt, cursor.createdAt), lt(contacts.id, cursor.id)),
        ),
      );
    }
    const rows = await this.db
      .select()
      .from(contacts)
      .where(and(...conditions))
      .orderBy(desc(contacts.createdAt), desc(contacts.id))
      .limit(limit + 1);
    const ids = rows.map((r) => r.id);
    const [identities, labelsOf] = await Promise.all([
      this.identitiesOf(companyId, ids),
      this.labelsOf(companyId, ids),
    ]);
    return rows.map((row) => toContact(row, identities.get(row.id) ?? [], labelsOf.get(row.id) ?? []));
  }

  async insert(row: typeof contacts.$inferInsert): Promise<ContactRow> {
    const [inserted] = await this.db.insert(contacts).values(row).returning();
    if (!inserted) throw new Error('insert returned no contact');
    return inserted;
  }

  async update(companyId: string, contactId: string, patch: Partial<typeof contacts.$inferInsert>): Promise<void> {
    await this.db
      .update(contacts)
      .set(patch)
      .where(and(eq(contacts.companyId, companyId), eq(contacts.id, contactId)));
  }

  // ── identities ──────────────────────────────────────────────────────────

  /** The live contact an identity belongs to: its identity rows, or the contact's own phone/e-mail. */
  async findByIdentity(companyId: string, identity: IdentityInput): Promise<ContactRow | undefined> {
    const [byRow] = await this.db
      .select({ contact: contacts })
      .from(contactIdentities)
      .innerJoin(contacts, eq(contacts.id, contactIdentities.contactId))
      .where(
        and(
          eq(contactIdentities.companyId, companyId),
          inArray(contactIdentities.channel, [...STORED_KINDS[identity.kind]] as never[]),
          eq(contactIdentities.externalId, identity.value),
          live,
        ),
      )
      .limit(1);
    if (byRow) return byRow.contact;
    if (identity.kind !== 'phone' && identity.kind !== 'email') return undefined;
    const column = identity.kind === 'phone' ? contacts.phone : contacts.email;
    const [byColumn] = await this.db
      .select()
      .from(contacts)
      .where(and(eq(contacts.companyId, companyId), eq(column, identity.value), live))
      .orderBy(asc(contacts.createdAt))
      .limit(1);
    return byColumn;
  }

  async replaceIdentities(
    companyId: string,
    contactId: string,
    identities: IdentityInput[],
    newId: () => string,
    at: Date,
  ): Promise<void> {
    await this.db
      .delete(contactIdentities)
      .where(and(eq(contactIdentities.companyId, companyId), eq(contactIdentities.contactId, contactId)));
    await this.insertIdentities(companyId, contactId, identities, newId, at);
  }

  async insertIdentities(
    companyId: string,
    contactId: string,
    identities: IdentityInput[],
    newId: () => string,
    at: Date,
  ): Promise<void> {
    if (identities.length === 0) return;
    await this.db
      .insert(contactIdentities)
      .values(
        identities.map((identity) => ({
          id: newId(),
          companyId,
          contactId,
          channel: identity.kind,
          externalId: identity.value,
          createdAt: at,
        })),
      )
      .onConflictDoNothing();
  }

  async identitiesOf(companyId: string, contactIds: string[]): Promise<Map<string, ContactIdentity[]>> {
    const result = new Map<string, ContactIdentity[]>();
    if (contactIds.length === 0) return result;
    const rows = await this.db
      .select()
      .from(contactIdentities)
      .where(and(eq(contactIdentities.companyId, companyId), inArray(contactIdentities.contactId, contactIds)))
      .orderBy(asc(contactIdentities.createdAt));
    for (const row of rows) {
      const kind: IdentityKind = row.channel === 'voice' ? 'phone' : row.channel;
      const list = result.get(row.contactId) ?? [];
      list.push({ id: row.id, kind, value: row.externalId });
      result.set(row.contactId, list);
    }
    return result;
  }

  async labelsOf(companyId: string, contactIds: string[]): Promise<Map<string, ContactLabel[]>> {
    const result = new Map<string, ContactLabel[]>();
    if (contactIds.length === 0) return result;
    const rows = await this.db
      .select({ contactId: contactLabels.contactId, id: labels.id, name: labels.name, colour: labels.colour })
      .from(contactLabels)
      .innerJoin(labels, eq(labels.id, contactLabels.labelId))
      .where(and(eq(contactLabels.companyId, companyId), inArray(contactLabels.contactId, contactIds)))
      .orderBy(asc(labels.name));
    for (const { contactId, ...label } of rows) {
      const list = result.get(contactId) ?? [];
      list.push(label);
      result.set(contactId, list);
    }
    return result;
  }

  // ── merge ───────────────────────────────────────────────────────────────

  /** Moves everything of `otherId` to `survivorId`; both rows are locked by the caller. */
  async moveAll(companyId: string, survivorId: string, otherId: string, at: Date): Promise<void> {
    // One unresolved conversation per contact and channel: the other's is resolved first
    // where the survivor has one open on the same channel.
    await this.db.execute(sql`
      update ${conversations} as o set status = 'resolved', resolved_at = ${at}, updated_at = ${at}
      where o.company_id = ${companyId} and o.contact_id = ${otherId} and o.status <> 'resolved'
        and exists (select 1 from ${conversations} s where s.company_id = ${companyId}
          and s.contact_id = ${survivorId} and s.channel = o.channel and s.status <> 'resolved')`);
    await this.db
      .update(conversations)
      .set({ contactId: survivorId })
      .where(and(eq(conversations.companyId, companyId), eq(conversations.contactId, otherId)));
    // Identities the survivor already has would collide: drop those, move the rest.
    await this.db.execute(sql`
      delete from ${contactIdentities} as o where o.company_id = ${companyId} and o.contact_id = ${otherId}
        and exists (select 1 from ${contactIdentities} s where s.company_id = ${companyId}
          and s.contact_id = ${survivorId} and s.channel = o.channel and s.external_id = o.external_id)`);
    await this.db
      .update(contactIdentities)
      .set({ contactId: survivorId })
      .where(and(eq(contactIdentities.companyId, companyId), eq(contactIdentities.contactId, otherId)));
    await this.db.execute(sql`
      insert into ${contactLabels} (company_id, contact_id, label_id, created_at)
      select company_id, ${survivorId}, label_id, created_at from ${contactLabels}
      where company_id = ${companyId} and contact_id = ${otherId} on conflict do nothing`);
    await this.db
      .delete(contactLabels)
      .where(and(eq(contactLabels.companyId, companyId), eq(contactLabels.contactId, otherId)));
    await this.db.execute(sql`
      delete from ${contactCallLinks} as o where o.company_id = ${companyId} and o.contact_id = ${otherId}
        and exists (select 1 from ${contactCallLinks} s where s.contact_id = ${survivorId}
          and (s.call_id = o.call_id or s.voicebot_call_id = o.voicebot_call_id))`);
    await this.db
      .update(contactCallLinks)
      .set({ contactId: survivorId })
      .where(and(eq(contactCallLinks.companyId, companyId), eq(contactCallLinks.contactId, otherId)));
  }

  // ── screen pop ──────────────────────────────────────────────────────────

  async recentConversations(companyId: string, contactId: string, limit: number) {
    return this.db
      .select({
        id: conversations.id,
        channel: conversations.channel,
        status: conversations.status,
        lastMessagePreview: conversations.lastMessagePreview,
        lastActivityAt: conversations.lastActivityAt,
      })
      .from(conversations)
      .where(and(eq(conversations.companyId, companyId), eq(conversations.contactId, contactId)))
      .orderBy(desc(conversations.lastActivityAt), desc(conversations.id))
      .limit(limit);
  }
}

function toContact(row: ContactRow, rows: ContactIdentity[], labelList: ContactLabel[]): Contact {
  const identities = [...rows];
  if (row.phone && !identities.some((i) => i.kind === 'phone' && i.value === row.phone)) {
    identities.unshift({ id: 'phone:primary', kind: 'phone', value: row.phone });
  }
  if (row.email && !identities.some((i) => i.kind === 'email' && i.value === row.email)) {
    identities.push({ id: 'email:primary', kind: 'email', value: row.email });
  }
  return {
    id: row.id,
    companyId: row.companyId,
    name: row.name,
    phone: row.phone,
    email: row.email,
    identities,
    customAttributes: row.customAttributes,
    labels: labelList,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
