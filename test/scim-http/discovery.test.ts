import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/server.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

let app: TestApp;
let token: string;

beforeAll(async () => {
  app = await startTestApp();
  const res = await app.admin('POST', '/api/tenants', { name: 'discovery' });
  token = ((await res.json()) as { token: string }).token;
});
afterAll(() => app.close());

async function scim(path: string, auth = token, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; body: Record<string, any> }> {
  const res = await fetch(`${app.url}/scim/v2${path}`, { headers: { authorization: `Bearer ${auth}`, ...headers } });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, any> };
}

interface AttributeDefinition {
  name: string;
  type: string;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: string;
  returned: string;
  uniqueness: string;
  subAttributes?: AttributeDefinition[];
}

/** Every characteristic RFC 7643 §7 lists, on every attribute and sub-attribute. */
function expectCompleteDefinitions(attributes: AttributeDefinition[], where: string): void {
  for (const a of attributes) {
    const at = `${where}.${a.name}`;
    expect(typeof a.name, at).toBe('string');
    expect(['string', 'boolean', 'decimal', 'integer', 'dateTime', 'binary', 'reference', 'complex'], at).toContain(a.type);
    expect(typeof a.multiValued, at).toBe('boolean');
    expect(a.description, at).toMatch(/\S/);
    expect(typeof a.required, at).toBe('boolean');
    expect(typeof a.caseExact, at).toBe('boolean');
    expect(['readOnly', 'readWrite', 'immutable', 'writeOnly'], at).toContain(a.mutability);
    expect(['always', 'never', 'default', 'request'], at).toContain(a.returned);
    expect(['none', 'server', 'global'], at).toContain(a.uniqueness);
    if (a.type === 'complex') {
      expect(a.subAttributes?.length, `${at} has sub-attributes`).toBeGreaterThan(0);
      expectCompleteDefinitions(a.subAttributes!, at);
    } else {
      expect(a.subAttributes, `${at} is simple`).toBeUndefined();
    }
  }
}

const names = (attributes: AttributeDefinition[]) => attributes.map((a) => a.name);
const attribute = (attributes: AttributeDefinition[], name: string) => attributes.find((a) => a.name === name)!;

