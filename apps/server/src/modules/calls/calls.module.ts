/**
 * The calls module as the composition root installs it: call records and actions over
 * HTTP, call control on the PBX's events (when a PBX is configured) and the recordings'
 * retention. Agents' devices come from the users module (`devices` port); it offers
 * click-to-call, who may follow a call (Socket.IO), and call records to voice queues.
 */
import type { ModuleInstaller } from '../../app-module.js';
import { CallFlow } from './call-flow.js';
import { CallCommandRouter, callCommandsOf, forwardingCallsService } from './calls.forwarding.js';
import { CallLifecycle } from './calls.lifecycle.js';
import { CallsRepository } from './calls.repository.js';
import { registerCallsRoutes } from './calls.routes.js';
import { CallsService } from './calls.service.js';
import { RecordingRetention } from './recording-retention.js';

export const installCalls: ModuleInstaller = (context) => {
  const { config, clock, telephony } = context;
  const { asterisk } = config;
  const repository = new CallsRepository(context.db);
  const lifecycle = new CallLifecycle(repository, context.publisher, clock, context.logger.child({ module: 'calls' }));
  const devices = context.ports.get('devices');
  const settings = {
    outboundContext: asterisk.outboundContext,
    agentEndpointTemplate: asterisk.agentEndpointTemplate,
    ringTimeoutSeconds: asterisk.ringTimeoutSeconds,
    recordingsDir: asterisk.recordingsDir,
    recordingFormat: 'wav' as const,
  };
  const local = new CallsService({
    repository,
    lifecycle,
    telephony,
    devices,
    clock,
    logger: context.logger.child({ module: 'calls' }),
    settings,
  });
  // Accepted on every node, executed by the one that owns the PBX (ADR 23).
  const router = new CallCommandRouter({
    ownership: context.pbxOwnership,
    relay: context.nodeRelay,
    logger: context.logger.child({ module: 'call-commands' }),
  });
  const calls = forwardingCallsService(local, router);
  const flow = telephony
    ? new CallFlow({
        repository,
        lifecycle,
        telephony,
        devices,
        clock,
        logger: context.logger.child({ module: 'call-flow' }),
        settings,
      })
    : undefined;
  const retention =
    asterisk.recordingRetentionDays === undefined
      ? undefined
      : new RecordingRetention({
          db: context.db,
          recordingsDir: asterisk.recordingsDir,
          retentionDays: asterisk.recordingRetentionDays,
          intervalMs: asterisk.recordingRetentionIntervalMs,
          clock,
          logger: context.logger.child({ module: 'recording-retention' }),
        });
  return {
    routes: (app) => registerCallsRoutes(app, calls),
    ...(flow
      ? {
          telephony: {
            onEvent: (event) => flow.handle(event),
            onReconciled: (present, linkLostAt) => flow.reconcile(present, linkLostAt),
          },
        }
      : {}),
    provides: {
      calls,
      clickToCall: { makeCall: (actor, input) => calls.makeCall(actor, input) },
      callAccess: { canFollowCall: (actor, callId) => calls.canFollowCall(actor, callId) },
      callRecords: { repository, lifecycle },
      callCommands: callCommandsOf(router),
      ...(retention ? { recordingRetention: retention } : {}),
    },
    start: async () => retention?.start(),
    stop: async () => retention?.stop(),
  };
};
