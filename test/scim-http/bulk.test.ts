import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScimError, uniqueness } from '../../src/scim/errors.js';
import { BULK_MAX_OPERATIONS, parseBulkRequest, runBulk, type BulkOperation } from '../../src/api/scim/bulk.js';
import { MAX_PAYLOAD_BYTES } from '../../src/api/scim/limits.js';
import { startTestApp, type TestApp } from '../support/server.js';
import { createTenant, ENTERPRISE, ERROR_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, type ScimClient } from './client.js';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BASE = 'https://scim.example/scim/v2';

type Op = Record<string, unknown>;
const postUser = (bulkId: string, extra: Op = {}): Op => ({ method: 'POST', path: '/Users', bulkId, data: { userName: bulkId, ...extra } });
const postGroup = (bulkId: string, members: string[]): Op => ({
  method: 'POST', path: '/Groups', bulkId, data: { displayName: bulkId, members: members.map((value) => ({ value })) },
});
const addMembers = (groupPath: string, values: string[]): Op => ({
  method: 'PATCH', path: groupPath, data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: values.map((value) => ({ value })) }] },
});

/**
 * Runs a request against a stand-in resource service that creates `id-<bulkId>` for each
 * POST and fails the operations `fails` picks, recording what it was asked to apply.
 */
async function run(operations: Op[], options: { failOnErrors?: number; fails?: (op: BulkOperation) => ScimError | Error | undefined } = {}) {
  const applied: BulkOperation[] = [];
  const unexpected: unknown[] = [];
  const request = parseBulkRequest({ schemas: [BULK_REQUEST], Operations: operations, ...(options.failOnErrors ? { failOnErrors: options.failOnErrors } : {}) }, 1000);
  const results = await runBulk(request, {
    baseUrl: BASE,
    onUnexpectedError: (err) => unexpected.push(err),
    apply: async (op) => {
      const error = options.fails?.(op);
      if (error) throw error;
      applied.push(op);
      const status = { POST: 201, PUT: 200, PATCH: 200, DELETE: 204 }[op.method];
      return { status, id: op.method === 'POST' ? `id-${op.bulkId}` : op.id!, version: 'W/"1"' };
    },
  });
  return { results, applied, unexpected };
}

