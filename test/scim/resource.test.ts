import { describe, expect, it } from 'vitest';
import type { ScimType } from '../../src/scim/errors.js';
import { checkReplace, parseResource, type ParsedResource } from '../../src/scim/resource.js';
import { GROUP, USER, type AttributeDefinition, type ResourceType } from '../../src/scim/schemas.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_CORE = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** What Entra POSTs for a new user (entra-provisioning.md §7, legacy booleans). */
const entraCreate = {
  schemas: [CORE, ENT],
  externalId: 'alice',
  userName: 'alice@contoso.com',
  active: 'True',
  displayName: 'Alice Smith',
  emails: [{ primary: true, type: 'work', value: 'alice@contoso.com' }],
  meta: { resourceType: 'User' },
  name: { formatted: 'Alice Smith', familyName: 'Smith', givenName: 'Alice' },
  roles: [],
  [ENT]: { employeeNumber: '100', department: 'Sales' },
};

const user = (attributes: Record<string, unknown>) => ({ schemas: [CORE], userName: 'u@x', ...attributes });
const group = (attributes: Record<string, unknown>) => ({ schemas: [GROUP_CORE], displayName: 'G', ...attributes });

describe('parseResource: canonical form', () => {
  it('reads what Entra creates a user with', () => {
    expect(parseResource(USER, entraCreate, 'create')).toEqual({
      resource: {
        schemas: [CORE, ENT],
        externalId: 'alice',
        userName: 'alice@contoso.com',
        name: { formatted: 'Alice Smith', familyName: 'Smith', givenName: 'Alice' },
        displayName: 'Alice Smith',
        active: true,
        emails: [{ value: 'alice@contoso.com', type: 'work', primary: true }],
        [ENT]: { employeeNumber: '100', department: 'Sales' },
      },
    });
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['attribute names in any case', user({ DisplayName: 'A', NAME: { GivenName: 'B' } }), { displayName: 'A', name: { givenName: 'B' } }],
    ['sub-attribute names in any case ("Primary")', user({ emails: [{ Value: 'a@x', Primary: 'True' }] }), { emails: [{ value: 'a@x', primary: true }] }],
    ['booleans as strings in any case', user({ active: 'false' }), { active: false }],
    ['boolean text with spaces', user({ active: ' TRUE ' }), { active: true }],
    ['an extension attribute by URN key at the top level', user({ [`${ENT}:department`]: 'Sales' }), { [ENT]: { department: 'Sales' } }],
    ['a core attribute by URN key', { schemas: [CORE], [`${CORE}:userName`]: 'q@x' }, { userName: 'q@x' }],
    ['the extension URN key in another case', user({ [ENT.toUpperCase()]: { Department: 'S' } }), { [ENT]: { department: 'S' } }],
    ['manager as a string id', user({ [ENT]: { manager: 'boss' } }), { [ENT]: { manager: { value: 'boss' } } }],
    ['manager as Entra\'s array', user({ [ENT]: { manager: [{ $ref: null, value: 'boss' }] } }), { [ENT]: { manager: { value: 'boss' } } }],
    ['manager.displayName is readOnly', user({ [ENT]: { manager: { value: 'boss', displayName: 'Boss' } } }), { [ENT]: { manager: { value: 'boss' } } }],
    ['a lone object for a multi-valued attribute', user({ emails: { value: 'a@x', type: 'work' } }), { emails: [{ value: 'a@x', type: 'work' }] }],
    ['duplicate values collapse', user({ emails: [{ value: 'a@x' }, { value: 'a@x' }] }), { emails: [{ value: 'a@x' }] }],
    ['readOnly attributes are ignored', user({ id: 'mine', meta: { created: 'x' }, groups: [{ value: 'g' }] }), {}],
    ['unknown attributes are dropped', user({ favouriteColour: 'blue', name: { nickname: 'x', givenName: 'A' } }), { name: { givenName: 'A' } }],
    ['unknown extensions are dropped', user({ 'urn:example:ext:1.0:User': { x: 1 } }), {}],
    ['null, empty strings and empty arrays are unassigned', user({ title: null, nickName: '', emails: [], name: {} }), {}],
    ['a password is accepted and not kept', user({ password: 'S3cret!' }), {}],
    ['numbers, dates and binaries of the right type', user({ x509Certificates: [{ value: 'TUlJQ0lq' }] }), { x509Certificates: [{ value: 'TUlJQ0lq' }] }],
    ['extension listed in schemas without values', { schemas: [CORE, ENT], userName: 'u@x' }, {}],
    ['extension values whose URN schemas forgot', { schemas: [CORE], userName: 'u@x', [ENT]: { division: 'D' } }, { [ENT]: { division: 'D' } }],
  ])('%s', (_, body, expected) => {
    const { resource } = parseResource(USER, body, 'create');
    const extension = expected[ENT] !== undefined;
    expect(resource).toEqual({ schemas: extension ? [CORE, ENT] : [CORE], userName: (expected.userName as string) ?? 'u@x', ...expected });
  });

  it('writes attributes in schema order, whatever the body order', () => {
    const { resource } = parseResource(USER, { active: true, userName: 'u@x', [ENT]: { department: 'D' }, schemas: [CORE], externalId: 'e' }, 'create');
    expect(Object.keys(resource)).toEqual(['schemas', 'externalId', 'userName', 'active', ENT]);
  });
});

