import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import type { Logger } from '../logger.js';
import { instrumentActivities } from '../metrics/activities.js';
import type { Metrics } from '../metrics/metrics.js';
import { createNotificationActivities, type NotifierSettings } from '../notifications/activities.js';
import { createLogRetentionActivities } from '../activities/log-retention.js';

/**
 * The provisioning worker. Production runs workflow code bundled ahead of time
 * (`npm run build`, dist/workflow-bundle.js); dev and tests bundle from the sources at start.
 */
const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
export const PREBUILT_BUNDLE = fileURLToPath(new URL('../../dist/workflow-bundle.js', import.meta.url));

/** The sources use NodeNext's `.js` suffixes for `.ts` files; webpack must be told. */
const resolveTypeScript: WorkerOptions['bundlerOptions'] = {
  webpackConfigHook: (config) => ({
    ...config,
    resolve: { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } },
  }),
};

export async function bundleWorkflows(): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, ...resolveTypeScript });
  return code;
}

export interface JobWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  logger: Logger;
  /** instruments the engine's target requests, objects and cycles */
  metrics?: Metrics;
  /** where job events are announced; without it they are only recorded */
  notifications?: NotifierSettings;
  /** use dist/workflow-bundle.js when present (the `scimflow worker` of a built install) */
  prebuilt?: boolean;
}

export async function createJobWorker(options: JobWorkerOptions): Promise<Worker> {
  const usePrebuilt = options.prebuilt === true && existsSync(PREBUILT_BUNDLE);
  if (options.prebuilt && !usePrebuilt) {
    options.logger.warn({ bundle: PREBUILT_BUNDLE }, 'no prebuilt workflow bundle (npm run build); bundling the workflow sources now');
  }
  const { metrics } = options;
  const jobActivities = createActivities(metrics
    ? { ...options.activities, engineOptions: { ...options.activities.engineOptions, onRequest: metrics.observeTargetRequest } }
    : options.activities);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: {
      ...(metrics ? instrumentActivities(jobActivities, metrics) : jobActivities),
      ...createNotificationActivities({ db: options.activities.engine.db, settings: options.notifications ?? { smtp: null, webhook: null } }),
      ...createLogRetentionActivities(options.activities.engine.sql),
    },
    ...(usePrebuilt
      ? { workflowBundle: { codePath: PREBUILT_BUNDLE } }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: resolveTypeScript }),
  });
}