describe('runBulk: scheduling and bulkId references', () => {
  it('creates referenced users before a group whose members name them by bulkId, whatever the order', async () => {
    const { results, applied } = await run([postGroup('g', ['bulkId:alice', 'bulkId:bob']), postUser('alice'), postUser('bob')]);
    expect(applied.map((op) => op.bulkId)).toEqual(['alice', 'bob', 'g']);
    expect(applied[2]!.data).toMatchObject({ members: [{ value: 'id-alice' }, { value: 'id-bob' }] });
    expect(results).toEqual([
      { method: 'POST', bulkId: 'g', location: `${BASE}/Groups/id-g`, version: 'W/"1"', status: '201' },
      { method: 'POST', bulkId: 'alice', location: `${BASE}/Users/id-alice`, version: 'W/"1"', status: '201' },
      { method: 'POST', bulkId: 'bob', location: `${BASE}/Users/id-bob`, version: 'W/"1"', status: '201' },
    ]);
  });

  it('resolves references at any depth (manager.value) and in paths (/Groups/bulkId:g)', async () => {
    const { applied, results } = await run([
      addMembers('/Groups/bulkId:g', ['bulkId:carol']),
      postUser('carol', { 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'bulkId:boss' } } }),
      postUser('boss'),
      postGroup('g', []),
    ]);
    expect(applied.map((op) => op.bulkId ?? `${op.method} ${op.id}`)).toEqual(['boss', 'carol', 'g', 'PATCH id-g']);
    expect(applied[1]!.data).toMatchObject({ 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'id-boss' } } });
    expect(JSON.stringify(applied[3]!.data)).toContain('"value":"id-carol"');
    expect(results[0]).toMatchObject({ method: 'PATCH', location: `${BASE}/Groups/id-g`, status: '200' });
  });

  it('leaves strings that merely contain "bulkId:" alone unless they start with it', async () => {
    const { applied } = await run([postUser('x', { displayName: 'see bulkId:x' })]);
    expect(applied[0]!.data).toMatchObject({ displayName: 'see bulkId:x' });
  });

  it('fails operations that reference each other in a circle with 409 and still runs the rest', async () => {
    const { results, applied } = await run([postGroup('a', ['bulkId:b']), postGroup('b', ['bulkId:a']), postUser('free')]);
    expect(applied.map((op) => op.bulkId)).toEqual(['free']);
    expect(results.map((r) => [r.bulkId, r.status])).toEqual([['a', '409'], ['b', '409'], ['free', '201']]);
    expect(results[0]!.response).toMatchObject({ status: '409', detail: expect.stringContaining('circular') });
    expect(results[0]!.location).toBeUndefined();
  });

  it('fails an operation whose referenced POST failed with 409, without applying it', async () => {
    const { results, applied } = await run(
      [postUser('taken'), postGroup('g', ['bulkId:taken'])],
      { fails: (op) => (op.bulkId === 'taken' ? uniqueness('userName "taken" is already in use') : undefined) },
    );
    expect(applied).toEqual([]);
    expect(results).toEqual([
      { method: 'POST', bulkId: 'taken', status: '409', response: expect.objectContaining({ scimType: 'uniqueness' }) },
      { method: 'POST', bulkId: 'g', status: '409', response: expect.objectContaining({ detail: expect.stringContaining('"taken" failed') }) },
    ]);
  });

  it('fails a reference to a malformed POST as a failed reference (409), not an unknown one', async () => {
    const { results, applied } = await run([postGroup('g', ['bulkId:broken']), { method: 'POST', path: '/Printers', bulkId: 'broken', data: {} }]);
    expect(applied).toEqual([]);
    expect(results.map((r) => r.status)).toEqual(['409', '400']);
  });

  it('answers 400 invalidValue for a bulkId no POST in the request defines', async () => {
    const { results } = await run([addMembers('/Groups/00000000-0000-4000-8000-000000000001', ['bulkId:ghost'])]);
    expect(results[0]).toMatchObject({ status: '400', response: { scimType: 'invalidValue' }, location: `${BASE}/Groups/00000000-0000-4000-8000-000000000001` });
  });

  it('reports a malformed operation on its own and carries on with the others', async () => {
    const { results, applied } = await run([
      { method: 'GET', path: '/Users' },
      { method: 'post', path: '/Users', data: { userName: 'no-bulk-id' } },
      { method: 'POST', path: '/Printers', bulkId: 'p', data: {} },
      { method: 'PUT', path: '/Users', data: {} },
      { method: 'PATCH', path: '/Users/u1' },
      postUser('ok'),
    ]);
    expect(results.map((r) => [r.method, r.status, r.response?.scimType])).toEqual([
      ['GET', '400', 'invalidValue'],
      ['POST', '400', 'invalidValue'],
      ['POST', '400', 'invalidPath'],
      ['PUT', '400', 'invalidValue'],
      ['PATCH', '400', 'invalidSyntax'],
      ['POST', '201', undefined],
    ]);
    expect(applied.map((op) => op.bulkId)).toEqual(['ok']);
  });

  it('turns an unexpected failure into a 500 for that operation only, and logs it', async () => {
    const { results, unexpected } = await run([postUser('boom'), postUser('fine')], {
      fails: (op) => (op.bulkId === 'boom' ? new Error('connection reset') : undefined),
    });
    expect(results.map((r) => r.status)).toEqual(['500', '201']);
    expect(JSON.stringify(results[0])).not.toContain('connection reset');
    expect(unexpected).toHaveLength(1);
  });
});

