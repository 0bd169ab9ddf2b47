/**
 * Presence as a feature module: HTTP routes, the `update_status` and `heartbeat` socket
 * events, a connection observer (sockets count as heartbeats and make an agent
 * connected) and the sweeper that marks silent agents offline.
 */
import { presenceHeartbeatPayloadSchema, setPresenceStatusBodySchema } from '@switchboard/contracts';
import type { InstalledModule, ModuleContext, ModuleInstaller } from '../../app-module.js';
import type { Actor } from '../../shared/actor.js';
import { defineCommand } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import { NodeConnections } from './presence.connections.js';
import { toPresenceDto } from './presence.dto.js';
import { PresenceRepository } from './presence.repository.js';
import { registerPresenceRoutes } from './presence.routes.js';
import { PresenceService, type SweepResult } from './presence.service.js';
import { PresenceSweeper } from './presence.sweeper.js';

export interface PresenceModule extends InstalledModule {
  /** This server process, as its connection rows name it. */
  readonly nodeId: string;
  readonly service: PresenceService;
  /** What the timer does: refresh this node's connections, then sweep if leader. */
  tick(): Promise<SweepResult>;
  /** One sweep under the cluster-wide lock. */
  sweepOnce(): Promise<SweepResult>;
}

export interface PresenceModuleOptions {
  /** False: no timer; ticks happen only through `tick()` (tests drive them by hand). */
  isSchedulerEnabled?: boolean;
}

export function createPresenceModule(context: ModuleContext, options: PresenceModuleOptions = {}): PresenceModule {
  const logger = context.logger.child({ module: 'presence' });
  const nodeId = newId();
  const settings = {
    offlineAfterMs: context.config.presence.offlineAfterSeconds * 1000,
    sweepIntervalMs: context.config.presence.sweepIntervalSeconds * 1000,
  };
  const service = new PresenceService({
    repository: new PresenceRepository(context.db),
    publisher: context.publisher,
    clock: context.clock,
    logger,
    settings,
    nodeId,
  });
  const connections = new NodeConnections(
    (key, open, seenAt) => service.syncConnections(key, open, seenAt),
    logger,
    () => context.clock.now(),
  );
  const sweeper = new PresenceSweeper({ service, connections, intervalMs: settings.sweepIntervalMs, logger });
  const onSocketsChanged = (actor: Actor, openSockets: number) =>
    connections.update({ companyId: actor.companyId, agentId: actor.userId }, openSockets);

  return {
    nodeId,
    service,
    tick: () => sweeper.tick(),
    sweepOnce: () => service.sweepOnce(),
    routes: (app) => registerPresenceRoutes(app, service),
    commands: [
      defineCommand({
        event: 'update_status',
        schema: setPresenceStatusBodySchema,
        handle: async (actor, { status, message, pause_reason_id: pauseReasonId }) =>
          toPresenceDto(await service.setStatus(actor, { status, message, pauseReasonId, isChosenByAgent: true })),
      }),
      defineCommand({
        event: 'heartbeat',
        schema: presenceHeartbeatPayloadSchema,
        handle: async (actor) => toPresenceDto(await service.heartbeat(actor)),
      }),
    ],
    connections: { onConnected: onSocketsChanged, onDisconnected: onSocketsChanged },
    async start() {
      if (options.isSchedulerEnabled !== false) sweeper.start();
    },
    async stop() {
      await sweeper.stop();
      await connections.close();
      await service.flushHeartbeats();
      // Graceful shutdown: this node's agents are disconnected now, not after the timeout.
      await service.releaseNode();
    },
  };
}

export const installPresence: ModuleInstaller = (context) => createPresenceModule(context);
