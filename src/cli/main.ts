import { Command } from 'commander';
import { ConfigError, loadConfig, required } from '../config.js';
import { adminCommands } from './admin.js';
import { jobCommands } from './jobs.js';
import { AdminClientError } from './admin-client.js';

// Each command imports its implementation when it runs: the whole graph (worker and bundler,
// dev stack, Temporal, provisioning engine) would otherwise sit in every process's memory,
// `scimflow api`'s included.
const program = new Command('scimflow')
  .description('Identity provisioning with Entra ID semantics, and an Entra-compatible SCIM 2.0 endpoint')
  .showHelpAfterError();

program.command('migrate')
  .description('apply the database migrations to DATABASE_URL')
  .action(async () => {
    const config = loadConfig();
    const { runMigrations } = await import('../db/migrate.js');
    await runMigrations(required(config.databaseUrl, 'DATABASE_URL'));
    console.log('migrations applied');
  });

program.command('api')
  .description('serve the SCIM endpoint and the admin API (PORT, default 3000)')
  .action(async () => {
    const config = loadConfig();
    const { runApi } = await import('./api.js');
    const api = await runApi(config);
    onShutdown(() => api.stop());
  });

program.command('worker')
  .description('run the Temporal worker for provisioning jobs (DATABASE_URL, TEMPORAL_ADDRESS, SECRETS_KEY)')
  .action(async () => {
    const config = loadConfig();
    const { runWorker } = await import('./worker.js');
    const worker = await runWorker(config);
    onShutdown(() => worker.stop());
  });

program.command('build-workflows')
  .description('bundle the workflow code ahead of time for `scimflow worker` (npm run build)')
  .action(async () => {
    const { buildWorkflowBundle } = await import('./worker.js');
    console.log(`workflow bundle written to ${await buildWorkflowBundle()}`);
  });

program.command('dev')
  .description('everything on embedded defaults (what `npm start` runs)')
  .action(async () => {
    const config = loadConfig();
    const { startDevStack } = await import('../dev/stack.js');
    const stack = await startDevStack(config);
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
