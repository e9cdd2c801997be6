import { describe, expect, it } from 'vitest';
import { membersRequested, project, type ProjectionParams } from '../../src/scim/projection.js';
import type { ScimResource } from '../../src/scim/resource.js';
import { GROUP, USER } from '../../src/scim/schemas.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP_CORE = 'urn:ietf:params:scim:schemas:core:2.0:Group';

const meta = { resourceType: 'User', created: '2024-01-01T00:00:00Z', lastModified: '2024-01-02T00:00:00Z', location: 'https://x/Users/1', version: 'W/"1"' };

/** A full representation, as the HTTP layer assembles it before projecting. */
const alice: ScimResource = {
  schemas: [CORE, ENT],
  id: '1',
  externalId: 'alice',
  userName: 'alice@contoso.com',
  name: { givenName: 'Alice', familyName: 'Smith' },
  active: true,
  password: 'never shown',
  emails: [{ value: 'alice@contoso.com', type: 'work', primary: true }, { value: 'a@home', type: 'home' }],
  [ENT]: { department: 'Sales', manager: { value: 'boss', displayName: 'Boss' } },
  meta,
};
const { password: _password, ...aliceShown } = alice;

describe('project', () => {
  it.each<[string, ProjectionParams, ScimResource]>([
    ['no parameters: default attributes, never the password', {}, aliceShown],
    ['attributes: only those, plus id and schemas (returned always)', { attributes: 'userName' },
      { schemas: [CORE, ENT], id: '1', userName: 'alice@contoso.com' }],
    ['attribute names in any case', { attributes: 'USERNAME,Active' },
      { schemas: [CORE, ENT], id: '1', userName: 'alice@contoso.com', active: true }],
    ['a sub-attribute', { attributes: 'name.givenName' },
      { schemas: [CORE, ENT], id: '1', name: { givenName: 'Alice' } }],
    ['a sub-attribute of a multi-valued attribute', { attributes: 'emails.value' },
      { schemas: [CORE, ENT], id: '1', emails: [{ value: 'alice@contoso.com' }, { value: 'a@home' }] }],
    ['a URN-qualified core attribute', { attributes: `${CORE}:userName` },
      { schemas: [CORE, ENT], id: '1', userName: 'alice@contoso.com' }],
    ['an extension attribute', { attributes: `${ENT}:department` },
      { schemas: [CORE, ENT], id: '1', [ENT]: { department: 'Sales' } }],
    ['an extension sub-attribute', { attributes: `${ENT}:manager.value` },
      { schemas: [CORE, ENT], id: '1', [ENT]: { manager: { value: 'boss' } } }],
    ['a whole extension by URN', { attributes: ENT },
      { schemas: [CORE, ENT], id: '1', [ENT]: alice[ENT] as ScimResource }],
    ['a list, as a /.search body gives it', { attributes: ['userName', 'meta.version'] },
      { schemas: [CORE, ENT], id: '1', userName: 'alice@contoso.com', meta: { version: 'W/"1"' } }],
    ['asking for the password does not return it', { attributes: 'password,userName' },
      { schemas: [CORE, ENT], id: '1', userName: 'alice@contoso.com' }],
    ['unknown names select nothing', { attributes: 'favouriteColour' }, { schemas: [CORE, ENT], id: '1' }],
    ['excludedAttributes: all default attributes but those', { excludedAttributes: 'emails,meta' },
      (({ emails: _e, meta: _m, ...rest }) => rest)(aliceShown)],
    ['excluding a sub-attribute', { excludedAttributes: 'name.familyName,emails.type' },
      { ...aliceShown, name: { givenName: 'Alice' }, emails: [{ value: 'alice@contoso.com', primary: true }, { value: 'a@home' }] }],
    ['excluding a whole extension', { excludedAttributes: ENT },
      (({ [ENT]: _x, ...rest }) => rest)(aliceShown)],
    ['excluding an extension attribute, unqualified', { excludedAttributes: 'department' },
      { ...aliceShown, [ENT]: { manager: { value: 'boss', displayName: 'Boss' } } }],
    ['excluding the last extension attribute drops the object', { excludedAttributes: `${ENT}:department,${ENT}:manager` },
      (({ [ENT]: _x, ...rest }) => rest)(aliceShown)],
    ['id cannot be excluded (returned always)', { excludedAttributes: 'id,schemas' }, aliceShown],
    ['blank parameters change nothing', { attributes: ' ', excludedAttributes: '' }, aliceShown],
  ])('%s', (_, params, expected) => {
    expect(project(USER, alice, params)).toEqual(expected);
  });

  it('keeps the key order of the resource', () => {
    expect(Object.keys(project(USER, alice, { excludedAttributes: 'name' }))).toEqual(
      Object.keys(aliceShown).filter((k) => k !== 'name'),
    );
  });

  it('projects groups with the same machinery', () => {
    const group = { schemas: [GROUP_CORE], id: 'g', displayName: 'Sales', members: [{ value: 'u1', display: 'U', type: 'User' }] };
    expect(project(GROUP, group, { excludedAttributes: 'members' })).toEqual({ schemas: [GROUP_CORE], id: 'g', displayName: 'Sales' });
    expect(project(GROUP, group, { attributes: 'members.value' })).toEqual({ schemas: [GROUP_CORE], id: 'g', members: [{ value: 'u1' }] });
  });
});

describe('membersRequested', () => {
  it.each<[ProjectionParams, boolean]>([
    [{}, true],
    [{ excludedAttributes: 'members' }, false],
    [{ excludedAttributes: 'MEMBERS' }, false],
    [{ excludedAttributes: 'members.display' }, true],
    [{ excludedAttributes: 'externalId' }, true],
    [{ attributes: 'displayName' }, false],
    [{ attributes: 'displayName,members' }, true],
    [{ attributes: 'members.value' }, true],
    [{ attributes: `${GROUP_CORE}:members` }, true],
    [{ attributes: ['id'] }, false],
    [{ attributes: 'members', excludedAttributes: 'members' }, true],
  ])('%j → %s', (params, expected) => {
    expect(membersRequested(params)).toBe(expected);
  });
});
