import { describe, expect, it } from 'vitest';
import type { ScimType } from '../../src/scim/errors.js';
import { applyPatch, type MemberChange } from '../../src/scim/patch.js';
import type { ScimResource } from '../../src/scim/resource.js';
import { GROUP, USER, type ResourceType } from '../../src/scim/schemas.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_CORE = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

/** A user as storage holds it after Entra created it. */
const alice: ScimResource = {
  schemas: [CORE, ENT],
  externalId: 'alice',
  userName: 'alice@contoso.com',
  name: { formatted: 'Alice Smith', familyName: 'Smith', givenName: 'Alice' },
  displayName: 'Alice Smith',
  active: true,
  emails: [
    { value: 'alice@contoso.com', type: 'work', primary: true },
    { value: 'alice@home.example', type: 'home' },
  ],
  addresses: [{ type: 'work', streetAddress: '1 Main St', locality: 'Redmond' }],
  [ENT]: { employeeNumber: '100', department: 'Sales', manager: { value: 'boss-id' } },
};

/** A user Entra created without mail: no emails, no phone numbers, no manager. */
const bob: ScimResource = { schemas: [CORE], userName: 'bob@contoso.com', active: true };

const sales: ScimResource = { schemas: [GROUP_CORE], displayName: 'Sales', externalId: 'g-sales' };

const run = (type: ResourceType, resource: ScimResource, ...operations: unknown[]) =>
  applyPatch(type, resource, patch(...operations));

describe('PATCH: the request bodies of entra-provisioning.md §7', () => {
  it('set manager (legacy): Add manager with [{"$ref":null,"value":id}]', () => {
    const { resource } = run(USER, bob, { op: 'Add', path: 'manager', value: [{ $ref: null, value: 'boss-id' }] });
    expect(resource[ENT]).toEqual({ manager: { value: 'boss-id' } });
    expect(resource.schemas).toEqual([CORE, ENT]);
  });

  it.each([
    ['legacy, string', { op: 'Replace', path: 'active', value: 'False' }],
    ['compliant, JSON', { op: 'replace', path: 'active', value: false }],
  ])('disable (%s)', (_, operation) => {
    expect(run(USER, alice, operation).resource.active).toBe(false);
  });

  it('rename group: Replace displayName', () => {
    const result = run(GROUP, sales, { op: 'Replace', path: 'displayName', value: 'Sales EMEA' });
    expect(result.resource.displayName).toBe('Sales EMEA');
    expect(result.memberChanges).toEqual([]);
  });

  it('add members: several per request, $ref null, without loading the group', () => {
    const result = run(GROUP, sales, {
      op: 'Add',
      path: 'members',
      value: [{ $ref: null, value: 'u1' }, { $ref: null, value: 'u2' }],
    });
    expect(result.memberChanges).toEqual([{ kind: 'add', members: [{ value: 'u1' }, { value: 'u2' }] }]);
    expect(result.resource).toEqual(sales);
    expect(result.changed).toBe(true);
  });

  it.each([
    ['legacy: Remove members with a value array', { op: 'Remove', path: 'members', value: [{ value: 'u1' }] }],
    ['compliant: remove members[value eq "id"]', { op: 'remove', path: 'members[value eq "u1"]' }],
  ])('remove members, %s — removes only that member', (_, operation) => {
    expect(run(GROUP, sales, operation).memberChanges).toEqual([{ kind: 'remove', values: ['u1'] }]);
  });

  it('compliant path-less replace with dotted and URN keys', () => {
    const { resource } = run(USER, alice, {
      op: 'replace',
      value: { displayName: 'A', 'name.givenName': 'B', [`${ENT}:employeeNumber`]: '7' },
    });
    expect(resource).toMatchObject({ displayName: 'A', name: { givenName: 'B', familyName: 'Smith' } });
    expect(resource[ENT]).toEqual({ employeeNumber: '7', department: 'Sales', manager: { value: 'boss-id' } });
  });
});

