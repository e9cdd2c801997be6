import type { RequestHandler } from 'express';
import type { Database } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import { scimRouteOf, type Metrics } from '../../metrics/metrics.js';
import { ScimError } from '../../scim/errors.js';
import { ResourceService } from '../../target/resources.js';
import { tenantAuthenticator } from './auth.js';
import { readJsonBody } from './body.js';
import { bulkRoutes } from './bulk.js';
import { discoveryRoutes } from './discovery.js';
import { sendScimError } from './errors.js';
import { MAX_PAYLOAD_BYTES } from './limits.js';
import { resourceRoutes } from './resources.js';
import { routeTable, type ScimMethod } from './routes.js';

export interface ScimDeps {
  db: Database;
  publicUrl: string | undefined;
  logger: Logger;
  /** times every request into scimflow_scim_requests_duration_seconds when set */
  metrics?: Metrics;
}

const WITH_BODY = new Set<ScimMethod>(['POST', 'PUT', 'PATCH']);

/**
 * The SCIM 2.0 service provider, mounted at /scim/v2. Every request is authenticated first
 * (so an unknown path tells a caller without a token nothing), then matched against the
 * route table, its JSON body read, and handled; every failure leaves as a SCIM error.
 */
export function scimApi(deps: ScimDeps): RequestHandler {
  const service = new ResourceService(deps.db);
  const authenticate = tenantAuthenticator(deps.db, deps.publicUrl);
  const match = routeTable([...resourceRoutes(service), ...discoveryRoutes(), ...bulkRoutes(service, deps.logger)]);
  const { metrics } = deps;

  return async (req, res) => {
    const started = process.hrtime.bigint();
    try {
      res.locals.scope = await authenticate(req, res);
      const found = match(req.method, req.path);
      if (!found) throw new ScimError(404, undefined, `no SCIM endpoint ${req.method} ${req.baseUrl}${req.path}`);
      // Express's own name for the matched route; the access log reads its template here
      req.route = found.route;
      if (WITH_BODY.has(found.route.method)) req.body = await readJsonBody(req, MAX_PAYLOAD_BYTES);
      await found.route.handle(req, res, found.params);
    } catch (err) {
      sendScimError(err, req, res, deps.logger);
    }
    // Timed here, once the answer is written, rather than from a 'finish' listener: that was a
    // closure and a `once` wrapper per request, for a moment that differs by a socket write.
    if (metrics) {
      metrics.observeScimRequest({
        route: scimRouteOf(req.path), method: req.method, status: res.statusCode,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    }
  };
}
