/**
 * The Fastify application: plugins composed in one place. Modules add their routes
 * through the `routes` callback, so this file knows no module.
 */
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import helmet from 'helmet';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawServerDefault,
} from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger } from '../shared/logger.js';
import { registerAuthentication, type Authenticator } from './auth.js';
import { registerTextInputCheck } from './input-text.js';
import {
  createHttpMetrics,
  createMetricsRegistry,
  registerMetricsRoute,
  type RequestDurationHistogram,
} from './metrics.js';
import { newRequestId } from './request-ids.js';
import { bindingsOfUnmade, lazyChildLogger, requestServerLogger } from './request-logger.js';
import { answerClientError, registerProblemHandlers, sendProblem } from './problem.js';
import { responseSerializerCompiler } from './response-serializer.js';

export type App = FastifyInstance;
export type TypedApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface ReadinessCheck {
  name: string;
  check(): Promise<'up' | 'down' | 'degraded' | 'disconnected' | 'standby' | 'not_configured'>;
}

export interface AppOptions {
  logger: Logger;
  authenticator: Authenticator;
  bodyLimitBytes: number;
  trustProxy: boolean;
  corsOrigins: readonly string[];
  readiness: ReadinessCheck[];
  version: string;
  routes: (app: TypedApp) => Promise<void> | void;
  /** The built console (apps/web/dist), served at `/` when present. */
  webRoot?: string | undefined;
  /** Bearer token for /metrics; undefined: /metrics is not served. */
  metricsToken?: string | undefined;
  /** Where the modules' metrics are; /metrics serves it with the HTTP ones. */
  metricsRegistry?: Registry;
  /** /docs and /openapi.json; on unless DOCS_ENABLED=false. */
  isDocsEnabled?: boolean;
  /** Origins besides our own the console connects to (the PBX's SIP WebSocket). */
  connectOrigins?: readonly string[];
  /**
   * Every response checked against its zod schema before it is written (tests,
   * development); otherwise written by a serializer compiled from the schema (ADR 28).
   * Default: checked.
   */
  isResponseChecked?: boolean;
}

/**
 * The request log: one line per request when it is answered (method, path, status, time)
 * instead of Fastify's two, at info; the probes' routes log at warn, so a load balancer's
 * polling does not fill the log. No headers: nothing of a credential can reach it. The
 * line holds nothing the logger's redaction paths name (they are headers, bodies and
 * domain objects), so it is written through a child of the server's logger without
 * redaction, with the request's bindings (request id, user or API key, company) as its
 * first fields: the same line, without redaction's copy of it and without making the
 * request's pino child (request-logger.ts), which were a tenth of an authenticated list
 * request's CPU (bench:http). Fastify's other lines (errors) are its own, redacted.
 * It also observes the request duration histogram (metrics.ts) as each answer finishes
 * (no onResponse hook of its own), except the probes' (`/health`, `/ready`): those answers
 * are the load balancer's polling, not the users' traffic, and are neither timed nor logged. And it gives every answer what it carries (`onIncoming`:
 * the request id and the security headers) when Fastify reports the request, which it does
 * for every request it routes (a 404 too) before any hook: no onRequest hook either, whose
 * runner was a share of a GET /health (bench:http, eighth pass).
 */
class RequestLog extends LogController {
  /** The request log line's logger: the server logger's bindings, without redaction. */
  private readonly plain: FastifyBaseLogger;

  constructor(
    /** The requests' loggers' parent (request-logger.ts). */
    private readonly serverLogger: FastifyBaseLogger,
    private readonly durations: RequestDurationHistogram,
    private readonly onIncoming: (request: FastifyRequest, reply: FastifyReply) => void,
  ) {
    super();
    // The level is the request logger's to decide (isLevelEnabled below): this child keeps all.
    // A child of the server logger, so its serializers (Fastify's `req` and `res`, our `err`) apply.
    this.plain = serverLogger.child({}, { redact: [], level: 'trace' });
  }

