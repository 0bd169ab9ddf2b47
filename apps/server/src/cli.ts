#!/usr/bin/env node
/** `switchboard serve` (default) and `switchboard migrate`. */
import { createServer as createTcpServer } from 'node:net';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase } from './db/client.js';
import { bootstrapFirstAdmin, createServer } from './main.js';
import { createLogger } from './shared/logger.js';
import { ConflictError } from './shared/errors.js';

const SHUTDOWN_TIMEOUT_MS = 15_000;

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`switchboard: ${error.message}\nSee .env.example for every variable.\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function migrate(config: Config): Promise<void> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
  });
  try {
    await database.migrate();
    process.stdout.write(`migrations applied (${database.kind})\n`);
  } finally {
    await database.close();
  }
}

/**
 * A port another process holds (a second Switchboard on the same machine, most often)
 * stops the start with the variable to change, not a stack trace.
 */
function exitOnListenError(error: unknown, variable: 'PORT' | 'AUDIOSOCKET_PORT', host: string, port: number): void {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'EADDRINUSE' && code !== 'EACCES') return;
  const reason =
    code === 'EADDRINUSE'
      ? 'is already in use (another Switchboard on this machine?)'
      : 'needs privileges this process does not have';
  process.stderr.write(`switchboard: ${variable} ${port} on ${host} ${reason}: set ${variable} to a free port.\n`);
  process.exit(1);
}

/** Tries a port before the database opens (seconds on a first start), then lets it go. */
async function probePort(variable: 'PORT' | 'AUDIOSOCKET_PORT', host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createTcpServer();
  await new Promise<void>((resolve) => {
    probe.once('error', (error) => {
      exitOnListenError(error, variable, host, port);
      // Anything else (an unknown host…) is left to the real listen to report.
      resolve();
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

async function serve(config: Config): Promise<void> {
  await probePort('PORT', config.host, config.port);
  if (config.audiosocket.isEnabled) {
    await probePort('AUDIOSOCKET_PORT', config.audiosocket.host, config.audiosocket.port);
  }
  const logger = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY });
  // The AudioSocket server is the one listener createServer opens.
  const server = await createServer(config, logger).catch((error: unknown) => {
    exitOnListenError(error, 'AUDIOSOCKET_PORT', config.audiosocket.host, config.audiosocket.port);
    throw error;
  });
  try {
    const created = await bootstrapFirstAdmin(server, config);
    if (created) printFirstAdmin(created.email, created.generatedPassword);
  } catch (error) {
    // Another node bootstrapped the same first admin at the same moment.
    if (!(error instanceof ConflictError)) throw error;
  }
  const address = await server.app.listen({ port: config.port, host: config.host }).catch(async (error: unknown) => {
    await server.close().catch(() => undefined);
    exitOnListenError(error, 'PORT', config.host, config.port);
    throw error;
  });
  logger.info({ address, database: server.database.kind }, 'switchboard listening');

  let isStopping = false;
  const stop = (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    logger.info({ signal }, 'shutting down: draining requests');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    server.close().then(
      () => {
        logger.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function printFirstAdmin(email: string, password: string | undefined): void {
  const lines = [
    '',
    '  Switchboard: first start. An administrator was created:',
    `    email:    ${email}`,
    password ? `    password: ${password}` : '    password: the one in SWITCHBOARD_ADMIN_PASSWORD',
    password ? '  This password is shown only once. Sign in and change it (PUT /api/users/profile).' : '',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const command = process.argv[2] ?? 'serve';
const config = readConfig();
const run = command === 'migrate' ? migrate : command === 'serve' ? serve : undefined;
if (!run) {
  process.stderr.write(`usage: switchboard [serve|migrate]\n`);
  process.exit(2);
} else {
  run(config).catch((error: unknown) => {
    const text =
      error instanceof ConfigError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`switchboard: ${text}\n`);
    process.exit(1);
  });
}
