import type { RequestHandler } from 'express';
import type { Database } from '../../db/client.js';
import { ScimError } from '../../scim/errors.js';
import { tenantIdForToken } from '../../target/token-lookup.js';
import type { TenantScope } from '../../target/resources.js';
import { scimBaseUrl } from '../urls.js';

/**
 * Bearer token → tenant. Missing, unknown and revoked tokens get the same 401 (with
 * `WWW-Authenticate: Bearer`, RFC 6750) so a caller learns nothing about which it was.
 */
export function requireTenant(db: Database, publicUrl: string | undefined): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    const tenantId = match ? await tenantIdForToken(db, match[1]!) : undefined;
    if (!tenantId) {
      res.set('www-authenticate', 'Bearer realm="scimflow"');
      throw new ScimError(401, undefined, 'a valid SCIM bearer token is required');
    }
    const scope: TenantScope = { tenantId, baseUrl: scimBaseUrl(req, publicUrl) };
    res.locals.scope = scope;
    next();
  };
}
