/** Contacts' use cases: find, create, edit, delete and merge, each company on its own. */
import type { Actor } from '../../shared/actor.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Logger } from '../../shared/logger.js';
import { decodeCursor, toPage, type Page } from '../../shared/pagination.js';
import type { AuditLog } from '../audit/index.js';
import { auditActorOf } from '../audit/index.js';
import { assertAdmin, type Contact, type IdentityInput } from './contacts.js';
import { assertCountry, normalizeIdentity } from './contacts.identities.js';
import { appendContactEvent, contactEventData } from './contacts.events.js';
import type { ContactFilter, ContactRow, ContactsRepository } from './contacts.repository.js';

export interface ContactsServiceDeps {
  repository: ContactsRepository;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
}

export interface ContactSummary {
  contactId: string;
  name: string | null;
  phone: string | null;
  labels: Contact['labels'];
  openConversationId: string | null;
  recentConversations: {
    id: string;
    channel: string;
    status: string;
    lastMessagePreview: string | null;
    lastActivityAt: Date;
  }[];
}

const NOT_FOUND = 'contact.not_found';

export class ContactsService {
  constructor(private readonly deps: ContactsServiceDeps) {}

  async list(
    actor: Actor,
    filter: ContactFilter,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<Page<Contact>> {
    const rows = await this.deps.repository.list(actor.companyId, filter, decodeCursor(page.cursor), page.limit);
    return toPage(rows, page.limit);
  }

  async get(actor: Actor, contactId: string): Promise<Contact> {
    const row = await this.liveRow(this.deps.repository, actor.companyId, contactId);
    return this.deps.repository.load(row);
  }

  async create(
    actor: Actor,
    input: { name?: string | undefined; identities: IdentityInput[]; customAttributes: Record<string, unknown> },
  ): Promise<Contact> {
    const { country } = await this.deps.repository.settingsOf(actor.companyId);
    const identities = normalizeAll(input.identities, country);
    const now = this.deps.clock.now();
    const id = newId();
    await this.deps.repository.transaction(async (repo) => {
      await assertIdentitiesFree(repo, actor.companyId, identities, undefined);
      await repo.insert({
        id,
        companyId: actor.companyId,
        name: input.name ?? null,
        phone: identities.find((i) => i.kind === 'phone')?.value ?? null,
        email: identities.find((i) => i.kind === 'email')?.value ?? null,
        customAttributes: input.customAttributes,
        createdAt: now,
        updatedAt: now,
      });
      await repo.insertIdentities(actor.companyId, id, identities, newId, now);
      await this.appendWithData(repo, actor.companyId, id, 'contact.created', now);
    });
    this.deps.logger.info({ companyId: actor.companyId, contactId: id, byUserId: actor.userId }, 'contact created');
    return this.get(actor, id);
  }

  async update(
    actor: Actor,
    contactId: string,
    input: {
      name?: string | null | undefined;
      identities?: IdentityInput[] | undefined;
      customAttributes?: Record<string, unknown> | undefined;
    },
  ): Promise<Contact> {
    const { country } = await this.deps.repository.settingsOf(actor.companyId);
    const identities = input.identities ? normalizeAll(input.identities, country) : undefined;
    const now = this.deps.clock.now();
    await this.deps.repository.transaction(async (repo) => {
      const [row] = await repo.lockRows(actor.companyId, [contactId]);
      assertLive(row);
      if (identities) {
        await assertIdentitiesFree(repo, actor.companyId, identities, contactId);
        await repo.replaceIdentities(actor.companyId, contactId, identities, newId, now);
      }
      await repo.update(actor.companyId, contactId, {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.customAttributes !== undefined ? { customAttributes: input.customAttributes } : {}),
        ...(identities
          ? {
              phone: identities.find((i) => i.kind === 'phone')?.value ?? null,
              email: identities.find((i) => i.kind === 'email')?.value ?? null,
            }
          : {}),
        updatedAt: now,
      });
      await this.appendWithData(repo, actor.companyId, contactId, 'contact.updated', now);
    });
    return this.get(actor, contactId);
  }

  /**
   * Hides the contact (its conversations and calls stay) and releases its identities;
   * `contact.deleted` tells integrations. Erasure is the LGPD way to forget it (`contact.erased`).
   */
  async delete(actor: Actor, contactId: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.repository.transaction(async (repo) => {
      const [row] = await repo.lockRows(actor.companyId, [contactId]);
      assertLive(row);
      await repo.update(actor.companyId, contactId, { deletedAt: now, phone: null, email: null, updatedAt: now });
      await repo.replaceIdentities(actor.companyId, contactId, [], newId, now);
      await this.deps.audit.record(repo.db, {
        companyId: actor.companyId,
        actor: auditActorOf(actor),
        action: 'contact.deleted',
        target: { type: 'contact', id: contactId },
      });
      await appendContactEvent(
        repo.db,
        { companyId: actor.companyId, name: 'contact.deleted', data: { id: contactId } },
        now,
      );
    });
  }

