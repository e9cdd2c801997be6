import type { Request } from 'express';

/** The externally visible origin: PUBLIC_URL when set, else what the request's Host says. */
export function publicOrigin(req: Request, publicUrl: string | undefined): string {
  return publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

export function scimBaseUrl(req: Request, publicUrl: string | undefined): string {
  return `${publicOrigin(req, publicUrl)}/scim/v2`;
}