describe('runBulk: failOnErrors', () => {
  const failOdd = (op: BulkOperation) => (/^odd/.test(op.bulkId ?? '') ? uniqueness('taken') : undefined);
  const ops = [postUser('odd1'), postUser('even1'), postUser('odd2'), postUser('even2'), postUser('odd3')];

  it.each([
    { failOnErrors: undefined, processed: ['odd1', 'even1', 'odd2', 'even2', 'odd3'] },
    { failOnErrors: 1, processed: ['odd1'] },
    { failOnErrors: 2, processed: ['odd1', 'even1', 'odd2'] },
    { failOnErrors: 3, processed: ['odd1', 'even1', 'odd2', 'even2', 'odd3'] },
  ])('failOnErrors=$failOnErrors stops after that many errors', async ({ failOnErrors, processed }) => {
    const { results } = await run(ops, { failOnErrors, fails: failOdd });
    expect(results.map((r) => r.bulkId)).toEqual(processed);
  });
});

describe('parseBulkRequest: the envelope', () => {
  const valid = { schemas: [BULK_REQUEST], Operations: [postUser('a')] };

  it.each([
    { name: 'not an object', body: [1], status: 400, scimType: 'invalidSyntax' },
    { name: 'without the BulkRequest schema', body: { ...valid, schemas: [PATCH_OP] }, status: 400, scimType: 'invalidSyntax' },
    { name: 'without Operations', body: { schemas: [BULK_REQUEST] }, status: 400, scimType: 'invalidSyntax' },
    { name: 'with failOnErrors 0', body: { ...valid, failOnErrors: 0 }, status: 400, scimType: 'invalidValue' },
    { name: 'with failOnErrors as text', body: { ...valid, failOnErrors: '1' }, status: 400, scimType: 'invalidValue' },
    { name: 'with a bulkId used twice', body: { ...valid, Operations: [postUser('a'), postUser('a')] }, status: 400, scimType: 'invalidValue' },
    { name: 'over maxOperations', body: { ...valid, Operations: [postUser('a'), postUser('b'), postUser('c')] }, status: 413, scimType: undefined },
  ])('rejects a request $name', ({ body, status, scimType }) => {
    let caught: unknown;
    try {
      parseBulkRequest(body, 2);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ScimError);
    expect(caught).toMatchObject({ status, scimType });
  });

  it('names the limit when there are too many operations (RFC 7644 §3.7.4)', () => {
    expect(() => parseBulkRequest({ ...valid, Operations: [postUser('a'), postUser('b')] }, 1)).toThrow(/maxOperations is 1/);
  });

  it('reads attribute names case-insensitively', () => {
    const request = parseBulkRequest({ SCHEMAS: [BULK_REQUEST.toUpperCase()], operations: [{ Method: 'delete', PATH: '/users/u1' }], FailOnErrors: 2 }, 10);
    expect(request.failOnErrors).toBe(2);
    expect(request.operations[0]).toMatchObject({ valid: true, operation: { method: 'DELETE', id: 'u1' } });
  });
});

