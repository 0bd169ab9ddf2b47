/**
 * contact.created / contact.updated / contact.merged / contact.deleted / contact.erased, written to the event
 * log inside the transaction that made the change: the webhook outbox reads the log, so an
 * event exists exactly when its change committed, even if the node dies right after.
 *
 * The append takes the event log's transaction-level lock (event-log.repository.ts) last,
 * so seqs stay in commit order and the lock is held only from here to the commit. The
 * events have no socket audience (the console does not use them); on several nodes the
 * other nodes' ordered delivery finds them in the log (ADR 21).
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { advisoryLockKey } from '../../db/leader-lock.js';
import { eventLog } from '../../db/schema/index.js';
import type { Contact } from './contacts.js';
import { ContactsRepository } from './contacts.repository.js';

const APPEND_LOCK_KEY = advisoryLockKey('event-log-append').toString();

export type ContactEventName =
  'contact.created' | 'contact.updated' | 'contact.merged' | 'contact.deleted' | 'contact.erased';

/** The webhook catalogue's Contact: identities on the conversation channels (phones are `voice`). */
export function contactEventData(contact: Contact): Record<string, unknown> {
  const channelOf = { phone: 'voice', whatsapp: 'whatsapp', webchat: 'webchat' } as const;
  return {
    id: contact.id,
    name: contact.name,
    phone: contact.phone,
    email: contact.email,
    identities: contact.identities.flatMap((identity) =>
      identity.kind === 'email' ? [] : [{ channel: channelOf[identity.kind], external_id: identity.value }],
    ),
    created_at: contact.createdAt.toISOString(),
  };
}

/** Appends the event in `tx`, the change's own transaction. */
export async function appendContactEvent(
  tx: Db,
  event: { companyId: string; name: ContactEventName; data: Record<string, unknown> },
  at: Date,
): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${APPEND_LOCK_KEY}::bigint)`);
  await tx.insert(eventLog).values({
    companyId: event.companyId,
    name: event.name,
    userIds: [],
    toManagers: false,
    toCompany: false,
    callId: null,
    data: event.data,
    createdAt: at,
  });
}

/**
 * `contact.created` for a contact inserted in `tx` (this module's, or the conversations
 * module's for inbound traffic, through its ContactAnnouncer port), as it is in `tx`.
 */
export async function appendContactCreated(tx: Db, companyId: string, contactId: string, at: Date): Promise<void> {
  const repo = new ContactsRepository(tx);
  const row = await repo.findRow(companyId, contactId);
  if (!row) return;
  await appendContactEvent(
    tx,
    { companyId, name: 'contact.created', data: contactEventData(await repo.load(row)) },
    at,
  );
}
