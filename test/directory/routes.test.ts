import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/server.js';

let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app?.close(); });

const USER_ROLE = '18d14569-c3bd-439b-9a66-3a2aee01d14f';
const DEFAULT_ACCESS = '00000000-0000-0000-0000-000000000000';

async function json<T = Record<string, unknown>>(res: Response | Promise<Response>, status: number): Promise<T> {
  const r = await res;
  const text = await r.text();
  expect(r.status, text).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function newDirectory(): Promise<string> {
  return (await json<{ id: string }>(app.admin('POST', '/api/directories', { name: `d-${randomUUID()}` }), 201)).id;
}

async function changeKinds(dir: string): Promise<string[]> {
  const { items } = await json<{ items: Array<{ objectType: string; kind: string }> }>(app.admin('GET', `/api/directories/${dir}/changes?limit=1000`), 200);
  return items.map((c) => `${c.objectType}:${c.kind}`);
}

describe('admin API: directories', () => {
  it('creates a directory, lists it with counts, refuses a duplicate name and a bad body', async () => {
    const created = await json<{ id: string; name: string }>(app.admin('POST', '/api/directories', { name: 'contoso' }), 201);
    expect(created).toEqual({ id: expect.any(String), name: 'contoso' });
    await json(app.admin('PUT', `/api/directories/${created.id}/users/${randomUUID()}`, { userPrincipalName: 'a@contoso.com' }), 201);
    const { items } = await json<{ items: unknown[] }>(app.admin('GET', '/api/directories'), 200);
    expect(items).toContainEqual({ id: created.id, name: 'contoso', users: 1, groups: 0, applications: 0 });
    expect((await app.admin('POST', '/api/directories', { name: 'contoso' })).status).toBe(409);
    expect((await app.admin('POST', '/api/directories', {})).status).toBe(400);
  });

  it('answers 404 for an unknown directory and 400 for an id that is not a UUID', async () => {
    expect((await app.admin('GET', `/api/directories/${randomUUID()}/users/${randomUUID()}`)).status).toBe(404);
    const bad = await app.admin('GET', '/api/directories/nope/users/x');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('admin API: users', () => {
  it('PUT creates then replaces; GET shows Graph names with unknown attributes kept', async () => {
    const dir = await newDirectory();
    const id = randomUUID();
    const created = await json(app.admin('PUT', `/api/directories/${dir}/users/${id}`, {
      userPrincipalName: 'alice@contoso.com', department: 'Sales', extensionAttribute3: 'badge-7',
    }), 201);
    expect(created).toMatchObject({ id, userPrincipalName: 'alice@contoso.com', department: 'Sales', extensionAttribute3: 'badge-7', accountEnabled: true, manager: null, deletedDateTime: null });
    const replaced = await json(app.admin('PUT', `/api/directories/${dir}/users/${id.toUpperCase()}`, { id, userPrincipalName: 'alice@contoso.com' }), 200);
    expect(replaced).toMatchObject({ department: null });
    expect(replaced).not.toHaveProperty('extensionAttribute3');
    expect(await changeKinds(dir)).toEqual(['user:upsert', 'user:upsert']);
  });

  it('PATCH merges, null clears, and a no-op PATCH appends no change', async () => {
    const dir = await newDirectory();
    const id = randomUUID();
    await json(app.admin('PUT', `/api/directories/${dir}/users/${id}`, { userPrincipalName: 'bob@contoso.com', jobTitle: 'Engineer', badge: 'b1' }), 201);
    const patched = await json(app.admin('PATCH', `/api/directories/${dir}/users/${id}`, { department: 'R&D', badge: null, accountEnabled: false }), 200);
    expect(patched).toMatchObject({ userPrincipalName: 'bob@contoso.com', jobTitle: 'Engineer', department: 'R&D', accountEnabled: false });
    expect(patched).not.toHaveProperty('badge');
    await json(app.admin('PATCH', `/api/directories/${dir}/users/${id}`, { department: 'R&D' }), 200);
    expect(await changeKinds(dir)).toEqual(['user:upsert', 'user:upsert']);
  });

  it('refuses bad bodies with problem JSON naming the field, changing nothing', async () => {
    const dir = await newDirectory();
    const id = randomUUID();
    const missing = await json<{ detail: string }>(app.admin('PUT', `/api/directories/${dir}/users/${id}`, { mail: 'x@contoso.com' }), 400);
    expect(missing.detail).toMatch(/userPrincipalName/);
    await json(app.admin('PUT', `/api/directories/${dir}/users/${id}`, { id: randomUUID(), userPrincipalName: 'x@contoso.com' }), 400);
    await json(app.admin('PUT', `/api/directories/${dir}/users/${id}`, { userPrincipalName: 'x@contoso.com', accountEnabled: 'yes' }), 400);
    await json(app.admin('PUT', `/api/directories/${dir}/users/${id}`, { userPrincipalName: 'x@contoso.com', manager: 'boss' }), 400);
    await json(app.admin('PATCH', `/api/directories/${dir}/users/${id}`, { department: 'x' }), 404);
    expect(await changeKinds(dir)).toEqual([]);
  });

  it('DELETE soft-deletes (still readable, restorable); ?hard=true removes for good', async () => {
    const dir = await newDirectory();
    const id = randomUUID();
    await json(app.admin('PUT', `/api/directories/${dir}/users/${id}`, { userPrincipalName: 'carol@contoso.com' }), 201);
    await json(app.admin('DELETE', `/api/directories/${dir}/users/${id}`), 204);
    expect(await json(app.admin('GET', `/api/directories/${dir}/users/${id}`), 200)).toMatchObject({ deletedDateTime: expect.stringMatching(/Z$/) });
    expect(await json(app.admin('POST', `/api/directories/${dir}/users/${id}/restore`), 200)).toMatchObject({ deletedDateTime: null });
    await json(app.admin('DELETE', `/api/directories/${dir}/users/${id}?hard=true`), 204);
    await json(app.admin('GET', `/api/directories/${dir}/users/${id}`), 404);
    await json(app.admin('DELETE', `/api/directories/${dir}/users/${id}`), 404);
    await json(app.admin('POST', `/api/directories/${dir}/users/${id}/restore`), 404);
    expect(await changeKinds(dir)).toEqual(['user:upsert', 'user:softDelete', 'user:restore', 'user:hardDelete']);
  });

  it('does not show one directory\'s objects through another', async () => {
    const [a, b] = [await newDirectory(), await newDirectory()];
    const id = randomUUID();
    await json(app.admin('PUT', `/api/directories/${a}/users/${id}`, { userPrincipalName: 'dave@contoso.com' }), 201);
    await json(app.admin('GET', `/api/directories/${b}/users/${id}`), 404);
    await json(app.admin('DELETE', `/api/directories/${b}/users/${id}?hard=true`), 404);
    await json(app.admin('GET', `/api/directories/${a}/users/${id}`), 200);
  });

  it('lists users a page at a time by id', async () => {
    const dir = await newDirectory();
    const ids = Array.from({ length: 5 }, () => randomUUID()).sort();
    await json(app.admin('POST', `/api/directories/${dir}/import`, { users: ids.map((id, i) => ({ id, userPrincipalName: `u${i}@contoso.com` })) }), 200);
    const first = await json<{ items: Array<{ id: string }>; nextCursor: string }>(app.admin('GET', `/api/directories/${dir}/users?limit=3`), 200);
    expect(first.items.map((u) => u.id)).toEqual(ids.slice(0, 3));
    const second = await json<{ items: Array<{ id: string }>; nextCursor: string | null }>(app.admin('GET', `/api/directories/${dir}/users?limit=3&after=${first.nextCursor}`), 200);
    expect(second.items.map((u) => u.id)).toEqual(ids.slice(3));
    expect(second.nextCursor).toBeNull();
  });
});

describe('admin API: groups and members', () => {
  it('groups have the same verbs; members are added and removed by PUT/DELETE', async () => {
    const dir = await newDirectory();
    const [g, nested, u] = [randomUUID(), randomUUID(), randomUUID()];
    expect(await json(app.admin('PUT', `/api/directories/${dir}/groups/${g}`, { displayName: 'Sales' }), 201))
      .toMatchObject({ id: g, displayName: 'Sales', securityEnabled: true, deletedDateTime: null });
    await json(app.admin('PUT', `/api/directories/${dir}/groups/${nested}`, { displayName: 'Sales EMEA' }), 201);
    await json(app.admin('PUT', `/api/directories/${dir}/users/${u}`, { userPrincipalName: 'erin@contoso.com' }), 201);
    await json(app.admin('PUT', `/api/directories/${dir}/groups/${g}/members/${u}`), 204);
    await json(app.admin('PUT', `/api/directories/${dir}/groups/${g}/members/${u}`), 204);
    await json(app.admin('PUT', `/api/directories/${dir}/groups/${g}/members/${nested}`), 204);
    await json(app.admin('PUT', `/api/directories/${dir}/groups/${g}/members/${g}`), 400);
    await json(app.admin('PUT', `/api/directories/${dir}/groups/${g}/members/${randomUUID()}`), 404);
    await json(app.admin('PUT', `/api/directories/${dir}/groups/${randomUUID()}/members/${u}`), 404);
    const { items } = await json<{ items: unknown[] }>(app.admin('GET', `/api/directories/${dir}/groups/${g}/members`), 200);
    expect(items).toHaveLength(2);
    expect(items).toContainEqual({ memberId: nested, memberType: 'group' });
    await json(app.admin('DELETE', `/api/directories/${dir}/groups/${g}/members/${u}`), 204);
    await json(app.admin('DELETE', `/api/directories/${dir}/groups/${g}/members/${u}`), 404);
    await json(app.admin('PATCH', `/api/directories/${dir}/groups/${g}`, { description: 'all of sales' }), 200);
    await json(app.admin('DELETE', `/api/directories/${dir}/groups/${g}`), 204);
    await json(app.admin('POST', `/api/directories/${dir}/groups/${g}/restore`), 200);
    await json(app.admin('DELETE', `/api/directories/${dir}/groups/${g}?hard=true`), 204);
    await json(app.admin('GET', `/api/directories/${dir}/groups/${nested}`), 200);
    expect(await changeKinds(dir)).toEqual([
      'group:upsert', 'group:upsert', 'user:upsert', 'membership:upsert', 'membership:upsert', 'membership:hardDelete',
      'group:upsert', 'group:softDelete', 'group:restore', 'membership:hardDelete', 'group:hardDelete',
    ]);
  });
});

describe('admin API: applications and assignments', () => {
  it('every application gets the built-in User and Default Access roles unless it lists them', async () => {
    const dir = await newDirectory();
    const admin = { id: randomUUID(), value: 'Admin', displayName: 'Administrator' };
    const app1 = await json<{ id: string; appRoles: unknown[] }>(app.admin('POST', `/api/directories/${dir}/applications`, { displayName: 'ThousandEyes', appRoles: [admin] }), 201);
    expect(app1.appRoles).toEqual([
      admin,
      { id: USER_ROLE, value: 'User', displayName: 'User' },
      { id: DEFAULT_ACCESS, value: null, displayName: 'Default Access' },
    ]);
    const ownUser = { id: USER_ROLE, value: 'user', displayName: 'Member' };
    const app2 = await json<{ appRoles: unknown[] }>(app.admin('PUT', `/api/directories/${dir}/applications/${randomUUID()}`, { displayName: 'Other', appRoles: [ownUser] }), 201);
    expect(app2.appRoles).toEqual([ownUser, { id: DEFAULT_ACCESS, value: null, displayName: 'Default Access' }]);
    await json(app.admin('POST', `/api/directories/${dir}/applications`, { displayName: 'Dup', appRoles: [admin, admin] }), 400);
    const { items } = await json<{ items: unknown[] }>(app.admin('GET', `/api/directories/${dir}/applications`), 200);
    expect(items).toHaveLength(2);
  });

  it('assigns users and groups with a role, lists, and removes them; unknown references are 404', async () => {
    const dir = await newDirectory();
    const admin = { id: randomUUID(), value: 'Admin', displayName: 'Administrator' };
    const { id: appId } = await json<{ id: string }>(app.admin('POST', `/api/directories/${dir}/applications`, { displayName: 'App', appRoles: [admin] }), 201);
    const [u, g] = [randomUUID(), randomUUID()];
    await json(app.admin('PUT', `/api/directories/${dir}/users/${u}`, { userPrincipalName: 'frank@contoso.com' }), 201);
    await json(app.admin('PUT', `/api/directories/${dir}/groups/${g}`, { displayName: 'Ops' }), 201);
    const base = `/api/directories/${dir}/applications/${appId}/assignments`;
    expect(await json(app.admin('POST', base, { principalId: u }), 201)).toEqual({ appId, principalId: u, appRoleId: DEFAULT_ACCESS });
    await json(app.admin('POST', base, { principalId: u, appRoleId: admin.id }), 201);
    await json(app.admin('POST', base, { principalId: g, appRoleId: USER_ROLE }), 201);
    await json(app.admin('POST', base, { principalId: randomUUID() }), 404);
    await json(app.admin('POST', base, { principalId: u, appRoleId: randomUUID() }), 400);
    await json(app.admin('POST', `/api/directories/${dir}/applications/${randomUUID()}/assignments`, { principalId: u }), 404);

    const page1 = await json<{ items: unknown[]; nextCursor: string }>(app.admin('GET', `${base}?limit=2`), 200);
    const page2 = await json<{ items: unknown[]; nextCursor: string | null }>(app.admin('GET', `${base}?limit=2&cursor=${page1.nextCursor}`), 200);
    expect([...page1.items, ...page2.items]).toHaveLength(3);
    expect([...page1.items, ...page2.items]).toContainEqual({ principalId: g, principalType: 'group', appRoleId: USER_ROLE });

    await json(app.admin('GET', `${base}?cursor=${'-'.repeat(36)}_${'-'.repeat(36)}`), 400);
    await json(app.admin('PUT', `/api/directories/${dir}/applications/${appId}`, { displayName: 'App' }), 409);
    await json(app.admin('DELETE', `${base}?principalId=${u}&appRoleId=${admin.id}`), 204);
    await json(app.admin('DELETE', `${base}/${u}`), 204);
    await json(app.admin('DELETE', `${base}/${u}`), 404);
    await json(app.admin('DELETE', base), 400);
    expect(await json(app.admin('PUT', `/api/directories/${dir}/applications/${appId}`, { displayName: 'App renamed' }), 200))
      .toMatchObject({ displayName: 'App renamed' });
    const { items } = await json<{ items: unknown[] }>(app.admin('GET', base), 200);
    expect(items).toEqual([{ principalId: g, principalType: 'group', appRoleId: USER_ROLE }]);
  });
});
