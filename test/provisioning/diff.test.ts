import { describe, expect, it } from 'vitest';
import { type AttributeChange, diffExported, exportHash, patchOperations } from '../../src/provisioning/diff.js';
import { ENTERPRISE_USER_SCHEMA } from '../../src/provisioning/mappings.js';

const ENTERPRISE = ENTERPRISE_USER_SCHEMA;

describe('diffExported', () => {
  const previous = {
    userName: 'a@x',
    active: true,
    'name.givenName': 'Ann',
    roles: [{ primary: false, value: 'Admin' }],
  };

  it('is empty when nothing changed, whatever the key order', () => {
    expect(diffExported(previous, { roles: [{ value: 'Admin', primary: false }], 'name.givenName': 'Ann', active: true, userName: 'a@x' })).toEqual([]);
  });

  it('lists changed and new attributes with old and new values', () => {
    expect(diffExported(previous, { ...previous, active: false, 'name.givenName': 'Anna', title: 'CEO' })).toEqual([
      { attribute: 'active', oldValue: true, newValue: false },
      { attribute: 'name.givenName', oldValue: 'Ann', newValue: 'Anna' },
      { attribute: 'title', oldValue: undefined, newValue: 'CEO' },
    ]);
  });

  it('does not clear an attribute that became null (nulls are not sent)', () => {
    const { 'name.givenName': _, ...withoutGivenName } = previous;
    expect(diffExported(previous, withoutGivenName)).toEqual([]);
  });

  it('treats everything as new when nothing was exported before', () => {
    expect(diffExported(undefined, { userName: 'a@x' })).toEqual([{ attribute: 'userName', oldValue: undefined, newValue: 'a@x' }]);
  });

  it('sees a change inside a multi-valued attribute', () => {
    expect(diffExported(previous, { ...previous, roles: [{ primary: false, value: 'Reader' }] })).toHaveLength(1);
  });
});

describe('exportHash', () => {
  it('is stable across key order and differs when a value does', () => {
    const a = exportHash({ userName: 'a@x', name: { givenName: 'A', familyName: 'B' } } as never);
    const b = exportHash({ name: { familyName: 'B', givenName: 'A' }, userName: 'a@x' } as never);
    expect(a).toBe(b);
    expect(exportHash({ userName: 'b@x' })).not.toBe(exportHash({ userName: 'a@x' }));
    expect(exportHash({ active: true })).not.toBe(exportHash({ active: 'True' }));
  });
});

describe('patchOperations in both of Entra\'s dialects', () => {
  const replaceMany: AttributeChange[] = [
    { attribute: 'displayName', oldValue: 'Old', newValue: 'Pvlo' },
    { attribute: 'emails[type eq "work"].value', oldValue: 'old@x', newValue: 'TestBcwqnm@test.microsoft.com' },
    { attribute: 'name.givenName', oldValue: 'Old', newValue: 'Gtfd' },
    { attribute: 'name.familyName', oldValue: 'Old', newValue: 'Pkqf' },
    { attribute: `${ENTERPRISE}:employeeNumber`, oldValue: '1', newValue: 'Eqpj' },
  ];

  it('legacy: one capitalised Replace per attribute', () => {
    expect(patchOperations(replaceMany, 'legacy')).toEqual([
      { op: 'Replace', path: 'displayName', value: 'Pvlo' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'TestBcwqnm@test.microsoft.com' },
      { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
      { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
      { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: 'Eqpj' },
    ]);
  });

  it('compliant: value paths on their own, the rest in one path-less replace', () => {
    expect(patchOperations(replaceMany, 'aadOptscim062020')).toEqual([
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestBcwqnm@test.microsoft.com' },
      {
        op: 'replace',
        value: {
          displayName: 'Pvlo',
          'name.givenName': 'Gtfd',
          'name.familyName': 'Pkqf',
          [`${ENTERPRISE}:employeeNumber`]: 'Eqpj',
        },
      },
    ]);
  });

  it.each([
    ['legacy', [{ op: 'Replace', path: 'active', value: 'False' }]],
    ['aadOptscim062020', [{ op: 'replace', path: 'active', value: false }]],
  ] as const)('disabling a user, %s', (dialect, expected) => {
    expect(patchOperations([{ attribute: 'active', oldValue: true, newValue: false }], dialect)).toEqual(expected);
  });

  it.each([
    ['legacy', [{ op: 'Add', path: 'nickName', value: 'Babs' }]],
    ['aadOptscim062020', [{ op: 'add', path: 'nickName', value: 'Babs' }]],
  ] as const)('adding a single-valued attribute, %s', (dialect, expected) => {
    expect(patchOperations([{ attribute: 'nickName', oldValue: undefined, newValue: 'Babs' }], dialect)).toEqual(expected);
  });

  it.each([
    ['legacy', undefined, [{ op: 'Add', path: 'manager', value: [{ $ref: null, value: 'mgr-target-id' }] }]],
    ['legacy', 'old-id', [{ op: 'Add', path: 'manager', value: [{ $ref: null, value: 'mgr-target-id' }] }]],
    ['aadOptscim062020', undefined, [{ op: 'add', path: `${ENTERPRISE}:manager`, value: { value: 'mgr-target-id' } }]],
    ['aadOptscim062020', 'old-id', [{ op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: 'mgr-target-id' } }]],
  ] as const)('setting the manager, %s (previously %s)', (dialect, oldValue, expected) => {
    expect(patchOperations([{ attribute: `${ENTERPRISE}:manager`, oldValue, newValue: 'mgr-target-id' }], dialect)).toEqual(expected);
  });

  it('legacy writes booleans inside complex values as strings too', () => {
    expect(
      patchOperations([{ attribute: 'roles', oldValue: [], newValue: [{ primary: true, value: 'Admin' }] }], 'legacy'),
    ).toEqual([{ op: 'Replace', path: 'roles', value: [{ primary: 'True', value: 'Admin' }] }]);
  });

  it('no changes, no operations', () => {
    expect(patchOperations([], 'legacy')).toEqual([]);
    expect(patchOperations([], 'aadOptscim062020')).toEqual([]);
  });
});
