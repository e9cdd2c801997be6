import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/server.js';
import { createTenant, ERROR_SCHEMA, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, type ScimClient, type ScimResponse } from './client.js';
import { MAX_PAYLOAD_BYTES } from '../../src/api/scim/limits.js';

let app: TestApp;
let scim: ScimClient;
let userId: string;
let groupId: string;

beforeAll(async () => {
  app = await startTestApp();
  scim = await createTenant(app, 'errors');
  userId = (await scim.request('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName: 'kept@x', displayName: 'Kept' } })).body.id;
  groupId = (await scim.request('POST', '/Groups', { body: { schemas: [GROUP_SCHEMA], displayName: 'Kept', members: [{ value: userId }] } })).body.id;
});
afterAll(async () => { await app?.close(); });

/** The stored state every failing request must leave exactly as it was. */
async function snapshot(): Promise<unknown> {
  return app.db.sql`
    select (select json_agg(u order by id) from scim_users u) as users,
           (select json_agg(g order by id) from scim_groups g) as groups,
           (select json_agg(m order by member_id) from scim_group_members m) as members`;
}

function expectScimError(res: ScimResponse, status: number, scimType?: string): void {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
  expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status), detail: expect.any(String) });
  if (scimType) expect(res.body.scimType).toBe(scimType);
}

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

