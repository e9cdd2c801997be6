import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/**
 * A deliberately faulty SCIM peer for fault tests (design.md: the one kind of test double we
 * allow besides Microsoft Graph). A real HTTP server on a free port that answers programmable
 * faults per request — a status (500, 429 with Retry-After, 401, 404 …), a hang past the
 * client's timeout, a dropped connection, a delay — and otherwise either forwards the request
 * to a real SCIM target (`upstream`) or answers as a small in-memory SCIM target.
 *
 * It records every request it receives (after the fault decision, so counts include faulted
 * attempts) and the largest number of requests it had in flight at once.
 */

export type Fault =
  | { status: number; body?: unknown; retryAfter?: string }
  | { hang: true }
  | { reset: true }
  | { delayMs: number };

export interface Hit {
  method: string;
  /** path below the base path, e.g. `/Users/abc` */
  path: string;
  /** the raw query string without `?` */
  query: string;
  filter: string | null;
  body: unknown;
  authorization: string | undefined;
  contentType: string | undefined;
}

export interface FaultRule {
  fault: Fault;
  /** which requests it applies to (all when omitted) */
  match?: (hit: Hit) => boolean;
  /** how many requests it applies to before it is used up (unlimited when omitted) */
  times?: number;
}

export interface FaultyScimOptions {
  /** a real SCIM base URL to forward unfaulted requests to, token and all */
  upstream?: string;
  /** the bearer token the in-memory target accepts */
  token?: string;
  /** every answer waits this long, so concurrency becomes observable */
  latencyMs?: number;
  bulk?: { supported: boolean; maxOperations?: number };
}

export interface FaultyScim {
  /** base URL, e.g. `http://127.0.0.1:41234/scim/v2` */
  url: string;
  token: string;
  hits: Hit[];
  maxInFlight: number;
  fault(rule: FaultRule): void;
  clearFaults(): void;
  /** forget hits and the in-flight high-water mark */
  resetStats(): void;
  /** the in-memory target's state (not used with `upstream`) */
  store: { Users: Map<string, Resource>; Groups: Map<string, Resource> };
  close(): Promise<void>;
}

type Resource = Record<string, unknown> & { id: string };
type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

const BASE_PATH = '/scim/v2';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const scimError = (status: number, detail: string, scimType?: string): Answer =>
  ({ status, body: { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail } });

