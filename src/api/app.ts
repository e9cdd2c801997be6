import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import { requireAdmin } from './admin-auth.js';
import { Problem, notFound } from './problem.js';
import { tenantsRouter } from './tenants.js';
import { directoriesRouter } from './directories.js';
import { jobsRouter } from './jobs.js';
import { logsRouter } from './logs.js';
import { requestLog } from './request-log.js';
import { openApiRouter } from './openapi.js';
import type { JobService } from '../jobs/service.js';
import { scimApi } from './scim/router.js';
import { consoleApiRouter, type TemporalUi } from './console-api.js';
import { consoleUi } from './ui.js';
import { metricsRouter } from '../metrics/http.js';
import type { Metrics } from '../metrics/metrics.js';

export interface AppDeps {
  db: Database;
  adminToken: string;
  publicUrl: string | undefined;
  logger: Logger;
  /** job control needs Temporal: absent, /api/jobs is not served */
  jobs?: JobService;
  /** the web console links each job's workflow here when set */
  temporalUi?: TemporalUi;
  /** serves /metrics and times /scim/v2 when set; METRICS_TOKEN, when set, guards /metrics */
  metrics?: { metrics: Metrics; token: string | undefined };
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('etag', false);

  app.use(requestLog(deps.logger));
  // first after the log: SCIM carries nearly all the traffic, and each layer before it costs
  app.use('/scim/v2', scimApi({ ...deps, metrics: deps.metrics?.metrics }));
  app.use(openApiRouter());
  if (deps.metrics) app.use(metricsRouter(deps.metrics.metrics, deps.metrics.token));
  app.use('/api', adminApi(deps));
  app.use('/ui', consoleUi());
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  return app;
}

function adminApi(deps: AppDeps): express.Router {
  const api = express.Router();
  api.use(requireAdmin(deps.adminToken));
  api.use(express.json({ limit: '10mb' }));
  api.use(tenantsRouter(deps.db, deps.publicUrl));
  api.use(directoriesRouter(deps.db));
  api.use(logsRouter(deps.db, deps.logger));
  if (deps.jobs) api.use(jobsRouter(deps.jobs));
  api.use(consoleApiRouter(deps.db, deps.temporalUi));
  api.use((req) => {
    throw notFound(`no route for ${req.method} ${req.baseUrl}${req.path}`);
  });
  api.use(problemHandler(deps.logger));
  return api;
}

/** Renders every error of /api as problem JSON; unexpected ones are logged, never echoed. */
function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let problem: Problem;
    if (err instanceof Problem) problem = err;
    else if (isBodyParserError(err)) {
      problem = err.type === 'entity.too.large'
        ? new Problem(413, 'Payload Too Large', `the body exceeds ${err.limit} bytes`)
        : new Problem(400, 'Bad Request', 'the body is not valid JSON');
    } else {
      (req.log ?? logger).error({ err, method: req.method, path: req.originalUrl.split('?')[0] }, 'unhandled error in admin API');
      problem = new Problem(500, 'Internal Server Error', 'an unexpected error occurred; see the server log');
    }
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  };
}

interface BodyParserError { type: string; limit?: number; status: number }

export function isBodyParserError(err: unknown): err is BodyParserError {
  return typeof err === 'object' && err !== null && 'type' in err && 'status' in err
    && typeof (err as { type: unknown }).type === 'string';
}
