import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/server.js';
import { createTenant, PATCH_OP, USER_SCHEMA, type ScimClient } from './client.js';

let app: TestApp;
let scim: ScimClient;
beforeAll(async () => {
  app = await startTestApp();
  scim = await createTenant(app, 'etags');
});
afterAll(async () => { await app?.close(); });

const rename = (displayName: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: displayName }] });

async function newUser(userName: string): Promise<string> {
  return (await scim.request('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName, displayName: 'v1' } })).body.id;
}

describe('ETags and conditional requests', () => {
  it('GET with a matching If-None-Match answers 304 without a body; a stale one gets the resource', async () => {
    const id = await newUser('cache@x');
    const first = await scim.request('GET', `/Users/${id}`);
    const etag = first.headers.get('etag')!;
    expect(etag).toBe('W/"1"');
    const cached = await scim.request('GET', `/Users/${id}`, { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    expect(cached.body).toBeUndefined();
    await scim.request('PATCH', `/Users/${id}`, { body: rename('v2') });
    const fresh = await scim.request('GET', `/Users/${id}`, { headers: { 'if-none-match': etag } });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).toBe('W/"2"');
  });

  it('PATCH, PUT and DELETE with a stale If-Match answer 412 and change nothing', async () => {
    const id = await newUser('guarded@x');
    await scim.request('PATCH', `/Users/${id}`, { body: rename('v2') });
    const stale = { 'if-match': 'W/"1"' };
    const patch = await scim.request('PATCH', `/Users/${id}`, { body: rename('v3'), headers: stale });
    expect(patch.status).toBe(412);
    expect(patch.body).toMatchObject({ status: '412' });
    const put = await scim.request('PUT', `/Users/${id}`, { body: { schemas: [USER_SCHEMA], userName: 'guarded@x', displayName: 'v3' }, headers: stale });
    expect(put.status).toBe(412);
    expect((await scim.request('DELETE', `/Users/${id}`, { headers: stale })).status).toBe(412);
    const after = await scim.request('GET', `/Users/${id}`);
    expect(after.body).toMatchObject({ displayName: 'v2', meta: { version: 'W/"2"' } });
  });

  it('a matching If-Match or * lets the write through', async () => {
    const id = await newUser('matching@x');
    const ok = await scim.request('PATCH', `/Users/${id}`, { body: rename('v2'), headers: { 'if-match': 'W/"1"' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('W/"2"');
    const any = await scim.request('PUT', `/Users/${id}`, { body: { schemas: [USER_SCHEMA], userName: 'matching@x' }, headers: { 'if-match': '*' } });
    expect(any.status).toBe(200);
    expect(any.body.displayName).toBeUndefined();
    expect((await scim.request('DELETE', `/Users/${id}`, { headers: { 'if-match': '"0", W/"3"' } })).status).toBe(204);
  });

  it('a PATCH that changes nothing keeps the version', async () => {
    const id = await newUser('steady@x');
    const res = await scim.request('PATCH', `/Users/${id}`, { body: rename('v1') });
    expect(res.headers.get('etag')).toBe('W/"1"');
  });
});
