/**
 * Feature modules installed by the composition root, in order. Each is self-contained
 * behind its installer (app-module.ts); presence, conversations and routing are built
 * together because routing reaches the other two through ports, per server.
 */
import type { InstalledModule, ModuleInstaller } from './app-module.js';
import { createConversationsModule } from './modules/conversations/index.js';
import { createPresenceModule } from './modules/presence/index.js';
import { createRoutingModule } from './modules/routing/index.js';
import { installVoicebot } from './modules/voicebot/index.js';

/** Presence, conversations and the routing engine that joins them. */
export const installContactCenter: ModuleInstaller = (context) => {
  const presence = createPresenceModule(context);
  const conversations = createConversationsModule(context);
  const routing = createRoutingModule(context, {
    conversations: conversations.routing,
    presence: {
      async setAway(companyId, agentId, reason) {
        await presence.service.setStatus(
          { companyId, userId: agentId, role: 'agent' },
          { status: 'away', systemReason: reason },
        );
      },
    },
  });
  return Object.assign(combineModules([presence, conversations, routing]), { routing });
};

export const FEATURE_MODULES: readonly ModuleInstaller[] = [installContactCenter, installVoicebot];

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
