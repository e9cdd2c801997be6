import { describe, expect, it } from 'vitest';
import type { AttrPath } from '../../src/scim/filter-ast.js';
import { parseFilter } from '../../src/scim/filter.js';
import { matchesFilter } from '../../src/scim/filter-eval.js';
import {
  ENTERPRISE_USER_SCHEMA_ID as ENT,
  GROUP,
  GROUP_SCHEMA_ID,
  SCHEMAS,
  USER,
  USER_SCHEMA_ID as CORE,
  attributeResolver,
  locationName,
  resolveAttribute,
  resolveName,
  resourceTypeRepresentation,
  schemaRepresentation,
  type AttributeDefinition,
} from '../../src/scim/schemas.js';

const BASE = 'https://scim.example/scim/v2';
const served = (id: string) => schemaRepresentation(SCHEMAS.find((s) => s.id === id)!, BASE);
const attributesOf = (id: string) => served(id).attributes as AttributeDefinition[];
const find = (id: string, dotted: string) => {
  const [name, sub] = dotted.split('.');
  const attribute = attributesOf(id).find((a) => a.name === name)!;
  return sub ? attribute.subAttributes!.find((s) => s.name === sub)! : attribute;
};

function* walk(attributes: readonly AttributeDefinition[]): Generator<AttributeDefinition> {
  for (const attribute of attributes) {
    yield attribute;
    yield* walk(attribute.subAttributes ?? []);
  }
}

describe('/Schemas representations (RFC 7643 §7, §8.7.1)', () => {
  it.each([CORE, ENT, GROUP_SCHEMA_ID])('%s: every attribute states every characteristic', (id) => {
    for (const attribute of walk(attributesOf(id))) {
      expect(Object.keys(attribute)).toEqual(expect.arrayContaining([
        'name', 'type', 'multiValued', 'description', 'required', 'caseExact', 'mutability', 'returned', 'uniqueness',
      ]));
      expect(attribute.description.length).toBeGreaterThan(5);
      expect(attribute.type === 'complex').toBe(attribute.subAttributes !== undefined);
    }
  });

  it('lists the User attributes of RFC 7643 §4.1, and no common attribute', () => {
    expect(attributesOf(CORE).map((a) => a.name)).toEqual([
      'userName', 'name', 'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage',
      'locale', 'timezone', 'active', 'password', 'emails', 'phoneNumbers', 'ims', 'photos', 'addresses',
      'groups', 'entitlements', 'roles', 'x509Certificates',
    ]);
  });

  it('lists the enterprise extension and Group attributes', () => {
    expect(attributesOf(ENT).map((a) => a.name)).toEqual(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager']);
    expect(attributesOf(GROUP_SCHEMA_ID).map((a) => a.name)).toEqual(['displayName', 'members']);
    expect(find(ENT, 'manager').subAttributes!.map((s) => s.name)).toEqual(['value', '$ref', 'displayName']);
    expect(find(GROUP_SCHEMA_ID, 'members').subAttributes!.map((s) => s.name)).toEqual(['value', '$ref', 'display', 'type']);
  });

  it.each<[string, string, Partial<AttributeDefinition>]>([
    [CORE, 'userName', { required: true, caseExact: false, uniqueness: 'server', mutability: 'readWrite' }],
    [CORE, 'password', { mutability: 'writeOnly', returned: 'never' }],
    [CORE, 'active', { type: 'boolean' }],
    [CORE, 'emails', { type: 'complex', multiValued: true }],
    [CORE, 'emails.type', { canonicalValues: ['work', 'home', 'other'] }],
    [CORE, 'emails.primary', { type: 'boolean' }],
    [CORE, 'phoneNumbers.type', { canonicalValues: ['work', 'home', 'mobile', 'fax', 'pager', 'other'] }],
    [CORE, 'photos.value', { type: 'reference', referenceTypes: ['external'] }],
    [CORE, 'profileUrl', { type: 'reference', referenceTypes: ['external'] }],
    [CORE, 'groups', { mutability: 'readOnly', multiValued: true }],
    [CORE, 'groups.$ref', { mutability: 'readOnly', referenceTypes: ['User', 'Group'] }],
    [CORE, 'x509Certificates.value', { type: 'binary' }],
    [ENT, 'manager', { type: 'complex', multiValued: false }],
    [ENT, 'manager.$ref', { type: 'reference', referenceTypes: ['User'] }],
    [ENT, 'manager.displayName', { mutability: 'readOnly' }],
    [GROUP_SCHEMA_ID, 'displayName', { required: true, uniqueness: 'server' }],
    [GROUP_SCHEMA_ID, 'members.value', { mutability: 'immutable' }],
    [GROUP_SCHEMA_ID, 'members.$ref', { referenceTypes: ['User', 'Group'], mutability: 'immutable' }],
    [GROUP_SCHEMA_ID, 'members.display', { mutability: 'readOnly' }],
    [GROUP_SCHEMA_ID, 'members.type', { canonicalValues: ['User', 'Group'] }],
  ])('%s %s', (id, dotted, characteristics) => {
    expect(find(id, dotted)).toMatchObject(characteristics);
  });

  it('serves each schema with its id, schemas and meta.location', () => {
    expect(served(ENT)).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      id: ENT,
      name: 'EnterpriseUser',
      meta: { resourceType: 'Schema', location: `${BASE}/Schemas/${ENT}` },
    });
    expect(JSON.parse(JSON.stringify(served(CORE)))).toEqual(served(CORE));
  });
});