describe('parseResource: groups and members', () => {
  it.each<[string, Record<string, unknown>, 'create' | 'replace', ParsedResource]>([
    ['a group without members', group({ externalId: 'g1' }), 'create',
      { resource: { schemas: [GROUP_CORE], externalId: 'g1', displayName: 'G' }, members: [] }],
    ['members apart from the document', group({ members: [{ value: 'u1', display: 'U', $ref: 'x' }, { value: 'g2', type: 'group' }] }), 'create',
      { resource: { schemas: [GROUP_CORE], displayName: 'G' }, members: [{ value: 'u1' }, { value: 'g2', type: 'Group' }] }],
    ['members with Entra\'s null $ref', group({ members: [{ $ref: null, value: 'u1' }] }), 'create',
      { resource: { schemas: [GROUP_CORE], displayName: 'G' }, members: [{ value: 'u1' }] }],
    ['a member listed twice is one row', group({ members: [{ value: 'u1' }, { value: 'u1', type: 'User' }] }), 'create',
      { resource: { schemas: [GROUP_CORE], displayName: 'G' }, members: [{ value: 'u1' }] }],
    ['a PUT without members keeps them (members undefined)', group({}), 'replace',
      { resource: { schemas: [GROUP_CORE], displayName: 'G' } }],
    ['a PUT with an empty members list clears them', group({ members: [] }), 'replace',
      { resource: { schemas: [GROUP_CORE], displayName: 'G' }, members: [] }],
  ])('%s', (_, body, mode, expected) => {
    expect(parseResource(GROUP, body, mode)).toEqual(expected);
  });
});

describe('parseResource: errors', () => {
  it.each<[string, ScimType, ResourceType, unknown, RegExp]>([
    ['body not an object', 'invalidSyntax', USER, [], /JSON object/],
    ['schemas missing', 'invalidSyntax', USER, { userName: 'u@x' }, /schemas must list/],
    ['schemas without the core schema', 'invalidSyntax', USER, { schemas: [ENT], userName: 'u@x' }, /schemas must list/],
    ['the Group schema for a User', 'invalidSyntax', USER, { schemas: [GROUP_CORE], userName: 'u@x' }, /schemas must list/],
    ['userName missing', 'invalidValue', USER, { schemas: [CORE], displayName: 'x' }, /'userName' is required/],
    ['userName empty', 'invalidValue', USER, user({ userName: '' }), /'userName' is required/],
    ['group displayName missing', 'invalidValue', GROUP, { schemas: [GROUP_CORE] }, /'displayName' is required/],
    ['a string attribute given a number', 'invalidValue', USER, user({ title: 5 }), /'title' must be a string/],
    ['a boolean given other text', 'invalidValue', USER, user({ active: 'yes' }), /'active' must be a boolean/],
    ['a boolean given a number', 'invalidValue', USER, user({ active: 1 }), /'active' must be a boolean/],
    ['a complex attribute given text', 'invalidValue', USER, user({ name: 'Alice' }), /'name' must be a complex value/],
    ['a sub-attribute of the wrong type', 'invalidValue', USER, user({ emails: [{ value: 'a@x', primary: 'often' }] }), /'emails.primary' must be a boolean/],
    ['an extension attribute of the wrong type', 'invalidValue', USER, user({ [ENT]: { department: ['x'] } }), /'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department'/],
    ['an extension that is not an object', 'invalidValue', USER, user({ [ENT]: 'x' }), /an object of extension attributes/],
    ['two primary values', 'invalidValue', USER, user({ emails: [{ value: 'a', primary: true }, { value: 'b', primary: 'True' }] }), /at most one value with "primary": true/],
    ['binary that is not base64', 'invalidValue', USER, user({ x509Certificates: [{ value: 'not base64!' }] }), /base64/],
    ['a member without a value', 'invalidValue', GROUP, group({ members: [{ type: 'User' }] }), /needs a value/],
    ['a member of another type', 'invalidValue', GROUP, group({ members: [{ value: 'x', type: 'Printer' }] }), /"User" or "Group"/],
  ])('%s → 400 %s', (_, scimType, type, body, detail) => {
    expect(() => parseResource(type, body, 'create')).toThrow(expect.objectContaining({ status: 400, scimType, detail: expect.stringMatching(detail) }));
  });
});

/** A resource type with immutable attributes, since the RFC's User and Group have none outside members. */
const text = (name: string, mutability: AttributeDefinition['mutability']): AttributeDefinition => ({
  name, type: 'string', multiValued: false, description: name, required: false, caseExact: false,
  mutability, returned: 'default', uniqueness: 'none',
});
const DEVICE: ResourceType = {
  name: 'User',
  endpoint: '/Devices',
  description: 'test type',
  schema: {
    id: 'urn:example:Device',
    name: 'Device',
    description: 'test',
    attributes: [
      text('serial', 'immutable'),
      text('label', 'readWrite'),
      { ...text('owner', 'readWrite'), type: 'complex', subAttributes: [text('value', 'immutable'), text('display', 'readWrite')] },
    ],
  },
  extensions: [],
};

describe('checkReplace', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>, boolean]>([
    ['an immutable value kept', { serial: 'A' }, { serial: 'A', label: 'x' }, true],
    ['an immutable value set for the first time', { label: 'x' }, { serial: 'A' }, true],
    ['an immutable value changed', { serial: 'A' }, { serial: 'B' }, false],
    ['an immutable value removed', { serial: 'A' }, {}, false],
    ['an immutable sub-attribute changed', { owner: { value: 'o1' } }, { owner: { value: 'o2' } }, false],
    ['a readWrite sub-attribute next to it changed', { owner: { value: 'o1', display: 'a' } }, { owner: { value: 'o1', display: 'b' } }, true],
  ])('%s', (_, previous, next, allowed) => {
    const check = () => checkReplace(DEVICE, previous, next);
    if (allowed) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ status: 400, scimType: 'mutability' }));
  });

  it('lets a Group PUT replace its members (they are rows, not an immutable value)', () => {
    expect(() => checkReplace(GROUP, { displayName: 'G', members: [{ value: 'a' }] }, { displayName: 'G' })).not.toThrow();
  });
});
