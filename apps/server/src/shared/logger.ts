import { pino, type Logger, type LoggerOptions } from 'pino';

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
];

export function createLogger(options: { level: string; pretty?: boolean }): Logger {
  const base: LoggerOptions = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (options.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { singleLine: true } } });
  }
  return pino(base);
}