describe('every error is a SCIM error and changes nothing', () => {
  let before: unknown;
  beforeAll(async () => { before = await snapshot(); });
  afterAll(async () => { expect(await snapshot()).toEqual(before); });

  it('malformed JSON: 400 invalidSyntax', async () => {
    expectScimError(await scim.request('POST', '/Users', { raw: '{"schemas": [' }), 400, 'invalidSyntax');
    expectScimError(await scim.request('PATCH', `/Users/${userId}`, { raw: '{"Operations": nope}' }), 400, 'invalidSyntax');
  });

  it('a body that is not a resource: 400', async () => {
    expectScimError(await scim.request('POST', '/Users', { body: ['not', 'an', 'object'] }), 400, 'invalidSyntax');
    expectScimError(await scim.request('POST', '/Users', { body: { userName: 'no-schemas@x' } }), 400, 'invalidSyntax');
    expectScimError(await scim.request('POST', '/Users', { body: { schemas: [USER_SCHEMA] } }), 400, 'invalidValue');
    expectScimError(await scim.request('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName: 'x', active: 'maybe' } }), 400, 'invalidValue');
  });

  it('a body over the advertised maximum: 413, whether or not it says its length', async () => {
    const huge = { schemas: [USER_SCHEMA], userName: 'huge@x', displayName: 'x'.repeat(MAX_PAYLOAD_BYTES) };
    expectScimError(await scim.request('POST', '/Users', { body: huge }), 413);
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify(huge)));
        controller.close();
      },
    });
    const res = await fetch(`${scim.base}/Users`, {
      method: 'POST', headers: { authorization: `Bearer ${scim.token}`, 'content-type': 'application/scim+json' }, body: chunked, duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it.each([
    ['a compressed body', { 'content-encoding': 'gzip' }],
    ['a charset other than UTF-8', { 'content-type': 'application/scim+json; charset=iso-8859-1' }],
  ])('%s: 415', async (_, headers) => {
    expectScimError(await scim.request('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName: 'encoded@x' }, headers }), 415);
  });

  it('JSON that is not an object or array, and an empty body: 400 invalidSyntax', async () => {
    expectScimError(await scim.request('POST', '/Users', { raw: '"just a string"' }), 400, 'invalidSyntax');
    expectScimError(await scim.request('POST', '/Users', { raw: '   ' }), 400, 'invalidSyntax');
    expectScimError(await scim.request('POST', '/Users', { raw: '' }), 400, 'invalidSyntax');
  });

  it('unknown routes and methods: 404', async () => {
    expectScimError(await scim.request('GET', '/Nope'), 404);
    expectScimError(await scim.request('GET', `/Users/${userId}/extra`), 404);
    expectScimError(await scim.request('PUT', '/Users', { body: {} }), 404);
    expectScimError(await scim.request('GET', '/Users/not-a-uuid'), 404);
  });

  it('bad filters: 400 invalidFilter, never 404 or 500', async () => {
    for (const filter of ['userName eq', 'userName zz "x"', 'nosuch eq "x"', '(userName eq "x"', 'active gt true', 'meta.created gt "not a date"']) {
      expectScimError(await scim.request('GET', `/Users?filter=${encodeURIComponent(filter)}`), 400, 'invalidFilter');
    }
  });

  it('bad PATCH paths: 400 invalidPath', async () => {
    expectScimError(await scim.request('PATCH', `/Users/${userId}`, { body: patch({ op: 'replace', path: 'name..givenName', value: 'x' }) }), 400, 'invalidPath');
    expectScimError(await scim.request('PATCH', `/Users/${userId}`, { body: patch({ op: 'replace', path: 'noSuchAttribute', value: 'x' }) }), 400, 'invalidPath');
  });

  it('a later failing operation undoes the earlier ones of the same PATCH', async () => {
    const res = await scim.request('PATCH', `/Users/${userId}`, {
      body: patch({ op: 'replace', path: 'displayName', value: 'Changed' }, { op: 'bogus', path: 'title', value: 'x' }),
    });
    expectScimError(res, 400);
    const members = await scim.request('PATCH', `/Groups/${groupId}`, {
      body: patch({ op: 'remove', path: 'members' }, { op: 'add', path: 'members', value: [{ value: '00000000-0000-4000-8000-000000000000' }] }),
    });
    expectScimError(members, 400, 'invalidValue');
  });

  it('changing a read-only attribute: 400 mutability', async () => {
    expectScimError(await scim.request('PATCH', `/Users/${userId}`, { body: patch({ op: 'replace', path: 'id', value: 'x' }) }), 400, 'mutability');
  });

  it('a stale If-Match: 412', async () => {
    expectScimError(await scim.request('PATCH', `/Users/${userId}`, { body: patch({ op: 'replace', path: 'title', value: 'x' }), headers: { 'if-match': 'W/"9"' } }), 412);
  });

  it('query parameters that are not numbers or are repeated: 400', async () => {
    expectScimError(await scim.request('GET', '/Users?startIndex=1.5'), 400, 'invalidValue');
    expectScimError(await scim.request('GET', '/Users?filter=a&filter=b'), 400, 'invalidValue');
    expectScimError(await scim.request('GET', '/Users?sortOrder=sideways'), 400, 'invalidValue');
  });
});

describe('what is accepted', () => {
  it('application/json and a body without a content type, like application/scim+json', async () => {
    for (const headers of [{ 'content-type': 'application/json' }, {}] as Array<Record<string, string>>) {
      // bytes, so that fetch adds no content type of its own
      const body = new TextEncoder().encode(JSON.stringify({ filter: 'userName eq "kept@x"' }));
      const res = await fetch(`${scim.base}/Users/.search`, { method: 'POST', headers: { authorization: `Bearer ${scim.token}`, ...headers }, body });
      expect(res.status).toBe(200);
      expect((await res.json() as { totalResults: number }).totalResults).toBe(1);
    }
  });

  it('a UTF-8 body with a byte order mark, and non-ASCII text', async () => {
    const res = await scim.request('POST', '/Users', { raw: `\uFEFF${JSON.stringify({ schemas: [USER_SCHEMA], userName: 'zoë@x', displayName: 'Zoë Ünal' })}` });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ userName: 'zoë@x', displayName: 'Zoë Ünal' });
  });

  it('query parameters on the base URL are ignored', async () => {
    const res = await scim.request('GET', `/Users/${userId}?aadOptscim062020&whatever=1`);
    expect(res.status).toBe(200);
  });
});
