import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/server.js';

let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app?.close(); });

describe('admin API: tenants', () => {
  it('refuses calls without the admin token, as problem JSON', async () => {
    const res = await fetch(`${app.url}/api/tenants`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
  });

  it('creates a tenant and shows its token once, stored only as a hash', async () => {
    const res = await app.admin('POST', '/api/tenants', { name: 'acme' });
    expect(res.status).toBe(201);
    const body = await res.json() as { id: string; name: string; scimUrl: string; token: string };
    expect(body).toMatchObject({ name: 'acme', scimUrl: `${app.url}/scim/v2` });
    expect(body.token).toMatch(/^scimflow_/);
    const stored = await app.db.sql`select token_hash from tenant_tokens where tenant_id = ${body.id}`;
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).not.toContain(body.token);

    const list = await (await app.admin('GET', '/api/tenants')).json() as { items: unknown[] };
    expect(list.items).toContainEqual({ id: body.id, name: 'acme', users: 0, groups: 0 });
    expect(JSON.stringify(list)).not.toContain(body.token);
  });

  it('rejects a duplicate name with 409 and a bad body with 400, changing nothing', async () => {
    await app.admin('POST', '/api/tenants', { name: 'dup' });
    const again = await app.admin('POST', '/api/tenants', { name: 'dup' });
    expect(again.status).toBe(409);
    const bad = await app.admin('POST', '/api/tenants', { name: '' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 400, title: 'Bad Request' });
    const malformed = await fetch(`${app.url}/api/tenants`, {
      method: 'POST', headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' }, body: '{nope',
    });
    expect(malformed.status).toBe(400);
    const [{ n }] = await app.db.sql`select count(*)::int as n from tenants where name = 'dup' or name = ''` as unknown as [{ n: number }];
    expect(n).toBe(1);
  });

  it('issues and revokes extra tokens; unknown ids are 404', async () => {
    const t = await (await app.admin('POST', '/api/tenants', { name: 'tokens' })).json() as { id: string };
    const issued = await app.admin('POST', `/api/tenants/${t.id}/tokens`);
    expect(issued.status).toBe(201);
    const { id: tokenId } = await issued.json() as { id: string };
    expect((await app.admin('DELETE', `/api/tenants/${t.id}/tokens/${tokenId}`)).status).toBe(204);
    expect((await app.admin('DELETE', `/api/tenants/${t.id}/tokens/${tokenId}`)).status).toBe(404);
    expect((await app.admin('POST', '/api/tenants/00000000-0000-4000-8000-000000000000/tokens')).status).toBe(404);
    expect((await app.admin('POST', '/api/tenants/not-a-uuid/tokens')).status).toBe(400);
  });
});
