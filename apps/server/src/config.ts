/**
 * The only reader of `process.env`. Parsed once, every bad variable reported together,
 * the result typed and frozen. Each variable is documented in `.env.example`.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sipCodecs, sipCodecSchema } from '@switchboard/contracts';
import { z } from 'zod';

const booleanFromString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  REDIS_CHANNEL: z
    .string()
    .regex(/^[\w.:-]{1,100}$/, 'letters, digits and . : _ - only')
    .default('switchboard:events'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SWITCHBOARD_ADMIN_EMAIL: z.email().optional(),
  SWITCHBOARD_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  SWITCHBOARD_COMPANY_NAME: z.string().min(1).max(120).default('Switchboard'),
  SIGNUP_ENABLED: booleanFromString.default(false),
  TRUST_PROXY: booleanFromString.default(false),
  CORS_ORIGINS: z.string().default(''),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(50 * 1024 * 1024)
    .default(1024 * 1024),
  LOGIN_MAX_ATTEMPTS_PER_IP: z.coerce.number().int().min(1).default(30),
  LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  SOCKET_EVENTS_PER_SECOND: z.coerce.number().int().min(1).max(10_000).default(10),
  SOCKET_EVENTS_BURST: z.coerce.number().int().min(1).max(100_000).default(30),
  SOCKET_PING_INTERVAL_SECONDS: z.coerce.number().min(0.1).max(300).default(25),
  SOCKET_PING_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(300).default(20),
  WEB_ROOT: z.string().min(1).optional(),
  ASTERISK_ARI_URL: z.url().optional(),
  ASTERISK_ARI_USERNAME: z.string().min(1).optional(),
  ASTERISK_ARI_PASSWORD: z.string().min(1).optional(),
  ASTERISK_ARI_APP: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default('switchboard'),
  ASTERISK_AGENT_ENDPOINT: z.string().min(1).default('PJSIP/{sipUsername}'),
  ASTERISK_OUTBOUND_CONTEXT: z.string().min(1).max(79).default('from-agents'),
  ASTERISK_RECORDINGS_DIR: z.string().min(1).optional(),
  CALL_RING_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(300).default(30),
  ASTERISK_MEDIA_BASE_URL: z.url().optional(),
  ASTERISK_PROMPTS_DIR: z.string().min(1).optional(),
  RECORDING_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  RECORDING_RETENTION_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  AUDIOSOCKET_ENABLED: booleanFromString.default(true),
  AUDIOSOCKET_HOST: z.string().min(1).default('127.0.0.1'),
  AUDIOSOCKET_ALLOWED_PEERS: addressList({ isHostAllowed: false }).optional(),
  AUDIOSOCKET_PORT: port.default(9092),
  VOICEBOT_API_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  VOICEBOT_LISTEN_TIMEOUT_SECONDS: z.coerce.number().int().min(2).max(60).default(7),
  VOICEBOT_RING_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(120).default(30),
  VOICEBOT_RESIDENT_ATTEMPTS: z.coerce.number().int().min(1).max(5).default(2),
  VOICEBOT_MAX_CALL_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
  JITSI_DOMAIN: z.string().min(1).default('meet.jit.si'),
  JITSI_APP_ID: z.string().min(1).optional(),
  JITSI_APP_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  JITSI_ROOM_TTL_MINUTES: z.coerce.number().int().min(5).max(10_080).default(120),
  WHATSAPP_GRAPH_URL: z.url().default('https://graph.facebook.com/v21.0'),
  OUTBOUND_ALLOWED_HOSTS: addressList({ isHostAllowed: true }).optional(),
  METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  DOCS_ENABLED: booleanFromString.default(true),
  EVENT_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  WEBHOOK_DELIVERY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  // At least twice the receiver's 10-s deadline: a live node's request must end before
  // another node may take its delivery over.
  WEBHOOK_DELIVERY_LEASE_SECONDS: z.coerce.number().int().min(20).max(3600).default(60),
  MEDIA_DIR: z.string().min(1).optional(),
  MEDIA_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  MEDIA_RETENTION_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  UPLOAD_RETENTION_HOURS: z.coerce.number().int().min(1).max(720).default(24),
  MEDIA_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(200 * 1024 * 1024)
    .default(25 * 1024 * 1024),
  PRESENCE_OFFLINE_AFTER_SECONDS: z.coerce.number().int().min(10).max(86_400).default(120),
  PRESENCE_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  TYPING_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  TTS_ENGINE: z.enum(['espeak-ng', 'none']).default('espeak-ng'),
  TTS_VOICE: z.string().min(1).default('pt-br'),
  STT_URL: z.url().optional(),
  STT_API_KEY: z.string().min(1).optional(),
  STT_MODEL: z.string().min(1).default('whisper-1'),
  LLM_URL: z.url().optional(),
  LLM_API_KEY: z.string().min(1).optional(),
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  SIP_DOMAIN: z.string().min(1).default('localhost'),
  SIP_WSS_URL: z.url().optional(),
  SIP_DEFAULT_TEMPLATE: z.enum(['webrtc', 'sip']).default('webrtc'),
  SIP_ENDPOINT_CONTEXT: z.string().min(1).max(40).default('from-agents'),
  SIP_WEBRTC_TRANSPORT: z.string().min(1).max(40).default('transport-wss'),
  SIP_UDP_TRANSPORT: z.string().min(1).max(40).default('transport-udp'),
  // Offered by new browser devices, in order. G.711 first: a source-built Asterisk has no
  // codec_opus (binary-only) and cannot bridge an opus call with anything else.
  SIP_WEBRTC_CODECS: z
    .string()
    .default('ulaw,alaw,opus')
    .transform((value) => value.split(',').map((codec) => codec.trim().toLowerCase()))
    .pipe(
      z
        .array(sipCodecSchema, { error: `each codec one of ${sipCodecs.join(', ')}` })
        .min(1)
        .refine((codecs) => new Set(codecs).size === codecs.length, 'each codec at most once'),
    ),
  WEBRTC_STUN_URLS: iceUrlList(/^stuns?:/, 'stun: or stuns: URLs').optional(),
  WEBRTC_TURN_URLS: iceUrlList(/^turns?:/, 'turn: or turns: URLs').optional(),
  WEBRTC_TURN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  WEBRTC_TURN_TTL_SECONDS: z.coerce.number().int().min(300).max(172_800).default(43_200),
});

export type Env = z.input<typeof envSchema>;

/** A comma-separated list of addresses and CIDR ranges (and, where allowed, host names). */
function addressList(options: { isHostAllowed: boolean }) {
  const isEntry = (entry: string): boolean => {
    const [network = '', prefix, extra] = entry.split('/');
    const family = isIP(network);
    if (family === 0) return options.isHostAllowed && prefix === undefined && /^[a-z0-9.-]{1,253}$/i.test(entry);
    const bits = prefix === undefined ? 0 : Number(prefix);
    return extra === undefined && Number.isInteger(bits) && bits >= 0 && bits <= (family === 4 ? 32 : 128);
  };
  return z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    )
    .refine(
      (entries) => entries.every(isEntry),
      options.isHostAllowed
        ? 'must be comma-separated host names, addresses or CIDR ranges'
        : 'must be comma-separated addresses or CIDR ranges',
    );
}

