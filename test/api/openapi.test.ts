import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { OPERATIONS } from '../../src/api/openapi/operations.js';
import { createLogger } from '../../src/logger.js';
import { createJobsWorld, type JobsWorld } from '../jobs/harness.js';
import { ADMIN_TOKEN } from '../support/server.js';

/**
 * The OpenAPI document against the server itself: every route the /api router serves is in
 * it (and nothing it does not serve), and real answers of the main routes — tenants,
 * directories, jobs, status, logs and problems — validate against the documented schemas.
 */
type Json = Record<string, unknown>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

let world: JobsWorld;
let doc: Json & { paths: Record<string, Record<string, Json>> };
let ajv: Ajv2020;

beforeAll(async () => {
  world = await createJobsWorld();
  await world.startWorker();
  const res = await fetch(`${world.apiUrl}/api/openapi.json`);
  expect(res.status).toBe(200);
  doc = await res.json() as typeof doc;
  // the document is one schema resource: responses are compiled by pointer into it, so the
  // components they reference resolve as they would for any OpenAPI 3.1 tool
  ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addSchema(doc, 'openapi');
}, 120_000);

afterAll(async () => {
  await world?.close();
});

const pointer = (...segments: string[]) =>
  segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

/** Checks a real answer against the document: its status and media type documented, its body valid. */
async function expectDocumented(res: Response, method: string, template: string): Promise<unknown> {
  const operation = doc.paths[template]?.[method] as { responses: Record<string, { content?: Record<string, unknown> }> } | undefined;
  expect(operation, `${method} ${template} documented`).toBeDefined();
  const documented = operation!.responses[String(res.status)];
  expect(documented, `${method} ${template} documents ${res.status}`).toBeDefined();
  const text = await res.text();
  if (!text) return undefined;
  const media = res.headers.get('content-type')!.split(';')[0]!;
  expect(Object.keys(documented!.content ?? {}), `${method} ${template} ${res.status} documents ${media}`).toContain(media);
  const body = JSON.parse(text) as unknown;
  const validate = ajv.getSchema(`openapi#/${pointer('paths', template, method, 'responses', String(res.status), 'content', media, 'schema')}`)!;
  expect(validate(body), `${method} ${template} ${res.status}: ${JSON.stringify(validate.errors)}\n${text.slice(0, 2000)}`).toBe(true);
  return body;
}

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => fetch(`${world.apiUrl}${path}`, {
  method,
  headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
  body: body === undefined ? undefined : JSON.stringify(body),
});

describe('the document', () => {
  it('is OpenAPI 3.1, served without the admin token', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(JSON.stringify(doc)).not.toContain('$defs');
  });

  it('lists exactly the routes the /api router serves', () => {
    const app = createApp({ db: world.app.db.db, adminToken: ADMIN_TOKEN, publicUrl: undefined, logger: createLogger('silent'), jobs: world.service });
    interface Layer { rawPath?: unknown; route?: { path: string; methods: Record<string, boolean> }; handle: { stack?: Layer[] } }
    const served = new Set<string>();
    const walk = (stack: Layer[], prefix: string) => {
      for (const layer of stack) {
        if (layer.route) {
          for (const method of Object.keys(layer.route.methods)) served.add(`${method} ${prefix}${layer.route.path}`);
        } else if (layer.handle.stack) {
          walk(layer.handle.stack, prefix + (typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : ''));
        }
      }
    };
    walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
    const api = [...served].filter((r) => r.split(' ')[1]!.startsWith('/api/')).sort();
    const documented = OPERATIONS.map((op) => `${op.method} /api${op.path}`).sort();
    expect(api.length).toBeGreaterThan(40);
    expect(documented).toEqual(api);
    const inDocument = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)).sort();
    expect(inDocument).toEqual(api.map((r) => r.replace(/:(\w+)/g, '{$1}')).sort());
  });

  it('every documented schema compiles', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, answer] of Object.entries((op as { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }).responses)) {
          for (const [media, content] of Object.entries(answer.content ?? {})) {
            if (!content.schema) continue;
            expect(ajv.getSchema(`openapi#/${pointer('paths', path, method, 'responses', status, 'content', media, 'schema')}`), `${method} ${path} ${status}`).toBeDefined();
          }
        }
      }
    }
  });
});

