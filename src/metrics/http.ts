import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import type { Metrics } from './metrics.js';

/**
 * `GET /metrics` in Prometheus text format. The
 * endpoint is public unless METRICS_TOKEN is set: it names no user and no secret, and
 * Prometheus is usually scraped from a private network — but a scraper can send
 * `authorization: Bearer <METRICS_TOKEN>` (`bearer_token_file`) where it is exposed.
 */

function authorized(headers: IncomingHttpHeaders, token: string | undefined): boolean {
  if (!token) return true;
  const given = Buffer.from(headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function exposition(metrics: Metrics, headers: IncomingHttpHeaders, token: string | undefined): Promise<{ status: number; type: string; body: string }> {
  if (!authorized(headers, token)) return { status: 401, type: 'text/plain', body: 'a bearer token is required\n' };
  return { status: 200, type: metrics.registry.contentType, body: await metrics.registry.metrics() };
}

/** Mounted at the root of the API: /metrics (the SCIM router times its own requests). */
export function metricsRouter(metrics: Metrics, token: string | undefined): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    const answer = await exposition(metrics, req.headers, token);
    res.status(answer.status).type(answer.type).send(answer.body);
  });
  return router;
}

/** `scimflow worker`'s own /metrics (METRICS_PORT), for a worker that runs without the API. */
export async function serveMetrics(metrics: Metrics, port: number, token: string | undefined): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    exposition(metrics, req.headers, token).then(
      (answer) => res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body),
      () => res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
