import { describe, expect, it } from 'vitest';
import { ScimError, uniqueness } from '../../src/scim/errors.js';
import { parseBulkRequest, runBulk, type BulkOperation } from '../../src/api/scim/bulk.js';

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
