import { describe, expect, it } from 'vitest';
import { DEFAULT_GROUP_MAPPINGS, DEFAULT_USER_MAPPINGS } from '../../src/provisioning/default-mappings.js';
import {
  type AttributeMapping,
  attributeMappingListSchema,
  ENTERPRISE_USER_SCHEMA,
  evaluateMappings,
  matchingAttributes,
  parseTargetPath,
  toScimResource,
} from '../../src/provisioning/mappings.js';
import type { SourceObject } from '../../src/provisioning/source.js';
import { fixedContext, user } from './helpers.js';

const ENTERPRISE = ENTERPRISE_USER_SCHEMA;

const sampleUser = user(
  {
    userPrincipalName: 'Test_User_ab6490ee@contoso.com',
    mail: 'Test_User_fd0ea19b@contoso.com',
    mailNickname: 'Test_User_ab6490ee',
    displayName: 'Test User',
    givenName: 'Test',
    surname: 'User',
    jobTitle: 'Engineer',
    department: 'Sales',
    employeeId: '701984',
    telephoneNumber: '+1 425 555 0100',
    mobile: '+1 425 555 0199',
    accountEnabled: true,
    manager: '3f5a0c2e-0000-4000-8000-00000000000m',
    extension_abc_costCenter: 'CC-7',
  },
  { id: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef' },
);

const mapping = (m: Partial<AttributeMapping> & Pick<AttributeMapping, 'type' | 'target'>): AttributeMapping => ({
  apply: 'Always',
  ...m,
});

describe("Entra's default user mappings on a sample Entra user", () => {
  const mapped = evaluateMappings(DEFAULT_USER_MAPPINGS, sampleUser, { phase: 'create' });

  it('give the flat export, with the manager kept aside as a reference', () => {
    expect(mapped.attributes).toEqual({
      userName: 'Test_User_ab6490ee@contoso.com',
      active: true,
      displayName: 'Test User',
      'emails[type eq "work"].value': 'Test_User_fd0ea19b@contoso.com',
      'name.givenName': 'Test',
      'name.familyName': 'User',
      'name.formatted': 'Test User',
      externalId: 'Test_User_ab6490ee',
      title: 'Engineer',
      [`${ENTERPRISE}:employeeNumber`]: '701984',
      [`${ENTERPRISE}:department`]: 'Sales',
      'phoneNumbers[type eq "work"].value': '+1 425 555 0100',
      'phoneNumbers[type eq "mobile"].value': '+1 425 555 0199',
    });
    expect(mapped.references).toEqual({ [`${ENTERPRISE}:manager`]: ['3f5a0c2e-0000-4000-8000-00000000000m'] });
    expect(mapped.redacted).toEqual([]);
  });

  it('build the body Entra POSTs to /Users', () => {
    expect(toScimResource(mapped.attributes, { resourceType: 'User' })).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      externalId: 'Test_User_ab6490ee',
      userName: 'Test_User_ab6490ee@contoso.com',
      active: true,
      displayName: 'Test User',
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b@contoso.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'Test User', familyName: 'User', givenName: 'Test' },
      title: 'Engineer',
      phoneNumbers: [
        { primary: true, type: 'work', value: '+1 425 555 0100' },
        { type: 'mobile', value: '+1 425 555 0199' },
      ],
      [ENTERPRISE]: { employeeNumber: '701984', department: 'Sales' },
    });
  });

  it('write booleans as "True"/"False" in the legacy dialect, even in the POST body', () => {
    const body = toScimResource(mapped.attributes, { resourceType: 'User', dialect: 'legacy' });
    expect(body).toMatchObject({ active: 'True', emails: [{ primary: 'True', type: 'work' }] });
  });

  it('send active=false for a soft-deleted user, and leave out what the user lacks', () => {
    const disabled = user({ userPrincipalName: 'gone@contoso.com', givenName: 'Gone' }, { isSoftDeleted: true });
    expect(evaluateMappings(DEFAULT_USER_MAPPINGS, disabled, { phase: 'update' })).toEqual({
      attributes: { userName: 'gone@contoso.com', active: false, 'name.givenName': 'Gone', 'name.formatted': 'Gone' },
      references: {},
      redacted: [],
    });
  });

  it('match users by userName first', () => {
    expect(matchingAttributes(DEFAULT_USER_MAPPINGS).map((m) => [m.target, m.precedence])).toEqual([['userName', 1]]);
  });
});