  /**
   * Fastify has no logger (buildApp): each request's logger, a lazy child of the server
   * logger with the route's level, is given here, and one listener of ours observes the
   * answer (Fastify's logger added two to every response, took them off again and timed
   * the answer through its own hook path).
   */
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    this.onIncoming(request, reply);
    const route = request.routeOptions; // a getter that builds an object: read once
    const log = lazyChildLogger(
      this.serverLogger,
      { [this.requestIdLogLabel]: request.id },
      route.logLevel ? { level: route.logLevel } : {},
    );
    request.log = log;
    reply.log = log;
    const startedAt = performance.now();
    if (route.url !== undefined && PROBE_PATHS.has(route.url)) {
      // A probe's answer is not observed: no duration (probes are the load balancer's
      // traffic, not the users'; docs/architecture.md) and no line (its logger keeps warn and
      // above). A response that fails is still logged, and an `error` with no listener would
      // be thrown.
      reply.raw.on('error', (error: Error) => this.failed(error, request, reply, performance.now() - startedAt));
      return;
    }
    const url = route.url ?? 'unmatched';
    let isObserved = false;
    // `error` as well as `finish`, as Fastify did: a response that fails is logged, not thrown.
    const observe = (error?: Error): void => {
      if (isObserved) return;
      isObserved = true;
      this.answered(error, request, reply, url, performance.now() - startedAt);
    };
    reply.raw.on('finish', observe);
    reply.raw.on('error', observe);
  }

  /** Fastify's call when a route has onResponse hooks (the API's): the line is `answered`'s. */
  override requestCompleted(): void {}

  override serviceUnavailable(): void {
    // Fastify passes the request's logger, which (no logger of Fastify's) logs nothing.
    this.serverLogger.info(
      { res: { statusCode: 503 } },
      'request aborted - refusing to accept new requests as server is closing',
    );
  }

  private answered(
    error: Error | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    url: string,
    responseTime: number,
  ): void {
    this.durations.observe(request.method, url, reply.statusCode, responseTime / 1000);
    if (error) {
      this.failed(error, request, reply, responseTime);
      return;
    }
    // A route logging at warn (none but the probes today): its line is not even built.
    if ((reply.log as MaybeLevelled).isLevelEnabled?.('info') === false) return;
    const line = lineOf(request, reply, responseTime);
    const bindings = bindingsOfUnmade(reply.log, this.serverLogger);
    if (bindings) this.plain.info({ ...bindings, ...line }, 'request completed');
    else reply.log.info(line, 'request completed');
  }

  private failed(error: Error, request: FastifyRequest, reply: FastifyReply, responseTime: number): void {
    reply.log.error({ ...lineOf(request, reply, responseTime), err: error }, 'request errored');
  }
}

function lineOf(request: FastifyRequest, reply: FastifyReply, responseTime: number) {
  return {
    // Fastify's `req` serializer reads the client's address from `ip` (as `remoteAddress`).
    req: { method: request.method, url: request.url, ip: request.ip },
    res: { statusCode: reply.statusCode },
    responseTime,
  };
}

/** pino's loggers and ours (request-logger.ts) tell whether a level is written. */
type MaybeLevelled = { isLevelEnabled?: (level: string) => boolean };

