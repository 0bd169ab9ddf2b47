/**
 * Feature modules installed by the composition root, in order. Each is self-contained
 * behind its installer (app-module.ts); presence, conversations and routing are built
 * together because routing reaches the other two through ports, per server.
 */
import type { InstalledModule, ModuleInstaller } from './app-module.js';
import { installAudit } from './modules/audit/index.js';
import { installContacts } from './modules/contacts/index.js';
import { createConversationsModule } from './modules/conversations/index.js';
import { createCustomerMessagesModule } from './modules/customer-messages/index.js';
import { installIntegrations } from './modules/integrations/index.js';
import { createPresenceModule } from './modules/presence/index.js';
import { installProductivity } from './modules/productivity/index.js';
import { createReportsModule } from './modules/reports/index.js';
import { assignWaitingEntry, createRoutingModule, moveWaitingCall } from './modules/routing/index.js';
import { installVoicebot } from './modules/voicebot/index.js';

/** Presence, conversations and the routing engine that joins them. */
export const installContactCenter: ModuleInstaller = (context) => {
  const presence = createPresenceModule(context);
  const customerMessages = createCustomerMessagesModule(context);
  const conversations = createConversationsModule(context, { texts: customerMessages.service });
  const routing = createRoutingModule(context, {
    conversations: conversations.routing,
    texts: customerMessages.service,
    presence: {
      async setAway(companyId, agentId, reason) {
        await presence.service.setStatus(
          { companyId, userId: agentId, role: 'agent' },
          { status: 'away', systemReason: reason },
        );
      },
    },
  });
  const reports = createReportsModule(context, {
    async setStatus(companyId, agentId, input) {
      await presence.service.setStatus({ companyId, userId: agentId, role: 'agent' }, input);
    },
    async moveToQueue(actor, entry, queueId) {
      if (entry.conversationId === null) {
        // A waiting call: decided here, carried out by the node holding ARI (routing.move-call.ts).
        await moveWaitingCall(
          {
            ...context,
            logger: context.logger.child({ module: 'routing' }),
            routeQueue: routing.engine.routeQueue.bind(routing.engine),
          },
          { companyId: actor.companyId, entryId: entry.entryId, queueId },
        );
        return;
      }
      await routing.router.transfer(actor, entry.conversationId, queueId);
    },
    async moveToAgent(companyId, entryId, agentId) {
      await assignWaitingEntry(
        { ...context, conversations: conversations.routing, logger: context.logger.child({ module: 'routing' }) },
        { companyId, entryId, agentId },
      );
    },
  });
  return Object.assign(combineModules([presence, customerMessages, conversations, routing, reports]), {
    routing,
    reports,
    presence,
  });
};

/** The contact center as installed, for what the composition root wires to it (voice queues). */
export type ContactCenterModule = InstalledModule & {
  routing: ReturnType<typeof createRoutingModule>;
  presence: ReturnType<typeof createPresenceModule>;
};

export function isContactCenterModule(module: InstalledModule): module is ContactCenterModule {
  return 'routing' in module && 'presence' in module;
}

export const FEATURE_MODULES: readonly ModuleInstaller[] = [
  installContactCenter,
  installVoicebot,
  installAudit,
  installContacts,
  installProductivity,
  installIntegrations,
];

/** Several modules as one: routes and commands of all, observers in order, started in order, stopped in reverse. */
function combineModules(modules: readonly InstalledModule[]): InstalledModule {
  return {
    routes(app) {
      for (const module of modules) module.routes?.(app);
    },
    commands: modules.flatMap((module) => module.commands ?? []),
    connections: {
      async onConnected(actor, openSockets) {
        for (const module of modules) await module.connections?.onConnected?.(actor, openSockets);
      },
      async onDisconnected(actor, openSockets) {
        for (const module of modules) await module.connections?.onDisconnected?.(actor, openSockets);
      },
    },
    async start() {
      for (const module of modules) await module.start?.();
    },
    async stop() {
      for (const module of [...modules].reverse()) await module.stop?.();
    },
  };
}