  /** Moves every identity, conversation, call and label of `otherId` here; `otherId` then points here. */
  async merge(actor: Actor, survivorId: string, otherId: string): Promise<Contact> {
    if (survivorId === otherId) {
      throw new ValidationError('contact.merge_self', 'A contact cannot be merged into itself.', [
        { field: 'body.other_id', message: 'must be another contact' },
      ]);
    }
    const now = this.deps.clock.now();
    await this.deps.repository.transaction(async (repo) => {
      const rows = await repo.lockRows(actor.companyId, [survivorId, otherId]);
      const survivor = rows.find((r) => r.id === survivorId);
      const other = rows.find((r) => r.id === otherId);
      assertLive(survivor);
      assertLive(other);
      // The other's primary phone and e-mail become identity rows of the survivor.
      const carried: IdentityInput[] = [
        ...(other.phone ? [{ kind: 'phone' as const, value: other.phone }] : []),
        ...(other.email ? [{ kind: 'email' as const, value: other.email }] : []),
      ];
      await repo.update(actor.companyId, otherId, {
        phone: null,
        email: null,
        mergedIntoId: survivorId,
        updatedAt: now,
      });
      await repo.moveAll(actor.companyId, survivorId, otherId, now);
      await repo.insertIdentities(actor.companyId, survivorId, carried, newId, now);
      await repo.update(actor.companyId, survivorId, {
        name: survivor.name ?? other.name,
        phone: survivor.phone ?? other.phone,
        email: survivor.email ?? other.email,
        customAttributes: { ...other.customAttributes, ...survivor.customAttributes },
        updatedAt: now,
      });
      await this.deps.audit.record(repo.db, {
        companyId: actor.companyId,
        actor: auditActorOf(actor),
        action: 'contact.merged',
        target: { type: 'contact', id: survivorId },
        details: { merged_contact_id: otherId },
      });
      await appendContactEvent(
        repo.db,
        {
          companyId: actor.companyId,
          name: 'contact.merged',
          data: { id: survivorId, merged_ids: [otherId] },
        },
        now,
      );
    });
    this.deps.logger.info(
      { companyId: actor.companyId, survivorId, otherId, byUserId: actor.userId },
      'contacts merged',
    );
    return this.get(actor, survivorId);
  }

  async settings(actor: Actor): Promise<{ country: string }> {
    return { country: (await this.deps.repository.settingsOf(actor.companyId)).country };
  }

  async saveSettings(actor: Actor, country: string): Promise<{ country: string }> {
    assertAdmin(actor, 'change contact settings');
    assertCountry(country);
    await this.deps.repository.saveCountry(actor.companyId, country, this.deps.clock.now());
    return { country };
  }

  /** What an agent sees of a caller before answering (screen pop). */
  async summaryOf(companyId: string, contactId: string): Promise<ContactSummary | undefined> {
    const row = await this.deps.repository.findRow(companyId, contactId);
    if (!row || !isLive(row)) return undefined;
    const [labelsOf, recent] = await Promise.all([
      this.deps.repository.labelsOf(companyId, [contactId]),
      this.deps.repository.recentConversations(companyId, contactId, 3),
    ]);
    return {
      contactId,
      name: row.name,
      phone: row.phone,
      labels: labelsOf.get(contactId) ?? [],
      openConversationId: recent.find((c) => c.status !== 'resolved')?.id ?? null,
      recentConversations: recent,
    };
  }

  /** contact.created/updated with the contact as it is now in `repo`'s transaction. */
  private async appendWithData(
    repo: ContactsRepository,
    companyId: string,
    contactId: string,
    name: 'contact.created' | 'contact.updated',
    now: Date,
  ): Promise<void> {
    const row = await repo.findRow(companyId, contactId);
    if (!row) return;
    await appendContactEvent(repo.db, { companyId, name, data: contactEventData(await repo.load(row)) }, now);
  }

  /** The live row, or a 404 (pointing at the survivor of a merge). */
  async liveRow(repo: ContactsRepository, companyId: string, contactId: string): Promise<ContactRow> {
    const row = await repo.findRow(companyId, contactId);
    assertLive(row);
    return row;
  }
}

export function isLive(row: ContactRow): boolean {
  return row.mergedIntoId === null && row.deletedAt === null && row.erasedAt === null;
}

/** Throws 404 unless the contact exists and is live; a merged one names its survivor. */
export function assertLive(row: ContactRow | undefined): asserts row is ContactRow {
  if (!row || row.deletedAt !== null || row.erasedAt !== null) throw new NotFoundError(NOT_FOUND, 'No such contact.');
  if (row.mergedIntoId !== null) {
    throw new NotFoundError('contact.merged', `The contact was merged into ${row.mergedIntoId}.`, {
      merged_into_id: row.mergedIntoId,
    });
  }
}

function normalizeAll(identities: IdentityInput[], country: string): IdentityInput[] {
  const seen = new Set<string>();
  const result: IdentityInput[] = [];
  identities.forEach((identity, index) => {
    const normalized = normalizeIdentity(identity, country, `body.identities.${index}.value`);
    const key = `${normalized.kind}:${normalized.value}`;
    if (!seen.has(key)) result.push(normalized);
    seen.add(key);
  });
  return result;
}

async function assertIdentitiesFree(
  repo: ContactsRepository,
  companyId: string,
  identities: IdentityInput[],
  ownerId: string | undefined,
): Promise<void> {
  for (const identity of identities) {
    const holder = await repo.findByIdentity(companyId, identity);
    if (holder && holder.id !== ownerId) {
      throw new ConflictError(
        'contact.identity_taken',
        `Another contact (${holder.id}) already has this ${identity.kind}; merge them instead.`,
        { contact_id: holder.id },
      );
    }
  }
}
