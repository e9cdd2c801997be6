import type { TestApp } from '../support/server.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface ScimResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface RequestOptions {
  body?: unknown;
  /** sent as is instead of JSON-encoding `body` */
  raw?: string;
  headers?: Record<string, string>;
}

/** A SCIM client for one tenant, sending what Entra sends (scim+json, bearer token). */
export interface ScimClient {
  tenantId: string;
  token: string;
  /** the tenant's SCIM base URL, with any query suffix (e.g. `?aadOptscim062020`) */
  base: string;
  request(method: string, path: string, options?: RequestOptions): Promise<ScimResponse>;
}

/** `path` may carry its own query; a query on the base URL is appended after it. */
function join(base: string, path: string): string {
  const [root, baseQuery] = base.split('?') as [string, string | undefined];
  if (!baseQuery) return `${root}${path}`;
  return `${root}${path}${path.includes('?') ? '&' : '?'}${baseQuery}`;
}

export function scimClient(tenantId: string, token: string, base: string): ScimClient {
  return {
    tenantId,
    token,
    base,
    async request(method, path, options = {}) {
      const hasBody = options.raw !== undefined || options.body !== undefined;
      const res = await fetch(join(base, path), {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(hasBody ? { 'content-type': 'application/scim+json; charset=utf-8' } : {}),
          ...options.headers,
        },
        body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
    },
  };
}

/** A tenant created through the admin API, and a SCIM client for it. */
export async function createTenant(app: TestApp, name: string, baseSuffix = ''): Promise<ScimClient> {
  const res = await app.admin('POST', '/api/tenants', { name });
  if (res.status !== 201) throw new Error(`creating tenant ${name}: ${res.status}`);
  const { id, token, scimUrl } = await res.json() as { id: string; token: string; scimUrl: string };
  return scimClient(id, token, `${scimUrl}${baseSuffix}`);
}
