import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/server.js';
import { createTenant, ENTERPRISE, ERROR_SCHEMA, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, type ScimClient, type ScimResponse } from './client.js';

/**
 * Arbitrary filters and PATCH bodies over HTTP: the answer is a result or a 4xx SCIM error,
 * never a 500 — in particular no filter may compile to SQL that PostgreSQL rejects.
 */
let app: TestApp;
let scim: ScimClient;
let userId: string;
let groupId: string;

beforeAll(async () => {
  app = await startTestApp();
  scim = await createTenant(app, 'fuzz');
  userId = (await scim.request('POST', '/Users', {
    body: {
      schemas: [USER_SCHEMA, ENTERPRISE], userName: 'fuzz@x', displayName: 'Fuzz', active: true, title: '10',
      emails: [{ value: 'f@work', type: 'work', primary: true }], name: { givenName: 'F', formatted: 'F Z' },
      addresses: [{ postalCode: '12345', primary: false }], x509Certificates: [{ value: 'AAAA' }],
      [ENTERPRISE]: { employeeNumber: '7', manager: { value: '00000000-0000-4000-8000-000000000000' } },
    },
  })).body.id;
  groupId = (await scim.request('POST', '/Groups', { body: { schemas: [GROUP_SCHEMA], displayName: 'Fuzzers', members: [{ value: userId }] } })).body.id;
});
afterAll(async () => { await app?.close(); });

function expectNoServerError(res: ScimResponse, what: string): void {
  expect(res.status, what).toBeLessThan(500);
  if (res.status >= 400) expect(res.body?.schemas, what).toEqual([ERROR_SCHEMA]);
}

const attributes = [
  'id', 'userName', 'USERNAME', 'externalId', 'displayName', 'active', 'title', 'nickName', 'locale', 'timezone',
  'name', 'name.givenName', 'name.formatted', 'emails', 'emails.value', 'emails.type', 'emails.primary', 'emails.display',
  'phoneNumbers.value', 'addresses.postalCode', 'addresses.primary', 'x509Certificates.value', 'roles', 'groups.value',
  'meta', 'meta.created', 'meta.lastModified', 'meta.resourceType', 'meta.version', 'meta.location', 'schemas', 'password',
  `${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:manager.value`, `${ENTERPRISE}:manager`, 'members', 'members.value', 'members.display',
  'urn:ietf:params:scim:schemas:core:2.0:User:userName', 'urn:ietf:params:scim:schemas:core:2.0:Group:displayName', 'nosuch', 'name.nosuch',
];
const operators = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ', 'Co'];
const literal = fc.oneof(
  fc.string().map((s) => JSON.stringify(s)),
  fc.constantFrom('true', 'false', 'null', '"True"', '"2024-01-01T00:00:00Z"', '"2024-13-45"', '"%_\\\\"', `"${'00000000-0000-4000-8000-000000000000'}"`),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
);
const comparison = fc.oneof(
  fc.tuple(fc.constantFrom(...attributes), fc.constantFrom(...operators), literal).map(([a, o, v]) => `${a} ${o} ${v}`),
  fc.constantFrom(...attributes).map((a) => `${a} pr`),
);
const filter: fc.Arbitrary<string> = fc.letrec((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    fc.tuple(tie('f'), fc.constantFrom('and', 'or'), tie('f')).map(([l, op, r]) => `${l} ${op} ${r}`),
    tie('f').map((f) => `not (${f})`),
    fc.tuple(fc.constantFrom('emails', 'members', 'addresses', 'name', 'userName'), tie('f')).map(([a, f]) => `${a}[${f}]`),
  ),
})).f as fc.Arbitrary<string>;

describe('filters never cause a server error', () => {
  for (const endpoint of ['/Users', '/Groups']) {
    it(`grammar-shaped filters on ${endpoint}`, async () => {
      await fc.assert(fc.asyncProperty(filter, async (f) => {
        expectNoServerError(await scim.request('GET', `${endpoint}?filter=${encodeURIComponent(f)}&sortBy=${encodeURIComponent(attributes[f.length % attributes.length]!)}`), f);
      }), { numRuns: 150 });
    });
  }

  it('arbitrary text as a filter', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 60 }), async (f) => {
      expectNoServerError(await scim.request('POST', '/.search', { body: { filter: f } }), f);
    }), { numRuns: 150 });
  });
});

describe('PATCH bodies never cause a server error', () => {
  const operation = fc.record({
    op: fc.constantFrom('add', 'Replace', 'remove', 'bogus'),
    path: fc.option(fc.oneof(fc.constantFrom(...attributes), fc.string({ maxLength: 20 }), filter.map((f) => `emails[${f}].value`)), { nil: undefined }),
    value: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
  }, { requiredKeys: ['op'] });

  it('on a user and on a group', async () => {
    await fc.assert(fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 3 }), fc.boolean(), async (Operations, onGroup) => {
      const path = onGroup ? `/Groups/${groupId}` : `/Users/${userId}`;
      expectNoServerError(await scim.request('PATCH', path, { body: { schemas: [PATCH_OP], Operations } }), JSON.stringify(Operations));
    }), { numRuns: 150 });
  });
});