describe("Entra's default group mappings", () => {
  const group: SourceObject = {
    kind: 'group',
    id: 'g-1',
    attributes: { displayName: 'Sales Team', mailNickname: 'sales', securityEnabled: true, members: ['u-1', 'u-2'] },
    appRoleAssignments: [],
    isSoftDeleted: false,
  };

  it('send displayName and objectId as externalId, with members as references and no members in the POST', () => {
    const mapped = evaluateMappings(DEFAULT_GROUP_MAPPINGS, group, { phase: 'create' });
    expect(mapped.attributes).toEqual({ displayName: 'Sales Team', externalId: 'g-1' });
    expect(mapped.references).toEqual({ members: ['u-1', 'u-2'] });
    expect(toScimResource(mapped.attributes, { resourceType: 'Group' })).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Sales Team',
      externalId: 'g-1',
      meta: { resourceType: 'Group' },
    });
    expect(matchingAttributes(DEFAULT_GROUP_MAPPINGS).map((m) => m.target)).toEqual(['displayName']);
  });
});

describe('mapping types, apply and default values', () => {
  const source = user({ department: 'Sales', givenName: 'Zoë', upn: 'z@x', blank: '' });
  type Row = [string, AttributeMapping[], 'create' | 'update', Record<string, unknown>];
  const rows: Row[] = [
    ['Direct', [mapping({ type: 'Direct', source: 'department', target: 'title' })], 'update', { title: 'Sales' }],
    ['Direct from an extension attribute', [mapping({ type: 'Direct', source: 'extension_x', target: 'nickName' })], 'update', {}],
    ['Constant', [mapping({ type: 'Constant', constant: 'Contoso', target: 'organization' })], 'update', { organization: 'Contoso' }],
    ['Expression', [mapping({ type: 'Expression', expression: 'NormalizeDiacritics([givenName])', target: 'nickName' })], 'update', { nickName: 'Zoe' }],
    ['None is only its default, on create', [mapping({ type: 'None', target: 'locale', defaultValue: 'en-US' })], 'create', { locale: 'en-US' }],
    ['None sends nothing on update', [mapping({ type: 'None', target: 'locale', defaultValue: 'en-US' })], 'update', {}],
    ['default value when null, on create', [mapping({ type: 'Direct', source: 'mail', target: 'emails[type eq "work"].value', defaultValue: 'none@x' })], 'create', { 'emails[type eq "work"].value': 'none@x' }],
    ['no default value on update', [mapping({ type: 'Direct', source: 'mail', target: 'emails[type eq "work"].value', defaultValue: 'none@x' })], 'update', {}],
    ['default value not used when there is a value', [mapping({ type: 'Direct', source: 'department', target: 'title', defaultValue: 'x' })], 'create', { title: 'Sales' }],
    ['OnCreate applies on create', [mapping({ type: 'Direct', source: 'upn', target: 'userName', apply: 'OnCreate' })], 'create', { userName: 'z@x' }],
    ['OnCreate is skipped on update', [mapping({ type: 'Direct', source: 'upn', target: 'userName', apply: 'OnCreate' })], 'update', {}],
    ['an empty string is sent (only nulls are not)', [mapping({ type: 'Direct', source: 'blank', target: 'title' })], 'update', { title: '' }],
    ['IgnoreFlowIfNullOrEmpty drops the attribute, default value included', [mapping({ type: 'Expression', expression: 'IgnoreFlowIfNullOrEmpty([blank])', target: 'title', defaultValue: 'd' })], 'create', {}],
    ['"True"/"False" become booleans for active', [mapping({ type: 'Expression', expression: 'Not([IsSoftDeleted])', target: 'active' })], 'update', { active: true }],
    ['dates are sent as Entra writes them', [mapping({ type: 'Expression', expression: 'Now()', target: 'urn:example:ext:1.0:User:since' })], 'update', { 'urn:example:ext:1.0:User:since': '7/2/2021 3:33:38 PM' }],
  ];
  it.each(rows)('%s', (_, mappings, phase, expected) => {
    expect(evaluateMappings(mappings, source, { phase, context: fixedContext() }).attributes).toEqual(expected);
  });

  it('Redact lists the attribute for the logs while exporting the value', () => {
    const mapped = evaluateMappings(
      [mapping({ type: 'Expression', expression: 'Redact([upn])', target: 'userName' })],
      source,
      { phase: 'create' },
    );
    expect(mapped).toMatchObject({ attributes: { userName: 'z@x' }, redacted: ['userName'] });
  });

  it('app roles: one role as the primary role value, or every role as complex roles', () => {
    const withRoles = user({}, {
      appRoleAssignments: [{ appRoleId: 'r1', value: 'Admin', displayName: 'Administrator' }],
    });
    const single = evaluateMappings(
      [mapping({ type: 'Expression', expression: 'SingleAppRoleAssignment([appRoleAssignments])', target: 'roles[primary eq "True"].value' })],
      withRoles,
      { phase: 'create' },
    );
    expect(toScimResource(single.attributes, { resourceType: 'User' })).toMatchObject({ roles: [{ primary: true, value: 'Admin' }] });
    const complex = evaluateMappings(
      [mapping({ type: 'Expression', expression: 'AppRoleAssignmentsComplex([appRoleAssignments])', target: 'roles' })],
      withRoles,
      { phase: 'create' },
    );
    expect(toScimResource(complex.attributes, { resourceType: 'User' })).toMatchObject({
      roles: [{ primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'Administrator', value: 'Admin' }],
    });
  });

  it('matching attributes are ordered by precedence', () => {
    const mappings = [
      mapping({ type: 'Direct', source: 'mail', target: 'emails[type eq "work"].value', matchingPrecedence: 2 }),
      mapping({ type: 'Direct', source: 'displayName', target: 'displayName' }),
      mapping({ type: 'Direct', source: 'objectId', target: 'externalId', matchingPrecedence: 1 }),
    ];
    expect(matchingAttributes(mappings).map((m) => m.target)).toEqual(['externalId', 'emails[type eq "work"].value']);
  });
});