export async function startFaultyScim(options: FaultyScimOptions = {}): Promise<FaultyScim> {
  const token = options.token ?? `faulty-${randomUUID()}`;
  const rules: Array<FaultRule & { used: number }> = [];
  const store = { Users: new Map<string, Resource>(), Groups: new Map<string, Resource>() };
  let inFlight = 0;
  const state = { hits: [] as Hit[], maxInFlight: 0 };

  const server = createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    let counted = true;
    const done = () => {
      if (counted) { counted = false; inFlight--; }
    };
    res.on('close', done);
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, scimError(500, `faulty-scim: ${(error as Error).message}`));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const hit: Hit = {
      method: req.method ?? 'GET',
      path: url.pathname.startsWith(BASE_PATH) ? url.pathname.slice(BASE_PATH.length) : url.pathname,
      query: url.search.replace(/^\?/, ''),
      filter: url.searchParams.get('filter'),
      body: raw ? safeJson(raw) : undefined,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
    };
    state.hits.push(hit);
    const rule = rules.find((r) => (r.times === undefined || r.used < r.times) && (!r.match || r.match(hit)));
    if (rule) rule.used++;
    const fault = rule?.fault;
    if (fault && 'hang' in fault) return;
    if (fault && 'reset' in fault) {
      req.socket.destroy();
      return;
    }
    const delay = (fault && 'delayMs' in fault ? fault.delayMs : 0) + (options.latencyMs ?? 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (fault && 'status' in fault) {
      send(res, {
        status: fault.status,
        body: fault.body ?? scimError(fault.status, `injected fault ${fault.status}`).body,
        ...(fault.retryAfter !== undefined ? { headers: { 'retry-after': fault.retryAfter } } : {}),
      });
      return;
    }
    if (options.upstream) {
      await forward(req, res, options.upstream, url, raw);
      return;
    }
    if (hit.authorization !== `Bearer ${token}`) {
      send(res, scimError(401, 'bearer token missing or not valid'));
      return;
    }
    send(res, emulate(hit, url.searchParams));
  }

  function emulate(hit: Hit, params: URLSearchParams): Answer {
    const [, type, id] = hit.path.split('/') as [string, string | undefined, string | undefined];
    if (type === 'ServiceProviderConfig' && hit.method === 'GET') {
      return { status: 200, body: { bulk: { supported: options.bulk?.supported ?? false, maxOperations: options.bulk?.maxOperations ?? 1000 } } };
    }
    if (type === 'Bulk' && hit.method === 'POST') return bulk(hit.body);
    if (type !== 'Users' && type !== 'Groups') return scimError(404, `no such endpoint ${hit.path}`);
    return resourceRequest(type, id === undefined ? undefined : decodeURIComponent(id), hit.method, hit.body, params);
  }

  function resourceRequest(type: 'Users' | 'Groups', id: string | undefined, method: string, body: unknown, params: URLSearchParams): Answer {
    const resources = store[type];
    const exclude = params.get('excludedAttributes') === 'members';
    const view = (r: Resource) => (exclude ? omit(r, 'members') : r);
    if (id === undefined && method === 'GET') {
      const filter = params.get('filter');
      let found = [...resources.values()];
      if (filter) {
        const parsed = parseEqFilter(filter);
        if (!parsed) return scimError(400, `unsupported filter ${filter}`, 'invalidFilter');
        found = found.filter((r) => matches(r, parsed.path, parsed.value));
      }
      return { status: 200, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: found.length, Resources: found.map(view) } };
    }
    if (id === undefined && method === 'POST') {
      const resource = { ...(body as Record<string, unknown>), id: randomUUID() } as Resource;
      const unique = type === 'Users' ? 'userName' : 'displayName';
      const value = String(resource[unique] ?? '').toLowerCase();
      if ([...resources.values()].some((r) => String(r[unique] ?? '').toLowerCase() === value)) {
        return scimError(409, `${unique} ${JSON.stringify(resource[unique])} is already taken`, 'uniqueness');
      }
      if (type === 'Groups') resource.members = [...((resource.members as unknown[] | undefined) ?? [])];
      resources.set(resource.id, resource);
      return { status: 201, body: view(resource) };
    }
    const resource = id === undefined ? undefined : resources.get(id);
    if (!resource) return scimError(404, `${type} ${id} not found`);
    if (method === 'GET') return { status: 200, body: view(resource) };
    if (method === 'DELETE') {
      resources.delete(resource.id);
      return { status: 204 };
    }
    if (method === 'PATCH') {
      const problem = applyPatch(resource, (body as { Operations?: unknown[] } | undefined)?.Operations ?? []);
      return problem ?? { status: 204 };
    }
    return scimError(405, `${method} not supported`);
  }

  function bulk(body: unknown): Answer {
    const operations = (body as { Operations?: Array<{ method: string; path: string; bulkId?: string; data?: unknown }> }).Operations ?? [];
    const answers = operations.map((op) => {
      const [, type, id] = op.path.split('/');
      if (type !== 'Users' && type !== 'Groups') return { method: op.method, bulkId: op.bulkId, status: '404' };
      const answer = resourceRequest(type, id, op.method, op.data, new URLSearchParams());
      const created = op.method === 'POST' && answer.status === 201 ? (answer.body as Resource).id : undefined;
      return {
        method: op.method,
        ...(op.bulkId ? { bulkId: op.bulkId } : {}),
        ...(created ? { location: `${BASE_PATH}/${type}/${created}` } : {}),
        status: String(answer.status),
        ...(answer.status >= 400 ? { response: answer.body } : {}),
      };
    });
    return { status: 200, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkResponse'], Operations: answers } };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${BASE_PATH}`,
    token,
    get hits() { return state.hits; },
    get maxInFlight() { return state.maxInFlight; },
    fault: (rule) => { rules.push({ ...rule, used: 0 }); },
    clearFaults: () => { rules.length = 0; },
    resetStats: () => { state.hits = []; state.maxInFlight = inFlight; },
    store,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** `attr eq "value"` (the only filter form Entra sends for matching); the value is a JSON string. */
function parseEqFilter(filter: string): { path: string; value: string } | null {
  const m = /^(\S+?(?:\[[^\]]*\])?(?:\.\S+)?) eq ("(?:[^"\\]|\\.)*")$/.exec(filter.trim());
  if (!m) return null;
  return { path: m[1]!, value: JSON.parse(m[2]!) as string };
}

