import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/server.js';

/**
 * The request and response objects keep the shape they were made with (shaped-messages.ts):
 * a property added during a request takes V8's slow path, and twelve of them had cost a SCIM
 * GET a third of its CPU time. When Express or our code starts adding a new one, this names
 * it, to be declared.
 */

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let app: TestApp;
let scim: (path: string, init?: { method?: string; body?: unknown }) => Promise<Response>;
/** per request, the own properties of the request and the response that were not there when it arrived */
const added: Array<{ request: string; req: string[]; res: string[] }> = [];

function watch(req: IncomingMessage, res: ServerResponse): void {
  const request = `${req.method} ${req.url}`;
  const reqKeys = new Set(Object.keys(req));
  const resKeys = new Set(Object.keys(res));
  res.on('close', () => {
    added.push({
      request,
      req: Object.keys(req).filter((k) => !reqKeys.has(k)),
      res: Object.keys(res).filter((k) => !resKeys.has(k)),
    });
  });
}

beforeAll(async () => {
  app = await startTestApp();
  const tenant = await app.admin('POST', '/api/tenants', { name: 'shapes' });
  const { token } = (await tenant.json()) as { token: string };
  scim = (path, init = {}) => fetch(`${app.url}/scim/v2${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  // before the app's own listener, so it sees the objects as node made them
  app.server.server.prependListener('request', watch);
});

afterAll(async () => {
  await app.close();
});

describe('request and response objects', () => {
  it('gain no properties while SCIM requests are answered, errors included', async () => {
    const created = await scim('/Users', { method: 'POST', body: { schemas: [CORE_USER], userName: 'shape@example.com' } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const answers = [
      await scim(`/Users?filter=${encodeURIComponent('userName eq "shape@example.com"')}`),
      await scim(`/Users/${id}`),
      await scim(`/Users/${id}`, { method: 'PATCH', body: { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: 'Shape' }] } }),
      await scim('/Users?filter=bogus', {}),
      await scim('/Nothing'),
      await scim(`/Users/${id}`, { method: 'DELETE' }),
      await fetch(`${app.url}/healthz`),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 400, 404, 204, 200]);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the last 'close' events
    expect(added).toHaveLength(8);
    expect(added.filter((a) => a.req.length > 0 || a.res.length > 0)).toEqual([]);
  });
});