describe('PATCH: both dialects give the same result', () => {
  it.each<[string, ResourceType, ScimResource, unknown[], unknown[]]>([
    ['disable', USER, alice,
      [{ op: 'Replace', path: 'active', value: 'False' }],
      [{ op: 'replace', path: 'active', value: false }]],
    ['enable with boolean text in any case', USER, { ...bob, active: false },
      [{ op: 'Replace', path: 'active', value: 'TRUE' }],
      [{ op: 'replace', path: 'active', value: true }]],
    ['manager', USER, bob,
      [{ op: 'Add', path: 'manager', value: [{ $ref: null, value: 'boss-id' }] }],
      [{ op: 'replace', path: `${ENT}:manager`, value: 'boss-id' }]],
    ['manager as an object', USER, bob,
      [{ op: 'Add', path: 'manager', value: [{ $ref: null, value: 'boss-id' }] }],
      [{ op: 'add', path: `${ENT}:manager`, value: { value: 'boss-id' } }]],
    ['several attributes', USER, alice,
      [
        { op: 'Replace', path: 'displayName', value: 'A' },
        { op: 'Replace', path: 'name.givenName', value: 'B' },
        { op: 'Replace', path: `${ENT}:employeeNumber`, value: '7' },
      ],
      [{ op: 'replace', value: { displayName: 'A', 'name.givenName': 'B', [`${ENT}:employeeNumber`]: '7' } }]],
    ['an extension object as a key', USER, alice,
      [{ op: 'Replace', path: `${ENT}:department`, value: 'X' }],
      [{ op: 'replace', value: { [ENT]: { department: 'X' } } }]],
    ['attribute names in any case', USER, alice,
      [
        { op: 'Replace', path: 'name.FamilyName', value: 'Jones' },
        { op: 'Add', path: 'Emails', value: [{ Value: 'a@new.example', Type: 'other', Primary: 'True' }] },
      ],
      [
        { op: 'replace', path: 'name.familyName', value: 'Jones' },
        { op: 'add', path: 'emails', value: [{ value: 'a@new.example', type: 'other', primary: true }] },
      ]],
    ['work email for a user without one', USER, bob,
      [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'bob@contoso.com' }],
      [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'bob@contoso.com' }]],
    ['member removal', GROUP, sales,
      [{ op: 'Remove', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }],
      [{ op: 'remove', path: 'members[value eq "u1" or value eq "u2"]' }]],
  ])('%s', (_, type, resource, legacy, compliant) => {
    expect(run(type, resource, ...legacy)).toEqual(run(type, resource, ...compliant));
  });
});