function matches(resource: Resource, path: string, value: string): boolean {
  const multi = /^(\w+)\[type eq "(\w+)"\]\.(\w+)$/.exec(path);
  if (multi) {
    const [, attribute, type, sub] = multi;
    const items = (resource[attribute!] as Array<Record<string, unknown>> | undefined) ?? [];
    return items.some((item) => item.type === type && String(item[sub!]).toLowerCase() === value.toLowerCase());
  }
  const actual = path.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], resource);
  if (actual === undefined || actual === null) return false;
  return path === 'userName' || path === 'displayName'
    ? String(actual).toLowerCase() === value.toLowerCase()
    : String(actual) === value;
}

/** Just enough of RFC 7644 §3.5.2 for both Entra dialects' member and attribute operations. */
function applyPatch(resource: Resource, operations: unknown[]): Answer | undefined {
  for (const raw of operations) {
    const op = raw as { op?: string; path?: string; value?: unknown };
    const kind = String(op.op ?? '').toLowerCase();
    const path = op.path;
    if (path !== undefined && /^members\b/i.test(path)) {
      const members = (resource.members as Array<{ value: string }> | undefined) ?? [];
      const filter = /^members\[value eq "([^"]+)"\]$/i.exec(path);
      if (kind === 'add') {
        for (const m of op.value as Array<{ value: string }>) if (!members.some((x) => x.value === m.value)) members.push({ value: m.value });
      } else if (kind === 'remove' && filter) {
        resource.members = members.filter((m) => m.value !== filter[1]);
        continue;
      } else if (kind === 'remove' && Array.isArray(op.value)) {
        const gone = new Set((op.value as Array<{ value: string }>).map((m) => m.value));
        resource.members = members.filter((m) => !gone.has(m.value));
        continue;
      } else if (kind === 'remove') {
        // The one PATCH a member list must not take literally here: it would empty the group.
        return scimError(400, 'remove of members needs a value array or a value filter', 'noTarget');
      }
      resource.members = members;
      continue;
    }
    if (kind !== 'add' && kind !== 'replace' && kind !== 'remove') return scimError(400, `unknown op ${op.op}`, 'invalidSyntax');
    if (path === undefined) {
      if (typeof op.value !== 'object' || op.value === null) return scimError(400, 'path-less op needs an object value', 'invalidValue');
      Object.assign(resource, op.value);
    } else if (kind === 'remove') {
      delete resource[path];
    } else {
      resource[path] = op.value;
    }
  }
  return undefined;
}

async function forward(req: IncomingMessage, res: ServerResponse, upstream: string, url: URL, raw: string): Promise<void> {
  const target = new URL(upstream.replace(/\/+$/, '') + url.pathname.slice(BASE_PATH.length) + url.search);
  const response = await fetch(target, {
    method: req.method ?? 'GET',
    headers: {
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}),
      accept: 'application/scim+json',
    },
    body: raw === '' ? undefined : raw,
  });
  const text = await response.text();
  res.writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? 'application/scim+json' });
  res.end(text);
}

function send(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string> = { ...answer.headers };
  if (answer.body !== undefined) headers['content-type'] = 'application/scim+json';
  res.writeHead(answer.status, headers);
  res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function omit(resource: Resource, key: string): Resource {
  const { [key]: _dropped, ...rest } = resource;
  return rest as Resource;
}
