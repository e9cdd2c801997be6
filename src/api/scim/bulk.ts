import type { Logger } from '../../logger.js';
import { ScimError, invalidSyntax, invalidValue } from '../../scim/errors.js';
import { RESOURCE_TYPES, type ResourceType } from '../../scim/schemas.js';
import type { ResourceService, TenantScope } from '../../target/resources.js';
import { scopeOf, sendScim } from './http.js';
import type { ScimRoute } from './routes.js';

/**
 * /Bulk (RFC 7644 §3.7). Each operation is its own unit of work, applied through the same
 * resource service as a single request (so each one is atomic on its own), and the job
 * carries on past failures until `failOnErrors` is reached. Operations may reference
 * resources created in the same request by `bulkId:<id>` anywhere in their data or path;
 * they run in an order that lets those references resolve.
 */
export const BULK_MAX_OPERATIONS = 1000;

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

export type BulkMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface BulkOperation {
  method: BulkMethod;
  type: ResourceType;
  /** the resource id (or `bulkId:<id>` until resolved); absent for POST */
  id?: string;
  bulkId?: string;
  /** ETag the resource must still have (If-Match) */
  version?: string;
  data?: unknown;
}

/** An operation as it arrived: valid and runnable, or already failed by its own shape. */
export type ParsedOperation =
  | { valid: true; operation: BulkOperation }
  | { valid: false; method: string; bulkId?: string; error: ScimError };

export interface BulkRequest {
  failOnErrors: number | undefined;
  operations: ParsedOperation[];
}

export interface BulkOperationResult {
  method: string;
  bulkId?: string;
  location?: string;
  version?: string;
  status: string;
  response?: Record<string, unknown>;
}

/** What the resource service reports for one applied operation. */
export interface AppliedOperation {
  status: number;
  id: string;
  version?: string;
}

export type ApplyOperation = (operation: BulkOperation) => Promise<AppliedOperation>;

const METHODS: readonly BulkMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE'];
const BULK_ID_PREFIX = 'bulkId:';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** SCIM attribute names are case-insensitive (RFC 7643 §2.1), message attributes included. */
function pick(object: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : object[key];
}

/**
 * Validates the envelope. A malformed envelope fails the whole request (400); a malformed
 * operation fails only itself, so one bad entry does not cost the client the rest.
 * Too many operations is RFC 7644 §3.7.4's 413, naming the limit.
 */
export function parseBulkRequest(body: unknown, maxOperations: number): BulkRequest {
  if (!isObject(body)) throw invalidSyntax('a BulkRequest must be a JSON object');
  const schemas = pick(body, 'schemas');
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === BULK_REQUEST_SCHEMA.toLowerCase())) {
    throw invalidSyntax(`"schemas" must contain "${BULK_REQUEST_SCHEMA}"`);
  }
  const failOnErrors = pick(body, 'failOnErrors');
  if (failOnErrors !== undefined && (typeof failOnErrors !== 'number' || !Number.isInteger(failOnErrors) || failOnErrors < 1)) {
    throw invalidValue('"failOnErrors" must be a positive integer');
  }
  const operations = pick(body, 'Operations');
  if (!Array.isArray(operations)) throw invalidSyntax('"Operations" must be an array');
  if (operations.length > maxOperations) {
    throw new ScimError(413, undefined, `the request has ${operations.length} operations; maxOperations is ${maxOperations}`);
  }
  const parsed = operations.map(parseOperation);
  const seen = new Set<string>();
  for (const p of parsed) {
    if (!p.valid || p.operation.bulkId === undefined) continue;
    if (seen.has(p.operation.bulkId)) throw invalidValue(`bulkId "${p.operation.bulkId}" is used by more than one operation`);
    seen.add(p.operation.bulkId);
  }
  return { failOnErrors: failOnErrors as number | undefined, operations: parsed };
}

