import type { Socket } from 'node:net';
import type { Request } from 'express';

/** The externally visible origin: PUBLIC_URL when set, else what the request's Host says. */
export function publicOrigin(req: Request, publicUrl: string | undefined): string {
  return publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/**
 * Per connection, the base URL last worked out and the headers it came from. Entra sends
 * thousands of requests over one connection, and the protocol check (is the peer a trusted
 * proxy, then X-Forwarded-Proto) costs more than this lookup; the peer cannot change
 * within a connection, the headers are compared on every request.
 */
const lastBaseUrl = new WeakMap<Socket, { host: string | undefined; proto: string | string[] | undefined; url: string }>();

export function scimBaseUrl(req: Request, publicUrl: string | undefined): string {
  if (publicUrl !== undefined) return `${publicUrl}/scim/v2`;
  const { host, 'x-forwarded-proto': proto } = req.headers;
  const last = lastBaseUrl.get(req.socket);
  if (last && last.host === host && last.proto === proto) return last.url;
  const url = `${publicOrigin(req, undefined)}/scim/v2`;
  lastBaseUrl.set(req.socket, { host, proto, url });
  return url;
}