describe('PATCH: forms', () => {
  it.each<[string, ScimResource, unknown[], (r: ScimResource) => void]>([
    ['replace a simple attribute', alice, [{ op: 'replace', path: 'title', value: 'CEO' }],
      (r) => expect(r.title).toBe('CEO')],
    ['add a simple attribute', bob, [{ op: 'add', path: 'displayName', value: 'Bob' }],
      (r) => expect(r.displayName).toBe('Bob')],
    ['replace a sub-attribute', alice, [{ op: 'replace', path: 'name.givenName', value: 'Ally' }],
      (r) => expect(r.name).toEqual({ formatted: 'Alice Smith', familyName: 'Smith', givenName: 'Ally' })],
    ['add a sub-attribute to a missing complex attribute', bob, [{ op: 'add', path: 'name.familyName', value: 'Builder' }],
      (r) => expect(r.name).toEqual({ familyName: 'Builder' })],
    ['replace a complex attribute merges its sub-attributes (RFC 7644 §3.5.2.3)', alice,
      [{ op: 'replace', path: 'name', value: { givenName: 'Ally' } }],
      (r) => expect(r.name).toEqual({ formatted: 'Alice Smith', familyName: 'Smith', givenName: 'Ally' })],
    ['remove a sub-attribute', alice, [{ op: 'remove', path: 'name.formatted' }],
      (r) => expect(r.name).toEqual({ familyName: 'Smith', givenName: 'Alice' })],
    ['remove the last sub-attribute leaves the attribute unassigned', { ...bob, name: { givenName: 'Bob' } },
      [{ op: 'remove', path: 'name.givenName' }], (r) => expect(r).not.toHaveProperty('name')],
    ['replace a value-path sub-attribute', alice, [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'a@contoso.com' }],
      (r) => expect(r.emails).toEqual([
        { value: 'a@contoso.com', type: 'work', primary: true },
        { value: 'alice@home.example', type: 'home' },
      ])],
    ['the filter compares type case-insensitively (caseExact false)', alice,
      [{ op: 'replace', path: 'emails[type eq "WORK"].value', value: 'a@contoso.com' }],
      (r) => expect((r.emails as ScimResource[])[0]!.value).toBe('a@contoso.com')],
    ['replace an address part through a filter', alice,
      [{ op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '2 Side St' }],
      (r) => expect(r.addresses).toEqual([{ type: 'work', streetAddress: '2 Side St', locality: 'Redmond' }])],
    ['an unmatched eq filter creates the element (Entra: user without a work address)', bob,
      [{ op: 'replace', path: 'addresses[type eq "work"].locality', value: 'Oslo' }],
      (r) => expect(r.addresses).toEqual([{ locality: 'Oslo', type: 'work' }])],
    ['an unmatched filter with "and" builds from both comparisons', bob,
      [{ op: 'add', path: 'phoneNumbers[type eq "work" and primary eq true].value', value: '+1 555' }],
      (r) => expect(r.phoneNumbers).toEqual([{ value: '+1 555', type: 'work', primary: true }])],
    ['a mobile number next to a work number', { ...bob, phoneNumbers: [{ value: '1', type: 'work' }] },
      [{ op: 'replace', path: 'phoneNumbers[type eq "mobile"].value', value: '2' }],
      (r) => expect(r.phoneNumbers).toEqual([{ value: '1', type: 'work' }, { value: '2', type: 'mobile' }])],
    ['replace a whole element through a filter', alice,
      [{ op: 'replace', path: 'emails[type eq "home"]', value: { value: 'new@home.example', type: 'home' } }],
      (r) => expect((r.emails as ScimResource[])[1]).toEqual({ value: 'new@home.example', type: 'home' })],
    ['remove elements through a filter', alice, [{ op: 'remove', path: 'emails[type eq "home"]' }],
      (r) => expect(r.emails).toEqual([{ value: 'alice@contoso.com', type: 'work', primary: true }])],
    ['remove the last element leaves the attribute unassigned', alice,
      [{ op: 'remove', path: 'addresses[type eq "work"]' }], (r) => expect(r).not.toHaveProperty('addresses')],
    ['remove a sub-attribute through a filter', alice, [{ op: 'remove', path: 'addresses[type eq "work"].locality' }],
      (r) => expect(r.addresses).toEqual([{ type: 'work', streetAddress: '1 Main St' }])],
    ['remove a whole multi-valued attribute', alice, [{ op: 'remove', path: 'emails' }],
      (r) => expect(r).not.toHaveProperty('emails')],
    ['remove listed values of a multi-valued attribute', alice,
      [{ op: 'remove', path: 'emails', value: [{ value: 'alice@home.example' }] }],
      (r) => expect(r.emails).toEqual([{ value: 'alice@contoso.com', type: 'work', primary: true }])],
    ['add appends to a multi-valued attribute; a lone object is one value', alice,
      [{ op: 'add', path: 'emails', value: { value: 'o@x.example', type: 'other' } }],
      (r) => expect(r.emails).toHaveLength(3)],
    ['replace a multi-valued attribute replaces all values', alice,
      [{ op: 'replace', path: 'emails', value: [{ value: 'only@x.example' }] }],
      (r) => expect(r.emails).toEqual([{ value: 'only@x.example' }])],
    ['add of a primary value clears the old primary', alice,
      [{ op: 'add', path: 'emails', value: [{ value: 'new@x.example', type: 'work', primary: true }] }],
      (r) => expect((r.emails as ScimResource[]).map((e) => e.primary)).toEqual([false, undefined, true])],
    ['making another element primary through a filter clears the old primary', alice,
      [{ op: 'replace', path: 'emails[type eq "home"].primary', value: 'True' }],
      (r) => expect((r.emails as ScimResource[]).map((e) => e.primary)).toEqual([false, true])],
    ['extension attribute by URN path', alice, [{ op: 'replace', path: `${ENT}:department`, value: 'Support' }],
      (r) => expect((r[ENT] as ScimResource).department).toBe('Support')],
    ['unqualified extension attribute', alice, [{ op: 'replace', path: 'costCenter', value: 'CC1' }],
      (r) => expect((r[ENT] as ScimResource).costCenter).toBe('CC1')],
    ['manager with the URN path and a sub-attribute', bob, [{ op: 'add', path: `${ENT}:manager.value`, value: 'm' }],
      (r) => expect(r[ENT]).toEqual({ manager: { value: 'm' } })],
    ['replacing manager drops its stale sub-attributes', { ...bob, [ENT]: { manager: { value: 'old', $ref: '../Users/old' } } },
      [{ op: 'replace', path: 'manager', value: 'new' }], (r) => expect(r[ENT]).toEqual({ manager: { value: 'new' } })],
    ['remove manager clears it and the extension when nothing is left', { ...bob, schemas: [CORE, ENT], [ENT]: { manager: { value: 'm' } } },
      [{ op: 'Remove', path: 'manager' }], (r) => {
        expect(r).not.toHaveProperty(ENT);
        expect(r.schemas).toEqual([CORE]);
      }],
    ...(['', [], null, { value: '' }] as const).map((empty): [string, ScimResource, unknown[], (r: ScimResource) => void] => [
      `manager set to ${JSON.stringify(empty)} clears it`, alice,
      [{ op: 'Replace', path: 'manager', value: empty }],
      (r) => expect(r[ENT]).not.toHaveProperty('manager')]),
    ['add to a whole extension by its URN merges', alice, [{ op: 'add', path: ENT, value: { division: 'D1' } }],
      (r) => expect(r[ENT]).toMatchObject({ division: 'D1', department: 'Sales' })],
    ['remove a whole extension by its URN', alice, [{ op: 'remove', path: ENT }],
      (r) => expect(r.schemas).toEqual([CORE])],
    ['path-less add with nested objects', bob, [{ op: 'add', value: { name: { givenName: 'Bob' }, emails: [{ value: 'b@x.example' }] } }],
      (r) => expect(r).toMatchObject({ name: { givenName: 'Bob' }, emails: [{ value: 'b@x.example' }] })],
    ['path-less values ignore readOnly and unknown names, as a POST does', bob,
      [{ op: 'replace', value: { id: 'other', meta: {}, schemas: ['x'], favouriteColour: 'blue', nickName: 'B' } }],
      (r) => expect(r).toEqual({ ...bob, nickName: 'B' })],
    ['remove through a filter that matches nothing succeeds', alice,
      [{ op: 'remove', path: 'emails[type eq "other"]' }], (r) => expect(r.emails).toEqual(alice.emails)],
    ['operations apply in order', bob, [
      { op: 'add', path: 'title', value: 'one' },
      { op: 'replace', path: 'title', value: 'two' },
    ], (r) => expect(r.title).toBe('two')],
    ['a password is accepted and never stored', bob, [{ op: 'replace', path: 'password', value: 'S3cret!' }],
      (r) => expect(r).toEqual(bob)],
  ])('%s', (_, resource, operations, check) => {
    check(run(USER, resource, ...operations).resource);
  });
});

