import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { scimGroups, scimUsers } from '../../src/db/target.js';
import { parseAttrPath, parseFilter } from '../../src/scim/filter.js';
import { GROUP, USER } from '../../src/scim/schemas.js';
import { filterToSql, sortExpression } from '../../src/target/filter-sql.js';
import { toQuery } from '../../src/target/sql-text.js';

/** Whatever renders a statement, its text and parameters are exactly drizzle's. */
const dialect = new PgDialect();
const drizzles = (statement: ReturnType<typeof sql>) => {
  const { sql: text, params } = dialect.sqlToQuery(statement);
  return { sql: text, params };
};

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const userFilters = [
  'userName eq "bjensen@example.com"',
  'emails[type eq "work"].value eq "b@x.com"',
  'emails[type eq "work" and value co "@x"]',
  'externalId eq "e-1" or (displayName sw "B" and not (title pr))',
  'active eq "True"',
  'meta.lastModified gt "2024-01-01T00:00:00Z"',
  'name.givenName ew "a_%\\\\b"',
  `${ENTERPRISE}:manager.value eq "boss" and ${ENTERPRISE}:employeeNumber ne null`,
  'phoneNumbers.value co "555" and addresses[type eq "work" and locality eq "Redmond"]',
  'id eq "2819c223-7f76-453a-919d-413861904646"',
  'userName eq null',
];
const groupFilters = [
  'displayName eq "Sales"',
  'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
  'members.display co "ann" or externalId pr',
];

describe('statement text', () => {
  it.each(userFilters)('user filter %s', (filter) => {
    const statement = sql`select ${scimUsers.id} from ${sql.identifier('scim_users')} where ${scimUsers.tenantId} = ${'t'} and ${filterToSql(USER, parseFilter(filter))}`;
    expect(toQuery(statement)).toEqual(drizzles(statement));
  });

  it.each(groupFilters)('group filter %s', (filter) => {
    const statement = sql`select 1 from scim_groups where ${filterToSql(GROUP, parseFilter(filter))} order by ${sortExpression(GROUP, parseAttrPath('displayName'))}`;
    expect(toQuery(statement)).toEqual(drizzles(statement));
  });

  it('placeholders, raw text, joins and absent chunks', () => {
    const statement = sql`update ${sql.identifier('scim_groups')} set ${sql.join([sql`${scimGroups.displayName} = ${sql.placeholder('name')}`, sql`version = version + 1`], sql`, `)}
      where id = ${sql.placeholder('id')}${undefined} and ${sql.raw('true')} and x = ${7} and y = ${null} and z = ${false}`;
    const rendered = toQuery(statement);
    expect(rendered).toEqual(drizzles(statement));
    expect(rendered.sql).toContain('"scim_groups"."display_name" = $1');
  });

  it.each([
    ['a list of values', sql`select 1 where x in ${['a', 'b']}`],
    ['inlined values', sql`select ${'a'}`.inlineParams()],
    ['a table', sql`select * from ${scimUsers}`],
    ['an encoded parameter', sql`select ${sql.param(1)}`],
  ])('is drizzle\'s own for %s', (_, statement) => {
    expect(toQuery(statement)).toEqual(drizzles(statement));
  });
});
