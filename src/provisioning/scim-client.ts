import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ambiguousMatch, classifyFailure, invalidResponse, ObjectNotFound, type RequestContext, type ScimClientError } from './scim-client/errors.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './scim-client/retry.js';
import { dryRunId, type RecordedRequest } from './scim-client/dry-run.js';
import type { PatchDialect, PatchOperation } from './diff.js';
import { createTransport, type ClientMode, type RequestEvent, type ScimRequest, type ScimResponse } from './scim-client/transport.js';

export * from './scim-client/errors.js';
export { DEFAULT_RETRY_POLICY, retryDelayMs, parseRetryAfter, type RetryPolicy } from './scim-client/retry.js';
export { DRY_RUN_ID_PREFIX, redactSecrets, type RecordedRequest } from './scim-client/dry-run.js';
export type { ClientMode, RequestEvent } from './scim-client/transport.js';

/**
 * The engine's SCIM client: speaks exactly the requests Entra sends (entra-provisioning.md §7)
 * to one target, in one PATCH dialect.
 *
 * - Concurrency: callers may fire as many calls as they like; at most `concurrency` requests
 *   are in flight to the target, the rest wait in order. Connections are kept alive.
 * - Failures: 429 (honouring Retry-After), 5xx, timeouts and dropped connections are retried
 *   up to `retry.maxAttempts`; every failure that remains is thrown as one of the classes in
 *   `scim-client/errors.ts`: job-level (`TargetUnreachable`, `TargetUnauthorized`,
 *   `TargetNotFoundOnQuery`: stop the cycle, quarantine) or object-level (escrow the object).
 *   A retried POST whose first attempt did reach the target may come back as `ObjectConflict`;
 *   matching the object again then finds it.
 * - Preview: with `mode: 'dryRun'` GETs are sent for real, and every mutating request is
 *   recorded instead of sent (method, path, body with secrets redacted); the call returns what
 *   a successful target would have (creates get a `dry-run:<uuid>` id), so the engine runs
 *   unchanged. Write results carry the recorded requests in `recorded` (empty when live).
 * - The token is only ever put in the Authorization header: not in errors, events or records.
 * - The base URL is used as the admin gave it, query included (`?aadOptscim062020`); the
 *   dialect only shapes request bodies.
 */

/** The PATCH dialect of the target: the same type the diff builds operations for. */
export type ScimDialect = PatchDialect;
export type { PatchOperation };

export interface ScimClientOptions {
  /** the tenant URL, e.g. `https://app.example.com/scim/v2` */
  baseUrl: string;
  token: string;
  dialect: ScimDialect;
  /** requests in flight at once (default 8) */
  concurrency?: number;
  /** per request, headers and body included (default 30 s) */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  mode?: ClientMode;
  /** called once per attempt: for metrics and logs */
  onRequest?: (event: RequestEvent) => void;
  /** members added or removed per PATCH request (default 100) */
  memberBatchSize?: number;
  /** injectable random source for the retry jitter */
  random?: () => number;
}

export interface ScimResource {
  id: string;
  [attribute: string]: unknown;
}

export interface WriteResult {
  /** requests recorded instead of sent (preview mode); empty when live */
  recorded: RecordedRequest[];
}

export interface CreateResult extends WriteResult {
  id: string;
  resource: ScimResource;
}

export interface DeleteResult extends WriteResult {
  /** the target answered 404: the object was already gone, which is what a delete wants */
  alreadyGone: boolean;
}

export interface BulkOperation {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** e.g. `/Users` or `/Users/{id}` with the id filled in */
  path: string;
  bulkId?: string;
  data?: unknown;
}

export interface BulkOutcome {
  operation: BulkOperation;
  status: number;
  /** the resource id: from `location` (or the response body) for a POST, else from the path */
  id: string | null;
  /** the failure, classified like a single request's; null on success */
  error: ScimClientError | null;
}

export interface BulkResult extends WriteResult {
  outcomes: BulkOutcome[];
}

