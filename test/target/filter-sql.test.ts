import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAttrPath, parseFilter } from '../../src/scim/filter.js';
import { filterToSql, sortExpression } from '../../src/target/filter-sql.js';
import { query } from '../../src/target/executor.js';
import { render, sql } from '../../src/target/sql.js';
import { GROUP, USER, type AttributeDefinition, type ResourceType } from '../../src/scim/schemas.js';
import { userColumns } from '../../src/target/columns.js';
import { scimGroups, scimUsers } from '../../src/db/target.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const TEST_EXT = 'urn:example:params:scim:schemas:extension:test:2.0:User';
// The standard User schemas have no numbers or dates outside meta: a test extension adds them.
const attr = (name: string, type: AttributeDefinition['type'], caseExact = false): AttributeDefinition => ({
  name, type, caseExact, multiValued: false, description: name, required: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none',
});
const userTarget: ResourceType = {
  ...USER,
  extensions: [...USER.extensions, { required: false, schema: { id: TEST_EXT, name: 'Test', description: 'test', attributes: [attr('level', 'integer'), attr('hired', 'dateTime'), attr('code', 'string', true)] } }],
};
const groupTarget = GROUP;

let db: TestDatabase;
let tenantId: string;
let otherTenantId: string;
const ids: Record<string, string> = {};

async function insertUser(tenant: string, resource: Record<string, unknown>, createdAt = '2024-01-01T00:00:00Z'): Promise<string> {
  const [row] = await db.db.insert(scimUsers)
    .values({ tenantId: tenant, resource, ...userColumns(resource), createdAt: new Date(createdAt), lastModified: new Date(createdAt) })
    .returning({ id: scimUsers.id });
  return row!.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  [{ id: tenantId }, { id: otherTenantId }] = await db.sql`insert into tenants (name) values ('t1'), ('t2') returning id` as unknown as [{ id: string }, { id: string }];
  ids.bob = await insertUser(tenantId, {
    userName: 'bob', externalId: 'ext-b', displayName: 'Bob_Jones', active: false, title: '50%_off',
    emails: [{ value: 'bob1@work.com', type: 'Work' }, { value: 'BOB2@work.com', type: 'work' }],
    name: { givenName: 'Bob' },
    [ENTERPRISE]: { department: 'Sales' },
    [TEST_EXT]: { level: 10, hired: '2020-06-01T00:00:00+02:00', code: 'AbC' },
  }, '2024-03-01T00:00:00Z');
  ids.alice = await insertUser(tenantId, {
    userName: 'Alice@Example.com', externalId: 'ext-A', displayName: 'Alice Smith', active: true, title: 'Engineer',
    emails: [{ value: 'alice@work.com', type: 'work', primary: true }, { value: 'alice@home.com', type: 'home' }],
    phoneNumbers: [{ value: '+1 555', type: 'work' }],
    name: { formatted: 'Alice Smith', givenName: 'Alice', familyName: 'Smith' },
    [ENTERPRISE]: { employeeNumber: '100', department: 'R&D', manager: { value: ids.bob } },
    [TEST_EXT]: { level: 9, hired: '2020-05-31T23:30:00Z' },
  }, '2024-02-01T00:00:00Z');
  ids.carol = await insertUser(tenantId, { userName: 'carol', userType: 'Contractor', emails: [], title: '' }, '2024-01-01T00:00:00Z');
  await insertUser(otherTenantId, { userName: 'mallory', active: true, emails: [{ value: 'alice@work.com', type: 'work' }] });

  const [admins, empty] = await db.db.insert(scimGroups)
    .values([{ tenantId, displayName: 'Admins', resource: { displayName: 'Admins' } }, { tenantId, displayName: 'Empty', externalId: 'g-2', resource: { displayName: 'Empty', externalId: 'g-2' } }])
    .returning({ id: scimGroups.id });
  ids.admins = admins!.id;
  ids.empty = empty!.id;
  await db.sql`insert into scim_group_members (group_id, member_id, member_type, tenant_id) values
    (${ids.admins}, ${ids.alice!}, 'User', ${tenantId}), (${ids.admins}, ${ids.bob!}, 'User', ${tenantId}), (${ids.admins}, ${ids.empty}, 'Group', ${tenantId})`;
});
afterAll(async () => { await db?.drop(); });

async function matchingUsers(filter: string): Promise<string[]> {
  const rows = await query<{ user_name: string }>(db.sql, sql`
    select ${scimUsers.userName} from ${scimUsers} where ${scimUsers.tenantId} = ${tenantId} and ${filterToSql(userTarget, parseFilter(filter))}`);
  return rows.map((r) => r.user_name).sort();
}

async function matchingGroups(filter: string): Promise<string[]> {
  const rows = await query<{ display_name: string }>(db.sql, sql`
    select ${scimGroups.displayName} from ${scimGroups} where ${scimGroups.tenantId} = ${tenantId} and ${filterToSql(groupTarget, parseFilter(filter))}`);
  return rows.map((r) => r.display_name).sort();
}