describe('target paths', () => {
  it.each([
    ['userName', { attribute: 'userName' }],
    ['name.givenName', { attribute: 'name', subAttribute: 'givenName' }],
    ['emails[type eq "work"].value', { attribute: 'emails', filter: { attribute: 'type', value: 'work' }, subAttribute: 'value' }],
    ['roles[primary eq "True"].value', { attribute: 'roles', filter: { attribute: 'primary', value: 'True' }, subAttribute: 'value' }],
    [`${ENTERPRISE}:employeeNumber`, { uri: ENTERPRISE, attribute: 'employeeNumber' }],
    [`${ENTERPRISE}:manager`, { uri: ENTERPRISE, attribute: 'manager' }],
    ['urn:ietf:params:scim:schemas:core:2.0:User:name.familyName', { attribute: 'name', subAttribute: 'familyName' }],
    ['emails[type eq work].value', null],
    ['name..givenName', null],
    ['', null],
  ])('%j', (path, expected) => {
    expect(parseTargetPath(path)).toEqual(expected);
  });

  it('extension attributes nest under their URN and join the schemas list', () => {
    expect(toScimResource({ 'urn:example:ext:1.0:User:costCenter': 'CC-7', 'addresses[type eq "work"].locality': 'Oslo' }, { resourceType: 'User' })).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE, 'urn:example:ext:1.0:User'],
      'urn:example:ext:1.0:User': { costCenter: 'CC-7' },
      addresses: [{ primary: true, type: 'work', locality: 'Oslo' }],
      meta: { resourceType: 'User' },
    });
  });
});

describe('mapping validation', () => {
  it.each([
    [[{ type: 'Direct', target: 'userName' }], '0.source', 'a Direct mapping needs a source attribute'],
    [[{ type: 'Constant', target: 'userName' }], '0.constant', 'a Constant mapping needs a constant'],
    [[{ type: 'Expression', target: 'userName' }], '0.expression', 'an Expression mapping needs an expression'],
    [[{ type: 'Expression', target: 'userName', expression: 'Left([a])' }], '0.expression', 'Left takes 2 arguments, not 1 at line 1, column 1'],
    [[{ type: 'Direct', source: 'mail', target: 'emails[type eq work]' }], '0.target', "'emails[type eq work]' is not a SCIM attribute path"],
    [[{ type: 'Direct', source: 'mail', target: 'x', apply: 'Sometimes' }], '0.apply', ''],
    [[{ type: 'Nope', target: 'x' }], '0.type', ''],
    [[{ type: 'Direct', source: 'a', target: 'title' }, { type: 'Direct', source: 'b', target: 'Title' }], '1.target', "'Title' is already mapped by mapping 0"],
    [
      [{ type: 'Direct', source: 'a', target: 'userName', matchingPrecedence: 1 }, { type: 'Direct', source: 'b', target: 'externalId', matchingPrecedence: 1 }],
      '1.matchingPrecedence',
      'matching precedence 1 is already used by mapping 0',
    ],
  ])('%j is rejected at %s', (mappings, path, message) => {
    const result = attributeMappingListSchema.safeParse(mappings);
    expect(result.success).toBe(false);
    const issue = result.error!.issues.find((i) => i.path.join('.') === path);
    expect(issue, JSON.stringify(result.error!.issues)).toBeDefined();
    expect(issue!.message).toContain(message);
  });

  it('the default mappings are valid mappings', () => {
    expect(attributeMappingListSchema.safeParse(DEFAULT_USER_MAPPINGS).success).toBe(true);
    expect(attributeMappingListSchema.safeParse(DEFAULT_GROUP_MAPPINGS).success).toBe(true);
  });
});
