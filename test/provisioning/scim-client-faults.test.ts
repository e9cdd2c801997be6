import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createScimClient, AmbiguousMatch, ObjectConflict, ObjectNotFound, ObjectRejected, TargetNotFoundOnQuery, TargetServerError,
  TargetTimeout, TargetUnauthorized, TargetUnreachable, TargetResponseInvalid, ScimClientError, DRY_RUN_ID_PREFIX,
  type ScimClient, type ScimClientOptions, type RequestEvent,
} from '../../src/provisioning/scim-client.js';
import { startFaultyScim, type FaultyScim, type Hit } from '../support/faulty-scim.js';

let target: FaultyScim;
const clients: ScimClient[] = [];

beforeAll(async () => {
  target = await startFaultyScim({ bulk: { supported: true, maxOperations: 3 } });
});
afterAll(async () => {
  await target.close();
});
afterEach(async () => {
  target.clearFaults();
  target.resetStats();
  target.store.Users.clear();
  target.store.Groups.clear();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function client(overrides: Partial<ScimClientOptions> = {}): ScimClient {
  const c = createScimClient({
    baseUrl: target.url,
    token: target.token,
    dialect: 'aadOptscim062020',
    concurrency: 4,
    timeoutMs: 2_000,
    retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    ...overrides,
  });
  clients.push(c);
  return c;
}

const isUsersQuery = (h: Hit) => h.method === 'GET' && h.path === '/Users';
const isPost = (h: Hit) => h.method === 'POST';
const user = (userName: string) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, active: true });

async function failure(promise: Promise<unknown>): Promise<ScimClientError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ScimClientError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('when the target fails transiently', () => {
  it('retries a 500 and succeeds on the next attempt', async () => {
    target.fault({ fault: { status: 500 }, match: isPost, times: 2 });
    const created = await client().createUser(user('alice@example.com'));
    expect(created.id).toBeTruthy();
    expect(target.hits.filter(isPost)).toHaveLength(3);
    expect(target.store.Users.size).toBe(1);
  });

  it('gives up after maxAttempts with a TargetServerError carrying the status', async () => {
    target.fault({ fault: { status: 503 }, match: isUsersQuery });
    const error = await failure(client().findUser('userName', 'alice'));
    expect(error).toBeInstanceOf(TargetServerError);
    expect(error.level).toBe('object');
    expect(error.status).toBe(503);
    expect(error.reason).toMatch(/HTTP 503 .*after 3 attempts/);
    expect(target.hits.filter(isUsersQuery)).toHaveLength(3);
  });

  it('honours Retry-After on 429 before retrying', async () => {
    target.fault({ fault: { status: 429, retryAfter: '1' }, match: isUsersQuery, times: 1 });
    const c = client({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5_000 } });
    const started = Date.now();
    expect(await c.findUser('userName', 'nobody')).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(target.hits.filter(isUsersQuery)).toHaveLength(2);
  });

  it('caps a long Retry-After at maxDelayMs', async () => {
    target.fault({ fault: { status: 429, retryAfter: '3600' }, match: isUsersQuery, times: 1 });
    const started = Date.now();
    expect(await client().findUser('userName', 'nobody')).toBeNull();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('reports a 429 that persists as TooManyRequests', async () => {
    target.fault({ fault: { status: 429, retryAfter: '0' }, match: isUsersQuery });
    const error = await failure(client().findUser('userName', 'x'));
    expect(error).toBeInstanceOf(TargetServerError);
    expect(error.code).toBe('TooManyRequests');
  });

  it('retries a dropped connection', async () => {
    target.fault({ fault: { reset: true }, match: isUsersQuery, times: 1 });
    expect(await client().findUser('userName', 'nobody')).toBeNull();
    expect(target.hits.filter(isUsersQuery)).toHaveLength(2);
  });

  it('times out a hanging request, retries it, and reports TargetTimeout', async () => {
    target.fault({ fault: { hang: true }, match: isUsersQuery });
    const started = Date.now();
    const error = await failure(client({ timeoutMs: 200, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } }).findUser('userName', 'x'));
    expect(error).toBeInstanceOf(TargetTimeout);
    expect(error.code).toBe('Timeout');
    expect(target.hits.filter(isUsersQuery)).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('recovers when only the first attempt hangs', async () => {
    target.fault({ fault: { hang: true }, match: isUsersQuery, times: 1 });
    expect(await client({ timeoutMs: 200 }).findUser('userName', 'nobody')).toBeNull();
  });
});

describe('when the target refuses', () => {
  it.each([
    [401, TargetUnauthorized, 'job', 'Unauthorized'],
    [403, TargetUnauthorized, 'job', 'InsufficientRights'],
    [400, ObjectRejected, 'object', 'SystemForCrossDomainIdentityManagementServiceIncompatible'],
    [409, ObjectConflict, 'object', 'EntryConflict'],
  ] as const)('a %i on create is a %s, not retried', async (status, type, level, code) => {
    target.fault({ fault: { status, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), detail: `refused with ${status}` } }, match: isPost });
    const error = await failure(client().createUser(user('bob@example.com')));
    expect(error).toBeInstanceOf(type);
    expect(error.level).toBe(level);
    expect(error.code).toBe(code);
    expect(error.reason).toContain(`refused with ${status}`);
    expect(target.hits.filter(isPost)).toHaveLength(1);
  });

  it('answers a real duplicate create with ObjectConflict and the uniqueness scimType', async () => {
    const c = client();
    await c.createUser(user('carol@example.com'));
    const error = await failure(c.createUser(user('CAROL@example.com')));
    expect(error).toBeInstanceOf(ObjectConflict);
    expect(error.scimType).toBe('uniqueness');
  });

  it('treats a 404 on a filter query as job-level', async () => {
    target.fault({ fault: { status: 404 }, match: isUsersQuery });
    const error = await failure(client().findUser('userName', 'x'));
    expect(error).toBeInstanceOf(TargetNotFoundOnQuery);
    expect(error.level).toBe('job');
    expect(target.hits.filter(isUsersQuery)).toHaveLength(1);
  });

  it('treats a 404 by id as object-level, and a delete of a missing object as already done', async () => {
    const c = client();
    expect(await failure(c.getUser('missing'))).toBeInstanceOf(ObjectNotFound);
    expect(await failure(c.patchUser('missing', [{ op: 'replace', path: 'active', value: false }]))).toBeInstanceOf(ObjectNotFound);
    expect(await c.deleteUser('missing')).toEqual({ alreadyGone: true, recorded: [] });
  });

  it('reports a refused connection as TargetUnreachable without retrying', async () => {
    const events: RequestEvent[] = [];
    const c = client({ baseUrl: 'http://127.0.0.1:1/scim/v2', onRequest: (e) => events.push(e) });
    const error = await failure(c.findUser('userName', 'x'));
    expect(error).toBeInstanceOf(TargetUnreachable);
    expect(error.level).toBe('job');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: null, failure: 'unreachable' });
  });

  it('rejects an answer that is not SCIM', async () => {
    target.fault({ fault: { status: 200, body: '<html>login page</html>' }, match: isUsersQuery });
    const error = await failure(client().findUser('userName', 'x'));
    expect(error).toBeInstanceOf(TargetResponseInvalid);
    expect(error.code).toBe('SystemForCrossDomainIdentityManagementServiceIncompatible');
  });
});

