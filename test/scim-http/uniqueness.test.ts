import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/server.js';
import { createTenant, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, type ScimClient } from './client.js';

let app: TestApp;
let scim: ScimClient;
beforeAll(async () => {
  app = await startTestApp();
  scim = await createTenant(app, 'unique');
});
afterAll(async () => { await app?.close(); });

const count = async (table: 'scim_users' | 'scim_groups') =>
  ((await app.db.sql`select count(*)::int as n from ${app.db.sql(table)}`)[0] as { n: number }).n;

describe('uniqueness', () => {
  it('a userName differing only in case is a duplicate: 409 uniqueness, nothing created', async () => {
    expect((await scim.request('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName: 'Jane@Example.com' } })).status).toBe(201);
    const before = await count('scim_users');
    const dup = await scim.request('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName: 'jane@example.COM' } });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
    expect(await count('scim_users')).toBe(before);
  });

  it('renaming a user onto another\'s userName is 409 and leaves the user as it was', async () => {
    const other = (await scim.request('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName: 'other@example.com' } })).body.id;
    const res = await scim.request('PATCH', `/Users/${other}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'JANE@example.com' }] },
    });
    expect(res.status).toBe(409);
    expect((await scim.request('GET', `/Users/${other}`)).body).toMatchObject({ userName: 'other@example.com', meta: { version: 'W/"1"' } });
  });

  it('group displayName is unique per tenant (any case), on create and on rename', async () => {
    expect((await scim.request('POST', '/Groups', { body: { schemas: [GROUP_SCHEMA], displayName: 'Sales' } })).status).toBe(201);
    const before = await count('scim_groups');
    const dup = await scim.request('POST', '/Groups', { body: { schemas: [GROUP_SCHEMA], displayName: 'SALES' } });
    expect(dup.status).toBe(409);
    expect(dup.body.scimType).toBe('uniqueness');
    expect(await count('scim_groups')).toBe(before);
    const hr = (await scim.request('POST', '/Groups', { body: { schemas: [GROUP_SCHEMA], displayName: 'HR' } })).body.id;
    const rename = await scim.request('PATCH', `/Groups/${hr}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: 'sales' }] },
    });
    expect(rename.status).toBe(409);
    expect((await scim.request('GET', `/Groups/${hr}`)).body.displayName).toBe('HR');
  });

  it('another tenant may use the same names', async () => {
    const other = await createTenant(app, 'unique-2');
    expect((await other.request('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName: 'jane@example.com' } })).status).toBe(201);
    expect((await other.request('POST', '/Groups', { body: { schemas: [GROUP_SCHEMA], displayName: 'Sales' } })).status).toBe(201);
  });
});
