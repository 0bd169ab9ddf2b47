/**
 * Contacts as a feature module: the API, the call listener (calls and intercom calls find
 * their contact and conversation, screen pop) and LGPD export and erasure.
 */
import type { InstalledModule, ModuleContext } from '../../app-module.js';
import { createAuditLog } from '../audit/index.js';
import { CallContacts } from './contacts.calls.js';
import { createConversationsGateway } from './contacts.conversations.js';
import { appendContactCreated } from './contacts.events.js';
import { ContactPanels } from './contacts.panel.js';
import { ContactPrivacy } from './contacts.privacy.js';
import { ContactsRepository } from './contacts.repository.js';
import { registerContactsRoutes } from './contacts.routes.js';
import { ContactsService } from './contacts.service.js';
import { ContactTimeline } from './contacts.timeline.js';

export interface ContactsModule extends InstalledModule {
  readonly service: ContactsService;
  /** Resolves once every call event seen so far is handled (tests). */
  settled(): Promise<void>;
}

export function createContactsModule(context: ModuleContext): ContactsModule {
  const logger = context.logger.child({ module: 'contacts' });
  const audit = createAuditLog(context.clock);
  const service = new ContactsService({
    repository: new ContactsRepository(context.db),
    audit,
    clock: context.clock,
    logger,
  });
  const timeline = new ContactTimeline(context.db);
  const panels = new ContactPanels({ db: context.db, contacts: service, timeline, clock: context.clock });
  const privacy = new ContactPrivacy({
    db: context.db,
    audit,
    clock: context.clock,
    logger,
    secret: context.config.jwtSecret,
    mediaDir: context.config.media.dir,
    recordingsDir: context.config.asterisk.recordingsDir,
  });
  const calls = new CallContacts({
    db: context.db,
    service,
    conversations: createConversationsGateway(context),
    publisher: context.publisher,
    clock: context.clock,
    logger,
  });
  let unsubscribe: (() => void) | undefined;
  return {
    service,
    settled: () => calls.settled(),
    // Contacts the conversations module makes for inbound traffic are announced by this module.
    provides: { contactEvents: { contactCreated: appendContactCreated } },
    routes: (app) => registerContactsRoutes(app, { contacts: service, timeline, privacy, panels }),
    async start() {
      unsubscribe = context.subscribe((event) => calls.observe(event));
    },
    async stop() {
      unsubscribe?.();
      await calls.settled();
    },
  };
}

export const installContacts = (context: ModuleContext): ContactsModule => createContactsModule(context);