describe('POST /Bulk over HTTP', () => {
  let app: TestApp;
  let scim: ScimClient;
  const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

  beforeAll(async () => {
    app = await startTestApp();
    scim = await createTenant(app, 'bulk');
  });
  afterAll(async () => { await app?.close(); });

  const bulk = (Operations: Op[], extra: Op = {}) => scim.request('POST', '/Bulk', { body: { schemas: [BULK_REQUEST], Operations, ...extra } });
  const user = (bulkId: string, extra: Op = {}): Op => ({ method: 'POST', path: '/Users', bulkId, data: { schemas: [USER_SCHEMA], userName: `${bulkId}@bulk.test`, ...extra } });
  const group = (bulkId: string, members: string[]): Op => ({
    method: 'POST', path: '/Groups', bulkId, data: { schemas: [GROUP_SCHEMA], displayName: bulkId, members: members.map((value) => ({ value })) },
  });
  const findUser = async (userName: string) =>
    (await scim.request('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.Resources as Array<Record<string, any>>;
  const findGroup = async (displayName: string) =>
    (await scim.request('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`)).body.Resources as Array<Record<string, any>>;
  const snapshot = () => app.db.sql`
    select (select count(*) from scim_users) as users, (select count(*) from scim_groups) as groups, (select count(*) from scim_group_members) as members`;

  it('creates a group whose members are users created in the same request, listed after it', async () => {
    const res = await bulk([group('engineers', ['bulkId:ann', 'bulkId:ben']), user('ann'), user('ben')]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(res.body.schemas).toEqual([BULK_RESPONSE]);
    const [g, ann, ben] = res.body.Operations;
    expect(g).toEqual({ method: 'POST', bulkId: 'engineers', location: expect.stringMatching(/\/scim\/v2\/Groups\/[0-9a-f-]{36}$/), version: expect.stringMatching(/^W\/"/), status: '201' });
    expect(ann).toMatchObject({ bulkId: 'ann', status: '201', location: expect.stringContaining('/scim/v2/Users/') });

    const stored = await scim.request('GET', new URL(g.location).pathname.replace(/^\/scim\/v2/, ''));
    const memberIds = stored.body.members.map((m: { value: string }) => m.value).sort();
    expect(memberIds).toEqual([ann.location.split('/').at(-1), ben.location.split('/').at(-1)].sort());
    expect(stored.headers.get('etag')).toBe(g.version);
  });

  it('resolves a manager given by bulkId', async () => {
    const res = await bulk([
      user('report', { [ENTERPRISE]: { manager: { value: 'bulkId:chief' } } }),
      user('chief'),
    ]);
    expect(res.body.Operations.map((o: { status: string }) => o.status)).toEqual(['201', '201']);
    const [report] = await findUser('report@bulk.test');
    const [chief] = await findUser('chief@bulk.test');
    expect(report![ENTERPRISE].manager.value).toBe(chief!.id);
  });

  it('reports each operation on its own: successes with location and version, failures with a SCIM error', async () => {
    const seeded = await bulk([user('keep'), user('drop')]);
    const [keepId, dropId] = seeded.body.Operations.map((o: { location: string }) => o.location.split('/').at(-1));
    const res = await bulk([
      user('fresh'),
      user('keep'),
      { method: 'PATCH', path: `/Users/${keepId}`, data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'displayName', value: 'Kept' }] } },
      { method: 'PATCH', path: '/Users/00000000-0000-4000-8000-000000000000', data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'x' }] } },
      { method: 'DELETE', path: `/Users/${dropId}` },
      { method: 'PUT', path: `/Users/${keepId}`, data: { schemas: [USER_SCHEMA], userName: 'keep@bulk.test', displayName: 'Replaced' } },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.Operations.map((o: { method: string; status: string }) => `${o.method} ${o.status}`)).toEqual([
      'POST 201', 'POST 409', 'PATCH 200', 'PATCH 404', 'DELETE 204', 'PUT 200',
    ]);
    const [, duplicate, patched, missing, deleted] = res.body.Operations;
    expect(duplicate).toEqual({ method: 'POST', bulkId: 'keep', status: '409', response: expect.objectContaining({ schemas: [ERROR_SCHEMA], scimType: 'uniqueness', status: '409' }) });
    expect(patched).toMatchObject({ location: expect.stringContaining(`/Users/${keepId}`), version: expect.stringMatching(/^W\//) });
    expect(missing).toMatchObject({ location: expect.stringContaining('/Users/00000000-0000-4000-8000-000000000000'), response: { status: '404' } });
    expect(deleted).toMatchObject({ location: expect.stringContaining(`/Users/${dropId}`) });
    expect(deleted.response).toBeUndefined();
    expect((await scim.request('GET', `/Users/${dropId}`)).status).toBe(404);
    expect((await scim.request('GET', `/Users/${keepId}`)).body.displayName).toBe('Replaced');
  });

  it('honours version as If-Match: a stale version fails with 412 and changes nothing', async () => {
    const created = (await bulk([user('versioned')])).body.Operations[0];
    const path = new URL(created.location).pathname.replace(/^\/scim\/v2/, '');
    const replace = (version: string, title: string) => ({
      method: 'PATCH', path, version, data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: title }] },
    });
    const res = await bulk([replace('W/"999"', 'stale'), replace(created.version, 'current')]);
    expect(res.body.Operations.map((o: { status: string }) => o.status)).toEqual(['412', '200']);
    expect((await scim.request('GET', path)).body.title).toBe('current');
  });

  it('stops after failOnErrors errors and leaves later operations undone', async () => {
    await bulk([user('first')]);
    const res = await bulk([user('first'), user('second'), user('first', { displayName: 'again' }), user('third')].map((op, i) => ({ ...op, bulkId: `op${i}` })), { failOnErrors: 1 });
    expect(res.status).toBe(200);
    expect(res.body.Operations).toEqual([expect.objectContaining({ bulkId: 'op0', status: '409' })]);
    expect(await findUser('second@bulk.test')).toEqual([]);
    expect(await findUser('third@bulk.test')).toEqual([]);
  });

  it('writes nothing of an operation that fails: a group with an unknown member is not created', async () => {
    const before = await snapshot();
    const res = await bulk([group('half', ['bulkId:real', '00000000-0000-4000-8000-00000000dead']), user('real')]);
    expect(res.body.Operations.map((o: { bulkId: string; status: string }) => `${o.bulkId} ${o.status}`)).toEqual(['half 400', 'real 201']);
    expect(await findGroup('half')).toEqual([]);
    const after = await snapshot();
    expect(after[0]).toEqual({ ...before[0], users: String(Number(before[0]!.users) + 1) });
  });

  it('writes nothing of a PATCH whose second operation fails', async () => {
    const created = (await bulk([user('atomic')])).body.Operations[0];
    const path = new URL(created.location).pathname.replace(/^\/scim\/v2/, '');
    const res = await bulk([{
      method: 'PATCH', path, data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [
        { op: 'replace', path: 'displayName', value: 'Changed' },
        { op: 'replace', path: 'active', value: 'perhaps' },
      ] },
    }]);
    expect(res.body.Operations[0]).toMatchObject({ status: '400', response: { scimType: 'invalidValue' } });
    const stored = await scim.request('GET', path);
    expect(stored.body.displayName).toBeUndefined();
    expect(stored.headers.get('etag')).toBe(created.version);
  });

  it('fails circular references with 409 and creates neither side', async () => {
    const res = await bulk([group('loop-a', ['bulkId:loop-b']), group('loop-b', ['bulkId:loop-a'])]);
    expect(res.body.Operations.map((o: { status: string }) => o.status)).toEqual(['409', '409']);
    expect(await findGroup('loop-a')).toEqual([]);
    expect(await findGroup('loop-b')).toEqual([]);
  });

  it(`answers 413 naming maxOperations (${BULK_MAX_OPERATIONS}) when a request carries more, and runs none of them`, async () => {
    const before = await snapshot();
    const res = await bulk(Array.from({ length: BULK_MAX_OPERATIONS + 1 }, (_, i) => user(`many${i}`)));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '413', detail: expect.stringContaining(`maxOperations is ${BULK_MAX_OPERATIONS}`) });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 413 naming maxPayloadSize when the body is larger, and runs nothing', async () => {
    const before = await snapshot();
    const res = await bulk([user('big', { displayName: 'x'.repeat(MAX_PAYLOAD_BYTES) })]);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '413', detail: expect.stringContaining(String(MAX_PAYLOAD_BYTES)) });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 400 with a SCIM error for a request that is not a BulkRequest', async () => {
    const res = await scim.request('POST', '/Bulk', { body: { Operations: [] } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidSyntax' });
    expect((await scim.request('POST', '/Bulk', { raw: '{"schemas": [' })).status).toBe(400);
  });

  it('keeps tenants apart: bulk operations cannot touch another tenant\'s resources', async () => {
    const other = await createTenant(app, 'bulk-other');
    const theirs = (await other.request('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName: 'theirs@bulk.test' } })).body.id;
    const res = await bulk([
      { method: 'DELETE', path: `/Users/${theirs}` },
      group('poach', [theirs]),
    ]);
    expect(res.body.Operations.map((o: { status: string }) => o.status)).toEqual(['404', '400']);
    expect((await other.request('GET', `/Users/${theirs}`)).status).toBe(200);
  });
});
