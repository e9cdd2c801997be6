import type { Request } from 'express';
import { ScimError, notFound } from '../../scim/errors.js';
import {
  RESOURCE_TYPES,
  SCHEMAS,
  resourceTypeByName,
  resourceTypeRepresentation,
  schemaRepresentation,
} from '../../scim/schemas.js';
import { BULK_MAX_OPERATIONS } from './bulk.js';
import { scopeOf, sendScim } from './http.js';
import { MAX_PAYLOAD_BYTES, MAX_RESULTS } from './limits.js';
import type { ScimRoute } from './routes.js';

/**
 * The discovery endpoints of RFC 7644 §4: /ServiceProviderConfig, /Schemas, /ResourceTypes.
 *
 * They sit behind the same bearer-token check as the rest of /scim/v2. RFC 7644 §4 lets a
 * service provider require authentication here; Entra sends its token on every call anyway,
 * and one rule for the whole base URL means no route can be left open by mistake and the
 * advertised limits are only told to a client that may use them.
 */
export interface DiscoveryLimits {
  /** the largest page a query returns (`filter.maxResults`) */
  maxResults: number;
  /** the largest request body accepted, in bytes (`bulk.maxPayloadSize`) */
  maxPayloadSize: number;
  /** the most operations one /Bulk request may carry (`bulk.maxOperations`) */
  maxOperations: number;
}

const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const DOCUMENTATION_URI = 'https://github.com/scimflow/scimflow#scim-20-service-provider';

export function serviceProviderConfig(limits: DiscoveryLimits, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    documentationUri: DOCUMENTATION_URI,
    patch: { supported: true },
    bulk: { supported: true, maxOperations: limits.maxOperations, maxPayloadSize: limits.maxPayloadSize },
    filter: { supported: true, maxResults: limits.maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [{
      type: 'oauthbearertoken',
      name: 'OAuth Bearer Token',
      description: 'Authentication scheme using the OAuth Bearer Token Standard: the tenant\'s SCIM token in the Authorization header',
      specUri: 'https://www.rfc-editor.org/info/rfc6750',
      documentationUri: DOCUMENTATION_URI,
      primary: true,
    }],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

/** RFC 7644 §4: these endpoints return everything; pagination and sorting do not apply. */
function listResponse(resources: Record<string, unknown>[]): Record<string, unknown> {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: resources.length,
    itemsPerPage: resources.length,
    startIndex: 1,
    Resources: resources,
  };
}

/**
 * RFC 7644 §4: a filter on a discovery endpoint SHOULD get 403, so a client never believes
 * a condition was applied when it was not. Other query parameters (Entra's
 * `?aadOptscim062020`, `startIndex`, `sortBy`) are ignored.
 */
function refuseFilter(req: Request): void {
  if (Object.keys(req.query).some((name) => name.toLowerCase() === 'filter')) {
    throw new ScimError(403, undefined, 'filtering is not supported on discovery endpoints (RFC 7644 §4)');
  }
}

const LIMITS: DiscoveryLimits = { maxResults: MAX_RESULTS, maxPayloadSize: MAX_PAYLOAD_BYTES, maxOperations: BULK_MAX_OPERATIONS };

export function discoveryRoutes(): ScimRoute[] {
  return [
    {
      method: 'GET', path: '/ServiceProviderConfig',
      handle: (req, res) => {
        refuseFilter(req);
        sendScim(res, 200, serviceProviderConfig(LIMITS, scopeOf(res).baseUrl));
      },
    },
    ...listAndEntries('/Schemas', 'schema', SCHEMAS, schemaRepresentation,
      // schema URNs are case-insensitive (RFC 8141 §3.1 for the NID; SCIM clients vary the rest)
      (id) => SCHEMAS.find((s) => s.id.toLowerCase() === id.toLowerCase())),
    ...listAndEntries('/ResourceTypes', 'resource type', RESOURCE_TYPES, resourceTypeRepresentation, resourceTypeByName),
  ];
}

/** `/Schemas` and `/ResourceTypes`: the whole list, or one entry by its id. */
function listAndEntries<T>(
  path: string, what: string, entries: readonly T[],
  represent: (entry: T, baseUrl: string) => Record<string, unknown>, find: (id: string) => T | undefined,
): ScimRoute[] {
  return [
    {
      method: 'GET', path,
      handle: (req, res) => {
        refuseFilter(req);
        sendScim(res, 200, listResponse(entries.map((entry) => represent(entry, scopeOf(res).baseUrl))));
      },
    },
    {
      method: 'GET', path: `${path}/:id`,
      handle: (_req, res, { id }) => {
        const entry = find(id!);
        if (!entry) throw notFound(`no ${what} "${id}"`);
        sendScim(res, 200, represent(entry, scopeOf(res).baseUrl));
      },
    },
  ];
}
