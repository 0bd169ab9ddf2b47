/**
 * Composition root: configuration, database, services, HTTP. Nothing else constructs
 * collaborators; tests build the same server through `createServer`.
 */
import { createRequire } from 'node:module';
import type { PGlite } from '@electric-sql/pglite';
import { ConfigError, type Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/client.js';
import {
  audiosocketSessions,
  createPromptSpeech,
  createTtsVoices,
  createVoicebotAdapters,
  createWhatsAppPorts,
} from './adapters.js';
import { buildApp, type App } from './http/app.js';
import { SessionCache } from './http/session-cache.js';
import { createMetricsRegistry } from './http/metrics.js';
import {
  argon2Hasher,
  AuthRepository,
  AuthService,
  createJwtAccessTokens,
  LoginThrottle,
  registerAuthRoutes,
  SessionPruner,
  type PasswordHasher,
} from './modules/auth/index.js';
import {
  CallFlow,
  CallLifecycle,
  CallsRepository,
  CallsService,
  registerCallsRoutes,
  type TelephonyEvent,
  type TelephonyPort,
  RecordingRetention,
} from './modules/calls/index.js';
import { MediaFiles, MediaRetention } from './modules/conversations/index.js';
import { createDeviceDirectory, registerUsersRoutes, UsersRepository, UsersService } from './modules/users/index.js';
import { registerVoicebotRoutes } from './modules/voicebot/index.js';
import { createAudiosocketServer, type AudiosocketServer } from './integrations/audiosocket/index.js';
import { AriClient, AriConnection, AriResidentDialer, AriTelephony } from './integrations/asterisk-ari/index.js';
import type { AudiosocketCallResolver } from './integrations/audiosocket/index.js';
import { isVoicebotModule } from './modules/voicebot/index.js';
import { RedisChannel, RedisCounters } from './integrations/redis/index.js';
import { OutboundAllowList, OutboundHttp } from './integrations/outbound-http/index.js';
import {
  channelTransport,
  DEFAULT_SOCKET_LIMITS,
  EventBus,
  EventLogRepository,
  EventLogRetention,
  RealtimeServer,
} from './realtime/index.js';
import type { InstalledModule, ModuleInstaller } from './app-module.js';
import { FEATURE_MODULES, isContactCenterModule } from './feature-modules.js';
import { createVoicemailInbox } from './modules/conversations/index.js';
import { createVoiceRouting, isQueueTelephony } from './modules/voice-routing/index.js';
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
  /** Undefined without MEDIA_RETENTION_DAYS. */
  readonly mediaRetention: MediaRetention | undefined;
  readonly bus: EventBus;
  /** Prunes event_log past EVENT_LOG_RETENTION_DAYS. */
  readonly eventLogRetention: EventLogRetention;
  readonly realtime: RealtimeServer;
  /** Undefined when AUDIOSOCKET_ENABLED=false. */
  readonly audiosocket: AudiosocketServer | undefined;
  /** Feeds PBX events to call control (the Asterisk adapter calls it; tests may too). */
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
  /** Feature modules to install; by default FEATURE_MODULES. */
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
  const hasher = overrides.hasher ?? argon2Hasher;
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    ...(overrides.pglite ? { pglite: overrides.pglite } : {}),
  });
  // Closed if startup fails after the bus has connected to Redis.
  let busToClose: EventBus | undefined;
  let loginCounters: RedisCounters | undefined;
  try {
    await database.migrate();

    const sessionPruner = new SessionPruner({ db: database.db, clock, logger: logger.child({ module: 'auth' }) });
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
    const usersRepository = new UsersRepository(database.db);
    const users = new UsersService({
      repository: usersRepository,
      hasher,
      clock,
      logger: logger.child({ module: 'users' }),
      events: bus,
      sip: config.sip,
    });
    const auth = new AuthService({
      repository: new AuthRepository(database.db),
      accounts: {
        findAccountByEmail: (email) => usersRepository.findAccountByEmail(email),
        findAccountById: (companyId, userId) => usersRepository.findAccountById(companyId, userId),
        recordLogin: (actor, at) => usersRepository.recordLogin(actor, at),
        invalidateTokensBefore: (actor, at) => usersRepository.invalidateTokensBefore(actor, at),
        createCompanyWithAdmin: (input) => users.createCompanyWithAdmin(input),
      },
      hasher,
      tokens: createJwtAccessTokens({ secret: config.jwtSecret, now: () => clock.now() }),
      throttle: new LoginThrottle(
        {
          maxFailuresPerIp: config.login.maxAttemptsPerIp,
          maxFailuresPerAccount: config.login.maxAttemptsPerAccount,
          windowMs: config.login.windowSeconds * 1000,
        },
        {
          ...(loginCounters ? { counters: loginCounters } : {}),
          nowMs: () => clock.now().getTime(),
          logger: logger.child({ module: 'auth' }),
        },
      ),
      clock,
      logger: logger.child({ module: 'auth' }),
      events: bus,
      signupEnabled: config.signupEnabled,
    });

    // Access tokens checked within the last few seconds skip the database; every node drops
    // a user's entries when it hears sessions.revoked (ADR 16).
    const sessionCache = new SessionCache(auth, {
      nowMs: () => clock.now().getTime(),
      ...(overrides.sessionCacheTtlMs !== undefined ? { ttlMs: overrides.sessionCacheTtlMs } : {}),
    });
    bus.subscribe((event) => sessionCache.onEvent(event));

    const ariConfig = config.asterisk.ari;
    const ariLogger = logger.child({ module: 'asterisk-ari' });
    const ariClient =
      ariConfig && !overrides.telephony
        ? new AriClient({
            baseUrl: ariConfig.url,
            username: ariConfig.username,
            password: ariConfig.password,
            logger: ariLogger,
          })
        : undefined;
    const ari =
      ariClient && ariConfig
        ? new AriTelephony(
            ariClient,
            new AriConnection({ client: ariClient, app: ariConfig.app, logger: ariLogger }),
            ariConfig.app,
            ariLogger,
          )
        : undefined;
    const residentDialer =
      ari && ariClient
        ? new AriResidentDialer(ariClient, {
            outboundContext: config.asterisk.outboundContext,
            logger: ariLogger,
            isAvailable: () => ari.isAvailable(),
            sipPrefixOf: (companyId) => usersRepository.findSipPrefix(companyId),
          })
        : undefined;
    const telephony: TelephonyPort | undefined = overrides.telephony ?? ari;
    const callsRepository = new CallsRepository(database.db);
    const lifecycle = new CallLifecycle(callsRepository, bus, clock, logger.child({ module: 'calls' }));
    const devices = createDeviceDirectory(usersRepository);
    const callSettings = {
      outboundContext: config.asterisk.outboundContext,
      agentEndpointTemplate: config.asterisk.agentEndpointTemplate,
      ringTimeoutSeconds: config.asterisk.ringTimeoutSeconds,
      recordingsDir: config.asterisk.recordingsDir,
      recordingFormat: 'wav' as const,
    };
    const calls = new CallsService({
      repository: callsRepository,
      lifecycle,
      telephony,
      devices,
      clock,
      logger: logger.child({ module: 'calls' }),
      settings: callSettings,
    });
    const recordingRetention =
      config.asterisk.recordingRetentionDays === undefined
        ? undefined
        : new RecordingRetention({
            db: database.db,
            recordingsDir: config.asterisk.recordingsDir,
            retentionDays: config.asterisk.recordingRetentionDays,
            intervalMs: config.asterisk.recordingRetentionIntervalMs,
            clock,
            logger: logger.child({ module: 'recording-retention' }),
          });
    const mediaRetention =
      config.media.retentionDays === undefined
        ? undefined
        : new MediaRetention({
            db: database.db,
            files: new MediaFiles(config.media.dir),
            retentionDays: config.media.retentionDays,
            intervalMs: config.media.retentionIntervalMs,
            clock,
            logger: logger.child({ module: 'media-retention' }),
          });
    const callFlow = telephony
      ? new CallFlow({
          repository: callsRepository,
          lifecycle,
          telephony,
          devices,
          clock,
          logger: logger.child({ module: 'call-flow' }),
          settings: callSettings,
        })
      : undefined;

    // The voice bot, installed below, tells whose call each AudioSocket connection is.
    const voicebotCalls: { resolve?: AudiosocketCallResolver } = {};
    const audiosocket = config.audiosocket.isEnabled
      ? createAudiosocketServer({
          logger: logger.child({ module: 'audiosocket' }),
          host: config.audiosocket.host,
          port: config.audiosocket.port,
          allowedPeers: config.audiosocket.allowedPeers,
          resolveCall: (uuid) => voicebotCalls.resolve?.(uuid) ?? { callId: uuid, role: 'visitor', intentData: {} },
        })
      : undefined;

    const metrics = createMetricsRegistry();
    const outbound = new OutboundHttp({
      allowList: new OutboundAllowList(config.outboundAllowedHosts),
      logger: logger.child({ module: 'outbound-http' }),
    });
    const whatsapp = createWhatsAppPorts(config, outbound, logger);
    const voices = createTtsVoices(config, logger);
    const installed: InstalledModule[] = (overrides.modules ?? FEATURE_MODULES).map((install) =>
      install({
        config,
        db: database.db,
        clock,
        logger,
        publisher: bus,
        subscribe: (listener) => bus.subscribe(listener),
        voicebot: createVoicebotAdapters({ config, outbound, voices, audiosocket, residentDialer }),
        clickToCall: { makeCall: (actor, input) => calls.makeCall(actor, input) },
        sessions: {
          endAllSessions: (companyId, userId) => auth.logoutEverywhere({ companyId, userId, role: 'agent' }),
        },
        outbound,
        whatsapp,
        metrics,
      }),
    );

    const voicebot = installed.find(isVoicebotModule);
    if (voicebot) voicebotCalls.resolve = (uuid) => voicebot.resolveAudiosocketCall(uuid);

    // Voice queues carry out the routing engine's decisions on the PBX (modules/voice-routing).
    const contactCenter = installed.find(isContactCenterModule);
    const voiceRouting = contactCenter
      ? createVoiceRouting({
          config,
          db: database.db,
          clock,
          logger,
          telephony: telephony && isQueueTelephony(telephony) ? telephony : undefined,
          engine: contactCenter.routing.engine,
          subscribe: (listener) => bus.subscribe(listener),
          calls: callsRepository,
          lifecycle,
          devices,
          presence: {
            statusOf: async (companyId, agentId) =>
              (await contactCenter.presence.service.getMine({ companyId, userId: agentId, role: 'agent' })).status,
            setStatus: async (companyId, agentId, status) => {
              await contactCenter.presence.service.setStatus({ companyId, userId: agentId, role: 'agent' }, { status });
            },
          },
          voicemail: createVoicemailInbox({ db: database.db, publisher: bus, config, clock, logger }),
          dialer: { makeCall: (actor, input) => calls.makeCall(actor, input) },
          speech: createPromptSpeech(voices),
        })
      : undefined;

    if (ari && callFlow) {
      ari.onEvent((event) => {
        void callFlow.handle(event);
        void voiceRouting?.handleTelephonyEvent(event);
      });
      ari.onReconciled((present, linkLostAt) => void callFlow.reconcile(present, linkLostAt));
    }

    const app = await buildApp({
      logger,
      authenticator: sessionCache,
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
          check: () =>
            Promise.resolve(telephony ? (telephony.isAvailable() ? 'up' : 'disconnected') : 'not_configured'),
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
        registerAuthRoutes(typed, auth);
        registerUsersRoutes(typed, users, {
          // The softphone's view: a SIP-only PBX (SIP_WSS_URL, no ARI) takes registrations too.
          pbxState: () =>
            telephony
              ? telephony.isAvailable()
                ? 'up'
                : 'disconnected'
              : config.sip.isWssUrlSet
                ? 'up'
                : 'not_configured',
        });
        registerCallsRoutes(typed, calls);
        voiceRouting?.routes(typed);
        registerVoicebotRoutes(typed, {
          sessions: audiosocketSessions(audiosocket),
          authenticator: auth,
          apiKey: config.audiosocket.apiKey,
          logger: logger.child({ module: 'voicebot' }),
        });
        for (const module of installed) module.routes?.(typed);
      },
    });
    const realtime = new RealtimeServer(app.server, {
      logger: logger.child({ module: 'realtime' }),
      bus,
      eventLog,
      authenticate: (token) => auth.authenticateSession(token),
      canFollowCall: (actor, callId) => calls.canFollowCall(actor, callId),
      corsOrigins: config.corsOrigins,
      limits: { ...DEFAULT_SOCKET_LIMITS, events: config.socketEvents },
    });

    for (const module of installed) {
      for (const command of module.commands ?? []) realtime.registerCommand(command);
      if (module.connections) realtime.addConnectionObserver(module.connections);
    }
    busToClose = bus;
    await bus.start();
    await loginCounters?.start();
    await audiosocket?.listen();
    ari?.start();
    for (const module of installed) await module.start?.();
    voiceRouting?.start();
    sessionPruner.start();
    recordingRetention?.start();
    mediaRetention?.start();
    eventLogRetention.start();
    let isClosed = false;
    return {
      app,
      database,
      users,
      calls,
      recordingRetention,
      mediaRetention,
      bus,
      eventLogRetention,
      realtime,
      audiosocket,
      handleTelephonyEvent: async (event) => {
        await callFlow?.handle(event);
        await voiceRouting?.handleTelephonyEvent(event);
      },
      async close() {
        if (isClosed) return;
        isClosed = true;
        await sessionPruner.stop();
        await recordingRetention?.stop();
        await mediaRetention?.stop();
        await eventLogRetention.stop();
        await voiceRouting?.stop();
        for (const module of installed) await module.stop?.();
        await ari?.stop();
        realtime.close();
        await audiosocket?.close();
        await app.close();
        await outbound.close();
        await bus.close();
        await loginCounters?.close();
        await database.close();
      },
    };
  } catch (error) {
    await busToClose?.close().catch(() => undefined);
    await loginCounters?.close().catch(() => undefined);
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