const HEALTH_BODY = JSON.stringify({ status: 'ok' });
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(options: AppOptions): Promise<App> {
  const serverLogger = requestServerLogger(options.logger);
  const metricsRegistry = options.metricsRegistry ?? createMetricsRegistry();
  // What every answer carries: its request id and the security headers (HSTS among them
  // when a trusted proxy says the request came over HTTPS), set as Fastify reports each
  // request (RequestLog), before the hooks of any context.
  const securityHeaders = securityHeadersOf(options);
  const requestLog = new RequestLog(serverLogger, createHttpMetrics(metricsRegistry), (request, reply) => {
    reply.header('x-request-id', request.id);
    securityHeaders(request, reply);
  });
  const app = Fastify({
    // No logger of Fastify's: with one, Fastify makes every request's child logger and adds
    // two listeners to every response, and a GET /health paid for them (bench:http, eighth
    // pass). RequestLog gives each request its logger and observes each answer instead;
    // the server's own lines (listening, errors of onClose hooks) go to `serverLogger`.
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy,
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : newRequestId();
    },
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    logController: requestLog,
  });
  app.log = serverLogger;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler({ check: options.isResponseChecked ?? true }));
  registerProblemHandlers(app);
  // Hooks are per encapsulation context. The root context has none of its own (what every
  // answer needs, its request id, security headers and metrics, comes from RequestLog) and
  // serves the probes, the docs, /metrics and the console's files; everything under /api
  // (text check, authentication, the modules' own hooks: audit scope, API-key audit,
  // multipart) lives in a child context below, so a load balancer's GET /health runs no
  // hook, not nine (bench:http).
  // Only JSON bodies: a text/plain body is refused with 415, not parsed as a string.
  app.removeContentTypeParser('text/plain');
  // Everything with tenant data lives under /api and needs a token; the rest (docs, the
  // console's static files, probes) is public.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs') || !route.url.startsWith('/api'))
      route.config = { ...route.config, isPublic: true };
  });
  if (options.corsOrigins.length > 0) {
    await app.register(cors, { origin: [...options.corsOrigins], credentials: true });
  }
  const isDocsEnabled = options.isDocsEnabled ?? true;
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard API',
        version: options.version,
        description: 'Contact center on Asterisk. Errors are application/problem+json (RFC 9457) with a stable `code`.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearerAuth: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  if (isDocsEnabled) {
    // Swagger UI's page carries inline code: it sends its own CSP with those hashes.
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: { persistAuthorization: false },
      staticCSP: true,
    });
  }
  registerMetricsRoute(app, { token: options.metricsToken, registry: metricsRegistry });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  if (isDocsEnabled) {
    typed.get('/openapi.json', { config: { isPublic: true }, schema: { hide: true } }, async () => app.swagger());
  }
  typed.get(
    '/health',
    {
      config: { isPublic: true },
      logLevel: 'warn',
      schema: { tags: ['ops'], summary: 'Liveness', response: { 200: z.object({ status: z.literal('ok') }) } },
      // The answer is a constant: the schema documents it, checking it per probe is waste.
      serializerCompiler: () => () => HEALTH_BODY,
    },
    // Not async: a constant needs no promise and no microtask per probe.
    () => ({ status: 'ok' as const }),
  );
  typed.get(
    '/ready',
    {
      config: { isPublic: true },
      logLevel: 'warn',
      schema: {
        tags: ['ops'],
        summary: 'Readiness: the database and, when configured, the PBX',
        response: {
          200: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.string()) }),
        },
      },
    },
    async (request, reply) => {
      const results = await Promise.all(
        options.readiness.map(async (c) => [c.name, await c.check().catch(() => 'down' as const)] as const),
      );
      const checks = Object.fromEntries(results);
      if (results.some(([, state]) => state === 'down')) {
        const down = results.filter(([, state]) => state === 'down').map(([name]) => name);
        return sendProblem(request, reply, {
          status: 503,
          code: 'service.not_ready',
          detail: `Not ready: ${down.join(', ')} down.`,
        });
      }
      return { status: 'ready' as const, checks };
    },
  );

  await app.register(async (api) => {
    registerTextInputCheck(api);
    registerAuthentication(api, options.authenticator);
    await options.routes(api.withTypeProvider<ZodTypeProvider>());
  });
  if (options.webRoot) {
    await app.register(fastifyStatic, { root: options.webRoot, prefix: '/', wildcard: false });
  }
  return app;
}

/**
 * What a JSON answer carries (the API, the visitors' web chat API, webhooks, /metrics,
 * /openapi.json): OWASP's REST set (ADR 14, amendment). These answers are read by
 * programs, never rendered as pages: no caching, no framing, no sniffing, nothing loaded
 * if one were opened as a document, no referrer, not embeddable by other sites. Routes
 * that serve files set their own type, cache policy and CSP over these.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});

/**
 * What a probe's answer carries (GET /health, GET /ready; ADR 14, second amendment): not
 * cached on the way, never read as anything but JSON. Probes are public, the same for every
 * caller and read by load balancers; their bodies are fixed words (check names and states;
 * on a refusal, the probe's path and a request id of safe characters). The REST set's other
 * headers guard a document, a frame or a secret these answers cannot be, and were most of a
 * probe's header block (bench:http, ninth pass). A probe that starts to answer data goes
 * back to the REST set.
 */
export const PROBE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
});

const PROBE_PATHS = new Set(['/health', '/ready']);
/** The JSON routes of the root context besides the probes, and the API prefixes. */
const API_PATHS = new Set(['/metrics', '/openapi.json']);
const API_PREFIXES = ['/api/', '/webchat/v1/', '/webhooks/'];

/**
 * Which set a request's answer gets, from its path before routing: a probe's, a JSON
 * answer's (the REST set) or the console's (a page, its files, the API docs, the widget
 * script, a path nobody serves).
 */
export function headerSetOf(url: string): 'probe' | 'api' | 'console' {
  // A probe's path as polled, first: one lookup.
  if (PROBE_PATHS.has(url)) return 'probe';
  const queryAt = url.indexOf('?');
  let path = queryAt < 0 ? url : url.slice(0, queryAt);
  if (path === '/api') return 'api';
  for (const prefix of API_PREFIXES) if (path.startsWith(prefix)) return 'api';
  // ignoreTrailingSlash: /health/ is /health.
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  if (PROBE_PATHS.has(path)) return 'probe';
  return API_PATHS.has(path) ? 'api' : 'console';
}

