import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/api/server.js';
import { createLogger } from '../../src/logger.js';
import { serveMetrics } from '../../src/metrics/http.js';
import { createMetrics, scimRouteOf, type Metrics } from '../../src/metrics/metrics.js';
import { createJobsWorld, type JobsWorld } from '../jobs/harness.js';
import { ADMIN_TOKEN } from '../support/server.js';

/**
 * /metrics after real traffic: a job provisions users through this API's own /scim/v2, so
 * one cycle moves both sides' request series (the engine's outgoing requests and the SCIM
 * service provider's answers), the engine's objects, the cycle durations and the gauges.
 */
const METRICS_TOKEN = 'metrics-test-token-0123456789';

let world: JobsWorld;
let metrics: Metrics;
let server: RunningServer;

beforeAll(async () => {
  world = await createJobsWorld();
  metrics = createMetrics(world.app.db.sql);
  server = await startServer({
    db: world.app.db.db, adminToken: ADMIN_TOKEN, publicUrl: undefined, logger: createLogger('silent'), jobs: world.service,
    metrics: { metrics, token: METRICS_TOKEN },
  }, 0, '127.0.0.1');
  await world.startWorker({}, { metrics });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await world?.close();
});

interface Sample { name: string; labels: Record<string, string>; value: number }

function parse(text: string): Sample[] {
  return text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)!;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    return { name: m[1]!, labels, value: Number(m[3]) };
  });
}

/** The value of the one series with these labels (among others), 0 when absent. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.reduce((sum, s) => sum + s.value, 0);
}

async function scrape(url = `${server.url}/metrics`): Promise<Sample[]> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
}

describe('scimRouteOf', () => {
  it.each([
    ['/Users', '/Users'],
    ['/Users/2819c223-7f76-453a-919d-413861904646', '/Users/{id}'],
    ['/Groups/abc?excludedAttributes=members', '/Groups/{id}'],
    ['/Users/.search', '/Users/.search'],
    ['/.search', '/.search'],
    ['/Bulk', '/Bulk'],
    ['/ServiceProviderConfig', '/ServiceProviderConfig'],
    ['/', '/'],
    ['/Users/a/b', 'other'],
    ['/wp-admin/login.php', 'other'],
  ])('%s → %s', (path, route) => {
    expect(scimRouteOf(path)).toBe(route);
  });
});

describe('GET /metrics', () => {
  it('requires METRICS_TOKEN when one is set', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-of-other-length' } })).status).toBe(401);
  });

  it('moves the request, object, cycle and job series with a provisioning cycle', async () => {
    for (const name of ['Metric Mia', 'Metric Max']) await world.assign(await world.user({ name }));
    const before = await scrape();
    const jobId = await world.createJobViaApi({}, { url: `${server.url}/scim/v2` });
    await world.call('POST', `/api/jobs/${jobId}/start`);
    await world.waitForStatus(jobId, (s) => s.state === 'Active' && s.lastCycle !== null);
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);

    // the engine's side: one POST per user, as the client saw it
    expect(moved('scimflow_target_requests_duration_seconds_count', { route: '/Users', method: 'POST', status: '201' })).toBe(2);
    // the service provider's side of the same requests
    expect(moved('scimflow_scim_requests_duration_seconds_count', { route: '/Users', method: 'POST', status: '201' })).toBe(2);
    expect(moved('scimflow_scim_requests_duration_seconds_bucket', { route: '/Users', method: 'POST', status: '201', le: '+Inf' })).toBe(2);
    expect(moved('scimflow_engine_objects_total', { action: 'Create', status: 'Success' })).toBe(2);
    expect(moved('scimflow_cycle_duration_seconds_count', { kind: 'initial', outcome: 'ok' })).toBe(1);
    expect(value(after, 'scimflow_jobs', { state: 'Active' })).toBeGreaterThanOrEqual(1);
    expect(after.some((s) => s.name === 'scimflow_escrows' && s.labels.job_id === jobId && s.value === 0)).toBe(true);
  });

  it('is served by a worker on its own port when METRICS_PORT is set', async () => {
    const exposed = await serveMetrics(metrics, 0, METRICS_TOKEN);
    try {
      const samples = await scrape(exposed.url);
      expect(samples.some((s) => s.name === 'scimflow_jobs')).toBe(true);
      expect((await fetch(exposed.url)).status).toBe(401);
      expect((await fetch(exposed.url.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await exposed.close();
    }
  });
});