const thousand = Array.from({ length: 1000 }, (_, i) => `member-${i}`);

describe('PATCH: group members become member changes', () => {
  it.each<[string, unknown[], MemberChange[]]>([
    ['add', [{ op: 'add', path: 'members', value: [{ value: 'u1', type: 'User' }, { value: 'g2', type: 'group' }] }],
      [{ kind: 'add', members: [{ value: 'u1', type: 'User' }, { value: 'g2', type: 'Group' }] }]],
    ['add a lone member object', [{ op: 'add', path: 'members', value: { value: 'u1', display: 'ignored' } }],
      [{ kind: 'add', members: [{ value: 'u1' }] }]],
    ['remove by filter', [{ op: 'remove', path: 'members[value eq "u1"]' }], [{ kind: 'remove', values: ['u1'] }]],
    ['remove by "or" filter', [{ op: 'remove', path: 'members[value eq "a" or value eq "b" or value eq "c"]' }],
      [{ kind: 'remove', values: ['a', 'b', 'c'] }]],
    ['legacy remove by value array', [{ op: 'Remove', path: 'members', value: [{ value: 'a' }, { value: 'b' }] }],
      [{ kind: 'remove', values: ['a', 'b'] }]],
    ['legacy remove with an empty value array removes nobody', [{ op: 'Remove', path: 'members', value: [] }], []],
    ['remove all', [{ op: 'remove', path: 'members' }], [{ kind: 'removeAll' }]],
    ['1,000 members in one add', [{ op: 'Add', path: 'members', value: thousand.map((value) => ({ $ref: null, value })) }],
      [{ kind: 'add', members: thousand.map((value) => ({ value })) }]],
    ['replace all', [{ op: 'replace', path: 'members', value: [{ value: 'u9' }] }], [{ kind: 'replaceAll', members: [{ value: 'u9' }] }]],
    ['replace with an empty list', [{ op: 'replace', path: 'members', value: [] }], [{ kind: 'replaceAll', members: [] }]],
    ['path-less add with members and a rename', [{ op: 'add', value: { members: [{ value: 'u1' }], displayName: 'New' } }],
      [{ kind: 'add', members: [{ value: 'u1' }] }]],
    ['in request order', [
      { op: 'remove', path: 'members' },
      { op: 'add', path: 'members', value: [{ value: 'u1' }] },
      { op: 'remove', path: 'members[value eq "u1"]' },
    ], [{ kind: 'removeAll' }, { kind: 'add', members: [{ value: 'u1' }] }, { kind: 'remove', values: ['u1'] }]],
  ])('%s', (_, operations, expected) => {
    const result = run(GROUP, sales, ...operations);
    expect(result.memberChanges).toEqual(expected);
    expect(result.resource).not.toHaveProperty('members');
  });
});

