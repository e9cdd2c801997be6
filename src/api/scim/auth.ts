import type { Request, Response } from 'express';
import type { Database } from '../../db/client.js';
import { ScimError } from '../../scim/errors.js';
import { tenantIdForToken } from '../../target/token-lookup.js';
import type { TenantScope } from '../../target/resources.js';
import { scimBaseUrl } from '../urls.js';

/**
 * How long a token found live is trusted without asking the database again. Entra sends
 * bursts of requests with one token; skipping the lookup for them is a large share of a
 * request's cost. The price is that a revoked token keeps working for up to this long.
 */
export const TOKEN_CACHE_MS = 1000;
const MAX_CACHED_TOKENS = 10_000;

/**
 * Bearer token → the tenant's scope. Missing, unknown and revoked tokens get the same 401
 * (with `WWW-Authenticate: Bearer`, RFC 6750) so a caller learns nothing about which it was.
 */
export function tenantAuthenticator(db: Database, publicUrl: string | undefined): (req: Request, res: Response) => Promise<TenantScope> {
  const live = new Map<string, { tenantId: string; until: number }>();
  const lookup = async (token: string): Promise<string | undefined> => {
    const now = Date.now();
    const cached = live.get(token);
    if (cached && cached.until > now) return cached.tenantId;
    const tenantId = await tenantIdForToken(db, token);
    if (!tenantId) {
      live.delete(token);
      return undefined;
    }
    if (live.size >= MAX_CACHED_TOKENS) live.clear();
    live.set(token, { tenantId, until: now + TOKEN_CACHE_MS });
    return tenantId;
  };
  return async (req, res) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    const tenantId = match ? await lookup(match[1]!) : undefined;
    if (!tenantId) {
      res.set('www-authenticate', 'Bearer realm="scimflow"');
      throw new ScimError(401, undefined, 'a valid SCIM bearer token is required');
    }
    return { tenantId, baseUrl: scimBaseUrl(req, publicUrl) };
  };
}
