import type { Database } from '../db/client.js';
import { clientOf, query } from './executor.js';
import { sql } from './sql.js';
import { hashToken } from './tokens.js';

/**
 * The tenant id a live SCIM bearer token selects. Every SCIM request starts with this, so
 * it is one prepared statement on the token-hash index.
 */
export async function tenantIdForToken(db: Database, token: string): Promise<string | undefined> {
  const [row] = await query<{ tenant_id: string }>(clientOf(db), sql`
    select tenant_id from tenant_tokens where token_hash = ${hashToken(token)} and revoked_at is null`);
  return row?.tenant_id;
}