function parseOperation(raw: unknown): ParsedOperation {
  if (!isObject(raw)) return { valid: false, method: '', error: invalidSyntax('an operation must be a JSON object') };
  const rawMethod = pick(raw, 'method');
  const method = typeof rawMethod === 'string' ? rawMethod.toUpperCase() : '';
  const rawBulkId = pick(raw, 'bulkId');
  const bulkId = typeof rawBulkId === 'string' && rawBulkId !== '' ? rawBulkId : undefined;
  const fail = (error: ScimError): ParsedOperation => ({ valid: false, method, ...(bulkId ? { bulkId } : {}), error });

  if (!METHODS.includes(method as BulkMethod)) return fail(invalidValue(`"method" must be one of ${METHODS.join(', ')}`));
  if (rawBulkId !== undefined && bulkId === undefined) return fail(invalidValue('"bulkId" must be a non-empty string'));
  if (method === 'POST' && !bulkId) return fail(invalidValue('"bulkId" is required for POST (RFC 7644 §3.7)'));

  const path = pick(raw, 'path');
  if (typeof path !== 'string') return fail(invalidValue('"path" must be a string such as "/Users" or "/Users/{id}"'));
  const match = /^\/([^/?#]+)(?:\/([^/?#]+))?\/?$/.exec(path);
  const type = match && RESOURCE_TYPES.find((t) => t.endpoint.toLowerCase() === `/${match[1]!.toLowerCase()}`);
  if (!match || !type) return fail(invalidPath(path));
  const id = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
  if (method === 'POST' && id !== undefined) return fail(invalidValue(`POST takes a resource type endpoint such as "${type.endpoint}", not "${path}"`));
  if (method !== 'POST' && id === undefined) return fail(invalidValue(`${method} takes the path of one resource, such as "${type.endpoint}/{id}"`));

  const data = pick(raw, 'data');
  if (method !== 'DELETE' && !isObject(data)) return fail(invalidSyntax(`"data" must be a JSON object for ${method}`));
  const version = pick(raw, 'version');
  if (version !== undefined && typeof version !== 'string') return fail(invalidValue('"version" must be a string'));

  return {
    valid: true,
    operation: {
      method: method as BulkMethod,
      type,
      ...(id !== undefined ? { id } : {}),
      ...(bulkId ? { bulkId } : {}),
      ...(version !== undefined ? { version } : {}),
      ...(method !== 'DELETE' ? { data } : {}),
    },
  };
}

const invalidPath = (path: string) =>
  new ScimError(400, 'invalidPath', `"${path}" is not a bulk path; use /Users, /Groups, /Users/{id} or /Groups/{id}`);

/** Every `bulkId:<id>` an operation refers to, in its data (at any depth) or its path. */
export function bulkIdReferences(operation: BulkOperation): Set<string> {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.startsWith(BULK_ID_PREFIX)) found.add(value.slice(BULK_ID_PREFIX.length));
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (isObject(value)) {
      Object.values(value).forEach(visit);
    }
  };
  visit(operation.id);
  visit(operation.data);
  return found;
}

/** The operation with each `bulkId:<id>` replaced by the id of the resource created for it. */
export function resolveBulkIds(operation: BulkOperation, created: ReadonlyMap<string, string>): BulkOperation {
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.startsWith(BULK_ID_PREFIX) ? created.get(value.slice(BULK_ID_PREFIX.length)) ?? value : value;
    }
    if (Array.isArray(value)) return value.map(replace);
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v)]));
    return value;
  };
  return {
    ...operation,
    ...(operation.id !== undefined ? { id: replace(operation.id) as string } : {}),
    ...(operation.data !== undefined ? { data: replace(operation.data) } : {}),
  };
}

/**
 * Runs the operations and returns one result per operation processed, in request order.
 *
 * Scheduling: repeatedly take the first pending operation (in request order) whose bulkId
 * references are all resolved, so forward references work whatever order the client used.
 * An operation that refers to a bulkId whose POST failed, or that no POST defines, fails
 * with 409/400 without running. When nothing pending can run, the rest wait on each other:
 * a circular reference, answered 409 per RFC 7644 §3.7.1 ("MAY stop after a failed
 * attempt"). Processing stops once `failOnErrors` errors have occurred; operations not
 * processed by then get no result.
 */