const ALICE = 'Alice@Example.com';

describe('filter → SQL on users, against PostgreSQL', () => {
  const cases: Array<[string, string[]]> = [
    // indexed columns, case-insensitive userName / displayName, caseExact externalId
    ['userName eq "alice@example.COM"', [ALICE]],
    ['USERNAME Eq "bob"', ['bob']],
    ['userName eq "nobody"', []],
    ['externalId eq "ext-A"', [ALICE]],
    ['externalId eq "EXT-A"', []],
    ['displayName eq "alice smith"', [ALICE]],
    ['name.formatted eq "ALICE SMITH"', [ALICE]],
    ['active eq true', [ALICE]],
    ['active pr', [ALICE, 'bob']],
    ['active eq false', ['bob']],
    ['active eq "False"', ['bob']],
    [`id eq "${'00000000-0000-4000-8000-000000000000'}"`, []],
    ['id eq "not-a-uuid"', []],
    // Entra's work email, including a user with two work emails and a mixed-case type
    ['emails[type eq "work"].value eq "alice@work.com"', [ALICE]],
    ['emails[type eq "work"].value eq "bob2@WORK.com"', ['bob']],
    ['emails[type eq "work"].value eq "bob1@work.com"', ['bob']],
    ['emails[type eq "work"].value eq "alice@home.com"', []],
    ['emails[value eq "alice@home.com" and type eq "work"]', []],
    ['emails[type eq "home"].value eq "alice@home.com"', [ALICE]],
    ['emails.value eq "alice@home.com"', [ALICE]],
    ['emails co "@work"', [ALICE, 'bob']],
    ['emails[primary eq true]', [ALICE]],
    ['emails pr', [ALICE, 'bob']],
    ['emails.value ne "alice@home.com"', ['bob', 'carol']],
    ['emails.value eq null', ['carol']],
    // co / sw / ew with LIKE wildcards escaped
    ['userName sw "AL"', [ALICE]],
    ['userName ew ".com"', [ALICE]],
    ['userName co "o"', [ALICE, 'bob', 'carol']],
    ['displayName co "_"', ['bob']],
    ['displayName co "b_j"', ['bob']],
    ['title co "%"', ['bob']],
    ['title co "0%_"', ['bob']],
    ['title sw "50%"', ['bob']],
    ['title sw "%"', []],
    // pr, absent and empty values; ne and not match absent attributes
    ['title pr', [ALICE, 'bob']],
    ['externalId pr', [ALICE, 'bob']],
    ['name pr', [ALICE, 'bob']],
    ['name.familyName pr', [ALICE]],
    ['title ne "Engineer"', ['bob', 'carol']],
    ['externalId ne "ext-A"', ['bob', 'carol']],
    ['not (title eq "Engineer")', ['bob', 'carol']],
    ['not (name.givenName sw "A")', ['bob', 'carol']],
    ['not (title pr)', ['carol']],
    ['userType eq null', [ALICE, 'bob']],
    // sub-attributes, enterprise extension, URN-qualified core names
    ['name.givenName eq "alice"', [ALICE]],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob"', ['bob']],
    [`${ENTERPRISE}:department eq "sales"`, ['bob']],
    [`${ENTERPRISE}:manager.value eq "${'MANAGER'}"`, [ALICE]],
    [`${ENTERPRISE}:employeeNumber pr`, [ALICE]],
    [`urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:User:Department co "&"`, [ALICE]],
    // numbers numerically (9 < 10 although "9" > "10"), dates as dates, caseExact strings
    [`${TEST_EXT}:level gt 9`, ['bob']],
    [`${TEST_EXT}:level le 9`, [ALICE]],
    [`${TEST_EXT}:level eq 10.0`, ['bob']],
    [`${TEST_EXT}:hired lt "2020-05-31T23:00:00Z"`, ['bob']],
    [`${TEST_EXT}:hired gt "2020-05-31T23:00:00+00:00"`, [ALICE]],
    [`${TEST_EXT}:code eq "abc"`, []],
    [`${TEST_EXT}:code eq "AbC"`, ['bob']],
    ['meta.created gt "2024-01-15T00:00:00Z"', [ALICE, 'bob']],
    ['meta.lastModified le "2024-02-01T00:00:00.000Z"', [ALICE, 'carol']],
    ['meta.resourceType eq "User"', [ALICE, 'bob', 'carol']],
    // logic and precedence
    ['userName eq "bob" or userName eq "carol" and active eq false', ['bob']],
    ['(userName eq "bob" or userName eq "alice@example.com") and active eq true', [ALICE]],
    ['not (userName eq "bob" or active eq true)', ['carol']],
    ['phoneNumbers[type eq "work" and value sw "+1"] and title pr', [ALICE]],
  ];

  it.each(cases)('%s', async (filter, expected) => {
    const resolved = filter.replace('MANAGER', ids.bob!);
    expect(await matchingUsers(resolved)).toEqual(expected);
  });

  it('never returns another tenant\'s user, even when its values match', async () => {
    expect(await matchingUsers('emails[type eq "work"].value eq "alice@work.com"')).toEqual([ALICE]);
  });

  it('binds values as parameters, never in the SQL text', () => {
    const q = render(filterToSql(userTarget, parseFilter('userName eq "x\' or 1=1 --" or title co "%"')));
    expect(q.text).not.toContain('1=1');
    expect(q.params).toContain('x\' or 1=1 --');
  });

  const invalid: string[] = [
    'nickName2 eq "x"',
    'urn:example:unknown:User:x eq "x"',
    'name eq "x"',
    'active gt true',
    'active eq "yes"',
    'active co "t"',
    `${TEST_EXT}:level gt "ten"`,
    `${TEST_EXT}:hired gt "yesterday"`,
    'name.nope eq "x"',
    'userName gt null',
    'emails[nope eq "x"]',
  ];
  it.each(invalid)('rejects %s with invalidFilter', (filter) => {
    expect(() => filterToSql(userTarget, parseFilter(filter))).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidFilter' }));
  });
});