/** The console's CSP, helmet's directives written out; `connect-src` as given. */
function contentSecurityPolicy(connectSrc: readonly string[]): string {
  const directives: Record<string, readonly string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'media-src': ["'self'", 'blob:'],
    'font-src': ["'self'"],
    // Socket.IO to our own host: 'self' covers ws(s) in CSP 3; older engines need it named.
    'connect-src': connectSrc,
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join(';');
}

/** The Host header when it is a plain host[:port]: nothing of it may reach the CSP otherwise. */
function hostOf(given: string | undefined): string {
  const host = given ?? '';
  return /^[A-Za-z0-9.[\]:-]{1,260}$/.test(host) ? host : 'localhost';
}

const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Headers for every answer (ADR 14). The console's pages and files get helmet's whole set
 * with a CSP the Vite build meets (scripts and styles from our origin only; photos and
 * voice notes are blob: URLs; the softphone's SIP WebSocket is the one other origin), no
 * framing, no MIME sniffing, no referrer to other sites. JSON answers get the REST set
 * above, the probes their two headers: helmet's other headers (opener and agent-cluster
 * isolation, DNS prefetch, IE's download and XSS switches, Adobe's cross-domain policies)
 * only mean something for a document, and writing them (Node checks every header of every
 * answer) was a measurable part of a GET /health (bench:http). HSTS only when a
 * TLS-terminating proxy says the request came over HTTPS (TRUST_PROXY and
 * X-Forwarded-Proto), never on plain-http first starts. Each set is one object made once
 * (the console's once per host, since its CSP names the host) and set on the answer in one
 * call.
 */
function securityHeadersOf(options: AppOptions): (request: FastifyRequest, reply: FastifyReply) => void {
  const connectSrc = ["'self'", ...(options.connectOrigins ?? [])];
  // helmet's headers, taken once: with these options every one is the same on every
  // answer, and running helmet's middleware chain per request (or @fastify/helmet, which
  // builds the chain again per request) was a fifth of the CPU of a GET /health
  // (bench:http).
  const applyHelmet = helmet({
    contentSecurityPolicy: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // The console opens video rooms (Jitsi) in a window it then navigates.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    strictTransportSecurity: false,
  });
  const helmetHeaders: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      helmetHeaders[name.toLowerCase()] = String(value);
    },
    removeHeader() {},
    getHeader: () => undefined,
  };
  let isApplied = false;
  applyHelmet(
    { headers: {}, method: 'GET', url: '/' } as IncomingMessage,
    recorder as unknown as ServerResponse,
    () => {
      isApplied = true;
    },
  );
  if (!isApplied || !helmetHeaders['x-frame-options'] || !helmetHeaders['x-content-type-options']) {
    throw new Error('helmet did not give its headers synchronously');
  }
  const apiHeaders = { ...API_SECURITY_HEADERS };
  const apiHeadersOverTls = { ...apiHeaders, 'strict-transport-security': HSTS };
  const probeHeaders = { ...PROBE_SECURITY_HEADERS };
  const probeHeadersOverTls = { ...probeHeaders, 'strict-transport-security': HSTS };
  // The console's headers, the CSP first, in one object made once per host.
  const headersByHost = new Map<string, Record<string, string>>();
  const consoleHeadersOf = (given: string | undefined): Record<string, string> => {
    let headers = headersByHost.get(given ?? '');
    if (headers === undefined) {
      const host = hostOf(given);
      const csp = contentSecurityPolicy([...connectSrc, `ws://${host}`, `wss://${host}`]);
      headers = { 'content-security-policy': csp, ...helmetHeaders };
      if (headersByHost.size >= 64) headersByHost.clear();
      headersByHost.set(given ?? '', headers);
    }
    return headers;
  };
  const isOverTls = (request: FastifyRequest): boolean => options.trustProxy && request.protocol === 'https';
  return (request, reply) => {
    const set = headerSetOf(request.url);
    if (set === 'probe') {
      reply.headers(isOverTls(request) ? probeHeadersOverTls : probeHeaders);
      return;
    }
    if (set === 'api') {
      reply.headers(isOverTls(request) ? apiHeadersOverTls : apiHeaders);
      return;
    }
    reply.headers(consoleHeadersOf(request.headers.host));
    if (isOverTls(request)) reply.header('strict-transport-security', HSTS);
  };
}
