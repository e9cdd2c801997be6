import type { Response } from 'express';
import type { TenantScope } from '../../target/resources.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** Sends a SCIM JSON body; every /scim/v2 response with a body goes through here. */
export function sendScim(res: Response, status: number, body: unknown): void {
  res.status(status).set('content-type', SCIM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** The tenant the bearer token selected (set by the auth middleware). */
export function scopeOf(res: Response): TenantScope {
  return res.locals.scope as TenantScope;
}
