/**
 * Request loggers made when first used. Every request gets a child of the server's
 * logger, bound to its request id (app.ts); making a pino child serializes its bindings
 * through the redaction, a twentieth of the CPU of a GET /health (bench:http), and most
 * requests never log a line of their own: the probes log at warn, and the request log's one
 * line per answer is written at info. A line at a level the request's logger would drop is
 * dropped without making the child; the first line it keeps makes it, and from then on
 * every call goes to that child, so what is logged is exactly what the child would log.
 */
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';

type Bindings = Record<string, unknown>;
type ChildOptions = { level?: string };
type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const valueOf = (level: string): number => LEVELS[level] ?? Infinity; // silent, or a level we do not know

class LazyChildLogger {
  private made: FastifyBaseLogger | undefined;
  private readonly threshold: number;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {
    // A level we do not know (a custom one) makes the child at once: no guessing.
    const level = options.level ?? parent.level;
    this.threshold = level in LEVELS || level === 'silent' ? valueOf(level) : -Infinity;
  }

  /**
   * This logger's bindings when no pino child has been made for it and it is a direct
   * child of `root` with no option besides a level: a line written through `root` (or a
   * child of it without bindings) with these fields first is the line this logger would
   * write. Undefined otherwise.
   */
  bindingsOver(root: FastifyBaseLogger): Bindings | undefined {
    if (this.made || this.parent !== root) return undefined;
    for (const key in this.options) if (key !== 'level') return undefined;
    return this.bindings;
  }

  private get logger(): FastifyBaseLogger {
    // The child of a request's logger (the user's, once signed in) is made from the made one.
    const parent = this.parent instanceof LazyChildLogger ? this.parent.logger : this.parent;
    this.made ??= parent.child(this.bindings, this.options);
    return this.made;
  }

  get level(): string {
    return this.made ? this.made.level : (this.options.level ?? this.parent.level);
  }

  set level(level: string) {
    this.logger.level = level;
  }

  /** pino's: whether a line at `level` would be written (asked before building one). */
  isLevelEnabled(level: string): boolean {
    if (this.made) return (this.made as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.(level) ?? true;
    return valueOf(level) >= this.threshold;
  }

  private log(method: LogMethod, args: unknown[]): void {
    if (!this.made && LEVELS[method]! < this.threshold) return;
    const logger = this.logger;
    Reflect.apply(logger[method], logger, args);
  }

  fatal(...args: unknown[]): void {
    this.log('fatal', args);
  }
  error(...args: unknown[]): void {
    this.log('error', args);
  }
  warn(...args: unknown[]): void {
    this.log('warn', args);
  }
  info(...args: unknown[]): void {
    this.log('info', args);
  }
  debug(...args: unknown[]): void {
    this.log('debug', args);
  }
  trace(...args: unknown[]): void {
    this.log('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    // Not made yet (the usual case: authentication adds the user to the request's logger
    // before any line): one child of our parent with both sets of bindings, so a logged
    // request makes one pino child, not two (each serializes its bindings). Same lines.
    if (!this.made && Object.keys(options ?? {}).every((key) => key === 'level')) {
      return lazyChildLogger(this.parent, { ...this.bindings, ...bindings }, { ...this.options, ...options });
    }
    return lazyChildLogger(this, bindings, options ?? {});
  }
}

/** The child of `parent` with `bindings`, made when first used. */
export function lazyChildLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(parent, bindings, options);
}

/** A request logger's bindings over `root`, when it is one of ours not made yet (see `bindingsOver`). */
export function bindingsOfUnmade(logger: FastifyBaseLogger, root: FastifyBaseLogger): Bindings | undefined {
  return logger instanceof LazyChildLogger ? logger.bindingsOver(root) : undefined;
}

/**
 * Fastify's server logger as Fastify would make it of `logger` given as its `loggerInstance`:
 * a child with Fastify's `req` and `res` serializers (the request's method, path and client
 * address; the answer's status), `logger`'s own (our `err`) over them. Switchboard's Fastify
 * has no logger of its own (app.ts: a logger makes Fastify wire two response listeners and
 * a child logger into every request, a share of a GET /health), so the app makes this one,
 * and each request's lazy child of it.
 */
export function requestServerLogger(logger: FastifyBaseLogger): FastifyBaseLogger {
  const own = (Reflect.get(logger, pino.symbols.serializersSym) ?? {}) as Record<string, unknown>;
  return logger.child({}, { serializers: { req: serializeRequest, res: serializeReply, ...own } });
}

type RequestLike = {
  method?: string;
  url?: string;
  ip?: string;
  host?: string;
  headers?: Record<string, string | string[] | undefined>;
  socket?: { remotePort?: number };
};

/** Fastify's `req` serializer (fastify/lib/logger-pino.js), field for field. */
function serializeRequest(request: RequestLike) {
  return {
    method: request.method,
    url: request.url,
    version: request.headers && request.headers['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket ? request.socket.remotePort : undefined,
  };
}

/** Fastify's `res` serializer. */
function serializeReply(reply: { statusCode?: number }) {
  return { statusCode: reply.statusCode };
}
