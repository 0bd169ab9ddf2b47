import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Paths the logger never prints. Secrets named in `.env.example` and every credential
 * that travels in a request or a domain object.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'sipPassword',
  '*.sipPassword',
  'passwordHash',
  '*.passwordHash',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'turnSecret',
  '*.turnSecret',
  'credential',
  '*.credential',
  'config.jwtSecret',
  'config.databaseUrl',
  'config.adminPassword',
  'config.metricsToken',
];

const MAX_CAUSES = 4;

/**
 * Errors as logged: type, message and code, and for a failed query the statement without
 * its parameters (Drizzle puts them in the message, PostgreSQL puts row values in `detail`:
 * both are users' data). Stacks only at debug and trace, where an operator asked for them.
 */
export function serializeError(error: unknown, includeStack: boolean, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const fields = error as Error & Record<string, unknown>;
  const query = typeof fields.query === 'string' ? fields.query : undefined;
  const isDatabaseError = query !== undefined || typeof fields.severity === 'string';
  const out: Record<string, unknown> = {
    type: error.name,
    message: isDatabaseError ? 'database error' : error.message,
  };
  for (const key of ['code', 'constraint', 'table', 'column', 'routine'] as const) {
    if (typeof fields[key] === 'string' || typeof fields[key] === 'number') out[key] = fields[key];
  }
  if (query !== undefined) out.query = query;
  // The frames only: a stack's first line repeats the message, parameters and all.
  if (includeStack && error.stack)
    out.stack = error.stack
      .split('\n')
      .filter((line) => /^\s+at /.test(line))
      .join('\n');
  if (error.cause !== undefined && depth < MAX_CAUSES) out.cause = serializeError(error.cause, includeStack, depth + 1);
  return out;
}

export function createLogger(options: { level: string; pretty?: boolean; destination?: DestinationStream }): Logger {
  const includeStack = options.level === 'debug' || options.level === 'trace';
  const base: LoggerOptions = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: (error: unknown) => serializeError(error, includeStack) },
  };
  if (options.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { singleLine: true } } });
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}
