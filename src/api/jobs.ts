import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { objectId } from '../directory/records.js';
import { JobProblem } from '../jobs/problems.js';
import type { JobService, JobSettings } from '../jobs/service.js';
import { OnDemandTooManyMembers } from '../provisioning/on-demand-limits.js';
import { dialectSchema, provisioningConfigSchema } from '../provisioning/config.js';
import type { JobCommand, ResetScope } from '../workflows/job-machine.js';
import { badRequest, conflict, notFound, Problem } from './problem.js';
import { parseInput } from './validate.js';

/** api.md "Provisioning jobs": thin routes over the job service. */

const name = z.string().trim().min(1).max(200);
const targetUrl = z.url({ protocol: /^https?$/ });
const token = z.string().min(1).max(10_000);

const createBody = z.looseObject({
  name,
  directoryId: objectId,
  applicationId: objectId,
  target: z.object({ url: targetUrl, token, dialect: dialectSchema.optional() }),
});

const patchBody = z.looseObject({
  name: name.optional(),
  directoryId: objectId.optional(),
  applicationId: objectId.optional(),
  target: z.object({ url: targetUrl.optional(), token: token.optional(), dialect: dialectSchema.optional() }).optional(),
});

const RESET_SCOPES = ['Watermark', 'Escrows', 'QuarantineState', 'ConnectorDataStore', 'ForceDeletes', 'Full'] as const satisfies readonly ResetScope[];
const restartBody = z.object({ resetScope: z.array(z.enum(RESET_SCOPES)).default(['Watermark']) }).default({ resetScope: ['Watermark'] });
const quarantineBody = z.object({ reason: z.string().max(1000).optional() }).default({});
const onDemandBody = z.union([z.object({ userId: objectId }).strict(), z.object({ groupId: objectId }).strict()], {
  error: 'give either userId or groupId',
});

/** The configuration part of a body: everything but the job's identity and target, plus the target's dialect. */
function configPart(body: Record<string, unknown>, dialect: string | undefined): Record<string, unknown> {
  const { name: _n, directoryId: _d, applicationId: _a, target: _t, ...config } = body;
  return dialect === undefined ? config : { ...config, dialect };
}

const PROBLEMS: Record<JobProblem['kind'], (detail: string) => Problem> = {
  notFound,
  conflict,
  invalid: (detail) => badRequest(detail),
  unavailable: (detail) => new Problem(503, 'Service Unavailable', detail),
};

const SIMPLE_CONTROLS: Record<string, JobCommand> = {
  start: { type: 'start' },
  pause: { type: 'pause' },
  resume: { type: 'resume' },
  stop: { type: 'stop' },
  'run-now': { type: 'runNow' },
  'allow-deletes': { type: 'allowDeletes' },
};

export function jobsRouter(jobs: JobService): Router {
  const router = Router();
  const idOf = (req: Request) => parseInput(objectId, req.params.id);

  /** Turns the service's refusals into problems; anything else stays unexpected. */
  const route = (handler: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
    try {
      await handler(req, res);
    } catch (error) {
      if (error instanceof JobProblem) {
        throw PROBLEMS[error.kind](error.message);
      }
      if (error instanceof OnDemandTooManyMembers) throw badRequest(error.message);
      throw error;
    }
  };

  router.get('/jobs', route(async (_req, res) => {
    res.json({ items: await jobs.list() });
  }));

  router.post('/jobs', route(async (req, res) => {
    const body = parseInput(createBody, req.body);
    const config = parseInput(provisioningConfigSchema, configPart(body, body.target.dialect));
    const settings: JobSettings = {
      name: body.name, directoryId: body.directoryId, applicationId: body.applicationId, targetUrl: body.target.url, config,
    };
    res.status(201).json(await jobs.create(settings, body.target.token));
  }));

  router.get('/jobs/:id', route(async (req, res) => {
    res.json(await jobs.get(idOf(req)));
  }));

  router.patch('/jobs/:id', route(async (req, res) => {
    const id = idOf(req);
    const body = parseInput(patchBody, req.body);
    const view = await jobs.update(id, (current) => ({
      name: body.name ?? current.name,
      directoryId: body.directoryId ?? current.directoryId,
      applicationId: body.applicationId ?? current.applicationId,
      targetUrl: body.target?.url ?? current.targetUrl,
      config: parseInput(provisioningConfigSchema, { ...current.config, ...configPart(body, body.target?.dialect) }),
    }), body.target?.token);
    res.json(view);
  }));

  router.delete('/jobs/:id', route(async (req, res) => {
    await jobs.remove(idOf(req));
    res.status(204).end();
  }));

  router.get('/jobs/:id/status', route(async (req, res) => {
    res.json(await jobs.status(idOf(req)));
  }));

  for (const [path, command] of Object.entries(SIMPLE_CONTROLS)) {
    router.post(`/jobs/:id/${path}`, route(async (req, res) => {
      res.status(202).json(await jobs.control(idOf(req), command));
    }));
  }

  router.post('/jobs/:id/quarantine', route(async (req, res) => {
    const id = idOf(req);
    parseInput(quarantineBody, req.body);
    res.status(202).json(await jobs.control(id, { type: 'quarantine' }));
  }));

  router.post('/jobs/:id/restart', route(async (req, res) => {
    const id = idOf(req);
    const { resetScope } = parseInput(restartBody, req.body);
    res.status(202).json(await jobs.control(id, { type: 'restart', resetScope }));
  }));

  router.post('/jobs/:id/preview', route(async (req, res) => {
    res.status(202).json(await jobs.preview(idOf(req)));
  }));

  router.post('/jobs/:id/test-connection', route(async (req, res) => {
    res.json(await jobs.testConnection(idOf(req)));
  }));

  router.post('/jobs/:id/provision-on-demand', route(async (req, res) => {
    const id = idOf(req);
    const target = parseInput(onDemandBody, req.body);
    res.json(await jobs.provisionOnDemand(id, target));
  }));

  return router;
}
