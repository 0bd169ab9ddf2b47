/**
 * How a module plugs into the composition root without main.ts knowing its insides: it
 * gets the shared collaborators and returns its routes, socket commands, connection and
 * telephony observers, background jobs, and the ports it offers other modules (ADR 11).
 *
 * Every module is installed this way, auth, users and calls included; main.ts only builds
 * what is shared (database, event bus, outbound guard, metrics, the integrations behind
 * the modules' ports) and installs a list (feature-modules.ts).
 */
import type { Registry } from 'prom-client';
import type { Server as SocketServer } from 'socket.io';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import type { TypedApp } from './http/app.js';
import type { Authenticator } from './http/auth.js';
import type { SessionAuthenticator } from './http/session-cache.js';
import type { OutboundClient } from './integrations/outbound-http/index.js';
import type { AccountDirectory, PasswordHasher, ThrottleCounters } from './modules/auth/index.js';
import type {
  CallCommands,
  CallLifecycle,
  CommandRelay,
  PbxOwnership,
  CallsRepository,
  CallsService,
  DeviceDirectory,
  RecordingRetention,
  TelephonyEvent,
  TelephonyPort,
} from './modules/calls/index.js';
import type { WhatsAppPorts } from './modules/channels/index.js';
import type { ContactAnnouncer, MediaRetention } from './modules/conversations/index.js';
import type { UsersService } from './modules/users/index.js';
import type { PromptSpeech } from './modules/voice-routing/index.js';
import type { ResolvedMediaCall, VoicebotAdapters } from './modules/voicebot/index.js';
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

/**
 * What modules offer each other and the composition root, by name. A module lists what it
 * provides in `InstalledModule.provides`; a module installed later reads it with
 * `context.ports.get(name)` (at install time, or lazily inside a method).
 */
export interface ModulePorts {
  /** users → the composition root (the first administrator) and tests. */
  users: UsersService;
  /** users → auth: the accounts people sign in to, and sign-up's new company. */
  accounts: AccountDirectory;
  /** users → calls, voice routing: agents' SIP devices. */
  devices: DeviceDirectory;
  /** users → the PBX adapter's resident dialer: a company's SIP prefix. */
  sipPrefixes: { findSipPrefix(companyId: string): Promise<string | undefined> };
  /** auth → HTTP (behind the session cache), Socket.IO and the voice bot's operations routes. */
  authenticator: Authenticator & SessionAuthenticator;
  /** auth → every module: sign a user out everywhere. */
  sessions: SessionControl;
  /** calls → the composition root and tests. */
  calls: CallsService;
  /** calls → conversations, voice routing: a click-to-call. */
  clickToCall: ClickToCall;
  /** calls → Socket.IO's join_call. */
  callAccess: { canFollowCall(actor: Actor, callId: string): Promise<boolean> };
  /** calls → voice routing: PBX actions run on the node that owns the PBX (ADR 23). */
  callCommands: CallCommands;
  /** calls → voice routing: call records and their lifecycle. */
  callRecords: { repository: CallsRepository; lifecycle: CallLifecycle };
  /** calls, with RECORDING_RETENTION_DAYS → the composition root and tests. */
  recordingRetention: RecordingRetention;
  /** conversations, with MEDIA_RETENTION_DAYS → the composition root and tests. */
  mediaRetention: MediaRetention;
  /** contacts → conversations: `contact.created` for the contacts inbound traffic makes. */
  contactEvents: ContactAnnouncer;
  /** voice bot → the AudioSocket server: whose call each connection is. */
  mediaCalls: { resolveAudiosocketCall(audiosocketUuid: string): Promise<ResolvedMediaCall> };
}

export interface ModulePortRegistry {
  /** The port an earlier module provided; throws when none did (a missing or misordered installer). */
  get<K extends keyof ModulePorts>(name: K): ModulePorts[K];
  /** The port, or undefined when no module provides it (optional ports: retention jobs). */
  find<K extends keyof ModulePorts>(name: K): ModulePorts[K] | undefined;
}

