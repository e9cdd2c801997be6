import { required, type Config } from '../config.js';
import { connect, type DbHandle } from '../db/client.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { startServer } from '../api/server.js';
import { deriveSecretsKey } from '../provisioning/secrets.js';

/** `scimflow api`: the SCIM endpoint and the admin API, with job control when Temporal is configured. */
export async function runApi(config: Config): Promise<{ stop(): Promise<void> }> {
  const logger = createLogger(config.logLevel);
  const handle = connect(required(config.databaseUrl, 'DATABASE_URL'), { max: config.databasePoolSize });
  // job control talks to Temporal and encrypts target tokens; without both, /api/jobs is not
  // served and the Temporal client is never loaded (its modules are a large part of the RSS)
  const jobs = config.temporalAddress && config.secretsKey
    ? await connectJobs(config.temporalAddress, config.temporalNamespace, config.secretsKey, handle)
    : undefined;
  if (!jobs) logger.warn('TEMPORAL_ADDRESS or SECRETS_KEY unset: /api/jobs is not served');
  const server = await startServer(
    { db: handle.db, adminToken: required(config.adminToken, 'ADMIN_TOKEN'), publicUrl: config.publicUrl, logger, jobs: jobs?.service,
      metrics: { metrics: createMetrics(handle.sql), token: config.metricsToken },
      temporalUi: config.temporalUiUrl ? { url: config.temporalUiUrl, namespace: config.temporalNamespace } : undefined },
    config.port,
  );
  logger.info({ url: server.url }, 'scimflow api listening');
  return {
    async stop() {
      await server.close();
      await jobs?.close();
      await handle.close();
    },
  };
}

async function connectJobs(address: string, namespace: string, secretsKey: string, database: DbHandle) {
  const [{ connectJobService }, { DEFAULT_TASK_QUEUE }] = await Promise.all([import('../jobs/runtime.js'), import('../jobs/temporal.js')]);
  return connectJobService({
    database,
    temporal: { address, namespace, taskQueue: DEFAULT_TASK_QUEUE },
    secretsKey: deriveSecretsKey(secretsKey),
  });
}