describe('filter → SQL on groups', () => {
  const cases: Array<[string, string[]]> = [
    ['displayName eq "admins"', ['Admins']],
    ['displayName sw "E"', ['Empty']],
    ['externalId eq "g-2"', ['Empty']],
    ['members pr', ['Admins']],
    ['not (members pr)', ['Empty']],
    ['members[value eq "ALICE"]', ['Admins']],
    ['members.value eq "ALICE"', ['Admins']],
    ['members.value eq "CAROL"', []],
    ['members.value eq "not-a-uuid"', []],
    ['members[type eq "group"]', ['Admins']],
    ['members.display eq "alice smith"', ['Admins']],
    ['members.display eq "Empty"', ['Admins']],
  ];
  it.each(cases)('%s', async (filter, expected) => {
    const resolved = filter.replace('ALICE', ids.alice!).replace('CAROL', ids.carol!);
    expect(await matchingGroups(resolved)).toEqual(expected);
  });
});

describe('sorting', () => {
  const order = async (path: string, dir: 'asc' | 'desc' = 'asc') => {
    const expr = sortExpression(userTarget, parseAttrPath(path));
    const rows = await query<{ user_name: string }>(db.sql, sql`
      select ${scimUsers.userName} from ${scimUsers} where ${scimUsers.tenantId} = ${tenantId}
      order by ${expr} ${sql.raw(dir)} nulls last, ${scimUsers.id}`);
    return rows.map((r) => r.user_name);
  };
  it('sorts strings case-insensitively, numbers numerically, dates as dates, multi-valued by primary value', async () => {
    expect(await order('userName')).toEqual([ALICE, 'bob', 'carol']);
    expect(await order('userName', 'desc')).toEqual(['carol', 'bob', ALICE]);
    expect(await order(`${TEST_EXT}:level`)).toEqual([ALICE, 'bob', 'carol']);
    expect(await order('meta.created')).toEqual(['carol', ALICE, 'bob']);
    expect(await order('emails')).toEqual([ALICE, 'bob', 'carol']);
    expect(await order('name.givenName', 'desc')).toEqual(['bob', ALICE, 'carol']);
  });
});

describe('indexed filters use their indexes', () => {
  beforeAll(async () => {
    await db.sql`insert into scim_users (tenant_id, user_name, external_id, display_name, work_email, name_formatted, resource)
      select ${tenantId}, 'user' || i, 'x' || i, 'User ' || i, 'u' || i || '@work.com', 'U ' || i, '{}'::jsonb
      from generate_series(1, 20000) i`;
    await db.sql`analyze scim_users`;
  });
  const indexed: Array<[string, string]> = [
    ['userName eq "User77"', 'scim_users_user_name_key'],
    ['externalId eq "x77"', 'scim_users_external_id_idx'],
    ['displayName eq "user 77"', 'scim_users_display_name_idx'],
    ['name.formatted eq "u 77"', 'scim_users_name_formatted_idx'],
    ['emails[type eq "work"].value eq "U77@work.com"', 'scim_users_work_email_idx'],
  ];
  it.each(indexed)('%s → %s', async (filter, index) => {
    const where = filterToSql(userTarget, parseFilter(filter));
    const plan = await query<Record<string, string>>(db.sql, sql`explain select id from ${scimUsers} where ${scimUsers.tenantId} = ${tenantId} and ${where}`);
    const text = plan.map((r) => Object.values(r)[0]).join('\n');
    expect(text).toContain(index);
    expect(text).not.toMatch(/Seq Scan/);
    expect(await matchingUsers(filter)).toHaveLength(1);
  });
});
