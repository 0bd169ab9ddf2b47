/**
 * How a feature module plugs into the composition root without main.ts knowing its
 * insides: it gets the shared collaborators and returns its routes, socket commands,
 * connection observers and background jobs.
 */
import type { Registry } from 'prom-client';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import type { TypedApp } from './http/app.js';
import type { OutboundClient } from './integrations/outbound-http/index.js';
import type { WhatsAppPorts } from './modules/channels/index.js';
import type { VoicebotAdapters } from './modules/voicebot/index.js';
import type { Actor } from './shared/actor.js';
import type { Clock } from './shared/clock.js';
import type { ClientCommand, ConnectionObserver, EventPublisher, PublishedEvent } from './shared/events.js';
import type { Logger } from './shared/logger.js';

/** Starting a call from another module (conversations' voice-call button). */
export interface ClickToCall {
  makeCall(actor: Actor, input: { to: string }): Promise<{ id: string; status: string }>;
}

/** Ending a user's sessions from another module (a supervisor signs an agent out). */
export interface SessionControl {
  endAllSessions(companyId: string, userId: string): Promise<void>;
}

export interface ModuleContext {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  publisher: EventPublisher;
  /** Every published event, in seq order, on this node (e.g. stop typing on message_created). */
  subscribe(listener: (event: PublishedEvent) => void): () => void;
  clickToCall: ClickToCall;
  /** Ends every session of a user (auth's log out everywhere). */
  sessions?: SessionControl;
  /** Every outbound HTTP request goes through this guard (docs/security.md). */
  outbound: OutboundClient;
  /** The WhatsApp Cloud API and webhook reader behind the channels module's ports (adapters.ts). */
  whatsapp: WhatsAppPorts;
  /** Served at /metrics: modules register their counters here. */
  metrics: Registry;
  /** The voice bot's media (the AudioSocket server), speech, gate and resident dialer (adapters.ts). */
  voicebot: VoicebotAdapters;
}

export interface InstalledModule {
  routes?(app: TypedApp): void;
  commands?: ClientCommand<unknown>[];
  connections?: ConnectionObserver;
  /** Background work (sweepers, retries); started after the server listens. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type ModuleInstaller = (context: ModuleContext) => InstalledModule;
