import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/server.js';
import { createTenant, ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, type ScimClient } from './client.js';

let app: TestApp;
let scim: ScimClient;
let groupId: string;

beforeAll(async () => {
  app = await startTestApp();
  scim = await createTenant(app, 'queries');
  const ids: string[] = [];
  for (let i = 1; i <= 25; i++) {
    const res = await scim.request('POST', '/Users', {
      body: {
        schemas: [USER_SCHEMA, ENTERPRISE], userName: `user${String(i).padStart(2, '0')}@q.example`, displayName: `User ${26 - i}`,
        title: i % 5 === 0 ? 'lead' : 'member', emails: [{ value: `u${i}@work.example`, type: 'work' }],
        [ENTERPRISE]: { employeeNumber: String(i) },
      },
    });
    ids.push(res.body.id);
  }
  groupId = (await scim.request('POST', '/Groups', {
    body: { schemas: [GROUP_SCHEMA], displayName: 'Leads', members: ids.slice(0, 3).map((value) => ({ value })) },
  })).body.id;
});
afterAll(async () => { await app?.close(); });

const names = (body: { Resources: Array<{ userName: string }> }) => body.Resources.map((r) => r.userName);
const q = (s: string) => encodeURIComponent(s);

describe('pagination', () => {
  it('walks pages with 1-based startIndex and count, reporting the total on each', async () => {
    const seen: string[] = [];
    for (let start = 1; start <= 25; start += 10) {
      const res = await scim.request('GET', `/Users?startIndex=${start}&count=10&sortBy=userName`);
      expect(res.body).toMatchObject({ totalResults: 25, startIndex: start, itemsPerPage: Math.min(10, 26 - start) });
      seen.push(...names(res.body));
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });

  it('count=0 gives the total only; startIndex below 1 counts as 1; a page past the end is empty', async () => {
    expect((await scim.request('GET', `/Users?count=0&filter=${q('title eq "lead"')}`)).body)
      .toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    expect((await scim.request('GET', '/Users?startIndex=0&count=1')).body).toMatchObject({ startIndex: 1, itemsPerPage: 1 });
    expect((await scim.request('GET', '/Users?startIndex=100')).body).toMatchObject({ totalResults: 25, itemsPerPage: 0 });
  });

  it('refuses a count that is not an integer with 400 invalidValue', async () => {
    const res = await scim.request('GET', '/Users?count=ten');
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
  });
});

describe('sorting', () => {
  it('sorts by a column or a JSON attribute, ascending or descending', async () => {
    const byDisplay = await scim.request('GET', '/Users?sortBy=displayName&count=3');
    expect(names(byDisplay.body)).toEqual(['user25@q.example', 'user16@q.example', 'user15@q.example']);
    const desc = await scim.request('GET', '/Users?sortBy=userName&sortOrder=descending&count=2');
    expect(names(desc.body)).toEqual(['user25@q.example', 'user24@q.example']);
    const ext = await scim.request('GET', `/Users?sortBy=${q(`${ENTERPRISE}:employeeNumber`)}&count=2`);
    expect(names(ext.body)).toEqual(['user01@q.example', 'user10@q.example']);
  });

  it('POST /Users/.search takes the same parameters in a body', async () => {
    const res = await scim.request('POST', '/Users/.search', {
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: 'title eq "lead"', sortBy: 'userName', sortOrder: 'descending', startIndex: 2, count: 2, attributes: ['userName'],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(5);
    expect(res.body.Resources).toEqual([
      { schemas: [USER_SCHEMA, ENTERPRISE], id: expect.any(String), userName: 'user20@q.example' },
      { schemas: [USER_SCHEMA, ENTERPRISE], id: expect.any(String), userName: 'user15@q.example' },
    ]);
  });

  it('POST /.search at the root searches users and groups together', async () => {
    const res = await scim.request('POST', '/.search', { body: { filter: 'displayName sw "Lead" or userName eq "user01@q.example"' } });
    expect(res.body.totalResults).toBe(2);
    expect(res.body.Resources.map((r: { meta: { resourceType: string } }) => r.meta.resourceType)).toEqual(['User', 'Group']);
  });
});

describe('projection', () => {
  it('attributes returns the named attributes plus id and schemas', async () => {
    const res = await scim.request('GET', `/Users?filter=${q('userName eq "user01@q.example"')}&attributes=userName,emails.value`);
    expect(res.body.Resources[0]).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE], id: expect.any(String), userName: 'user01@q.example', emails: [{ value: 'u1@work.example' }],
    });
  });

  it('excludedAttributes leaves attributes out, on lists and single reads', async () => {
    const list = await scim.request('GET', `/Users?filter=${q('userName eq "user01@q.example"')}&excludedAttributes=emails,${ENTERPRISE}`);
    expect(list.body.Resources[0].emails).toBeUndefined();
    expect(list.body.Resources[0][ENTERPRISE]).toBeUndefined();
    expect(list.body.Resources[0].userName).toBe('user01@q.example');
    const group = await scim.request('GET', `/Groups/${groupId}?excludedAttributes=members`);
    expect(group.body.members).toBeUndefined();
    expect((await scim.request('GET', `/Groups/${groupId}?attributes=members.value`)).body.members).toHaveLength(3);
  });

  it('the attribute names of a query are case-insensitive', async () => {
    const res = await scim.request('GET', `/Users?FILTER=${q('USERNAME eq "user01@q.example"')}&Attributes=DisplayName`);
    expect(res.body.Resources[0]).toMatchObject({ displayName: 'User 25' });
    expect(res.body.Resources[0].userName).toBeUndefined();
  });
});