export interface ScimClient {
  readonly dialect: ScimDialect;
  readonly mode: ClientMode;
  /**
   * Entra's test connection: a filter query for a random userName on /Users and a random
   * displayName on /Groups, both expected to answer 200 with an empty list. Throws the
   * classified error otherwise.
   */
  testConnection(): Promise<void>;
  /** `GET /Users?filter=<attributePath> eq "<value>"`: null, the one match, or `AmbiguousMatch`. */
  findUser(attributePath: string, value: string): Promise<ScimResource | null>;
  /** As findUser, on /Groups with `excludedAttributes=members`. */
  findGroup(attributePath: string, value: string): Promise<ScimResource | null>;
  getUser(id: string): Promise<ScimResource>;
  /** Without members (`excludedAttributes=members`). */
  getGroup(id: string): Promise<ScimResource>;
  createUser(body: Record<string, unknown>): Promise<CreateResult>;
  createGroup(body: Record<string, unknown>): Promise<CreateResult>;
  /** No request at all when `operations` is empty. */
  patchUser(id: string, operations: PatchOperation[]): Promise<WriteResult>;
  patchGroup(id: string, operations: PatchOperation[]): Promise<WriteResult>;
  deleteUser(id: string): Promise<DeleteResult>;
  deleteGroup(id: string): Promise<DeleteResult>;
  /**
   * Membership changes in batches of `memberBatchSize`, one group's batches one after another.
   * Adding a present member or removing an absent one changes nothing at a SCIM target, so a
   * failed call can simply be repeated with the same ids.
   */
  addMembers(groupId: string, memberIds: readonly string[]): Promise<WriteResult>;
  removeMembers(groupId: string, memberIds: readonly string[]): Promise<WriteResult>;
  /** Reads `/ServiceProviderConfig` once per client. */
  supportsBulk(): Promise<boolean>;
  /**
   * `POST /Bulk`, split into requests of the target's `maxOperations`; a `bulkId` may only be
   * referenced within the same chunk. Per-operation failures come back in the outcomes.
   */
  bulk(operations: readonly BulkOperation[]): Promise<BulkResult>;
  close(): Promise<void>;
}

const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

const resourceSchema = z.looseObject({ id: z.string().min(1) });
const listResponseSchema = z.looseObject({
  totalResults: z.number().optional(),
  Resources: z.array(resourceSchema).optional(),
});
const serviceProviderConfigSchema = z.looseObject({
  bulk: z.looseObject({ supported: z.boolean(), maxOperations: z.number().int().positive().optional() }).optional(),
});
const bulkResponseSchema = z.looseObject({
  Operations: z.array(z.looseObject({
    bulkId: z.string().optional(),
    location: z.string().optional(),
    status: z.union([z.string(), z.number()]),
    response: z.unknown().optional(),
  })),
});

type ResourceType = 'Users' | 'Groups';

/** A SCIM string literal: the filter grammar takes JSON strings, so quotes and backslashes are escaped. */
export function eqFilter(attributePath: string, value: string): string {
  return `${attributePath} eq ${JSON.stringify(value)}`;
}

