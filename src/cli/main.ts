import { Command } from 'commander';
import { ConfigError, loadConfig, required } from '../config.js';
import { createLogger } from '../logger.js';
import { runMigrations } from '../db/migrate.js';
import { connect } from '../db/client.js';
import { createMetrics } from '../metrics/metrics.js';
import { startServer } from '../api/server.js';
import { startDevStack } from '../dev/stack.js';
import { adminCommands } from './admin.js';
import { jobCommands } from './jobs.js';
import { buildWorkflowBundle, runWorker } from './worker.js';
import { connectJobService } from '../jobs/runtime.js';
import { DEFAULT_TASK_QUEUE } from '../jobs/temporal.js';
import { deriveSecretsKey } from '../provisioning/secrets.js';
import { AdminClientError } from './admin-client.js';

const program = new Command('scimflow')
  .description('Identity provisioning with Entra ID semantics, and an Entra-compatible SCIM 2.0 endpoint')
  .showHelpAfterError();

program.command('migrate')
  .description('apply the database migrations to DATABASE_URL')
  .action(async () => {
    const config = loadConfig();
    await runMigrations(required(config.databaseUrl, 'DATABASE_URL'));
    console.log('migrations applied');
  });

program.command('api')
  .description('serve the SCIM endpoint and the admin API (PORT, default 3000)')
  .action(async () => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel);
    const handle = connect(required(config.databaseUrl, 'DATABASE_URL'));
    // job control talks to Temporal and encrypts target tokens; without both, /api/jobs is not served
    const jobs = config.temporalAddress && config.secretsKey
      ? await connectJobService({
        database: handle,
        temporal: { address: config.temporalAddress, namespace: config.temporalNamespace, taskQueue: DEFAULT_TASK_QUEUE },
        secretsKey: deriveSecretsKey(config.secretsKey),
      })
      : undefined;
    if (!jobs) logger.warn('TEMPORAL_ADDRESS or SECRETS_KEY unset: /api/jobs is not served');
    const server = await startServer(
      { db: handle.db, adminToken: required(config.adminToken, 'ADMIN_TOKEN'), publicUrl: config.publicUrl, logger, jobs: jobs?.service,
        metrics: { metrics: createMetrics(handle.sql), token: config.metricsToken },
        temporalUi: config.temporalUiUrl ? { url: config.temporalUiUrl, namespace: config.temporalNamespace } : undefined },
      config.port,
    );
    logger.info({ url: server.url }, 'scimflow api listening');
    onShutdown(async () => {
      await server.close();
      await jobs?.close();
      await handle.close();
    });
  });

program.command('worker')
  .description('run the Temporal worker for provisioning jobs (DATABASE_URL, TEMPORAL_ADDRESS, SECRETS_KEY)')
  .action(async () => {
    const worker = await runWorker(loadConfig());
    onShutdown(() => worker.stop());
  });

program.command('build-workflows')
  .description('bundle the workflow code ahead of time for `scimflow worker` (npm run build)')
  .action(async () => {
    console.log(`workflow bundle written to ${await buildWorkflowBundle()}`);
  });

program.command('dev')
  .description('everything on embedded defaults (what `npm start` runs)')
  .action(async () => {
    const stack = await startDevStack(loadConfig());
    onShutdown(() => stack.stop());
  });

adminCommands(program);
jobCommands(program);

function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(() => process.exit(0), (err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof AdminClientError) {
    console.error(`scimflow: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
