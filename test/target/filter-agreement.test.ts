import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScimError } from '../../src/scim/errors.js';
import { parseFilter } from '../../src/scim/filter.js';
import { compileFilter } from '../../src/scim/filter-eval.js';
import { attributeResolver, GROUP, USER, type ResourceType } from '../../src/scim/schemas.js';
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

const groupAttributes = ['displayName', 'externalId', 'members', 'members.value', 'members.type', 'members.display'];
const groupComparison = fc.oneof(
  fc.tuple(fc.constantFrom(...groupAttributes), fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt'), fc.oneof(literal, fc.constantFrom('"User"', '"group"')))
    .map(([a, o, v]) => `${a} ${o} ${v}`),
  fc.constantFrom(...groupAttributes).map((a) => `${a} pr`),
);
const groupFilter: fc.Arbitrary<string> = fc.letrec((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    groupComparison,
    fc.tuple(tie('f'), fc.constantFrom('and', 'or'), tie('f')).map(([l, op, r]) => `(${l}) ${op} (${r})`),
    tie('f').map((f) => `not (${f})`),
    fc.tuple(fc.constantFrom('value', 'type', 'display'), fc.constantFrom('eq', 'ne', 'sw'), literal).map(([a, o, v]) => `members[${a} ${o} ${v}]`),
  ),
})).f as fc.Arbitrary<string>;

let db: TestDatabase;
let service: ResourceService;
let scope: TenantScope;
let users: ScimResource[];
let groups: ScimResource[];

beforeAll(async () => {
  db = await createTestDatabase();
  service = new ResourceService(db.db);
  const [{ id }] = await db.sql`insert into tenants (name) values ('agree') returning id` as unknown as [{ id: string }];
  scope = { tenantId: id, baseUrl: 'http://x/scim/v2' };
  const bodies = fc.sample(fc.tuple(...Array.from({ length: 40 }, (_, i) => userBody(i))), { numRuns: 1, seed: 42 })[0]!;
  users = [];
  for (const body of bodies) users.push((await service.create(scope, 'User', JSON.parse(JSON.stringify(body)))).resource);
  // groups whose members are some of the users and of the groups made before them
  groups = [];
  const picks = fc.sample(fc.array(fc.nat(60), { maxLength: 5 }), { numRuns: 15, seed: 43 });
  for (const [n, pick] of picks.entries()) {
    const candidates = [...users, ...groups];
    const members = [...new Set(pick.map((i) => candidates[i % candidates.length]!.id as string))].map((value) => ({ value }));
    await service.create(scope, 'Group', { schemas: [GROUP.schema.id], displayName: `${words[n % words.length]} ${n}`, ...(n % 3 ? { externalId: words[n % 4] } : {}), members });
    groups = (await service.query(scope, 'Group', { count: 1000 })).resources;
  }
});
afterAll(async () => { await db?.drop(); });

type Outcome = { names: string[] } | { error: string };

async function outcome(run: () => Promise<string[]> | string[]): Promise<Outcome> {
  try {
    return { names: (await run()).sort() };
  } catch (err) {
    if (err instanceof ScimError) return { error: err.scimType ?? String(err.status) };
    throw err;
  }
}

const nameOf = (r: ScimResource) => (r.userName ?? r.displayName) as string;

function inMemory(type: ResourceType, resources: ScimResource[], text: string): Promise<Outcome> {
  return outcome(() => {
    const matches = compileFilter(parseFilter(text), attributeResolver(type), { coreSchema: type.schema.id });
    return resources.filter((r) => matches(r)).map(nameOf);
  });
}

function inSql(type: ResourceType, text: string): Promise<Outcome> {
  return outcome(async () => (await service.query(scope, type.name, { filter: text, count: 1000 })).resources.map(nameOf));
}

describe('filter-sql agrees with filter-eval', () => {
  it('on random filters over random users', async () => {
    await fc.assert(fc.asyncProperty(filter, async (text) => {
      expect(await inSql(USER, text), text).toEqual(await inMemory(USER, users, text));
    }), { numRuns: 300 });
  });

  it('on random filters over groups, members included', async () => {
    await fc.assert(fc.asyncProperty(groupFilter, async (text) => {
      expect(await inSql(GROUP, text), text).toEqual(await inMemory(GROUP, groups, text));
    }), { numRuns: 300 });
  });
});
