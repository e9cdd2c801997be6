/**
 * A provisioning worker in a process of its own, for the crash test to kill. Settings come
 * from the environment the test gives it; it prints "ready" once polling.
 */
import { NativeConnection, DefaultLogger, Runtime } from '@temporalio/worker';
import { connect } from '../../src/db/client.js';
import { createJobWorker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/logger.js';
import { deriveSecretsKey } from '../../src/provisioning/secrets.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const database = connect(env('DATABASE_URL'), { max: 5 });
const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
const worker = await createJobWorker({
  connection,
  namespace: 'default',
  taskQueue: env('TASK_QUEUE'),
  activities: {
    engine: { db: database.db, sql: database.sql, secretsKey: deriveSecretsKey(env('SECRETS_KEY')) },
    engineOptions: { pageSize: Number(env('PAGE_SIZE')) },
  },
  logger: createLogger('silent'),
});
const running = worker.run();
console.log('ready');
await running;