describe('the bearer token', () => {
  const secret = 'tok-SUPER-SECRET-0123456789';

  it('is sent only as the Authorization header', async () => {
    const c = client();
    await c.findUser('userName', 'x');
    expect(target.hits[0]!.authorization).toBe(`Bearer ${target.token}`);
    expect(target.hits[0]!.query).not.toContain(target.token);
  });

  it('never appears in an error, even when the target echoes it', async () => {
    target.fault({ fault: { status: 400, body: { detail: `bad token ${secret} for you`, scimType: `x${secret}` } } });
    const events: RequestEvent[] = [];
    const c = client({ token: secret, onRequest: (e) => events.push(e) });
    const errors = [
      await failure(c.createUser(user('dave@example.com'))),
      await failure(client({ token: secret, baseUrl: 'http://127.0.0.1:1/scim/v2' }).findUser('userName', 'x')),
    ];
    for (const error of errors) {
      expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(secret);
    }
    expect(errors[0]!.reason).toContain('bad token [redacted] for you');
    expect(JSON.stringify(errors)).not.toContain(secret);
    expect(JSON.parse(JSON.stringify(errors[0]))).toMatchObject({ name: 'ObjectRejected', level: 'object', status: 400 });
    expect(JSON.stringify(events)).not.toContain(secret);
  });
});

