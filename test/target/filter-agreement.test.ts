import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScimError } from '../../src/scim/errors.js';
import { parseFilter } from '../../src/scim/filter.js';
import { compileFilter } from '../../src/scim/filter-eval.js';
import { attributeResolver, USER } from '../../src/scim/schemas.js';
import type { ScimResource } from '../../src/scim/resource.js';
import { ResourceService, type TenantScope } from '../../src/target/resources.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * The SQL compiler and the in-memory evaluator (used by PATCH value filters) must agree:
 * random filters over a fixed set of random users select the same users either way, and
 * a filter one of them rejects the other rejects too.
 */
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const words = ['Ann', 'ann', 'ANNA', 'b_c', 'b%c', '10', '9', 'x\\y', 'Zoë', 'work', 'home'];
const word = fc.constantFrom(...words);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const userBody = (i: number) => fc.record({
  displayName: maybe(word),
  title: maybe(word),
  active: maybe(fc.boolean()),
  externalId: maybe(word),
  name: maybe(fc.record({ givenName: maybe(word), formatted: maybe(word) })),
  emails: maybe(fc.array(fc.record({ value: word, type: maybe(fc.constantFrom('work', 'Work', 'home')), primary: maybe(fc.boolean()) }), { maxLength: 3 })),
  phoneNumbers: maybe(fc.array(fc.record({ value: word, type: maybe(word) }), { maxLength: 2 })),
  [ENTERPRISE]: maybe(fc.record({ employeeNumber: maybe(word), department: maybe(word) })),
}).map((r) => ({
  schemas: [USER.schema.id, ENTERPRISE], userName: `user${i}`, ...r,
  // at most one primary email
  emails: r.emails?.map((e, n) => (n === 0 ? e : { ...e, primary: undefined })),
}));

const attributes = [
  'userName', 'displayName', 'title', 'active', 'externalId', 'name.givenName', 'name.formatted', 'name',
  'emails', 'emails.value', 'emails.type', 'emails.primary', 'phoneNumbers.value', 'phoneNumbers.type',
  `${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:department`, 'employeeNumber',
];
const literal = fc.oneof(
  word.map((w) => JSON.stringify(w)),
  fc.constantFrom('true', 'false', 'null', '"True"', '10', '9.5'),
  fc.string({ maxLength: 3 }).map((s) => JSON.stringify(s)),
);
const comparison = fc.oneof(
  fc.tuple(fc.constantFrom(...attributes), fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'), literal).map(([a, o, v]) => `${a} ${o} ${v}`),
  fc.constantFrom(...attributes).map((a) => `${a} pr`),
);
const elementFilter = fc.tuple(fc.constantFrom('value', 'type', 'primary'), fc.constantFrom('eq', 'ne', 'co', 'sw'), literal)
  .map(([a, o, v]) => `${a} ${o} ${v}`);
const filter: fc.Arbitrary<string> = fc.letrec((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    fc.tuple(tie('f'), fc.constantFrom('and', 'or'), tie('f')).map(([l, op, r]) => `(${l}) ${op} (${r})`),
    tie('f').map((f) => `not (${f})`),
    fc.tuple(elementFilter, fc.constantFrom('and', 'or'), elementFilter).map(([l, op, r]) => `emails[${l} ${op} ${r}]`),
  ),
})).f as fc.Arbitrary<string>;

let db: TestDatabase;
let service: ResourceService;
let scope: TenantScope;
let users: ScimResource[];

beforeAll(async () => {
  db = await createTestDatabase();
  service = new ResourceService(db.db);
  const [{ id }] = await db.sql`insert into tenants (name) values ('agree') returning id` as unknown as [{ id: string }];
  scope = { tenantId: id, baseUrl: 'http://x/scim/v2' };
  const bodies = fc.sample(fc.tuple(...Array.from({ length: 40 }, (_, i) => userBody(i))), { numRuns: 1, seed: 42 })[0]!;
  users = [];
  for (const body of bodies) users.push((await service.create(scope, 'User', JSON.parse(JSON.stringify(body)))).resource);
});
afterAll(async () => { await db?.drop(); });

type Outcome = { names: string[] } | { error: string };

function inMemory(text: string): Outcome {
  try {
    const matches = compileFilter(parseFilter(text), attributeResolver(USER), { coreSchema: USER.schema.id });
    return { names: users.filter((u) => matches(u)).map((u) => u.userName as string).sort() };
  } catch (err) {
    if (err instanceof ScimError) return { error: err.scimType ?? String(err.status) };
    throw err;
  }
}

async function inSql(text: string): Promise<Outcome> {
  try {
    const list = await service.query(scope, 'User', { filter: text, count: 1000 });
    return { names: list.resources.map((u) => u.userName as string).sort() };
  } catch (err) {
    if (err instanceof ScimError) return { error: err.scimType ?? String(err.status) };
    throw err;
  }
}

describe('filter-sql agrees with filter-eval', () => {
  it('on random filters over random users', async () => {
    await fc.assert(fc.asyncProperty(filter, async (text) => {
      expect(await inSql(text), text).toEqual(inMemory(text));
    }), { numRuns: 300, seed: 7 });
  });
});
