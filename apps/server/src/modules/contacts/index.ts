/**
 * Contacts: the customer record that ties every channel together (issue 13,
 * docs/adr/0021-contacts-identity-hub.md): contacts and identities, the merged timeline,
 * calls and intercom calls on their contact and conversation, screen pop, LGPD export and
 * erasure.
 */
export { createContactsModule, installContacts, type ContactsModule } from './contacts.module.js';
export { toE164 } from './contacts.identities.js';
