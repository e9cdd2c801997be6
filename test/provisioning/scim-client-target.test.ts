import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScimClient, ObjectConflict, type ScimClient, type ScimDialect } from '../../src/provisioning/scim-client.js';
import { startTestApp, type TestApp } from '../support/server.js';
import { startFaultyScim, type FaultyScim } from '../support/faulty-scim.js';

/**
 * The client against scimflow's own SCIM target over real HTTP: what Entra's requests in each
 * dialect leave behind, read back independently of the client.
 */

let app: TestApp;
let tenant: { scimUrl: string; token: string };

beforeAll(async () => {
  app = await startTestApp();
  const response = await app.admin('POST', '/api/tenants', { name: 'thousandeyes' });
  expect(response.status).toBe(201);
  tenant = (await response.json()) as { scimUrl: string; token: string };
});
afterAll(async () => {
  await app.close();
});

/** Entra opts into the compliant dialect by the query flag on the tenant URL. */
function clientFor(dialect: ScimDialect, options: { baseUrl?: string; memberBatchSize?: number } = {}): ScimClient {
  const base = options.baseUrl ?? tenant.scimUrl;
  return createScimClient({
    baseUrl: dialect === 'aadOptscim062020' ? `${base}?aadOptscim062020` : base,
    token: tenant.token,
    dialect,
    concurrency: 4,
    timeoutMs: 5_000,
    memberBatchSize: options.memberBatchSize ?? 3,
    retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
  });
}

async function membersOf(groupId: string): Promise<string[]> {
  const response = await fetch(`${tenant.scimUrl}/Groups/${groupId}`, { headers: { authorization: `Bearer ${tenant.token}` } });
  expect(response.status).toBe(200);
  const group = (await response.json()) as { members?: Array<{ value: string }> };
  return (group.members ?? []).map((m) => m.value).sort();
}

async function createUsers(client: ScimClient, prefix: string, count: number): Promise<string[]> {
  const created = await Promise.all(Array.from({ length: count }, (_, i) => client.createUser({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: `${prefix}${i}@contoso.example`,
    externalId: `${prefix}${i}`,
    active: true,
    displayName: `${prefix} ${i}`,
  })));
  return created.map((c) => c.id);
}

describe.each<ScimDialect>(['legacy', 'aadOptscim062020'])('the %s dialect against the scimflow target', (dialect) => {
  it('passes test connection', async () => {
    const client = clientFor(dialect);
    await client.testConnection();
    await client.close();
  });

  it('adds members in batches and removes exactly the chosen ones', async () => {
    const client = clientFor(dialect);
    const users = await createUsers(client, `m-${dialect}-`, 8);
    const group = await client.createGroup({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `Team ${dialect}`, externalId: `team-${dialect}` });

    await client.addMembers(group.id, users);
    expect(await membersOf(group.id)).toEqual([...users].sort());

    const leaving = [users[0]!, users[3]!, users[4]!, users[7]!];
    await client.removeMembers(group.id, leaving);
    expect(await membersOf(group.id)).toEqual(users.filter((u) => !leaving.includes(u)).sort());

    // repeating a change (a retried activity) leaves the same members
    await client.addMembers(group.id, [users[1]!, users[2]!]);
    await client.removeMembers(group.id, leaving);
    expect(await membersOf(group.id)).toEqual(users.filter((u) => !leaving.includes(u)).sort());
    await client.close();
  });

  it('matches, updates, disables and deletes a user as Entra does', async () => {
    const client = clientFor(dialect);
    const [id] = await createUsers(client, `u-${dialect}-`, 1);
    expect(await client.findUser('userName', `U-${dialect}-0@CONTOSO.example`)).toMatchObject({ id });
    expect(await client.findUser('externalId', `u-${dialect}-0`)).toMatchObject({ id });
    expect(await client.findUser('userName', 'nobody@contoso.example')).toBeNull();

    const active = dialect === 'legacy' ? 'False' : false;
    const op = dialect === 'legacy' ? 'Replace' : 'replace';
    await client.patchUser(id!, [{ op, path: 'active', value: active }, { op, path: 'displayName', value: 'Renamed' }]);
    expect(await client.getUser(id!)).toMatchObject({ active: false, displayName: 'Renamed' });

    const duplicate = client.createUser({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `u-${dialect}-0@contoso.example` });
    await expect(duplicate).rejects.toBeInstanceOf(ObjectConflict);

    expect(await client.deleteUser(id!)).toEqual({ alreadyGone: false, recorded: [] });
    expect(await client.deleteUser(id!)).toEqual({ alreadyGone: true, recorded: [] });
    await client.close();
  });

  it('finds a group by displayName without its members', async () => {
    const client = clientFor(dialect);
    const users = await createUsers(client, `g-${dialect}-`, 2);
    const group = await client.createGroup({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `Finders ${dialect}` });
    await client.addMembers(group.id, users);
    const found = await client.findGroup('displayName', `Finders ${dialect}`);
    expect(found).toMatchObject({ id: group.id });
    expect(found).not.toHaveProperty('members');
    await client.close();
  });
});

describe('bulk against the scimflow target', () => {
  it('sees Bulk advertised and gets one outcome per operation', async () => {
    const client = clientFor('aadOptscim062020');
    expect(await client.supportsBulk()).toBe(true);
    const [existing] = await createUsers(client, 'bulk-existing-', 1);
    const { outcomes } = await client.bulk([
      { method: 'POST', path: '/Users', bulkId: 'new', data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'bulk-new@contoso.example' } },
      { method: 'POST', path: '/Users', bulkId: 'dup', data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'bulk-existing-0@contoso.example' } },
      { method: 'PATCH', path: `/Users/${existing}`, data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Lead' }] } },
      { method: 'DELETE', path: '/Users/00000000-0000-4000-8000-000000000000' },
    ]);
    expect(outcomes.map((o) => o.error?.name ?? o.status)).toEqual([201, 'ObjectConflict', 200, 'ObjectNotFound']);
    expect(await client.getUser(outcomes[0]!.id!)).toMatchObject({ userName: 'bulk-new@contoso.example' });
    expect(await client.getUser(existing!)).toMatchObject({ title: 'Lead' });
    await client.close();
  });
});

describe('a flaky path to the scimflow target', () => {
  let proxy: FaultyScim;
  beforeAll(async () => {
    proxy = await startFaultyScim({ upstream: tenant.scimUrl });
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('ends with the right members when every other PATCH first fails', async () => {
    const direct = clientFor('aadOptscim062020');
    const users = await createUsers(direct, 'flaky-', 6);
    const group = await direct.createGroup({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Flaky team' });
    await direct.close();

    let patches = 0;
    proxy.fault({ fault: { status: 503 }, match: (h) => h.method === 'PATCH' && patches++ % 2 === 0 });
    const client = clientFor('aadOptscim062020', { baseUrl: proxy.url, memberBatchSize: 2 });
    await client.addMembers(group.id, users);
    await client.removeMembers(group.id, [users[0]!, users[5]!]);
    await client.close();

    expect(await membersOf(group.id)).toEqual(users.slice(1, 5).sort());
    const patchHits = proxy.hits.filter((h) => h.method === 'PATCH');
    // 3 add batches and 1 remove batch (two filter ops), each refused once and then accepted
    expect(patchHits).toHaveLength(8);
  });
});
