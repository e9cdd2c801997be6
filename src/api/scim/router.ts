import type { IncomingMessage } from 'node:http';
import express, { Router } from 'express';
import type { Database } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import { ScimError } from '../../scim/errors.js';
import { ResourceService } from '../../target/resources.js';
import { requireTenant } from './auth.js';
import { bulkRouter } from './bulk.js';
import { discoveryRouter } from './discovery.js';
import { scimErrorHandler } from './errors.js';
import { MAX_PAYLOAD_BYTES } from './limits.js';
import { resourcesRouter } from './resources.js';

export interface ScimDeps {
  db: Database;
  publicUrl: string | undefined;
  logger: Logger;
}

/** Entra sends application/scim+json; plain JSON and a body without a type are accepted too. */
const isJsonBody = (req: IncomingMessage) => {
  const type = req.headers['content-type'];
  return type === undefined || /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type);
};

/** The SCIM 2.0 service provider, mounted at /scim/v2. */
export function scimRouter(deps: ScimDeps): Router {
  const service = new ResourceService(deps.db);
  const router = Router();
  router.use(requireTenant(deps.db, deps.publicUrl));
  router.use(express.json({ type: isJsonBody, limit: MAX_PAYLOAD_BYTES }));
  router.use(resourcesRouter(service));
  router.use(discoveryRouter());
  router.use(bulkRouter(service, deps.logger));
  router.use((req) => {
    throw new ScimError(404, undefined, `no SCIM endpoint ${req.method} ${req.baseUrl}${req.path}`);
  });
  router.use(scimErrorHandler(deps.logger));
  return router;
}
