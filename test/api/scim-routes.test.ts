import { describe, expect, it } from 'vitest';
import { routeTable, type ScimRoute } from '../../src/api/scim/routes.js';

const route = (method: ScimRoute['method'], path: string): ScimRoute => ({ method, path, handle: () => {} });
const routes = [
  route('GET', '/Users'),
  route('POST', '/Users'),
  route('POST', '/Users/.search'),
  route('GET', '/Users/:id'),
  route('PATCH', '/Users/:id'),
  route('GET', '/Schemas/:id'),
];
const match = routeTable(routes);

describe('the SCIM route table', () => {
  it.each([
    ['GET', '/Users', 'GET /Users', {}],
    ['GET', '/users', 'GET /Users', {}],
    ['GET', '/Users/', 'GET /Users', {}],
    ['HEAD', '/Users', 'GET /Users', {}],
    ['POST', '/Users', 'POST /Users', {}],
    ['POST', '/Users/.search', 'POST /Users/.search', {}],
    ['POST', '/USERS/.SEARCH', 'POST /Users/.search', {}],
    ['GET', '/Users/2819c223', 'GET /Users/:id', { id: '2819c223' }],
    ['PATCH', '/Users/2819c223/', 'PATCH /Users/:id', { id: '2819c223' }],
    ['GET', '/Schemas/urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser', 'GET /Schemas/:id',
      { id: 'urn:ietf:params:scim:schemas:core:2.0:User' }],
    ['GET', '/Users/CaseKept', 'GET /Users/:id', { id: 'CaseKept' }],
  ])('%s %s → %s', (method, path, expected, params) => {
    const found = match(method, path);
    expect(found && `${found.route.method} ${found.route.path}`).toBe(expected);
    expect(found?.params).toEqual(params);
  });

  it.each([
    ['DELETE', '/Users/1', 'a method the path does not serve'],
    ['POST', '/Users/1', 'POST to a resource'],
    ['GET', '/Users/1/extra', 'more segments'],
    ['GET', '/', 'the base URL itself'],
    ['GET', '/Userz', 'an unknown endpoint'],
    ['GET', '/Users/%E0%A4%A', 'malformed percent-encoding'],
  ])('%s %s matches nothing (%s)', (method, path) => {
    expect(match(method, path)).toBeUndefined();
  });
});