describe('real answers match it', () => {
  it('tenants', async () => {
    const created = await expectDocumented(await call('POST', '/api/tenants', { name: `doc-${crypto.randomUUID()}` }), 'post', '/api/tenants') as { id: string };
    await expectDocumented(await call('GET', '/api/tenants'), 'get', '/api/tenants');
    await expectDocumented(await call('POST', `/api/tenants/${created.id}/tokens`), 'post', '/api/tenants/{id}/tokens');
    await expectDocumented(await call('POST', '/api/tenants', { name: '' }), 'post', '/api/tenants');
  });

  it('directories', async () => {
    const created = await expectDocumented(await call('POST', '/api/directories', { name: `doc-${crypto.randomUUID()}` }), 'post', '/api/directories') as { id: string };
    await expectDocumented(await call('GET', '/api/directories'), 'get', '/api/directories');
    await expectDocumented(await call('GET', `/api/directories/${created.id}`), 'get', '/api/directories/{id}');
    const userId = crypto.randomUUID();
    await expectDocumented(await call('POST', `/api/directories/${created.id}/import`, {
      users: [{ id: userId, userPrincipalName: 'doc@contoso.com', displayName: 'Doc', accountEnabled: true, costCenter: 'C-17' }],
      groups: [{ id: 'not-a-uuid' }],
    }), 'post', '/api/directories/{id}/import');
    await expectDocumented(await call('GET', `/api/directories/${created.id}/users`), 'get', '/api/directories/{id}/users');
    await expectDocumented(await call('GET', `/api/directories/${created.id}/users/${userId}`), 'get', '/api/directories/{id}/users/{objectId}');
    await expectDocumented(await call('GET', `/api/directories/${crypto.randomUUID()}`), 'get', '/api/directories/{id}');
  });

  it('jobs, status through a cycle, and the log it wrote', async () => {
    const alice = await world.user({ name: 'alice' });
    await world.assign(alice);
    const jobId = await world.createJobViaApi();
    await expectDocumented(await call('GET', '/api/jobs'), 'get', '/api/jobs');
    await expectDocumented(await call('GET', `/api/jobs/${jobId}`), 'get', '/api/jobs/{id}');
    await expectDocumented(await call('POST', `/api/jobs/${jobId}/start`), 'post', '/api/jobs/{id}/start');
    await world.waitForStatus(jobId, (s) => s.lastCycle !== null);
    await expectDocumented(await call('GET', `/api/jobs/${jobId}/status`), 'get', '/api/jobs/{id}/status');
    const page = await expectDocumented(await call('GET', `/api/jobs/${jobId}/logs?limit=1`), 'get', '/api/jobs/{id}/logs') as { items: unknown[] };
    expect(page.items).toHaveLength(1);
    await expectDocumented(await call('GET', `/api/jobs/${jobId}/logs?status=Nope`), 'get', '/api/jobs/{id}/logs');
    await expectDocumented(await call('GET', `/api/jobs/${jobId}/cycles`), 'get', '/api/jobs/{id}/cycles');
    await expectDocumented(await call('GET', `/api/jobs/${jobId}/workflow`), 'get', '/api/jobs/{id}/workflow');
    await expectDocumented(await call('GET', `/api/jobs/${crypto.randomUUID()}/status`), 'get', '/api/jobs/{id}/status');
    await expectDocumented(await call('POST', '/api/jobs', { name: 'x' }), 'post', '/api/jobs');
  }, 60_000);

  it('each line of an NDJSON export is a documented log entry', async () => {
    const [job] = (await (await call('GET', '/api/jobs')).json() as { items: Array<{ id: string }> }).items;
    const res = await call('GET', `/api/jobs/${job!.id}/logs?format=ndjson`);
    const validate = ajv.getSchema(`openapi#/${pointer('paths', '/api/jobs/{id}/logs', 'get', 'responses', '200', 'content', 'application/x-ndjson', 'schema')}`)!;
    const lines = (await res.text()).trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(validate(JSON.parse(line)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a refusal without the token is a documented problem', async () => {
    const res = await fetch(`${world.apiUrl}/api/jobs`);
    await expectDocumented(res, 'get', '/api/jobs');
  });
});
