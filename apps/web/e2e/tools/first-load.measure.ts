/**
 * Where the e2e suite's first page load spends its time: the server's start (child
 * process, embedded database), Chromium's start, and the sign-in page until its language
 * selector shows. A measurement, not a test: run it on an idle and on a busy machine
 * (`npx tsx e2e/tools/first-load.measure.ts [rounds]`, after `vite build`). Each round
 * starts a server both ways, alternating: as the e2e run now does it (compiled server, a
 * copy of a migrated database, warmed up) and from the sources with a fresh database.
 */
import setup from '../support/global-setup';
import { openSession } from '../support/browser';
import { startServer, type ServerLaunch } from '../support/server';

const rounds = Number(process.argv[2] ?? 3);
const ms = (from: number) => Math.round(performance.now() - from);
const provided: Record<string, unknown> = {};
const setupAt = performance.now();
const teardown = await setup({ provide: (key: string, value: unknown) => (provided[key] = value) } as never);
console.log(JSON.stringify({ globalSetupMs: ms(setupAt), built: provided.e2eServerBuilt }));
const prepared: ServerLaunch = {
  dataTemplate: provided.e2eDataTemplate as string,
  isBuilt: provided.e2eServerBuilt as boolean,
  isWarmedUp: true,
};
const fresh: ServerLaunch = { dataTemplate: '', isBuilt: false, isWarmedUp: false };

for (let round = 1; round <= rounds; round += 1) {
  for (const [mode, launch] of [
    ['prepared', prepared],
    ['fresh-tsx', fresh],
  ] as const) {
    const startedAt = performance.now();
    const server = await startServer({}, launch);
    const serverMs = ms(startedAt);
    const browserAt = performance.now();
    const session = await openSession({ baseUrl: server.baseUrl });
    const browserMs = ms(browserAt);
    const pageAt = performance.now();
    await session.page.goto('/');
    await session.page.getByTestId('language').waitFor({ timeout: 120_000 });
    const pageMs = ms(pageAt);
    console.log(JSON.stringify({ round, mode, serverMs, browserMs, firstPageMs: pageMs }));
    await session.close();
    await server.close();
  }
}
teardown();
