/** How a contact this module makes reaches the contacts module's `contact.created` (ADR 21). */
import type { ModulePortRegistry } from '../../app-module.js';
import type { Db } from '../../db/client.js';

/**
 * The contacts module's `contact.created` for a contact this module made for inbound
 * traffic (a WhatsApp or web-chat message, a voicemail) or a new conversation: written in
 * `tx`, the transaction that inserted the contact, as its last statement (ADR 21).
 */
export interface ContactAnnouncer {
  contactCreated(tx: Db, companyId: string, contactId: string, at: Date): Promise<void>;
}

/** The contacts module's announcer, looked up when a contact is made (contacts is installed later). */
export function contactAnnouncerOf(context: { ports: ModulePortRegistry }): ContactAnnouncer {
  return {
    async contactCreated(tx, companyId, contactId, at) {
      await context.ports.find('contactEvents')?.contactCreated(tx, companyId, contactId, at);
    },
  };
}
