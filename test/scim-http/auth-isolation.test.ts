import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/server.js';
import { TOKEN_CACHE_MS } from '../../src/api/scim/auth.js';
import { createTenant, ERROR_SCHEMA, GROUP_SCHEMA, PATCH_OP, scimClient, USER_SCHEMA, type ScimClient } from './client.js';

let app: TestApp;
let acme: ScimClient;
let globex: ScimClient;
let acmeUser: string;
let acmeGroup: string;
let globexUser: string;

beforeAll(async () => {
  app = await startTestApp();
  acme = await createTenant(app, 'acme');
  globex = await createTenant(app, 'globex');
  acmeUser = (await acme.request('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName: 'secret@acme.example', externalId: 'a1' } })).body.id;
  acmeGroup = (await acme.request('POST', '/Groups', { body: { schemas: [GROUP_SCHEMA], displayName: 'Acme staff', members: [{ value: acmeUser }] } })).body.id;
  globexUser = (await globex.request('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName: 'someone@globex.example' } })).body.id;
});
afterAll(async () => { await app?.close(); });

describe('authentication', () => {
  const expectUnauthorized = async (headers: Record<string, string>) => {
    const res = await fetch(`${acme.base}/Users`, { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(await res.json()).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
  };

  it('refuses a request without a token', async () => {
    await expectUnauthorized({});
  });

  it('refuses a wrong token, a non-bearer scheme and the admin token', async () => {
    await expectUnauthorized({ authorization: 'Bearer scimflow_not-a-real-token' });
    await expectUnauthorized({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    await expectUnauthorized({ authorization: 'Bearer test-admin-token-0123456789' });
  });

  it('refuses a revoked token once the short token cache has expired, while the tenant\'s other tokens keep working', async () => {
    const issued = await (await app.admin('POST', `/api/tenants/${acme.tenantId}/tokens`)).json() as { id: string; token: string };
    const extra = scimClient(acme.tenantId, issued.token, acme.base);
    expect((await extra.request('GET', '/Users')).status).toBe(200);
    expect((await app.admin('DELETE', `/api/tenants/${acme.tenantId}/tokens/${issued.id}`)).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, TOKEN_CACHE_MS + 50));
    expect((await extra.request('GET', '/Users')).status).toBe(401);
    expect((await acme.request('GET', '/Users')).status).toBe(200);
  });

  it('accepts the scheme name in any case', async () => {
    const res = await fetch(`${acme.base}/Users`, { headers: { authorization: `bearer ${acme.token}` } });
    expect(res.status).toBe(200);
  });
});

describe('tenant isolation', () => {
  it('another tenant\'s ids are 404 for every method, and nothing changes', async () => {
    for (const [method, path, body] of [
      ['GET', `/Users/${acmeUser}`, undefined],
      ['PUT', `/Users/${acmeUser}`, { schemas: [USER_SCHEMA], userName: 'stolen' }],
      ['PATCH', `/Users/${acmeUser}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] }],
      ['DELETE', `/Users/${acmeUser}`, undefined],
      ['GET', `/Groups/${acmeGroup}`, undefined],
      ['PATCH', `/Groups/${acmeGroup}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] }],
      ['PATCH', `/Groups/${acmeGroup}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: globexUser }] }] }],
      ['PATCH', `/Groups/${acmeGroup}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${acmeUser}"]` }] }],
      ['DELETE', `/Groups/${acmeGroup}`, undefined],
    ] as const) {
      const res = await globex.request(method, path, { body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.schemas, `${method} ${path}`).toEqual([ERROR_SCHEMA]);
    }
    const user = await acme.request('GET', `/Users/${acmeUser}`);
    expect(user.body).toMatchObject({ userName: 'secret@acme.example', meta: { version: 'W/"1"' } });
    const group = await acme.request('GET', `/Groups/${acmeGroup}`);
    expect(group.body.members).toHaveLength(1);
    expect(group.body.meta.version).toBe('W/"1"');
  });

  it('lists, counts and filters never include another tenant\'s resources', async () => {
    const all = await globex.request('GET', '/Users');
    expect(all.body.totalResults).toBe(1);
    expect(all.body.Resources[0].userName).toBe('someone@globex.example');
    for (const filter of ['userName eq "secret@acme.example"', 'externalId eq "a1"', `id eq "${acmeUser}"`]) {
      const res = await globex.request('GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect(res.body.totalResults, filter).toBe(0);
    }
    expect((await globex.request('GET', '/Groups?count=0')).body.totalResults).toBe(0);
    expect((await globex.request('POST', '/.search', { body: { filter: 'meta.resourceType pr' } })).body.totalResults).toBe(1);
    const tenants = await (await app.admin('GET', '/api/tenants')).json() as { items: Array<{ name: string; users: number; groups: number }> };
    expect(tenants.items.find((t) => t.name === 'globex')).toMatchObject({ users: 1, groups: 0 });
  });

  it('another tenant\'s user cannot be made a member: 400 invalidValue', async () => {
    const group = (await globex.request('POST', '/Groups', { body: { schemas: [GROUP_SCHEMA], displayName: 'Globex' } })).body.id;
    const res = await globex.request('PATCH', `/Groups/${group}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: acmeUser }] }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
    expect((await globex.request('GET', `/Groups/${group}`)).body.members).toBeUndefined();
  });
});
