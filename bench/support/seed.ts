import { connect } from '../../src/db/client.js';
import { createTenant } from '../../src/target/tenants.js';

/**
 * The benchmark tenant: `users` users, `groups` small groups and one group holding every
 * user. Seeded with set-based SQL (generate_series), so 100,000 users take seconds, not
 * 100,000 requests. The TypeScript helpers below and the SQL produce the same values, so
 * request generators can address any seeded user by its number.
 */
export const userName = (n: number) => `user${n}@bench.example.com`;
export const workEmail = (n: number) => `given${n}.family${n}@mail.bench.example.com`;
export const groupName = (n: number) => `Bench Group ${n}`;
export const BIG_GROUP = 'All Bench Users';

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export interface SeededTenant {
  tenantId: string;
  token: string;
  /** user ids by user number (index 0 unused) */
  userIds: string[];
  bigGroupId: string;
  groups: number;
}

export async function seedTenant(databaseUrl: string, counts: { users: number; groups: number }): Promise<SeededTenant> {
  const handle = connect(databaseUrl, { max: 1 });
  const { sql } = handle;
  try {
    const { tenant, token } = await createTenant(handle.db, 'bench');
    await sql`
      insert into scim_users (tenant_id, user_name, external_id, display_name, active, work_email, name_formatted, resource)
      select ${tenant.id}, u.user_name, u.external_id, u.display_name, true, u.work_email, u.formatted,
        jsonb_build_object(
          'schemas', jsonb_build_array(${CORE_USER}::text, ${ENTERPRISE_USER}::text),
          'userName', u.user_name,
          'externalId', u.external_id,
          'displayName', u.display_name,
          'active', true,
          'name', jsonb_build_object('givenName', 'Given' || n, 'familyName', 'Family' || n, 'formatted', u.formatted),
          'emails', jsonb_build_array(jsonb_build_object('value', u.work_email, 'type', 'work', 'primary', true)),
          ${ENTERPRISE_USER}::text, jsonb_build_object('employeeNumber', n::text, 'department', 'Department ' || (n % 50)))
      from generate_series(1, ${counts.users}::int) n
      cross join lateral (select
        'user' || n || '@bench.example.com' as user_name,
        'ext-' || n as external_id,
        'Bench User ' || n as display_name,
        'given' || n || '.family' || n || '@mail.bench.example.com' as work_email,
        'Given' || n || ' Family' || n as formatted) u`;

    await sql`
      insert into scim_groups (tenant_id, display_name, external_id, resource)
      select ${tenant.id}, g.name, 'group-' || n,
        jsonb_build_object('schemas', jsonb_build_array(${CORE_GROUP}::text), 'displayName', g.name, 'externalId', 'group-' || n)
      from generate_series(1, ${counts.groups}::int) n
      cross join lateral (select 'Bench Group ' || n as name) g`;
    const [big] = await sql<{ id: string }[]>`
      insert into scim_groups (tenant_id, display_name, external_id, resource)
      values (${tenant.id}, ${BIG_GROUP}, 'group-all',
        jsonb_build_object('schemas', jsonb_build_array(${CORE_GROUP}::text), 'displayName', ${BIG_GROUP}::text, 'externalId', 'group-all'))
      returning id`;
    await sql`
      insert into scim_group_members (group_id, member_id, member_type, tenant_id)
      select ${big!.id}, id, 'User', tenant_id from scim_users where tenant_id = ${tenant.id}`;
    await sql`analyze`;

    const rows = await sql<{ id: string; user_name: string }[]>`
      select id, user_name from scim_users where tenant_id = ${tenant.id}`;
    const userIds: string[] = new Array<string>(counts.users + 1);
    for (const row of rows) userIds[Number(/^user(\d+)@/.exec(row.user_name)![1])] = row.id;
    return { tenantId: tenant.id, token: token.token, userIds, bigGroupId: big!.id, groups: counts.groups + 1 };
  } finally {
    await handle.close();
  }
}
