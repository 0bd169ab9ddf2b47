/**
 * Composition root: configuration, database, event bus, the shared collaborators and the
 * integrations behind the modules' ports (adapters.ts), then a list of module installers
 * (feature-modules.ts, ADR 11). Nothing else constructs collaborators; tests build the same
 * server through `createServer`.
 */
import { createRequire } from 'node:module';
import type { PGlite } from '@electric-sql/pglite';
import { ConfigError, type Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/client.js';
import {
  createAri,
  createPromptSpeech,
  createTtsVoices,
  createVoicebotAdapters,
  createWhatsAppPorts,
} from './adapters.js';
import { PortRegistry, type InstalledModule, type ModuleContext, type ModuleInstaller } from './app-module.js';
import { CORE_MODULES, FEATURE_MODULES } from './feature-modules.js';
import { buildApp, type App } from './http/app.js';
import { SessionCache } from './http/session-cache.js';
import { createMetricsRegistry } from './http/metrics.js';
import { argon2Hasher, type PasswordHasher } from './modules/auth/index.js';
import {
  newNodeId,
  PbxLease,
  type CallsService,
  type RecordingRetention,
  type TelephonyEvent,
  type TelephonyPort,
} from './modules/calls/index.js';
import type { MediaRetention } from './modules/conversations/index.js';
import type { UsersService } from './modules/users/index.js';
import { createAudiosocketServer, type AudiosocketServer } from './integrations/audiosocket/index.js';
import { RedisChannel, RedisCounters, RedisRpc } from './integrations/redis/index.js';
import { OutboundAllowList, OutboundHttp } from './integrations/outbound-http/index.js';
import {
  channelTransport,
  DEFAULT_SOCKET_LIMITS,
  EventBus,
  EventLogRepository,
  EventLogRetention,
  RealtimeServer,
} from './realtime/index.js';
import { systemClock, type Clock } from './shared/clock.js';
import { AppError } from './shared/errors.js';
import { newSecret } from './shared/ids.js';
import type { Logger } from './shared/logger.js';

export interface Server {
  readonly app: App;
  readonly database: DatabaseHandle;
  readonly users: UsersService;
  readonly calls: CallsService;
  /** Undefined without RECORDING_RETENTION_DAYS. */
  readonly recordingRetention: RecordingRetention | undefined;
  /** Undefined without MEDIA_RETENTION_DAYS (or without the contact center installed). */
  readonly mediaRetention: MediaRetention | undefined;
  readonly bus: EventBus;
  /** Prunes event_log past EVENT_LOG_RETENTION_DAYS. */
  readonly eventLogRetention: EventLogRetention;
  readonly realtime: RealtimeServer;
  /** Undefined when AUDIOSOCKET_ENABLED=false. */
  readonly audiosocket: AudiosocketServer | undefined;
  /** Feeds PBX events to every module that observes them (the Asterisk adapter does; tests may too). */
  handleTelephonyEvent(event: TelephonyEvent): Promise<void>;
  close(): Promise<void>;
}

export interface ServerOverrides {
  /** An already-open embedded database (tests clone a migrated template). */
  pglite?: PGlite;
  clock?: Clock;
  hasher?: PasswordHasher;
  /** A PBX to control; by default none until the Asterisk adapter is configured. */
  telephony?: TelephonyPort;
  /** Feature modules installed after the core ones (users, auth, calls); by default FEATURE_MODULES. */
  modules?: readonly ModuleInstaller[];
  /** With REDIS_URL: how long a gap in seqs is waited for, how often the log is polled (tests). */
  eventDelivery?: { gapWaitMs?: number; pollIntervalMs?: number };
  /** How long a verified access token is trusted without a database read (ADR 16); 0: never. */
  sessionCacheTtlMs?: number;
}

/** How often old events are pruned; a backlog is worked through in back-to-back batches. */
const EVENT_LOG_PRUNE_INTERVAL_MS = 60 * 60_000;

const VERSION = (createRequire(import.meta.url)('@switchboard/server/package.json') as { version: string }).version;

export async function createServer(config: Config, logger: Logger, overrides: ServerOverrides = {}): Promise<Server> {
  const clock = overrides.clock ?? systemClock;
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    ...(overrides.pglite ? { pglite: overrides.pglite } : {}),
    onIdleConnectionError: (error) =>
      logger.warn(
        { code: (error as { code?: unknown }).code, message: error.message },
        'database connection closed by the server; the pool opens another',
      ),
  });
  // Closed if startup fails after the bus has connected to Redis.
  let busToClose: EventBus | undefined;
  let loginCounters: RedisCounters | undefined;
  let relay: RedisRpc | undefined;
  try {
    await database.migrate();

    // ── shared collaborators ────────────────────────────────────────────────
    const eventLog = new EventLogRepository(database.db);
    const eventLogRetention = new EventLogRetention({
      db: database.db,
      eventLog,
      retentionDays: config.eventLogRetentionDays,
      intervalMs: EVENT_LOG_PRUNE_INTERVAL_MS,
      clock,
      logger: logger.child({ module: 'event-log-retention' }),
    });
    const eventsLogger = logger.child({ module: 'events' });
    const bus = new EventBus(eventLog, clock, eventsLogger, {
      ...(config.redis
        ? {
            transport: channelTransport(
              new RedisChannel({ url: config.redis.url, channel: config.redis.channel, logger: eventsLogger }),
              eventsLogger,
            ),
          }
        : {}),
      ...overrides.eventDelivery,
    });
    // With several nodes, login failures are counted in Redis so every node sees them.
    loginCounters = config.redis
      ? new RedisCounters({
          url: config.redis.url,
          prefix: 'switchboard:login:',
          logger: logger.child({ module: 'auth' }),
        })
      : undefined;
    const metrics = createMetricsRegistry();
    const outbound = new OutboundHttp({
      allowList: new OutboundAllowList(config.outboundAllowedHosts),
      logger: logger.child({ module: 'outbound-http' }),
    });
    const ports = new PortRegistry();
    // Access tokens checked within the last few seconds skip the database; every node drops
    // a user's entries when it hears sessions.revoked (ADR 16). Auth's authenticator behind it.
    const sessionCache = new SessionCache(
      { authenticateSession: (token) => ports.get('authenticator').authenticateSession(token) },
      {
        nowMs: () => clock.now().getTime(),
        ...(overrides.sessionCacheTtlMs !== undefined ? { ttlMs: overrides.sessionCacheTtlMs } : {}),
      },
    );
    bus.subscribe((event) => sessionCache.onEvent(event));

    // ── integrations behind the modules' ports ───────────────────────────────
    const ari = overrides.telephony
      ? undefined
      : createAri(config, logger, {
          sipPrefixOf: (companyId) => ports.get('sipPrefixes').findSipPrefix(companyId),
        });
    const telephony: TelephonyPort | undefined = overrides.telephony ?? ari?.telephony;
    // Several nodes may configure ARI: the one holding the lease opens its events
    // WebSocket; the others hand call commands to it over Redis (ADR 23).
    const nodeId = newNodeId();
    relay = config.redis
      ? new RedisRpc({
          url: config.redis.url,
          prefix: `${config.redis.channel}:node:`,
          nodeId,
          logger: logger.child({ module: 'node-relay' }),
        })
      : undefined;
    const pbxLease = ari
      ? new PbxLease({
          db: database.db,
          nodeId,
          logger: logger.child({ module: 'pbx-lease' }),
          isPbxUp: () => ari.telephony.isAvailable(),
        })
      : undefined;
    pbxLease?.onChange((change) => {
      if (change.isHolder) ari?.telephony.connect({ linkLostAt: change.previousHolderLastSeenAt });
      else void ari?.telephony.disconnect();
    });
    const audiosocket = config.audiosocket.isEnabled
      ? createAudiosocketServer({
          logger: logger.child({ module: 'audiosocket' }),
          host: config.audiosocket.host,
          port: config.audiosocket.port,
          allowedPeers: config.audiosocket.allowedPeers,
          // The voice bot tells whose call each connection is (its `mediaCalls` port).
          resolveCall: (uuid) =>
            ports.find('mediaCalls')?.resolveAudiosocketCall(uuid) ?? { callId: uuid, role: 'visitor', intentData: {} },
        })
      : undefined;
    const voices = createTtsVoices(config, logger);

    // ── the modules, installed in order ─────────────────────────────────────
    const context: ModuleContext = {
      config,
      db: database.db,
      clock,
      logger,
      publisher: bus,
      subscribe: (listener) => bus.subscribe(listener),
      subscribeOwn: (listener) => bus.subscribeOwn(listener),
      ports,
      clickToCall: { makeCall: (actor, input) => ports.get('clickToCall').makeCall(actor, input) },
      sessions: { endAllSessions: (companyId, userId) => ports.get('sessions').endAllSessions(companyId, userId) },
      hasher: overrides.hasher ?? argon2Hasher,
      ...(loginCounters ? { loginCounters } : {}),
      ...(telephony ? { telephony } : {}),
      ...(pbxLease ? { pbxOwnership: pbxLease } : {}),
      ...(relay ? { nodeRelay: relay } : {}),
      outbound,
      whatsapp: createWhatsAppPorts(config, outbound, logger),
      metrics,
      voicebot: createVoicebotAdapters({
        config,
        outbound,
        voices,
        audiosocket,
        residentDialer: ari?.residentDialer,
        relay,
      }),
      promptSpeech: createPromptSpeech(voices),
    };
    const installed: InstalledModule[] = [];
    for (const install of [...CORE_MODULES, ...(overrides.modules ?? FEATURE_MODULES)]) {
      const module = install(context);
      ports.add(module.provides);
      installed.push(module);
    }
    const observers = installed.flatMap((module) => (module.telephony ? [module.telephony] : []));
    ari?.telephony.onEvent((event) => {
      for (const observer of observers) void observer.onEvent(event);
    });
    ari?.telephony.onReconciled((present, linkLostAt) => {
      for (const observer of observers) void observer.onReconciled?.(present, linkLostAt);
    });

    // ── HTTP and Socket.IO ──────────────────────────────────────────────────
    const app = await buildApp({
      logger,
      authenticator: sessionCache,
      // Responses checked against their schemas in tests and development; compiled in production (ADR 28).
      isResponseChecked: config.nodeEnv !== 'production',
      bodyLimitBytes: config.bodyLimitBytes,
      trustProxy: config.trustProxy,
      corsOrigins: config.corsOrigins,
      version: VERSION,
      readiness: [
        {
          name: 'database',
          check: () => database.ping().then(() => 'up' as const),
        },
        {
          name: 'pbx',
          // Informational: API nodes stay ready without the PBX (call actions answer 503).
          // `standby`: another node owns the PBX and this one forwards call commands to it.
          check: () =>
            Promise.resolve(
              !telephony
                ? 'not_configured'
                : pbxLease && !pbxLease.isHolder()
                  ? 'standby'
                  : telephony.isAvailable()
                    ? 'up'
                    : 'disconnected',
            ),
        },
        ...(config.redis
          ? [
              {
                name: 'redis',
                // Degraded, not down: other nodes' events still arrive, from the event log,
                // within the poll interval (ADR 13). A node is not taken out for it.
                check: () => Promise.resolve(bus.transportState === 'up' ? ('up' as const) : ('degraded' as const)),
              },
            ]
          : []),
      ],
      webRoot: config.webRoot,
      metricsToken: config.metricsToken,
      metricsRegistry: metrics,
      isDocsEnabled: config.isDocsEnabled,
      connectOrigins: [new URL(config.sip.wssUrl).origin],
      routes: (typed) => {
        for (const module of installed) module.routes?.(typed);
      },
    });
    const realtime = new RealtimeServer(app.server, {
      logger: logger.child({ module: 'realtime' }),
      bus,
      eventLog,
      authenticate: (token) => ports.get('authenticator').authenticateSession(token),
      canFollowCall: (actor, callId) => ports.get('callAccess').canFollowCall(actor, callId),
      corsOrigins: config.corsOrigins,
      limits: { ...DEFAULT_SOCKET_LIMITS, events: config.socketEvents },
      ping: config.socketPing,
    });
    for (const module of installed) {
      for (const command of module.commands ?? []) realtime.registerCommand(command);
      if (module.connections) realtime.addConnectionObserver(module.connections);
      module.sockets?.(realtime.io);
    }

    // ── start ───────────────────────────────────────────────────────────────
    busToClose = bus;
    await bus.start();
    await loginCounters?.start();
    await relay?.start();
    await audiosocket?.listen();
    await pbxLease?.start();
    for (const module of installed) await module.start?.();
    eventLogRetention.start();
    let isClosed = false;
    return {
      app,
      database,
      users: ports.get('users'),
      calls: ports.get('calls'),
      recordingRetention: ports.find('recordingRetention'),
      mediaRetention: ports.find('mediaRetention'),
      bus,
      eventLogRetention,
      realtime,
      audiosocket,
      handleTelephonyEvent: async (event) => {
        for (const observer of observers) await observer.onEvent(event);
      },
      async close() {
        if (isClosed) return;
        isClosed = true;
        await eventLogRetention.stop();
        for (const module of [...installed].reverse()) await module.stop?.();
        await pbxLease?.stop();
        await ari?.telephony.stop();
        realtime.close();
        await audiosocket?.close();
        await app.close();
        await outbound.close();
        await bus.close();
        await loginCounters?.close();
        await relay?.close();
        await database.close();
      },
    };
  } catch (error) {
    await busToClose?.close().catch(() => undefined);
    await loginCounters?.close().catch(() => undefined);
    await relay?.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    throw error;
  }
}

export interface BootstrapResult {
  email: string;
  /** Only when it was generated: shown once, never stored in clear. */
  generatedPassword: string | undefined;
}

/** On the very first start, creates the first company and its administrator. */
export async function bootstrapFirstAdmin(server: Server, config: Config): Promise<BootstrapResult | undefined> {
  if ((await server.users.countCompanies()) > 0) return undefined;
  const email = config.adminEmail ?? 'admin@switchboard.local';
  const generatedPassword = config.adminPassword ? undefined : newSecret(18);
  try {
    await server.users.createCompanyWithAdmin({
      companyName: config.companyName,
      name: 'Administrator',
      email,
      password: config.adminPassword ?? generatedPassword ?? '',
    });
  } catch (error) {
    // A setting the operator must change, said as the configuration's other problems are.
    if (error instanceof AppError && error.code === 'password.weak') {
      throw new ConfigError([
        `SWITCHBOARD_ADMIN_PASSWORD: too easy to guess (${error.message}); choose a longer passphrase of uncommon words, or unset it to have one generated`,
      ]);
    }
    throw error;
  }
  return { email, generatedPassword };
}
