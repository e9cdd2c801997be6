import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { tenants, tenantTokens } from '../db/tenants.js';
import { generateToken, hashToken } from './tokens.js';

export interface Tenant {
  id: string;
  name: string;
}

export interface IssuedToken {
  id: string;
  /** the clear-text token: returned once, never stored */
  token: string;
}

export class TenantNameTaken extends Error {}

export async function createTenant(db: Database, name: string): Promise<{ tenant: Tenant; token: IssuedToken }> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(tenants).values({ name }).onConflictDoNothing().returning();
    if (!row) throw new TenantNameTaken(`a tenant named "${name}" already exists`);
    const token = await issueToken(tx as unknown as Database, row.id);
    return { tenant: { id: row.id, name: row.name }, token };
  });
}

export async function getTenant(db: Database, id: string): Promise<Tenant | undefined> {
  const [row] = await db.select({ id: tenants.id, name: tenants.name }).from(tenants).where(eq(tenants.id, id));
  return row;
}

export async function findTenantByName(db: Database, name: string): Promise<Tenant | undefined> {
  const [row] = await db.select({ id: tenants.id, name: tenants.name }).from(tenants).where(eq(tenants.name, name));
  return row;
}

export async function issueToken(db: Database, tenantId: string): Promise<IssuedToken> {
  const token = generateToken();
  const [row] = await db.insert(tenantTokens).values({ tenantId, tokenHash: hashToken(token) }).returning({ id: tenantTokens.id });
  return { id: row!.id, token };
}

/** Revokes a token; false when the tenant has no such live token. */
export async function revokeToken(db: Database, tenantId: string, tokenId: string): Promise<boolean> {
  const rows = await db.update(tenantTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(tenantTokens.id, tokenId), eq(tenantTokens.tenantId, tenantId), isNull(tenantTokens.revokedAt)))
    .returning({ id: tenantTokens.id });
  return rows.length > 0;
}

export async function listTenants(db: Database): Promise<Array<Tenant & { users: number; groups: number }>> {
  const rows = await db.execute<{ id: string; name: string; users: string; groups: string }>(sql`
    select t.id, t.name,
      (select count(*) from scim_users u where u.tenant_id = t.id) as users,
      (select count(*) from scim_groups g where g.tenant_id = t.id) as groups
    from tenants t order by t.created_at, t.id`);
  return rows.map((r) => ({ id: r.id, name: r.name, users: Number(r.users), groups: Number(r.groups) }));
}