it('keeps members out of the document even when storage hands them over', () => {
  const result = run(GROUP, { ...sales, members: [{ value: 'u1' }] }, { op: 'replace', path: 'displayName', value: 'X' });
  expect(result.resource).toEqual({ ...sales, displayName: 'X' });
});

describe('PATCH: changed', () => {
  it.each<[string, ScimResource, unknown[]]>([
    ['replace with the same value', alice, [{ op: 'replace', path: 'active', value: 'True' }]],
    ['add an element that is already there', alice, [{ op: 'add', path: 'emails', value: [{ value: 'alice@contoso.com', type: 'work', primary: true }] }]],
    ['remove through a filter that matches nothing', alice, [{ op: 'remove', path: 'phoneNumbers[type eq "fax"]' }]],
    ['remove an attribute that has no value', bob, [{ op: 'remove', path: 'title' }]],
    ['same sub-attribute value', alice, [{ op: 'replace', path: 'name.givenName', value: 'Alice' }]],
    ['Entra re-sending the manager', alice, [{ op: 'Add', path: 'manager', value: [{ $ref: null, value: 'boss-id' }] }]],
    ['stored keys in another order (jsonb)', Object.fromEntries(Object.entries(alice).reverse()), [{ op: 'replace', path: 'title', value: null }]],
  ])('is false: %s', (_, resource, operations) => {
    const result = run(USER, resource, ...operations);
    expect(result.changed).toBe(false);
    expect(result.documentChanged).toBe(false);
    expect(result.resource).toEqual(resource);
  });

  it('is true for a real change and for member changes alone, which leave the document unchanged', () => {
    expect(run(USER, alice, { op: 'replace', path: 'title', value: 'x' })).toMatchObject({ changed: true, documentChanged: true });
    expect(run(GROUP, sales, { op: 'remove', path: 'members[value eq "nobody"]' })).toMatchObject({ changed: true, documentChanged: false });
  });

  it('never touches the resource it was given, extensions included', () => {
    const before = structuredClone(alice);
    run(USER, alice, { op: 'replace', path: `${ENT}:department`, value: 'Moved' }, { op: 'replace', path: 'name.givenName', value: 'Al' });
    expect(alice).toEqual(before);
  });
});

