import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { connect, type Database } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { startServer } from '../api/server.js';
import { generateToken } from '../target/tokens.js';
import { createTenant, findTenantByName, issueToken } from '../target/tenants.js';
import { tenantIdForToken } from '../target/token-lookup.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startDevTemporal } from './temporal.js';
import { stopLeftover } from './processes.js';
import { startJobRuntime } from '../jobs/runtime.js';
import { DEFAULT_TASK_QUEUE } from '../jobs/temporal.js';
import { deriveSecretsKey } from '../provisioning/secrets.js';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

export interface DevStack {
  apiUrl: string;
  adminToken: string;
  stop(): Promise<void>;
}

const DEFAULT_TENANT = 'default';

/** Reads a secret kept in DATA_DIR, creating it on first start so restarts print the same one. */
async function persistedSecret(file: string, make: () => string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const value = make();
  await writeFile(file, `${value}\n`, { mode: 0o600 });
  return value;
}

/**
 * The default tenant's SCIM token is kept in DATA_DIR (dev only) so that the printed token
 * keeps working across restarts; a token revoked meanwhile is replaced.
 */
async function defaultTenantToken(db: Database, dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'default-tenant-token');
  if (existsSync(file)) {
    const token = (await readFile(file, 'utf8')).trim();
    if (await tenantIdForToken(db, token)) return token;
  }
  const existing = await findTenantByName(db, DEFAULT_TENANT);
  const token = existing ? (await issueToken(db, existing.id)).token : (await createTenant(db, DEFAULT_TENANT)).token.token;
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/**
 * A stack killed outright (SIGKILL) leaves its Temporal dev server running, holding the port
 * and the SQLite file; it is stopped so the new stack carries on from the same database. It is
 * recognised by its command line naming this DATA_DIR's database (Linux /proc; elsewhere the
 * new server's start reports the port in use).
 */
async function stopOrphanedDevTemporal(dbFile: string): Promise<void> {
  const pids = await readdir('/proc').catch(() => [] as string[]);
  for (const pid of pids.filter((entry) => /^\d+$/.test(entry)).map(Number)) {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (!argv.includes('start-dev') || argv[argv.indexOf('--db-filename') + 1] !== dbFile) continue;
    await stopLeftover(pid, 'SIGTERM');
  }
}

export async function startDevStack(config: Config): Promise<DevStack> {
  const logger = createLogger(config.logLevel);
  const dataDir = path.resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });

  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(path.join(dataDir, 'postgres'));
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  await runMigrations(databaseUrl);
  const handle = connect(databaseUrl, { max: config.databasePoolSize });

  const adminToken = config.adminToken ?? await persistedSecret(path.join(dataDir, 'admin-token'), generateToken);
  const secretsKey = config.secretsKey ?? await persistedSecret(path.join(dataDir, 'secrets-key'), generateToken);
  const scimToken = await defaultTenantToken(handle.db, dataDir);

  // the dev server keeps its SQLite database in DATA_DIR, so a restarted stack carries on its jobs
  // the Temporal SDK's own progress lines (bundling, worker states) would drown the URLs printed below
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const temporalDb = path.join(dataDir, 'temporal', 'temporal.db');
  if (!config.temporalAddress) await stopOrphanedDevTemporal(temporalDb);
  const devTemporal = config.temporalAddress ? undefined : await startDevTemporal({
    dbFile: temporalDb,
    port: config.temporalDevPort,
    uiPort: config.temporalUiPort,
    namespace: config.temporalNamespace,
    searchAttributes: SEARCH_ATTRIBUTES,
  });
  // API and worker share this process, so one registry holds both halves' metrics
  const metrics = createMetrics(handle.sql);
  const jobs = await startJobRuntime({
    database: handle,
    temporal: { address: config.temporalAddress ?? devTemporal!.address, namespace: config.temporalNamespace, taskQueue: DEFAULT_TASK_QUEUE },
    secretsKey: deriveSecretsKey(secretsKey),
    logger,
    logRetentionDays: config.logRetentionDays,
    notifications: { smtp: config.smtp, webhook: config.webhook },
    metrics,
  });
  const temporalUi = config.temporalUiUrl ? { url: config.temporalUiUrl, namespace: config.temporalNamespace } : undefined;
  const server = await startServer({ db: handle.db, adminToken, publicUrl: config.publicUrl, logger, jobs: jobs.service, temporalUi, metrics: { metrics, token: config.metricsToken } }, config.port);
  const origin = config.publicUrl ?? `http://localhost:${config.port}`;

  console.log([
    '',
    'scimflow is running',
    `  API:             ${origin}/api  (Authorization: Bearer ${adminToken})`,
    `  Web console:     ${origin}/ui`,
    `  SCIM tenant URL: ${origin}/scim/v2  (tenant "${DEFAULT_TENANT}")`,
    `  SCIM token:      ${scimToken}`,
    `  Database:        ${embedded ? `embedded PostgreSQL in ${path.join(dataDir, 'postgres')}` : 'DATABASE_URL'}`,
    `  Temporal:        ${devTemporal ? `dev server at ${devTemporal.address}, data in ${path.join(dataDir, 'temporal')}` : `TEMPORAL_ADDRESS (${config.temporalAddress})`}`,
    ...(devTemporal?.uiUrl ? [`  Temporal Web UI: ${devTemporal.uiUrl}/namespaces/${config.temporalNamespace}/workflows`] : []),
    '',
  ].join('\n'));

  return {
    apiUrl: server.url,
    adminToken,
    async stop() {
      await server.close();
      await jobs.stop();
      await devTemporal?.stop();
      await handle.close();
      await embedded?.stop();
    },
  };
}
