/**
 * The modules the composition root installs, in order (ADR 11): users, auth and calls
 * first (the others use their ports), then the features. Each is self-contained behind
 * its installer (app-module.ts); presence, conversations, routing, reports and voice
 * queues are built together because they reach each other through ports, per server.
 */
import type { InstalledModule, ModuleInstaller } from './app-module.js';
import { installAudit } from './modules/audit/index.js';
import { installAuth } from './modules/auth/index.js';
import { installCalls } from './modules/calls/index.js';
import { installContacts } from './modules/contacts/index.js';
import {
  createConversationsModule,
  createVoicemailInbox,
  MediaFiles,
  MediaRetention,
} from './modules/conversations/index.js';
import { createCustomerMessagesModule } from './modules/customer-messages/index.js';
import { installIntegrations } from './modules/integrations/index.js';
import { createPresenceModule } from './modules/presence/index.js';
import { installProductivity } from './modules/productivity/index.js';
import { createReportsModule } from './modules/reports/index.js';
import { assignWaitingEntry, createRoutingModule, moveWaitingCall } from './modules/routing/index.js';
import { installUsers } from './modules/users/index.js';
import { createVoiceRouting, isQueueTelephony } from './modules/voice-routing/index.js';
import { installVoicebot } from './modules/voicebot/index.js';
import { createWebchatModule } from './modules/webchat/index.js';

/** Always installed, in this order: users (accounts, devices), auth (sessions), calls. */
export const CORE_MODULES: readonly ModuleInstaller[] = [installUsers, installAuth, installCalls];

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
  // Web chat: visitors' messages enter the inbox; a new conversation goes to its channel's queue.
  const webchat = createWebchatModule(context, { conversations: conversations.webchat, router: routing.router });
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
  // Voice queues carry out the routing engine's decisions on the PBX (modules/voice-routing).
  const callRecords = context.ports.get('callRecords');
  const voiceRouting = createVoiceRouting({
    config: context.config,
    db: context.db,
    clock: context.clock,
    logger: context.logger,
    telephony: context.telephony && isQueueTelephony(context.telephony) ? context.telephony : undefined,
    engine: routing.engine,
    subscribe: (listener) => context.subscribe(listener),
    calls: callRecords.repository,
    lifecycle: callRecords.lifecycle,
    devices: context.ports.get('devices'),
    presence: {
      statusOf: async (companyId, agentId) =>
        (await presence.service.getMine({ companyId, userId: agentId, role: 'agent' })).status,
      setStatus: async (companyId, agentId, status) => {
        await presence.service.setStatus({ companyId, userId: agentId, role: 'agent' }, { status });
      },
    },
    voicemail: createVoicemailInbox(context),
    dialer: context.clickToCall,
    speech: context.promptSpeech,
    forward: (target, prefix, actions) => context.ports.get('callCommands').forward(target, prefix, actions),
  });
  const voiceQueues: InstalledModule = {
    routes: (app) => voiceRouting.routes(app),
    telephony: {
      onEvent: (event) => voiceRouting.handleTelephonyEvent(event),
      // A restarted or reconnected PBX link: callers still waiting in Stasis are adopted again.
      onReconciled: (present) => voiceRouting.handleReconciled(present),
    },
    start: async () => voiceRouting.start(),
    stop: () => voiceRouting.stop(),
  };
  return Object.assign(
    combineModules([
      presence,
      customerMessages,
      conversations,
      routing,
      webchat,
      reports,
      voiceQueues,
      installMediaRetention(context),
    ]),
    { routing, reports, presence },
  );
};

/**
 * Files contacts sent, deleted after MEDIA_RETENTION_DAYS (kept without it), and uploads,
 * removed after UPLOAD_RETENTION_HOURS.
 */
const installMediaRetention: ModuleInstaller = (context) => {
  const { media } = context.config;
  const retention = new MediaRetention({
    db: context.db,
    files: new MediaFiles(media.dir),
    retentionDays: media.retentionDays,
    uploadRetentionMs: media.uploadRetentionMs,
    intervalMs: media.retentionIntervalMs,
    clock: context.clock,
    logger: context.logger.child({ module: 'media-retention' }),
  });
  return {
    provides: { mediaRetention: retention },
    start: async () => retention.start(),
    stop: () => retention.stop(),
  };
};

export const FEATURE_MODULES: readonly ModuleInstaller[] = [
  installContactCenter,
  installVoicebot,
  installAudit,
  installContacts,
  installProductivity,
  installIntegrations,
];

/**
 * Several modules as one: routes and commands of all, observers in order, ports of all,
 * started in order, stopped in reverse.
 */
function combineModules(modules: readonly InstalledModule[]): InstalledModule {
  return {
    provides: Object.assign({}, ...modules.map((module) => module.provides ?? {})) as InstalledModule['provides'],
    telephony: {
      async onEvent(event) {
        for (const module of modules) await module.telephony?.onEvent(event);
      },
      async onReconciled(present, linkLostAt) {
        for (const module of modules) await module.telephony?.onReconciled?.(present, linkLostAt);
      },
    },
    routes(app) {
      for (const module of modules) module.routes?.(app);
    },
    commands: modules.flatMap((module) => module.commands ?? []),
    sockets(io) {
      for (const module of modules) module.sockets?.(io);
    },
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