describe('PATCH: errors', () => {
  it.each<[string, ScimType, ResourceType, ScimResource, unknown]>([
    ['schemas missing', 'invalidSyntax', USER, alice, { Operations: [{ op: 'remove', path: 'title' }] }],
    ['schemas of another message', 'invalidSyntax', USER, alice, { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [{ op: 'remove', path: 'title' }] }],
    ['Operations missing', 'invalidSyntax', USER, alice, { schemas: [PATCH_OP] }],
    ['Operations empty', 'invalidSyntax', USER, alice, patch()],
    ['Operations not an array', 'invalidSyntax', USER, alice, { schemas: [PATCH_OP], Operations: { op: 'add' } }],
    ['body not an object', 'invalidSyntax', USER, alice, [patch()]],
    ['unknown op', 'invalidSyntax', USER, alice, patch({ op: 'copy', path: 'title', value: 'x' })],
    ['path not a string', 'invalidPath', USER, alice, patch({ op: 'remove', path: 5 })],
    ['remove without a path', 'noTarget', USER, alice, patch({ op: 'remove' })],
    ['add without a value', 'invalidValue', USER, alice, patch({ op: 'add', path: 'title' })],
    ['unknown attribute', 'invalidPath', USER, alice, patch({ op: 'replace', path: 'favouriteColour', value: 'blue' })],
    ['unknown sub-attribute', 'invalidPath', USER, alice, patch({ op: 'replace', path: 'name.nickname', value: 'x' })],
    ['unknown sub-attribute after a filter', 'invalidPath', USER, alice, patch({ op: 'replace', path: 'emails[type eq "work"].address', value: 'x' })],
    ['unknown extension', 'invalidPath', USER, alice, patch({ op: 'replace', path: 'urn:example:ext:1.0:User:x', value: 'x' })],
    ['invalid path syntax', 'invalidPath', USER, alice, patch({ op: 'replace', path: 'name..givenName', value: 'x' })],
    ['invalid path: trailing words', 'invalidPath', USER, alice, patch({ op: 'replace', path: 'title x', value: 'x' })],
    ['invalid filter in a path', 'invalidFilter', USER, alice, patch({ op: 'replace', path: 'emails[type eq "work"', value: 'x' })],
    ['filter on a single-valued attribute', 'invalidPath', USER, alice, patch({ op: 'replace', path: 'name[givenName eq "A"]', value: 'x' })],
    ['readOnly id', 'mutability', USER, alice, patch({ op: 'replace', path: 'id', value: 'x' })],
    ['readOnly meta sub-attribute', 'mutability', USER, alice, patch({ op: 'replace', path: 'meta.lastModified', value: '2024-01-01T00:00:00Z' })],
    ['readOnly groups', 'mutability', USER, alice, patch({ op: 'add', path: 'groups', value: [{ value: 'g' }] })],
    ['remove readOnly groups', 'mutability', USER, alice, patch({ op: 'remove', path: 'groups' })],
    ['readOnly manager.displayName', 'mutability', USER, alice, patch({ op: 'replace', path: 'manager.displayName', value: 'x' })],
    ['boolean that is not one', 'invalidValue', USER, alice, patch({ op: 'Replace', path: 'active', value: 'yes' })],
    ['number for a string', 'invalidValue', USER, alice, patch({ op: 'replace', path: 'userName', value: 5 })],
    ['object for a string', 'invalidValue', USER, alice, patch({ op: 'replace', path: 'title', value: { x: 1 } })],
    ['string for a complex value', 'invalidValue', USER, alice, patch({ op: 'replace', path: 'name', value: 'Alice' })],
    ['wrong sub-attribute type', 'invalidValue', USER, alice, patch({ op: 'add', path: 'emails', value: [{ value: 'x', primary: 'sometimes' }] })],
    ['two primaries in one add', 'invalidValue', USER, bob, patch({ op: 'add', path: 'emails', value: [{ value: 'a', primary: true }, { value: 'b', primary: true }] })],
    ['path-less value not an object', 'invalidValue', USER, alice, patch({ op: 'replace', value: 'x' })],
    ['path-less value an array', 'invalidValue', USER, alice, patch({ op: 'add', value: [{ title: 'x' }] })],
    ['remove required userName', 'invalidValue', USER, alice, patch({ op: 'remove', path: 'userName' })],
    ['replace required userName with null', 'invalidValue', USER, alice, patch({ op: 'replace', path: 'userName', value: null })],
    ['remove required group displayName', 'invalidValue', GROUP, sales, patch({ op: 'remove', path: 'displayName' })],
    ['replace through a filter that cannot describe a new element', 'noTarget', USER, bob, patch({ op: 'replace', path: 'emails[value co "@x"].type', value: 'work' })],
    ['replace through an "or" filter that matches nothing', 'noTarget', USER, bob, patch({ op: 'replace', path: 'emails[type eq "a" or type eq "b"].value', value: 'x' })],
    ['members filter other than value eq', 'invalidFilter', GROUP, sales, patch({ op: 'remove', path: 'members[type eq "User"]' })],
    ['members filter with "and"', 'invalidFilter', GROUP, sales, patch({ op: 'remove', path: 'members[value eq "a" and type eq "User"]' })],
    ['add through a members filter', 'invalidPath', GROUP, sales, patch({ op: 'add', path: 'members[value eq "a"]', value: { value: 'a' } })],
    ['a member sub-attribute on its own', 'invalidPath', GROUP, sales, patch({ op: 'replace', path: 'members.value', value: 'a' })],
    ['a member without a value', 'invalidValue', GROUP, sales, patch({ op: 'add', path: 'members', value: [{ type: 'User' }] })],
    ['a member of an unknown type', 'invalidValue', GROUP, sales, patch({ op: 'add', path: 'members', value: [{ value: 'a', type: 'Device' }] })],
    ['legacy removal entry without a value', 'invalidValue', GROUP, sales, patch({ op: 'Remove', path: 'members', value: [{ display: 'a' }] })],
    ['core schema URN as a path', 'invalidPath', USER, alice, patch({ op: 'replace', path: CORE, value: { title: 'x' } })],
  ])('%s → 400 %s', (_, scimType, type, resource, body) => {
    expect(() => applyPatch(type, resource, body)).toThrow(expect.objectContaining({ status: 400, scimType }));
  });

  it('names the failing operation', () => {
    expect(() => run(USER, alice, { op: 'replace', path: 'title', value: 'ok' }, { op: 'replace', path: 'nope', value: 1 }))
      .toThrow(/^Operations\[1\] \(replace nope\): No attribute 'nope'/);
  });
});