/** A comma-separated list of RTCIceServer URLs, each with the given scheme. */
function iceUrlList(scheme: RegExp, what: string) {
  return z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((url) => url.trim())
        .filter((url) => url !== ''),
    )
    .refine((urls) => urls.every((url) => scheme.test(url) && !/\s/.test(url)), `must be comma-separated ${what}`);
}

export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** Connections each node keeps to the PostgreSQL server (`DATABASE_URL` only). */
  readonly databasePoolSize: number;
  /** Several nodes: events reach every node's sockets over this Redis channel (ADR 13). */
  readonly redis: { readonly url: string; readonly channel: string } | undefined;
  readonly jwtSecret: string;
  readonly adminEmail: string | undefined;
  readonly adminPassword: string | undefined;
  readonly companyName: string;
  readonly signupEnabled: boolean;
  readonly trustProxy: boolean;
  readonly corsOrigins: readonly string[];
  readonly bodyLimitBytes: number;
  /** Host names and CIDR ranges outbound requests may reach although private (docs/security.md). */
  readonly outboundAllowedHosts: readonly string[];
  /** Bearer token for /metrics; undefined: /metrics is not served. */
  readonly metricsToken: string | undefined;
  /** /docs and /openapi.json. */
  readonly isDocsEnabled: boolean;
  /** Events older than this are pruned from event_log: the socket replay window. */
  readonly eventLogRetentionDays: number;
  /** Finished webhook and RD Station deliveries older than this are pruned from their log. */
  readonly webhookDeliveryRetentionDays: number;
  /**
   * How long a node holds a webhook or RD Station delivery it is sending; a delivery whose
   * node died mid-request is sent again by any node once this has run out.
   */
  readonly webhookDeliveryLeaseSeconds: number;
  /** The built console; undefined when apps/web has not been built. */
  readonly webRoot: string | undefined;
  readonly login: {
    readonly maxAttemptsPerIp: number;
    readonly maxAttemptsPerAccount: number;
    readonly windowSeconds: number;
  };
  /** Per socket: client events refilled per second, and how many may come at once. */
  readonly socketEvents: { readonly perSecond: number; readonly burst: number };
  /** Engine.IO's ping of every socket (ADR 27): a dead link is closed within interval + timeout. */
  readonly socketPing: { readonly intervalMs: number; readonly timeoutMs: number };
  readonly asterisk: {
    /** Undefined: no PBX; call actions answer 503. */
    readonly ari:
      { readonly url: string; readonly username: string; readonly password: string; readonly app: string } | undefined;
    readonly agentEndpointTemplate: string;
    readonly outboundContext: string;
    readonly recordingsDir: string;
    /** Recordings that ended longer ago are deleted; undefined keeps them forever. */
    readonly recordingRetentionDays: number | undefined;
    readonly recordingRetentionIntervalMs: number;
    readonly ringTimeoutSeconds: number;
    /** How Asterisk reaches this server's HTTP port to fetch spoken prompts (queue menus, announcements). */
    readonly mediaBaseUrl: string;
    /** Set: prompts are written here as WAV files Asterisk plays, instead of fetched over HTTP. */
    readonly promptsDir: string | undefined;
  };
  readonly audiosocket: {
    readonly isEnabled: boolean;
    readonly host: string;
    readonly port: number;
    /** Peers that may connect (CIDR ranges); others are closed at once. Empty: loopback only. */
    readonly allowedPeers: readonly string[];
    /** For the intercom's own integrations on /api/status and /api/hangup. */
    readonly apiKey: string | undefined;
  };
  /** The intercom's waits an operator may want to tune; the rest are in intercom/timings.ts. */
  readonly voicebot: {
    readonly listenTimeoutMs: number;
    readonly ringTimeoutMs: number;
    /** Residents of the unit rung in turn (by priority) when one does not answer. */
    readonly residentAttempts: number;
    readonly maxCallMs: number;
  };
  readonly jitsi: {
    readonly domain: string;
    /** Both set: rooms carry a signed Jitsi JWT (self-hosted Jitsi with token auth). */
    readonly appId: string | undefined;
    readonly appSecret: string | undefined;
    readonly roomTtlMinutes: number;
  };
  readonly whatsapp: { readonly graphUrl: string };
  /** Files contacts send: where they are kept and the largest one fetched. */
  readonly media: {
    readonly dir: string;
    readonly maxBytes: number;
    /** Files older than this are deleted (the messages stay); undefined keeps them. */
    readonly retentionDays: number | undefined;
    readonly retentionIntervalMs: number;
    /** Agents' and visitors' uploads, sent or not, are removed this long after they were made. */
    readonly uploadRetentionMs: number;
  };
  readonly presence: {
    readonly offlineAfterSeconds: number;
    readonly sweepIntervalSeconds: number;
    readonly typingTimeoutSeconds: number;
  };
  readonly speech: {
    readonly ttsEngine: 'espeak-ng' | 'none';
    readonly ttsVoice: string;
    /** OpenAI-compatible /v1/audio/transcriptions; unset: DTMF prompts only. */
    readonly stt: { readonly url: string; readonly apiKey: string | undefined; readonly model: string } | undefined;
    /** OpenAI-compatible /v1/chat/completions; unset: the rule-based parser. */
    readonly llm: { readonly url: string; readonly apiKey: string | undefined; readonly model: string } | undefined;
  };
  readonly sip: {
    readonly domain: string;
    readonly wssUrl: string;
    /** SIP_WSS_URL was set: a PBX takes browser registrations even without ARI. */
    readonly isWssUrlSet: boolean;
    readonly defaultTemplate: 'webrtc' | 'sip';
    readonly context: string;
    readonly webrtcTransport: string;
    readonly udpTransport: string;
    /** SIP_WEBRTC_CODECS: the `allow` of new browser devices. */
    readonly webrtcCodecs: readonly string[];
    /** STUN and TURN for browser softphones (modules/users/ice-servers.ts). */
    readonly ice: {
      readonly stunUrls: readonly string[];
      readonly turnUrls: readonly string[];
      /** The TURN server's static-auth-secret: TURN credentials are minted per user from it. */
      readonly turnSecret: string | undefined;
      readonly turnTtlSeconds: number;
    };
  };
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/**
 * Parses the environment. Throws ConfigError listing every bad variable at once.
 * A missing JWT_SECRET is generated once into DATA_DIR so tokens survive restarts.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const missing = [
    ...(e.ASTERISK_ARI_URL && !e.ASTERISK_ARI_USERNAME
      ? ['ASTERISK_ARI_USERNAME: required with ASTERISK_ARI_URL']
      : []),
    ...(e.ASTERISK_ARI_URL && !e.ASTERISK_ARI_PASSWORD
      ? ['ASTERISK_ARI_PASSWORD: required with ASTERISK_ARI_URL']
      : []),
  ];
  if (e.WEBRTC_TURN_URLS && e.WEBRTC_TURN_URLS.length > 0 && !e.WEBRTC_TURN_SECRET) {
    missing.push("WEBRTC_TURN_SECRET: required with WEBRTC_TURN_URLS (the TURN server's static-auth-secret)");
  }
  if (Boolean(e.JITSI_APP_ID) !== Boolean(e.JITSI_APP_SECRET)) {
    missing.push('JITSI_APP_ID, JITSI_APP_SECRET: set both or neither');
  }
  if (missing.length > 0) throw new ConfigError(missing);
  // Relative paths are relative to where the operator typed the command: npm runs a
  // workspace's script in the workspace's folder and says where it was invoked in INIT_CWD.
  const workingDir = env.INIT_CWD || process.cwd();
  const dataDir = isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(workingDir, e.DATA_DIR);
  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, channel: e.REDIS_CHANNEL } : undefined,
    jwtSecret: e.JWT_SECRET ?? readOrCreateJwtSecret(dataDir),
    adminEmail: e.SWITCHBOARD_ADMIN_EMAIL?.toLowerCase(),
    adminPassword: e.SWITCHBOARD_ADMIN_PASSWORD,
    companyName: e.SWITCHBOARD_COMPANY_NAME,
    signupEnabled: e.SIGNUP_ENABLED,
    trustProxy: e.TRUST_PROXY,
    corsOrigins: e.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    outboundAllowedHosts: e.OUTBOUND_ALLOWED_HOSTS ?? [],
    metricsToken: e.METRICS_TOKEN,
    isDocsEnabled: e.DOCS_ENABLED,
    eventLogRetentionDays: e.EVENT_LOG_RETENTION_DAYS,
    webhookDeliveryRetentionDays: e.WEBHOOK_DELIVERY_RETENTION_DAYS,
    webhookDeliveryLeaseSeconds: e.WEBHOOK_DELIVERY_LEASE_SECONDS,
    webRoot: resolveWebRoot(e.WEB_ROOT, workingDir),
    login: {
      maxAttemptsPerIp: e.LOGIN_MAX_ATTEMPTS_PER_IP,
      maxAttemptsPerAccount: e.LOGIN_MAX_ATTEMPTS_PER_ACCOUNT,
      windowSeconds: e.LOGIN_WINDOW_SECONDS,
    },
    socketEvents: { perSecond: e.SOCKET_EVENTS_PER_SECOND, burst: e.SOCKET_EVENTS_BURST },
    socketPing: {
      intervalMs: Math.round(e.SOCKET_PING_INTERVAL_SECONDS * 1000),
      timeoutMs: Math.round(e.SOCKET_PING_TIMEOUT_SECONDS * 1000),
    },
    asterisk: {
      ari: e.ASTERISK_ARI_URL
        ? {
            url: e.ASTERISK_ARI_URL.replace(/\/+$/, ''),
            username: e.ASTERISK_ARI_USERNAME ?? '',
            password: e.ASTERISK_ARI_PASSWORD ?? '',
            app: e.ASTERISK_ARI_APP,
          }
        : undefined,
      agentEndpointTemplate: e.ASTERISK_AGENT_ENDPOINT,
      outboundContext: e.ASTERISK_OUTBOUND_CONTEXT,
      recordingsDir: e.ASTERISK_RECORDINGS_DIR
        ? resolve(workingDir, e.ASTERISK_RECORDINGS_DIR)
        : join(dataDir, 'recordings'),
      ringTimeoutSeconds: e.CALL_RING_TIMEOUT_SECONDS,
      mediaBaseUrl: (e.ASTERISK_MEDIA_BASE_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, ''),
      promptsDir: e.ASTERISK_PROMPTS_DIR ? resolve(workingDir, e.ASTERISK_PROMPTS_DIR) : undefined,
      recordingRetentionDays: e.RECORDING_RETENTION_DAYS,
      recordingRetentionIntervalMs: e.RECORDING_RETENTION_INTERVAL_MINUTES * 60_000,
    },
    audiosocket: {
      isEnabled: e.AUDIOSOCKET_ENABLED,
      host: e.AUDIOSOCKET_HOST,
      port: e.AUDIOSOCKET_PORT,
      allowedPeers: e.AUDIOSOCKET_ALLOWED_PEERS ?? [],
      apiKey: e.VOICEBOT_API_KEY,
    },
    voicebot: {
      listenTimeoutMs: e.VOICEBOT_LISTEN_TIMEOUT_SECONDS * 1000,
      ringTimeoutMs: e.VOICEBOT_RING_TIMEOUT_SECONDS * 1000,
      residentAttempts: e.VOICEBOT_RESIDENT_ATTEMPTS,
      maxCallMs: e.VOICEBOT_MAX_CALL_SECONDS * 1000,
    },
    jitsi: {
      domain: e.JITSI_DOMAIN,
      appId: e.JITSI_APP_ID,
      appSecret: e.JITSI_APP_SECRET,
      roomTtlMinutes: e.JITSI_ROOM_TTL_MINUTES,
    },
    whatsapp: { graphUrl: e.WHATSAPP_GRAPH_URL.replace(/\/+$/, '') },
    media: {
      dir: e.MEDIA_DIR ? resolve(workingDir, e.MEDIA_DIR) : join(dataDir, 'media'),
      maxBytes: e.MEDIA_MAX_BYTES,
      retentionDays: e.MEDIA_RETENTION_DAYS,
      retentionIntervalMs: e.MEDIA_RETENTION_INTERVAL_MINUTES * 60_000,
      uploadRetentionMs: e.UPLOAD_RETENTION_HOURS * 60 * 60_000,
    },
    presence: {
      offlineAfterSeconds: e.PRESENCE_OFFLINE_AFTER_SECONDS,
      sweepIntervalSeconds: e.PRESENCE_SWEEP_INTERVAL_SECONDS,
      typingTimeoutSeconds: e.TYPING_TIMEOUT_SECONDS,
    },
    speech: {
      ttsEngine: e.TTS_ENGINE,
      ttsVoice: e.TTS_VOICE,
      stt: e.STT_URL ? { url: e.STT_URL.replace(/\/+$/, ''), apiKey: e.STT_API_KEY, model: e.STT_MODEL } : undefined,
      llm: e.LLM_URL ? { url: e.LLM_URL.replace(/\/+$/, ''), apiKey: e.LLM_API_KEY, model: e.LLM_MODEL } : undefined,
    },
    sip: {
      domain: e.SIP_DOMAIN,
      wssUrl: e.SIP_WSS_URL ?? `wss://${e.SIP_DOMAIN}:8089/ws`,
      isWssUrlSet: e.SIP_WSS_URL !== undefined,
      defaultTemplate: e.SIP_DEFAULT_TEMPLATE,
      context: e.SIP_ENDPOINT_CONTEXT,
      webrtcTransport: e.SIP_WEBRTC_TRANSPORT,
      udpTransport: e.SIP_UDP_TRANSPORT,
      webrtcCodecs: e.SIP_WEBRTC_CODECS,
      ice: {
        stunUrls: e.WEBRTC_STUN_URLS ?? [],
        turnUrls: e.WEBRTC_TURN_URLS ?? [],
        turnSecret: e.WEBRTC_TURN_SECRET,
        turnTtlSeconds: e.WEBRTC_TURN_TTL_SECONDS,
      },
    },
  });
}

function readOrCreateJwtSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}

function resolveWebRoot(configured: string | undefined, workingDir: string): string | undefined {
  if (configured) return resolve(workingDir, configured);
  // apps/web/dist next to this package, from src/ (tests) or dist/src/ (the build).
  const candidates = ['../../web/dist', '../../../web/dist'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}