export async function runBulk(
  request: BulkRequest,
  options: { baseUrl: string; apply: ApplyOperation; onUnexpectedError: (err: unknown) => void },
): Promise<BulkOperationResult[]> {
  // a malformed POST still defines its bulkId: what refers to it fails as "failed", not "unknown"
  const defined = new Set<string>();
  for (const p of request.operations) {
    const bulkId = p.valid ? p.operation.bulkId : p.bulkId;
    if (bulkId) defined.add(bulkId);
  }

  const results = new Map<number, BulkOperationResult>();
  const created = new Map<string, string>();
  const failedBulkIds = new Set<string>();
  const pending = request.operations.map((p, index) => ({ p, index, refs: p.valid ? bulkIdReferences(p.operation) : new Set<string>() }));
  let errors = 0;
  const limitReached = () => request.failOnErrors !== undefined && errors >= request.failOnErrors;

  const record = (index: number, result: BulkOperationResult) => {
    results.set(index, result);
    if (Number(result.status) >= 400) errors++;
  };
  const failure = (operation: { method: string; bulkId?: string }, error: ScimError, location?: string): BulkOperationResult => ({
    method: operation.method,
    ...(operation.bulkId ? { bulkId: operation.bulkId } : {}),
    ...(location ? { location } : {}),
    status: String(error.status),
    response: error.toJSON(),
  });
  const locationOf = (operation: BulkOperation, id: string | undefined) =>
    id === undefined || id.startsWith(BULK_ID_PREFIX) ? undefined : `${options.baseUrl}${operation.type.endpoint}/${id}`;

  while (pending.length > 0 && !limitReached()) {
    const at = pending.findIndex(({ refs }) => [...refs].every((r) => created.has(r) || failedBulkIds.has(r) || !defined.has(r)));
    if (at < 0) {
      for (const { p, index, refs } of pending) {
        if (limitReached()) break;
        if (!p.valid) continue;
        const error = new ScimError(409, undefined, `circular bulkId references among ${[...refs].map((r) => `"${r}"`).join(', ')} could not be resolved`);
        record(index, failure(p.operation, error, locationOf(p.operation, p.operation.id)));
        if (p.operation.bulkId) failedBulkIds.add(p.operation.bulkId);
      }
      break;
    }
    const [{ p, index, refs }] = pending.splice(at, 1) as [(typeof pending)[number]];
    if (!p.valid) {
      record(index, failure(p, p.error));
      if (p.bulkId) failedBulkIds.add(p.bulkId);
      continue;
    }
    const unknown = [...refs].find((r) => !defined.has(r));
    const failedRef = [...refs].find((r) => failedBulkIds.has(r));
    const operation = resolveBulkIds(p.operation, created);
    let outcome: { result: BulkOperationResult; id?: string };
    if (unknown !== undefined) {
      outcome = { result: failure(operation, invalidValue(`no POST in this request has bulkId "${unknown}"`), locationOf(operation, operation.id)) };
    } else if (failedRef !== undefined) {
      const error = new ScimError(409, undefined, `the operation with bulkId "${failedRef}" failed, so its reference cannot be resolved`);
      outcome = { result: failure(operation, error, locationOf(operation, operation.id)) };
    } else {
      outcome = await applyOne(operation, options, locationOf);
    }
    record(index, outcome.result);
    if (operation.bulkId) {
      if (outcome.id !== undefined) created.set(operation.bulkId, outcome.id);
      else failedBulkIds.add(operation.bulkId);
    }
  }
  return [...results.entries()].sort(([a], [b]) => a - b).map(([, r]) => r);
}

async function applyOne(
  operation: BulkOperation,
  options: { apply: ApplyOperation; onUnexpectedError: (err: unknown) => void },
  locationOf: (operation: BulkOperation, id: string | undefined) => string | undefined,
): Promise<{ result: BulkOperationResult; id?: string }> {
  const base = { method: operation.method, ...(operation.bulkId ? { bulkId: operation.bulkId } : {}) };
  try {
    const applied = await options.apply(operation);
    const result = {
      ...base,
      location: locationOf(operation, applied.id)!,
      ...(applied.version ? { version: applied.version } : {}),
      status: String(applied.status),
    };
    return { result, id: applied.id };
  } catch (err) {
    let error: ScimError;
    if (err instanceof ScimError) error = err;
    else {
      options.onUnexpectedError(err);
      error = new ScimError(500, undefined, 'the operation failed on an unexpected server error; see the server log');
    }
    const location = locationOf(operation, operation.id);
    return { result: { ...base, ...(location ? { location } : {}), status: String(error.status), response: error.toJSON() } };
  }
}

/**
 * Applies one operation through the resource service, as its own transaction. Bulk answers
 * carry no resource bodies, so group members are never read back.
 */
function applyThrough(service: ResourceService, scope: TenantScope): ApplyOperation {
  return async (operation) => {
    const type = operation.type.name;
    const options = { withMembers: false, ...(operation.version !== undefined ? { ifMatch: operation.version } : {}) };
    switch (operation.method) {
      case 'POST': {
        const created = await service.create(scope, type, operation.data, options);
        return { status: 201, id: String(created.resource.id), version: created.etag };
      }
      case 'PUT': {
        const replaced = await service.replace(scope, type, operation.id!, operation.data, options);
        return { status: 200, id: operation.id!, version: replaced.etag };
      }
      case 'PATCH': {
        const patched = await service.patch(scope, type, operation.id!, operation.data, options);
        return { status: 200, id: operation.id!, version: patched.etag };
      }
      case 'DELETE':
        await service.delete(scope, type, operation.id!, options);
        return { status: 204, id: operation.id! };
    }
  };
}

/** POST /Bulk: 200 with a BulkResponse whatever the operations' outcomes (RFC 7644 §3.7.3). */
export function bulkRoutes(service: ResourceService, logger: Logger): ScimRoute[] {
  return [{
    method: 'POST', path: '/Bulk',
    handle: async (req, res) => {
      const request = parseBulkRequest(req.body, BULK_MAX_OPERATIONS);
      const scope = scopeOf(res);
      const results = await runBulk(request, {
        baseUrl: scope.baseUrl,
        apply: applyThrough(service, scope),
        onUnexpectedError: (err) => (req.log ?? logger).error({ err, path: '/Bulk' }, 'unexpected error in a bulk operation'),
      });
      sendScim(res, 200, { schemas: [BULK_RESPONSE_SCHEMA], Operations: results });
    },
  }];
}
