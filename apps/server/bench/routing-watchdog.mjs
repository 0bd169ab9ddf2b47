// The hard cap of bench:routing, from outside. The runner is node A: on PGlite its
// queries run on its event loop, and a backlog can starve its timers for minutes, so its
// own cap may come late. This process is told the runner's children, database and
// directories as they are made; at BENCH_MAX_SECONDS plus a grace (or when the runner is
// gone without saying it cleaned up) it kills them all, the runner last, drops the
// database and removes the directories.
import { rmSync } from 'node:fs';
import pg from 'pg';

const [runnerPid, capSeconds] = process.argv.slice(2).map(Number);
const pids = new Set();
const dirs = new Set();
let database; // { adminUrl, name }
let isClean = false;

const kill = (pid) => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
};

const cleanUp = async (why) => {
  if (isClean) return process.exit(0);
  console.error(`watchdog: ${why}; killing the bench's processes and removing what it made`);
  for (const pid of pids) kill(pid);
  kill(runnerPid);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  if (database) {
    const client = new pg.Client({ connectionString: database.adminUrl });
    try {
      await client.connect();
      await client.query(`drop database if exists ${database.name} with (force)`);
    } catch (error) {
      console.error(`watchdog: database ${database.name} not dropped: ${error.message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  process.exit(0);
};

process.on('message', (message) => {
  if (message.type === 'pid') pids.add(message.pid);
  else if (message.type === 'dir') dirs.add(message.dir);
  else if (message.type === 'database') database = message.database;
  else if (message.type === 'clean') isClean = true;
});
process.on('disconnect', () => void cleanUp('the runner ended'));
setTimeout(() => void cleanUp(`${capSeconds} s and the grace passed`), capSeconds * 1000);