/** Entra's member PATCH operations for one batch, in the dialect's form (entra-provisioning.md §7). */
export function memberOperations(dialect: ScimDialect, change: 'add' | 'remove', memberIds: readonly string[]): PatchOperation[] {
  if (dialect === 'legacy') {
    return change === 'add'
      ? [{ op: 'Add', path: 'members', value: memberIds.map((value) => ({ $ref: null, value })) }]
      : [{ op: 'Remove', path: 'members', value: memberIds.map((value) => ({ value })) }];
  }
  return change === 'add'
    ? [{ op: 'add', path: 'members', value: memberIds.map((value) => ({ value })) }]
    : memberIds.map((id) => ({ op: 'remove', path: `members[value eq ${JSON.stringify(id)}]` }));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `/Users/6f1c…` → `/Users/{id}`, for events and error messages about bulk operations. */
function routeOf(path: string): string {
  return path.replace(/^\/(Users|Groups)\/[^/?]+/, '/$1/{id}');
}

export function createScimClient(options: ScimClientOptions): ScimClient {
  const mode = options.mode ?? 'live';
  const dialect = options.dialect;
  const memberBatchSize = options.memberBatchSize ?? 100;
  const transport = createTransport({
    baseUrl: options.baseUrl,
    token: options.token,
    concurrency: options.concurrency ?? 8,
    timeoutMs: options.timeoutMs ?? 30_000,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    mode,
    onRequest: options.onRequest,
    ...(options.random ? { random: options.random } : {}),
  });
  const recordedOf = (...responses: ScimResponse[]): RecordedRequest[] =>
    responses.flatMap((r) => (r.recorded ? [r.recorded] : []));
  const contextOf = (request: ScimRequest): RequestContext =>
    ({ method: request.method, route: request.route, filterQuery: request.filterQuery ?? false });

  function parse<T>(schema: z.ZodType<T>, request: ScimRequest, response: ScimResponse, what: string): T {
    const parsed = schema.safeParse(response.body);
    if (!parsed.success) throw invalidResponse(contextOf(request), response.status, `its body is not ${what}`);
    return parsed.data;
  }

  async function query(type: ResourceType, filter: string): Promise<{ resources: ScimResource[]; total: number }> {
    const request: ScimRequest = {
      method: 'GET',
      route: `/${type}`,
      path: `/${type}`,
      query: type === 'Groups' ? [['excludedAttributes', 'members'], ['filter', filter]] : [['filter', filter]],
      accept: [200],
      filterQuery: true,
    };
    const response = await transport.send(request);
    const list = parse(listResponseSchema, request, response, 'a SCIM ListResponse');
    const resources = list.Resources ?? [];
    return { resources, total: Math.max(list.totalResults ?? 0, resources.length) };
  }

  async function find(type: ResourceType, attributePath: string, value: string): Promise<ScimResource | null> {
    const filter = eqFilter(attributePath, value);
    const { resources, total } = await query(type, filter);
    if (total > 1) throw ambiguousMatch({ method: 'GET', route: `/${type}`, filterQuery: true }, filter, total);
    return resources[0] ?? null;
  }

  async function get(type: ResourceType, id: string): Promise<ScimResource> {
    const request: ScimRequest = {
      method: 'GET',
      route: `/${type}/{id}`,
      path: `/${type}/${encodeURIComponent(id)}`,
      ...(type === 'Groups' ? { query: [['excludedAttributes', 'members']] as const } : {}),
      accept: [200],
    };
    return parse(resourceSchema, request, await transport.send(request), 'a SCIM resource with an id');
  }

  async function create(type: ResourceType, body: Record<string, unknown>): Promise<CreateResult> {
    const request: ScimRequest = { method: 'POST', route: `/${type}`, path: `/${type}`, body, accept: [201, 200] };
    const response = await transport.send(request);
    const resource = parse(resourceSchema, request, response, 'a SCIM resource with an id');
    return { id: resource.id, resource, recorded: recordedOf(response) };
  }

  async function patch(type: ResourceType, id: string, operations: readonly PatchOperation[]): Promise<ScimResponse | null> {
    if (operations.length === 0) return null;
    return transport.send({
      method: 'PATCH',
      route: `/${type}/{id}`,
      path: `/${type}/${encodeURIComponent(id)}`,
      body: { schemas: [PATCH_OP_SCHEMA], Operations: operations },
      accept: [200, 204],
    });
  }

  async function remove(type: ResourceType, id: string): Promise<DeleteResult> {
    try {
      const response = await transport.send({
        method: 'DELETE', route: `/${type}/{id}`, path: `/${type}/${encodeURIComponent(id)}`, accept: [204, 200],
      });
      return { alreadyGone: false, recorded: recordedOf(response) };
    } catch (error) {
      if (error instanceof ObjectNotFound) return { alreadyGone: true, recorded: [] };
      throw error;
    }
  }

  async function changeMembers(groupId: string, change: 'add' | 'remove', memberIds: readonly string[]): Promise<WriteResult> {
    const responses: ScimResponse[] = [];
    for (const batch of chunks(memberIds, memberBatchSize)) {
      const response = await patch('Groups', groupId, memberOperations(dialect, change, batch));
      if (response) responses.push(response);
    }
    return { recorded: recordedOf(...responses) };
  }

  let bulkSupport: Promise<{ supported: boolean; maxOperations: number }> | undefined;
  function bulkConfig(): Promise<{ supported: boolean; maxOperations: number }> {
    bulkSupport ??= (async () => {
      const request: ScimRequest = { method: 'GET', route: '/ServiceProviderConfig', path: '/ServiceProviderConfig', accept: [200] };
      const config = parse(serviceProviderConfigSchema, request, await transport.send(request), 'a ServiceProviderConfig');
      return { supported: config.bulk?.supported ?? false, maxOperations: config.bulk?.maxOperations ?? 1000 };
    })();
    // A failed read is not remembered: the next call asks again.
    bulkSupport.catch(() => { bulkSupport = undefined; });
    return bulkSupport;
  }

  async function bulkChunk(operations: readonly BulkOperation[]): Promise<{ outcomes: BulkOutcome[]; response: ScimResponse }> {
    const request: ScimRequest = {
      method: 'POST',
      route: '/Bulk',
      path: '/Bulk',
      body: { schemas: [BULK_REQUEST_SCHEMA], Operations: operations },
      accept: [200],
      dryRunAnswer: () => ({ status: 200, body: { Operations: operations.map(dryRunBulkAnswer) } }),
    };
    const response = await transport.send(request);
    const answers = parse(bulkResponseSchema, request, response, 'a SCIM BulkResponse').Operations;
    const byBulkId = new Map(answers.filter((a) => a.bulkId).map((a) => [a.bulkId, a]));
    const outcomes = operations.map((operation, index): BulkOutcome => {
      const answer = (operation.bulkId ? byBulkId.get(operation.bulkId) : undefined) ?? answers[index];
      const context = { method: operation.method, route: routeOf(operation.path), filterQuery: false };
      if (!answer) {
        return { operation, status: 0, id: null, error: invalidResponse(context, response.status, 'the BulkResponse has no answer for this operation') };
      }
      const status = Number(answer.status);
      if (status >= 200 && status < 300) return { operation, status, id: bulkResourceId(operation, answer), error: null };
      const body = (answer.response ?? {}) as { scimType?: unknown; detail?: unknown };
      const error = classifyFailure(context, {
        kind: 'status',
        status,
        retryAfterMs: undefined,
        body: {
          scimType: typeof body.scimType === 'string' ? body.scimType : undefined,
          detail: typeof body.detail === 'string' ? body.detail : undefined,
        },
      }, 1);
      return { operation, status, id: null, error };
    });
    return { outcomes, response };
  }

  return {
    dialect,
    mode,
    async testConnection() {
      for (const [type, attribute] of [['Users', 'userName'], ['Groups', 'displayName']] as const) {
        const filter = eqFilter(attribute, randomUUID());
        if ((await query(type, filter)).total > 0) {
          throw invalidResponse({ method: 'GET', route: `/${type}`, filterQuery: true }, 200, `it returned a resource for ${filter}, which matches nothing`);
        }
      }
    },
    findUser: (attributePath, value) => find('Users', attributePath, value),
    findGroup: (attributePath, value) => find('Groups', attributePath, value),
    getUser: (id) => get('Users', id),
    getGroup: (id) => get('Groups', id),
    createUser: (body) => create('Users', body),
    createGroup: (body) => create('Groups', body),
    async patchUser(id, operations) {
      const response = await patch('Users', id, operations);
      return { recorded: response ? recordedOf(response) : [] };
    },
    async patchGroup(id, operations) {
      const response = await patch('Groups', id, operations);
      return { recorded: response ? recordedOf(response) : [] };
    },
    deleteUser: (id) => remove('Users', id),
    deleteGroup: (id) => remove('Groups', id),
    addMembers: (groupId, memberIds) => changeMembers(groupId, 'add', memberIds),
    removeMembers: (groupId, memberIds) => changeMembers(groupId, 'remove', memberIds),
    async supportsBulk() {
      return (await bulkConfig()).supported;
    },
    async bulk(operations) {
      if (operations.length === 0) return { outcomes: [], recorded: [] };
      const { maxOperations } = await bulkConfig();
      const results = [];
      for (const chunk of chunks(operations, maxOperations)) results.push(await bulkChunk(chunk));
      return {
        outcomes: results.flatMap((r) => r.outcomes),
        recorded: recordedOf(...results.map((r) => r.response)),
      };
    },
    close: () => transport.close(),
  };
}

function dryRunBulkAnswer(operation: BulkOperation): Record<string, unknown> {
  const answer = operation.method === 'POST'
    ? { status: '201', location: `${operation.path}/${dryRunId()}` }
    : { status: operation.method === 'DELETE' ? '204' : '200' };
  return { method: operation.method, ...(operation.bulkId ? { bulkId: operation.bulkId } : {}), ...answer };
}

function bulkResourceId(operation: BulkOperation, answer: { location?: string | undefined; response?: unknown }): string | null {
  if (operation.method !== 'POST') return operation.path.split('/')[2] ?? null;
  const fromBody = (answer.response as { id?: unknown } | undefined)?.id;
  if (typeof fromBody === 'string') return fromBody;
  const segment = answer.location?.replace(/\/+$/, '').split('/').pop();
  return segment ? decodeURIComponent(segment) : null;
}
