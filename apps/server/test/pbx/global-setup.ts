/**
 * Once per PBX run: builds Asterisk if this machine has not yet (../shared/asterisk/build.sh),
 * finds a PostgreSQL server (DATABASE_URL, or a throwaway cluster from Debian's binaries)
 * and migrates the template database every test file copies; builds the console for the
 * softphone scenario when Chromium is there and the build is not. When something the suite
 * needs is missing, it says so in one line and the suite is skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import setupDatabaseTemplate from '../support/global-setup.js';
import { BUILD_SCRIPT, REPO_ROOT } from './support/asterisk.js';
import { CHROMIUM_PATH, WEB_DIST } from './support/console.js';
import { findPostgresBinaries, startThrowawayPostgres, type PostgresServer } from './support/postgres.js';

function missingProgram(): string | undefined {
  for (const [program, pkg] of [
    ['sipp', 'sip-tester'],
    ['sox', 'sox'],
    ['openssl', 'openssl'],
    // The voice bot's speech (the intercom scenario).
    ['espeak-ng', 'espeak-ng'],
  ] as const) {
    if (spawnSync('sh', ['-c', `command -v ${program}`]).status !== 0) {
      return `\`${program}\` is not installed (apt-get install ${pkg})`;
    }
  }
  return undefined;
}

function skip(project: TestProject, reason: string): () => Promise<void> {
  console.warn(`PBX suite skipped: ${reason}.`);
  project.provide('pbxSkipReason', reason);
  project.provide('asteriskPrefix', '');
  project.provide('pbxDatabaseUrl', '');
  project.provide('pgliteDumpPath', '');
  project.provide('postgresTemplate', '');
  project.provide('postgresRunPrefix', '');
  return async () => undefined;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(BUILD_SCRIPT)) {
    return skip(
      project,
      `no Asterisk build script at ${BUILD_SCRIPT} (the suite runs in a checkout beside ../shared/asterisk)`,
    );
  }
  const missing = missingProgram();
  if (missing) return skip(project, missing);
  const binaries = process.env.DATABASE_URL ? undefined : findPostgresBinaries();
  if (!process.env.DATABASE_URL && !binaries) {
    return skip(
      project,
      "no PostgreSQL server: set DATABASE_URL, or install Debian's `postgresql` for a throwaway one",
    );
  }

  // The first run on a machine builds (~16 min on 2 cores); later runs return at once.
  const build = spawnSync(BUILD_SCRIPT, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const prefix = build.stdout.trim().split('\n').pop() ?? '';
  if (build.status !== 0 || !prefix) throw new Error(`${BUILD_SCRIPT} failed (exit ${build.status})`);

  // The softphone scenario drives the built console; build it once when it is missing
  // (a machine without Chromium skips that scenario and needs no console).
  if (existsSync(CHROMIUM_PATH) && !existsSync(join(WEB_DIST, 'index.html'))) {
    const web = spawnSync('npm', ['run', 'build', '--workspace', 'apps/web'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (web.status !== 0) console.warn(`PBX suite: the console did not build: ${web.stderr.slice(-1_000)}`);
  }

  let postgres: PostgresServer | undefined;
  if (binaries) {
    postgres = await startThrowawayPostgres(binaries);
    process.env.DATABASE_URL = postgres.url;
  }
  const databaseUrl = process.env.DATABASE_URL ?? '';
  const teardownTemplate = await setupDatabaseTemplate(project);
  project.provide('pbxSkipReason', '');
  project.provide('asteriskPrefix', prefix);
  project.provide('pbxDatabaseUrl', databaseUrl);
  return async () => {
    await teardownTemplate();
    await postgres?.stop();
  };
}