describe('/ResourceTypes representations (RFC 7643 §6)', () => {
  it.each([
    [USER, { id: 'User', name: 'User', endpoint: '/Users', schema: CORE, schemaExtensions: [{ schema: ENT, required: false }] }],
    [GROUP, { id: 'Group', name: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA_ID, schemaExtensions: [] }],
  ])('%#', (type, expected) => {
    expect(resourceTypeRepresentation(type, BASE)).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      ...expected,
      meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/${expected.id}` },
    });
  });
});

describe('resolveAttribute', () => {
  it.each<[string, AttrPath, string | undefined]>([
    ['canonical name', { attr: 'userName' }, 'userName'],
    ['any case', { attr: 'USERNAME' }, 'userName'],
    ['sub-attribute in any case', { attr: 'name', sub: 'FamilyName' }, 'name.familyName'],
    ['core URN-qualified', { uri: CORE, attr: 'userName' }, 'userName'],
    ['core URN in another case', { uri: CORE.toUpperCase(), attr: 'displayName' }, 'displayName'],
    ['extension URN-qualified', { uri: ENT, attr: 'employeeNumber' }, `${ENT}:employeeNumber`],
    ['extension sub-attribute', { uri: ENT, attr: 'manager', sub: 'value' }, `${ENT}:manager.value`],
    ['unqualified extension attribute', { attr: 'department' }, `${ENT}:department`],
    ['common attribute id', { attr: 'id' }, 'id'],
    ['common attribute externalId', { attr: 'EXTERNALID' }, 'externalId'],
    ['meta sub-attribute', { attr: 'meta', sub: 'lastModified' }, 'meta.lastModified'],
    ['$ref', { attr: 'groups', sub: '$REF' }, 'groups.$ref'],
    ['unknown attribute', { attr: 'favouriteColour' }, undefined],
    ['unknown sub-attribute', { attr: 'name', sub: 'nickname' }, undefined],
    ['sub-attribute of a simple attribute', { attr: 'userName', sub: 'x' }, undefined],
    ['core attribute qualified with the extension URN', { uri: ENT, attr: 'userName' }, undefined],
    ['unknown URN', { uri: 'urn:example:1.0:User', attr: 'userName' }, undefined],
  ])('%s', (_, path, expected) => {
    const location = resolveAttribute(USER, path);
    expect(location && locationName(location)).toBe(expected);
  });

  it('resolves the names inside a value filter against their parent', () => {
    const emails = resolveAttribute(USER, { attr: 'emails' })!;
    expect(resolveAttribute(USER, { attr: 'TYPE' }, emails)?.sub?.name).toBe('type');
    expect(resolveAttribute(USER, { attr: 'nope' }, emails)).toBeUndefined();
  });

  it('shares the machinery between resource types', () => {
    expect(locationName(resolveAttribute(GROUP, { attr: 'members', sub: 'VALUE' })!)).toBe('members.value');
    expect(resolveAttribute(GROUP, { attr: 'userName' })).toBeUndefined();
    expect(resolveAttribute(USER, { attr: 'members' })).toBeUndefined();
  });
});

describe('resolveName: JSON keys and attributes= names', () => {
  it.each<[string, string | undefined]>([
    ['name.givenName', 'name.givenName'],
    [`${ENT}:employeeNumber`, `${ENT}:employeeNumber`],
    [`${ENT}:manager.value`, `${ENT}:manager.value`],
    [`${CORE}:name.familyName`, 'name.familyName'],
    [`${ENT.toLowerCase()}:DEPARTMENT`, `${ENT}:department`],
    ['urn:example:1.0:User:x', undefined],
  ])('%s', (name, expected) => {
    const target = resolveName(USER, name);
    expect(target?.kind === 'attribute' ? locationName(target.location) : target).toBe(expected);
  });

  it('a bare extension URN names the whole extension; the core URN names nothing', () => {
    expect(resolveName(USER, ENT.toUpperCase())).toEqual({ kind: 'extension', schema: ENT });
    expect(resolveName(USER, CORE)).toBeUndefined();
  });
});

describe('attributeResolver with matchesFilter', () => {
  const user = {
    userName: 'Alice@Contoso.com',
    externalId: 'Alice',
    emails: [{ value: 'alice@contoso.com', type: 'work' }],
    [ENT]: { employeeNumber: '7' },
  };
  it.each<[string, boolean]>([
    ['userName eq "alice@contoso.com"', true],
    ['externalId eq "alice"', false],
    ['externalId eq "Alice"', true],
    ['emails[type eq "WORK"].value eq "alice@contoso.com"', true],
    [`${ENT}:employeeNumber eq "7"`, true],
    ['employeeNumber eq "7"', true],
  ])('%s → %s', (filter, expected) => {
    expect(matchesFilter(parseFilter(filter), user, attributeResolver(USER), { coreSchema: CORE })).toBe(expected);
  });
});
