import { describe, expect, it } from 'vitest';
import { scimGroupMembers, scimUsers } from '../../src/db/target.js';
import { Placeholder, render, sql } from '../../src/target/sql.js';

describe('statement fragments', () => {
  it.each([
    ['values become numbered parameters', sql`select ${1}, ${'a'}, ${null}, ${false}`, 'select $1, $2, $3, $4', [1, 'a', null, false]],
    ['nested fragments keep one numbering',
      sql`where ${sql`a = ${'x'}`} and ${sql`(${sql`b = ${'y'}`} or c = ${'z'})`}`, 'where a = $1 and (b = $2 or c = $3)', ['x', 'y', 'z']],
    ['undefined leaves nothing', sql`select 1${undefined} from t`, 'select 1 from t', []],
    ['columns and tables by their quoted names', sql`select ${scimUsers.userName} from ${scimUsers} join ${scimGroupMembers} m on true`,
      'select "scim_users"."user_name" from "scim_users" join "scim_group_members" m on true', []],
    ['identifiers quoted, quotes doubled', sql`select 1 from ${sql.identifier('we"ird')}`, 'select 1 from "we""ird"', []],
    ['raw text as it is', sql`order by id ${sql.raw('desc')}`, 'order by id desc', []],
    ['an array as one parameter', sql`where id = any(${sql.param(['a', 'b'])}::uuid[])`, 'where id = any($1::uuid[])', [['a', 'b']]],
    ['join with a separator', sql`set ${sql.join([sql`a = ${1}`, sql`b = ${2}`, sql`c = c + 1`], sql`, `)}`, 'set a = $1, b = $2, c = c + 1', [1, 2]],
    ['join of nothing', sql`select 1${sql.join([], sql`, `)}`, 'select 1', []],
    ['an empty fragment', sql`select 1${sql``}`, 'select 1', []],
  ])('%s', (_, fragment, text, params) => {
    expect(render(fragment)).toEqual({ text, params });
  });

  it('keeps placeholders for a prepared statement to bind', () => {
    const { text, params } = render(sql`where id = ${sql.placeholder('id')} and tenant_id = ${sql.placeholder('tenantId')}`);
    expect(text).toBe('where id = $1 and tenant_id = $2');
    expect(params).toEqual([new Placeholder('id'), new Placeholder('tenantId')]);
  });

  it('binds a value that looks like SQL as a value', () => {
    const { text, params } = render(sql`where user_name = ${"x' or 1=1 --"}`);
    expect(text).toBe('where user_name = $1');
    expect(params).toEqual(["x' or 1=1 --"]);
  });
});
