import type { Request, Response } from 'express';
import { z } from 'zod';
import { ScimError } from '../../scim/errors.js';
import { membersRequested, project, type ProjectionParams } from '../../scim/projection.js';
import type { ScimResource } from '../../scim/resource.js';
import type { ResourceType } from '../../scim/schemas.js';
import {
  etagMatches, resourceTypeOf, type ListOutcome, type QueryInput, type ResourceService, type ResourceTypeName,
} from '../../target/resources.js';
import { scopeOf, sendScim } from './http.js';
import type { ScimRoute } from './routes.js';

/**
 * /Users and /Groups (RFC 7644 §3.2–3.6) and `/.search`. Routes only translate HTTP to the
 * resource service and back: status codes, ETag/Location headers, conditional requests and
 * the attributes/excludedAttributes projection.
 *
 * PATCH answers 200 with the resource for Users and 204 for Groups (RFC 7644 §3.5.2 allows
 * either): Entra reads the user back from the response but never a group's member list,
 * and answering 204 keeps a member change on a 100,000-member group from serialising the
 * group. A Group PATCH that asks for `attributes` or `excludedAttributes` gets 200 with them.
 */

const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

const integer = z.string().regex(/^-?\d+$/, 'must be an integer').transform(Number);
const single = z.string({ error: 'must be given once' });
const queryParameters = z.object({
  filter: single.optional(),
  attributes: single.optional(),
  excludedAttributes: single.optional(),
  sortBy: single.optional(),
  sortOrder: single.optional(),
  startIndex: integer.optional(),
  count: integer.optional(),
});
const names = z.union([z.string(), z.array(z.string())]);
const searchRequest = z.object({
  filter: z.string().optional(),
  attributes: names.optional(),
  excludedAttributes: names.optional(),
  sortBy: z.string().optional(),
  sortOrder: z.string().optional(),
  startIndex: z.number().int().optional(),
  count: z.number().int().optional(),
}, { error: 'a SearchRequest must be a JSON object' });

type QueryParameters = QueryInput & ProjectionParams;

const canonicalNames = new Map(Object.keys(queryParameters.shape).map((k) => [k.toLowerCase(), k]));

/** Query parameters by their RFC names in any case; others (`aadOptscim062020`) are ignored. */
function queryOf(req: Request): QueryParameters {
  const known: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(req.query)) {
    const name = canonicalNames.get(key.toLowerCase());
    if (name) known[name] = value;
  }
  return parse(queryParameters, known);
}

const projectionAsked = (params: ProjectionParams) => params.attributes !== undefined || params.excludedAttributes !== undefined;

/** Entra's group lookup: `excludedAttributes=members` and nothing else. */
const onlyMembersExcluded = (params: ProjectionParams) =>
  params.attributes === undefined && typeof params.excludedAttributes === 'string' && /^\s*members\s*$/i.test(params.excludedAttributes);

/**
 * Without attributes/excludedAttributes the stored resource is already what a client gets:
 * storage never keeps `returned: never` attributes (password is writeOnly and dropped on
 * input) and no attribute is `returned: request`. Excluding only `members` is the same, as
 * members are then not read at all. Skipping the walk matters on hot paths.
 */
function projected(type: ResourceType, resource: ScimResource, params: ProjectionParams): ScimResource {
  return projectionAsked(params) && !onlyMembersExcluded(params) ? project(type, resource, params) : resource;
}

/** Only Groups have member rows; only a projection can leave them out. */
function withMembers(typeName: ResourceTypeName | undefined, params: ProjectionParams): boolean {
  if (typeName === 'User' || onlyMembersExcluded(params)) return false;
  return !projectionAsked(params) || membersRequested(params);
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ScimError(400, 'invalidValue', issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message);
}

export function resourceRoutes(service: ResourceService): ScimRoute[] {
  const sendList = (res: Response, outcome: ListOutcome, params: QueryParameters) => {
    sendScim(res, 200, {
      schemas: [LIST_RESPONSE],
      totalResults: outcome.totalResults,
      startIndex: outcome.startIndex,
      itemsPerPage: outcome.itemsPerPage,
      Resources: outcome.resources.map((r) => projected(resourceTypeOf(typeOf(r)), r, params)),
    });
  };
  const query = async (res: Response, typeName: ResourceTypeName | undefined, params: QueryParameters) => {
    sendList(res, await service.query(scopeOf(res), typeName, { ...params, withMembers: withMembers(typeName, params) }), params);
  };

  const routesOf = (endpoint: string, typeName: ResourceTypeName): ScimRoute[] => {
    const type = resourceTypeOf(typeName);
    const sendResource = (res: Response, status: number, outcome: { resource: ScimResource; etag: string }, params: ProjectionParams) => {
      res.setHeader('etag', outcome.etag);
      sendScim(res, status, projected(type, outcome.resource, params));
    };
    return [
      {
        method: 'GET', path: endpoint,
        handle: async (req, res) => query(res, typeName, queryOf(req)),
      },
      {
        method: 'POST', path: `${endpoint}/.search`,
        handle: async (req, res) => query(res, typeName, parse(searchRequest, req.body)),
      },
      {
        method: 'POST', path: endpoint,
        handle: async (req, res) => {
          const params = queryOf(req);
          const created = await service.create(scopeOf(res), typeName, req.body, { withMembers: withMembers(typeName, params) });
          res.setHeader('location', created.location);
          sendResource(res, 201, created, params);
        },
      },
      {
        method: 'GET', path: `${endpoint}/:id`,
        handle: async (req, res, path) => {
          const params = queryOf(req);
          const found = await service.get(scopeOf(res), typeName, path.id!, { withMembers: withMembers(typeName, params) });
          const ifNoneMatch = req.get('if-none-match');
          if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, found.version)) {
            res.status(304).setHeader('etag', found.etag).end();
            return;
          }
          sendResource(res, 200, found, params);
        },
      },
      {
        method: 'PUT', path: `${endpoint}/:id`,
        handle: async (req, res, path) => {
          const params = queryOf(req);
          const replaced = await service.replace(scopeOf(res), typeName, path.id!, req.body, {
            ifMatch: req.get('if-match'), withMembers: withMembers(typeName, params),
          });
          sendResource(res, 200, replaced, params);
        },
      },
      {
        method: 'PATCH', path: `${endpoint}/:id`,
        handle: async (req, res, path) => {
          const params = queryOf(req);
          const answerWithResource = typeName === 'User' || projectionAsked(params);
          const patched = await service.patch(scopeOf(res), typeName, path.id!, req.body, {
            ifMatch: req.get('if-match'), withMembers: answerWithResource && withMembers(typeName, params),
          });
          if (answerWithResource) sendResource(res, 200, patched, params);
          else res.status(204).setHeader('etag', patched.etag).end();
        },
      },
      {
        method: 'DELETE', path: `${endpoint}/:id`,
        handle: async (req, res, path) => {
          await service.delete(scopeOf(res), typeName, path.id!, { ifMatch: req.get('if-match') });
          res.status(204).end();
        },
      },
    ];
  };

  return [
    ...routesOf('/Users', 'User'),
    ...routesOf('/Groups', 'Group'),
    {
      method: 'POST', path: '/.search',
      handle: async (req, res) => query(res, undefined, parse(searchRequest, req.body)),
    },
  ];
}

function typeOf(resource: ScimResource): ResourceTypeName {
  return (resource.meta as { resourceType: ResourceTypeName }).resourceType;
}