describe('bounded concurrency', () => {
  it('never has more than N requests in flight at the target, however many are fired', async () => {
    const slow = await startFaultyScim({ latencyMs: 30 });
    try {
      const c = createScimClient({ baseUrl: slow.url, token: slow.token, dialect: 'legacy', concurrency: 3 });
      await Promise.all(Array.from({ length: 30 }, (_, i) => c.findUser('userName', `u${i}`)));
      await c.close();
      expect(slow.hits).toHaveLength(30);
      expect(slow.maxInFlight).toBe(3);
    } finally {
      await slow.close();
    }
  });

  it('frees the slot of a timed-out request', async () => {
    target.fault({ fault: { hang: true }, match: isUsersQuery, times: 2 });
    const c = client({ concurrency: 1, timeoutMs: 150, retry: { maxAttempts: 1 } });
    const results = await Promise.allSettled([c.findUser('userName', 'a'), c.findUser('userName', 'b'), c.findUser('userName', 'c')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  });
});

describe('the onRequest hook', () => {
  it('reports each attempt with the route template, status and duration', async () => {
    target.fault({ fault: { status: 500 }, match: (h) => h.method === 'PATCH', times: 1 });
    const events: RequestEvent[] = [];
    const c = client({ onRequest: (e) => events.push(e) });
    const { id } = await c.createUser(user('erin@example.com'));
    await c.patchUser(id, [{ op: 'replace', path: 'displayName', value: 'Erin' }]);
    expect(events.map(({ method, route, status, attempt }) => ({ method, route, status, attempt }))).toEqual([
      { method: 'POST', route: '/Users', status: 201, attempt: 1 },
      { method: 'PATCH', route: '/Users/{id}', status: 500, attempt: 1 },
      { method: 'PATCH', route: '/Users/{id}', status: 204, attempt: 2 },
    ]);
    expect(events.every((e) => e.durationMs >= 0 && !e.dryRun)).toBe(true);
  });
});

describe('Entra requests', () => {
  it('test connection asks for a random userName and displayName, groups without members', async () => {
    await client().testConnection();
    expect(target.hits.map((h) => [h.method, h.path])).toEqual([['GET', '/Users'], ['GET', '/Groups']]);
    expect(target.hits[0]!.filter).toMatch(/^userName eq "[0-9a-f-]{36}"$/);
    expect(target.hits[1]!.query).toMatch(/^excludedAttributes=members&filter=displayName%20eq%20/);
  });

  it('test connection fails on a /Groups 404 as Entra does', async () => {
    target.fault({ fault: { status: 404 }, match: (h) => h.path === '/Groups' });
    expect(await failure(client().testConnection())).toBeInstanceOf(TargetNotFoundOnQuery);
  });

  it('test connection fails when the random query matches something', async () => {
    target.fault({ fault: { status: 200, body: { totalResults: 1, Resources: [{ id: 'x' }] } }, match: isUsersQuery });
    expect(await failure(client().testConnection())).toBeInstanceOf(TargetResponseInvalid);
  });

  it('keeps the admin query string on every request', async () => {
    const c = client({ baseUrl: `${target.url}?aadOptscim062020` });
    await c.findUser('externalId', 'x');
    expect(target.hits[0]!.query).toBe('aadOptscim062020&filter=externalId%20eq%20%22x%22');
  });

  it('records preview requests relative to the tenant URL, without its query flag', async () => {
    const c = client({ baseUrl: `${target.url}?aadOptscim062020`, mode: 'dryRun' });
    const { recorded } = await c.patchGroup('g1', [{ op: 'add', path: 'members', value: [{ value: 'u1' }] }]);
    expect(recorded.map((r) => `${r.method} ${r.path}`)).toEqual(['PATCH /Groups/g1']);
  });

  it('finds 0 or 1 objects and refuses to choose between several', async () => {
    const c = client();
    await c.createUser({ userName: 'f1@example.com', externalId: 'dup' });
    await c.createUser({ userName: 'f2@example.com', externalId: 'dup' });
    expect(await c.findUser('userName', 'nobody@example.com')).toBeNull();
    expect(await c.findUser('userName', 'F1@example.com')).toMatchObject({ userName: 'f1@example.com' });
    const error = await failure(c.findUser('externalId', 'dup'));
    expect(error).toBeInstanceOf(AmbiguousMatch);
    expect(error.code).toBe('DuplicateTargetEntries');
  });

  it('escapes quotes and backslashes in matching values', async () => {
    const c = client();
    await c.createUser({ userName: 'q@example.com', externalId: 'say "hi" \\o/' });
    expect(await c.findUser('externalId', 'say "hi" \\o/')).toMatchObject({ userName: 'q@example.com' });
  });

  it('asks for groups without members, and sends PATCH bodies as PatchOp', async () => {
    const c = client();
    const { id } = await c.createGroup({ displayName: 'Sales' });
    await c.addMembers(id, ['u1', 'u2']);
    const found = await c.findGroup('displayName', 'sales');
    expect(found).toMatchObject({ id, displayName: 'Sales' });
    expect(found).not.toHaveProperty('members');
    const patch = target.hits.find((h) => h.method === 'PATCH')!;
    expect(patch.contentType).toBe('application/scim+json');
    expect(patch.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }],
    });
  });

  it('sends nothing for an empty PATCH', async () => {
    expect(await client().patchUser('any', [])).toEqual({ recorded: [] });
    expect(target.hits).toHaveLength(0);
  });

  it('splits member changes into batches of memberBatchSize', async () => {
    const c = client({ memberBatchSize: 2, dialect: 'legacy' });
    const { id } = await c.createGroup({ displayName: 'Batches' });
    await c.addMembers(id, ['a', 'b', 'c', 'd', 'e']);
    await c.removeMembers(id, ['a', 'c', 'e']);
    const patches = target.hits.filter((h) => h.method === 'PATCH');
    expect(patches).toHaveLength(5);
    expect(target.store.Groups.get(id)!.members).toEqual([{ value: 'b' }, { value: 'd' }]);
  });
});

