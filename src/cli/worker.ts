import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { required, type Config } from '../config.js';
import { connect } from '../db/client.js';
import { startJobRuntime } from '../jobs/runtime.js';
import { DEFAULT_TASK_QUEUE } from '../jobs/temporal.js';
import { bundleWorkflows, PREBUILT_BUNDLE } from '../jobs/worker.js';
import { createLogger } from '../logger.js';
import { serveMetrics } from '../metrics/http.js';
import { createMetrics } from '../metrics/metrics.js';
import { deriveSecretsKey } from '../provisioning/secrets.js';

/** `scimflow worker`: the production worker, with the workflow bundle `npm run build` made. */
export async function runWorker(config: Config): Promise<{ stop(): Promise<void> }> {
  const logger = createLogger(config.logLevel);
  const database = connect(required(config.databaseUrl, 'DATABASE_URL'), { max: config.databasePoolSize });
  try {
    const metrics = config.metricsPort === undefined ? undefined : createMetrics(database.sql);
    const runtime = await startJobRuntime({
      database,
      temporal: { address: required(config.temporalAddress, 'TEMPORAL_ADDRESS'), namespace: config.temporalNamespace, taskQueue: DEFAULT_TASK_QUEUE },
      secretsKey: deriveSecretsKey(required(config.secretsKey, 'SECRETS_KEY')),
      logger,
      prebuilt: true,
      logRetentionDays: config.logRetentionDays,
      notifications: { smtp: config.smtp, webhook: config.webhook },
      metrics,
    });
    const exposed = metrics && await serveMetrics(metrics, config.metricsPort!, config.metricsToken);
    logger.info({ namespace: config.temporalNamespace, taskQueue: DEFAULT_TASK_QUEUE, metrics: exposed?.url }, 'scimflow worker running');
    return {
      async stop() {
        await exposed?.close();
        await runtime.stop();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** `scimflow build-workflows`: bundles the workflow code ahead of time for `scimflow worker`. */
export async function buildWorkflowBundle(): Promise<string> {
  const code = await bundleWorkflows();
  await mkdir(path.dirname(PREBUILT_BUNDLE), { recursive: true });
  await writeFile(PREBUILT_BUNDLE, code);
  return PREBUILT_BUNDLE;
}
