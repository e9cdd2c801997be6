import type { Response } from 'express';
import type { TenantScope } from '../../target/resources.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** Sends a SCIM JSON body; every /scim/v2 response with a body goes through here. */
export function sendScim(res: Response, status: number, body: unknown): void {
  // written straight to node's response: Express's res.send would re-check the type, the
  // charset and request freshness, which a SCIM body never needs
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', SCIM_CONTENT_TYPE);
  res.setHeader('content-length', Buffer.byteLength(json));
  res.end(json);
}

/** The tenant the bearer token selected (set by the auth middleware). */
export function scopeOf(res: Response): TenantScope {
  return res.locals.scope as TenantScope;
}