export interface ModuleContext {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  publisher: EventPublisher;
  /** Every published event, in seq order, on this node (e.g. stop typing on message_created). */
  subscribe(listener: (event: PublishedEvent) => void): () => void;
  /** The events this node published, as soon as they are appended: for reactions one node is enough for. */
  subscribeOwn(listener: (event: PublishedEvent) => void): () => void;
  /** Ports of the modules installed before this one (and, lazily, of all). */
  ports: ModulePortRegistry;
  /** Calls' click-to-call, late-bound (`ports.get('clickToCall')`). */
  clickToCall: ClickToCall;
  /** Auth's log out everywhere, late-bound (`ports.get('sessions')`). */
  sessions?: SessionControl;
  /** Hashes and verifies passwords (argon2id; tests give a fast one). */
  hasher: PasswordHasher;
  /** With REDIS_URL: login failures counted across nodes. */
  loginCounters?: ThrottleCounters;
  /** The PBX (ARI), undefined without one: call actions answer 503. */
  telephony?: TelephonyPort;
  /** With ASTERISK_ARI_URL: which node owns the PBX now (the ARI lease, ADR 23). */
  pbxOwnership?: PbxOwnership;
  /** With REDIS_URL: request/reply between nodes (call commands to the PBX's owner). */
  nodeRelay?: CommandRelay;
  /** Every outbound HTTP request goes through this guard (docs/security.md). */
  outbound: OutboundClient;
  /** The WhatsApp Cloud API and webhook reader behind the channels module's ports (adapters.ts). */
  whatsapp: WhatsAppPorts;
  /** Served at /metrics: modules register their counters here. */
  metrics: Registry;
  /** The voice bot's media (the AudioSocket server), speech, gate and resident dialer (adapters.ts). */
  voicebot: VoicebotAdapters;
  /** Voices and WAV encoding for the voice queues' prompts (adapters.ts). */
  promptSpeech: PromptSpeech;
}

/** What a module does with the PBX's events (call control, voice queues). */
export interface TelephonyObserver {
  onEvent(event: TelephonyEvent): Promise<void>;
  /** After the ARI link came back: the channels Asterisk still has, and when the link was lost. */
  onReconciled?(presentChannelIds: ReadonlySet<string>, linkLostAt: Date | undefined): Promise<void>;
}

export interface InstalledModule {
  routes?(app: TypedApp): void;
  commands?: ClientCommand<unknown>[];
  connections?: ConnectionObserver;
  telephony?: TelephonyObserver;
  /** Ports this module offers the modules installed after it and the composition root. */
  provides?: Partial<ModulePorts>;
  /** Socket.IO namespaces of its own (web chat's visitors), opened once the server's Socket.IO exists. */
  sockets?(io: SocketServer): void;
  /** Background work (sweepers, retries); started after the server listens. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type ModuleInstaller = (context: ModuleContext) => InstalledModule;

/** The registry the composition root fills as it installs the list. */
export class PortRegistry implements ModulePortRegistry {
  private readonly ports: Partial<ModulePorts> = {};

  get<K extends keyof ModulePorts>(name: K): ModulePorts[K] {
    const port = this.ports[name];
    if (port === undefined) {
      throw new Error(`No installed module provides the "${name}" port: install its module before this one`);
    }
    return port;
  }

  find<K extends keyof ModulePorts>(name: K): ModulePorts[K] | undefined {
    return this.ports[name];
  }

  /** A module's ports; a port two modules provide is a wiring mistake. */
  add(provided: Partial<ModulePorts> | undefined): void {
    for (const [name, port] of Object.entries(provided ?? {})) {
      if (port === undefined) continue;
      if (name in this.ports) throw new Error(`Two installed modules provide the "${name}" port`);
      Object.assign(this.ports, { [name]: port });
    }
  }
}