describe('GET /ServiceProviderConfig', () => {
  it('advertises what the endpoint supports, with the limits it enforces', async () => {
    const { status, type, body } = await scim('/ServiceProviderConfig');
    expect(status).toBe(200);
    expect(type).toMatch(/^application\/scim\+json/);
    expect(body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
    expect(body.patch).toEqual({ supported: true });
    expect(body.bulk).toMatchObject({ supported: true });
    expect(body.bulk.maxOperations).toBeGreaterThan(0);
    expect(body.bulk.maxPayloadSize).toBeGreaterThan(0);
    expect(body.filter).toMatchObject({ supported: true });
    expect(body.filter.maxResults).toBeGreaterThan(0);
    expect(body.changePassword).toEqual({ supported: false });
    expect(body.sort).toEqual({ supported: true });
    expect(body.etag).toEqual({ supported: true });
    expect(body.documentationUri).toMatch(/^https:\/\//);
    expect(body.authenticationSchemes).toEqual([expect.objectContaining({ type: 'oauthbearertoken', primary: true, name: expect.any(String), description: expect.any(String) })]);
    expect(body.meta).toEqual({ resourceType: 'ServiceProviderConfig', location: `${app.url}/scim/v2/ServiceProviderConfig` });
  });

  it('ignores query parameters on the base URL, as Entra sends ?aadOptscim062020', async () => {
    expect((await scim('/ServiceProviderConfig?aadOptscim062020')).status).toBe(200);
  });

  it('answers 403 to a filter rather than pretend it applied one (RFC 7644 §4)', async () => {
    const { status, body } = await scim(`/ServiceProviderConfig?filter=${encodeURIComponent('patch.supported eq false')}`);
    expect(status).toBe(403);
    expect(body.schemas).toEqual([ERROR]);
  });

  it('builds locations from each request\'s headers, a trusted proxy\'s X-Forwarded-Proto included, on one connection', async () => {
    const location = async (headers: Record<string, string> = {}) => (await scim('/ServiceProviderConfig', token, headers)).body.meta.location;
    expect(await location()).toBe(`${app.url}/scim/v2/ServiceProviderConfig`);
    expect(await location({ 'x-forwarded-proto': 'https' })).toBe(`${app.url.replace('http:', 'https:')}/scim/v2/ServiceProviderConfig`);
    expect(await location()).toBe(`${app.url}/scim/v2/ServiceProviderConfig`);
  });

  it('requires the tenant bearer token like every other SCIM route', async () => {
    const res = await fetch(`${app.url}/scim/v2/ServiceProviderConfig`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { schemas: string[] }).schemas).toEqual([ERROR]);
    expect((await scim('/Schemas', 'scimflow_not-a-token')).status).toBe(401);
  });
});

describe('GET /Schemas', () => {
  it('lists the User, Enterprise User and Group schemas as a ListResponse', async () => {
    const { status, type, body } = await scim('/Schemas');
    expect(status).toBe(200);
    expect(type).toMatch(/^application\/scim\+json/);
    expect(body.schemas).toEqual([LIST_RESPONSE]);
    expect(body.totalResults).toBe(3);
    expect(body.startIndex).toBe(1);
    expect(body.itemsPerPage).toBe(3);
    expect(body.Resources.map((s: { id: string }) => s.id).sort()).toEqual([ENTERPRISE, GROUP, USER].sort());
    for (const schema of body.Resources) {
      expect(schema.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Schema']);
      expect(schema.meta).toEqual({ resourceType: 'Schema', location: `${app.url}/scim/v2/Schemas/${schema.id}` });
      expectCompleteDefinitions(schema.attributes, schema.name);
    }
  });

  it('defines every core User attribute of RFC 7643 §4.1 with its sub-attributes', async () => {
    const { body } = await scim(`/Schemas/${USER}`);
    expect(body.id).toBe(USER);
    expect(names(body.attributes)).toEqual(expect.arrayContaining([
      'userName', 'name', 'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale',
      'timezone', 'active', 'password', 'emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'groups', 'entitlements',
      'roles', 'x509Certificates',
    ]));
    const userName = attribute(body.attributes, 'userName');
    expect(userName).toMatchObject({ type: 'string', required: true, uniqueness: 'server', multiValued: false });
    expect(names(attribute(body.attributes, 'name').subAttributes!)).toEqual(expect.arrayContaining([
      'formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix',
    ]));
    expect(attribute(body.attributes, 'emails')).toMatchObject({ multiValued: true, type: 'complex' });
    expect(names(attribute(body.attributes, 'emails').subAttributes!)).toEqual(expect.arrayContaining(['value', 'type', 'primary', 'display']));
    expect(names(attribute(body.attributes, 'addresses').subAttributes!)).toEqual(expect.arrayContaining([
      'formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type', 'primary',
    ]));
    expect(attribute(body.attributes, 'password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect(attribute(body.attributes, 'groups')).toMatchObject({ mutability: 'readOnly', multiValued: true });
  });

  it('defines the Enterprise User extension, manager included', async () => {
    const { body } = await scim(`/Schemas/${ENTERPRISE}`);
    expect(names(body.attributes)).toEqual(expect.arrayContaining(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager']));
    const manager = attribute(body.attributes, 'manager');
    expect(manager.type).toBe('complex');
    expect(names(manager.subAttributes!)).toEqual(expect.arrayContaining(['value', '$ref', 'displayName']));
  });

  it('defines Group with displayName and members', async () => {
    const { body } = await scim(`/Schemas/${GROUP}`);
    expect(names(body.attributes)).toEqual(expect.arrayContaining(['displayName', 'members']));
    const members = attribute(body.attributes, 'members');
    expect(members).toMatchObject({ type: 'complex', multiValued: true });
    expect(names(members.subAttributes!)).toEqual(expect.arrayContaining(['value', '$ref', 'type']));
  });

  it('finds a schema whatever the case of its URN', async () => {
    const { status, body } = await scim(`/Schemas/${ENTERPRISE.toUpperCase()}`);
    expect(status).toBe(200);
    expect(body.id).toBe(ENTERPRISE);
  });

  it('answers 404 with a SCIM error for an unknown schema', async () => {
    const { status, type, body } = await scim('/Schemas/urn:ietf:params:scim:schemas:core:2.0:Printer');
    expect(status).toBe(404);
    expect(type).toMatch(/^application\/scim\+json/);
    expect(body).toMatchObject({ schemas: [ERROR], status: '404' });
    expect(body.detail).toContain('Printer');
  });
});

describe('GET /ResourceTypes', () => {
  it('lists User (with the optional enterprise extension) and Group as a ListResponse', async () => {
    const { status, body } = await scim('/ResourceTypes');
    expect(status).toBe(200);
    expect(body.schemas).toEqual([LIST_RESPONSE]);
    expect(body.totalResults).toBe(2);
    const byName = Object.fromEntries(body.Resources.map((r: { name: string }) => [r.name, r]));
    expect(byName.User).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: expect.any(String),
      schema: USER,
      schemaExtensions: [{ schema: ENTERPRISE, required: false }],
      meta: { resourceType: 'ResourceType', location: `${app.url}/scim/v2/ResourceTypes/User` },
    });
    expect(byName.Group).toMatchObject({ id: 'Group', endpoint: '/Groups', schema: GROUP, schemaExtensions: [] });
  });

  it('serves each resource type by name and 404s an unknown one', async () => {
    const group = await scim('/ResourceTypes/Group');
    expect(group.status).toBe(200);
    expect(group.body).toMatchObject({ id: 'Group', meta: { location: `${app.url}/scim/v2/ResourceTypes/Group` } });
    const missing = await scim('/ResourceTypes/Printer');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ schemas: [ERROR], status: '404' });
  });
});