describe('PATCH: immutable attributes (RFC 7643 §2.2)', () => {
  const BADGE: ResourceType = {
    ...USER,
    extensions: [],
    schema: {
      ...USER.schema,
      attributes: [
        ...USER.schema.attributes,
        { ...USER.schema.attributes.find((a) => a.name === 'title')!, name: 'badge', mutability: 'immutable' },
      ],
    },
  };
  const fresh = { schemas: [CORE], userName: 'u@x' };

  it('may be set when it has no value', () => {
    expect(run(BADGE, fresh, { op: 'add', path: 'badge', value: 'B1' }).resource.badge).toBe('B1');
  });

  it('may be "changed" to the value it has', () => {
    expect(run(BADGE, { ...fresh, badge: 'B1' }, { op: 'replace', path: 'badge', value: 'B1' }).changed).toBe(false);
  });

  it.each([
    [{ op: 'replace', path: 'badge', value: 'B2' }],
    [{ op: 'remove', path: 'badge' }],
    [{ op: 'replace', value: { badge: 'B2' } }],
  ])('may not change once set: %j → 400 mutability', (operation) => {
    expect(() => run(BADGE, { ...fresh, badge: 'B1' }, operation)).toThrow(expect.objectContaining({ status: 400, scimType: 'mutability' }));
  });
});

describe('PATCH: atomic and pure', () => {
  it('a failing later operation leaves the stored resource as it was', () => {
    const stored = structuredClone(alice);
    expect(() => run(USER, stored,
      { op: 'replace', path: 'title', value: 'changed' },
      { op: 'remove', path: 'emails' },
      { op: 'replace', path: 'active', value: 'maybe' },
    )).toThrow();
    expect(stored).toEqual(alice);
  });

  it('a successful patch does not mutate its input', () => {
    const stored = structuredClone(alice);
    run(USER, stored, { op: 'remove', path: 'name.givenName' }, { op: 'replace', path: 'emails[type eq "work"].value', value: 'x@y' });
    expect(stored).toEqual(alice);
  });
});