describe('preview mode', () => {
  it('sends GETs but no mutating request, and returns plausible results', async () => {
    const c = client({ mode: 'dryRun' });
    expect(await c.findUser('userName', 'gina@example.com')).toBeNull();
    const created = await c.createUser({ ...user('gina@example.com'), password: 'P@ssw0rd!' });
    expect(created.id.startsWith(DRY_RUN_ID_PREFIX)).toBe(true);
    expect(created.resource).toMatchObject({ userName: 'gina@example.com', id: created.id });
    const patched = await c.patchUser(created.id, [{ op: 'replace', path: 'active', value: false }]);
    const deleted = await c.deleteUser(created.id);
    const group = await c.createGroup({ displayName: 'G' });
    const members = await c.addMembers(group.id, ['m1']);

    expect(target.hits.map((h) => h.method)).toEqual(['GET']);
    expect(target.store.Users.size).toBe(0);
    expect(created.recorded).toEqual([{ method: 'POST', path: '/Users', body: { ...user('gina@example.com'), password: '[redacted]' } }]);
    expect(patched.recorded).toEqual([{
      method: 'PATCH', path: `/Users/${encodeURIComponent(created.id)}`,
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] },
    }]);
    expect(deleted).toEqual({ alreadyGone: false, recorded: [{ method: 'DELETE', path: `/Users/${encodeURIComponent(created.id)}`, body: undefined }] });
    expect(members.recorded).toHaveLength(1);
  });

  it('records a bulk request and answers every operation', async () => {
    const c = client({ mode: 'dryRun' });
    const result = await c.bulk([
      { method: 'POST', path: '/Users', bulkId: 'u1', data: user('h@example.com') },
      { method: 'DELETE', path: '/Users/abc' },
    ]);
    expect(result.outcomes.map((o) => [o.status, o.error])).toEqual([[201, null], [204, null]]);
    expect(result.outcomes[0]!.id!.startsWith(DRY_RUN_ID_PREFIX)).toBe(true);
    expect(result.recorded).toHaveLength(1);
    expect(target.hits.map((h) => `${h.method} ${h.path}`)).toEqual(['GET /ServiceProviderConfig']);
  });
});

describe('bulk', () => {
  it('reads ServiceProviderConfig once', async () => {
    const c = client();
    expect(await c.supportsBulk()).toBe(true);
    expect(await c.supportsBulk()).toBe(true);
    expect(target.hits.filter((h) => h.path === '/ServiceProviderConfig')).toHaveLength(1);
  });

  it('reports no bulk support when the target does not advertise it', async () => {
    const plain = await startFaultyScim();
    try {
      const c = createScimClient({ baseUrl: plain.url, token: plain.token, dialect: 'legacy' });
      expect(await c.supportsBulk()).toBe(false);
      await c.close();
    } finally {
      await plain.close();
    }
  });

  it('splits by maxOperations and classifies each operation like a single request', async () => {
    const c = client();
    const existing = await c.createUser(user('taken@example.com'));
    const { outcomes } = await c.bulk([
      { method: 'POST', path: '/Users', bulkId: 'a', data: user('new1@example.com') },
      { method: 'POST', path: '/Users', bulkId: 'b', data: user('taken@example.com') },
      { method: 'PATCH', path: `/Users/${existing.id}`, data: { Operations: [{ op: 'replace', path: 'title', value: 'Boss' }] } },
      { method: 'DELETE', path: '/Users/missing' },
      { method: 'POST', path: '/Users', bulkId: 'c', data: user('new2@example.com') },
    ]);
    expect(target.hits.filter((h) => h.path === '/Bulk')).toHaveLength(2);
    expect(outcomes.map((o) => [o.status, o.error?.constructor.name ?? null])).toEqual([
      [201, null], [409, 'ObjectConflict'], [204, null], [404, 'ObjectNotFound'], [201, null],
    ]);
    expect(target.store.Users.get(outcomes[0]!.id!)).toMatchObject({ userName: 'new1@example.com' });
    expect(outcomes[2]!.id).toBe(existing.id);
    expect(target.store.Users.get(existing.id)).toMatchObject({ title: 'Boss' });
  });
});
