import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../src/scim/errors.js';
import { applyPatch } from '../../src/scim/patch.js';
import { parseResource, type ScimResource } from '../../src/scim/resource.js';
import { GROUP, USER, type ResourceType } from '../../src/scim/schemas.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP_CORE = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const stored: Record<'User' | 'Group', ScimResource> = {
  User: {
    schemas: [CORE, ENT],
    userName: 'alice@contoso.com',
    name: { givenName: 'Alice', familyName: 'Smith' },
    active: true,
    emails: [{ value: 'alice@contoso.com', type: 'work', primary: true }, { value: 'a@home', type: 'home' }],
    phoneNumbers: [{ value: '1', type: 'work' }],
    [ENT]: { department: 'Sales', manager: { value: 'boss' } },
  },
  Group: { schemas: [GROUP_CORE], displayName: 'Sales', externalId: 'g' },
};

/** Returns normally, or throws a ScimError with status 400 — never anything else. */
function outcome(call: () => unknown): unknown {
  try {
    return call();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    expect((error as ScimError).status).toBe(400);
    expect((error as ScimError).scimType).toBeDefined();
    return undefined;
  }
}

const paths = fc.oneof(
  fc.constantFrom(
    'userName', 'UserName', 'active', 'title', 'displayName', 'externalId', 'password', 'name', 'name.givenName',
    'name.FamilyName', 'emails', 'emails.value', 'emails[type eq "work"].value', 'emails[type eq "work"]',
    'emails[value co "x"].type', 'emails[primary eq true].primary', 'emails[type eq "work" and primary eq true].value',
    'addresses[type eq "work"].streetAddress', 'phoneNumbers[type eq "mobile"].value', 'roles', 'x509Certificates',
    'manager', 'manager.value', 'manager.displayName', `${ENT}:manager`, `${ENT}:employeeNumber`, ENT, CORE,
    'members', 'members.value', 'members[value eq "a"]', 'members[value eq "a" or value eq "b"]',
    'members[type eq "User"]', 'id', 'meta', 'meta.created', 'groups', 'schemas',
    'name[', 'emails[type eq ]', 'emails[type eq "work"].', 'a.b.c', '', ' ', 'urn:', 'urn:x:y:z', '$ref',
  ),
  fc.string({ maxLength: 30 }),
);

const values = fc.oneof(
  fc.constantFrom(
    'True', 'False', 'false', 'yes', '', null, [], {}, 'x', 0, 1.5, true,
    [{ value: 'a' }], [{ $ref: null, value: 'id' }], { value: 'x', primary: true }, [{ value: 'a', type: 'User' }],
    [{ value: 'a', primary: true }, { value: 'b', primary: 'True' }], [{ display: 'no value' }], [{ value: 'a', type: 'Printer' }],
    { displayName: 'A', 'name.givenName': 'B', [`${ENT}:employeeNumber`]: '7' }, { [ENT]: { department: 'X' } },
    { members: [{ value: 'u' }] }, { userName: null }, { id: 'x', meta: {} }, { [ENT]: 'x' },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

const opNames = fc.oneof(fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'REMOVE', 'copy', ''), fc.jsonValue({ maxDepth: 1 }));

const operation = fc.record(
  { op: opNames, path: fc.oneof(paths, fc.constant(undefined), fc.jsonValue({ maxDepth: 1 })), value: fc.oneof(values, fc.constant(undefined)) },
  { requiredKeys: ['op'] },
);

const patchBodies = fc.record({
  schemas: fc.oneof(fc.constant([PATCH_OP]), fc.constant([PATCH_OP.toUpperCase()]), fc.jsonValue({ maxDepth: 1 })),
  Operations: fc.oneof(fc.array(operation, { minLength: 1, maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })),
});

const types = fc.constantFrom<ResourceType>(USER, GROUP);

describe('applyPatch never fails other than with a 400 ScimError', () => {
  it('on arbitrary JSON bodies', () => {
    fc.assert(fc.property(types, fc.jsonValue({ maxDepth: 4 }), (type, body) => {
      outcome(() => applyPatch(type, stored[type.name], body));
    }), { numRuns: 300 });
  });

  it('on arbitrary op/path/value combinations; results are valid, canonical resources', () => {
    fc.assert(fc.property(types, patchBodies, (type, body) => {
      const before = structuredClone(stored[type.name]);
      const result = outcome(() => applyPatch(type, before, body)) as ReturnType<typeof applyPatch> | undefined;
      expect(before).toEqual(stored[type.name]);
      if (!result) return;
      // what PATCH produced is exactly what a PUT of it would store
      expect(parseResource(type, result.resource, 'replace').resource).toEqual(result.resource);
      if (!result.changed) expect(result.resource).toEqual(stored[type.name]);
    }), { numRuns: 1000 });
  });
});

describe('parseResource never fails other than with a 400 ScimError', () => {
  const bodies = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.dictionary(
      fc.oneof(fc.constantFrom('schemas', 'userName', 'displayName', 'emails', 'members', 'name', 'active', ENT, `${ENT}:manager`, 'id'), fc.string({ maxLength: 8 })),
      values,
      { maxKeys: 6 },
    ).map((body) => ({ schemas: [CORE, GROUP_CORE], ...body })),
  );
  it('on arbitrary bodies, and what it returns parses to itself', () => {
    fc.assert(fc.property(types, bodies, (type, body) => {
      const parsed = outcome(() => parseResource(type, body, 'create')) as ReturnType<typeof parseResource> | undefined;
      if (parsed) expect(parseResource(type, parsed.resource, 'replace').resource).toEqual(parsed.resource);
    }), { numRuns: 500 });
  });
});
