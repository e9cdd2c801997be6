import { describe, expect, it } from 'vitest';
import type { ScimType } from '../../src/scim/errors.js';
import {
  PATCH_OP_SCHEMA,
  booleanFrom,
  complexFrom,
  elementsFrom,
  memberNamed,
  readPatchRequest,
  removalValues,
  type PatchOperation,
} from '../../src/scim/entra.js';
import { resolveName, USER } from '../../src/scim/schemas.js';

const definitionOf = (type: typeof USER, name: string) => {
  const target = resolveName(type, name);
  if (target?.kind !== 'attribute') throw new Error(`no attribute ${name}`);
  return target.location.sub ?? target.location.attribute;
};
const manager = definitionOf(USER, 'manager');
const name = definitionOf(USER, 'name');
const emails = definitionOf(USER, 'emails');

describe('readPatchRequest: the envelope in both dialects', () => {
  it.each<[string, unknown, PatchOperation[]]>([
    ['legacy capitalised ops', { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] },
      [{ op: 'replace', path: 'active', value: 'False' }]],
    ['compliant lowercase ops', { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'remove', path: 'members[value eq "x"]' }] },
      [{ op: 'remove', path: 'members[value eq "x"]' }]],
    ['op names in any case', { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'ADD', path: 'title', value: 'x' }, { op: 'rEmOvE', path: 'title' }] },
      [{ op: 'add', path: 'title', value: 'x' }, { op: 'remove', path: 'title' }]],
    ['member names in any case', { Schemas: [PATCH_OP_SCHEMA.toUpperCase()], operations: [{ Op: 'add', Path: 'title', Value: 'x' }] },
      [{ op: 'add', path: 'title', value: 'x' }]],
    ['a blank or null path is no path', { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'add', path: '  ', value: {} }, { op: 'add', path: null, value: {} }] },
      [{ op: 'add', value: {} }, { op: 'add', value: {} }]],
    ['paths are trimmed', { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'remove', path: ' title ' }] },
      [{ op: 'remove', path: 'title' }]],
    ['a null value is kept (it clears)', { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'title', value: null }] },
      [{ op: 'replace', path: 'title', value: null }]],
  ])('%s', (_, body, expected) => {
    expect(readPatchRequest(body)).toEqual(expected);
  });

  it.each<[string, ScimType, unknown]>([
    ['not an object', 'invalidSyntax', 'x'],
    ['null', 'invalidSyntax', null],
    ['no schemas', 'invalidSyntax', { Operations: [{ op: 'add', value: {} }] }],
    ['schemas a string', 'invalidSyntax', { schemas: PATCH_OP_SCHEMA, Operations: [{ op: 'add', value: {} }] }],
    ['another schema besides PatchOp', 'invalidSyntax', { schemas: [PATCH_OP_SCHEMA, 'urn:x'], Operations: [{ op: 'add', value: {} }] }],
    ['no Operations', 'invalidSyntax', { schemas: [PATCH_OP_SCHEMA] }],
    ['empty Operations', 'invalidSyntax', { schemas: [PATCH_OP_SCHEMA], Operations: [] }],
    ['an operation that is not an object', 'invalidSyntax', { schemas: [PATCH_OP_SCHEMA], Operations: ['add'] }],
    ['an op that is not add, replace or remove', 'invalidSyntax', { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'move', path: 'a' }] }],
    ['an op missing', 'invalidSyntax', { schemas: [PATCH_OP_SCHEMA], Operations: [{ path: 'a' }] }],
    ['a path that is not text', 'invalidPath', { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'remove', path: ['a'] }] }],
  ])('%s → 400 %s', (_, scimType, body) => {
    expect(() => readPatchRequest(body)).toThrow(expect.objectContaining({ status: 400, scimType }));
  });
});

describe('booleanFrom: legacy booleans as strings', () => {
  it.each<[unknown, boolean | undefined]>([
    [true, true], [false, false], ['True', true], ['False', false], ['TRUE', true], ['false', false],
    [' true ', true], ['yes', undefined], ['1', undefined], [1, undefined], [null, undefined], ['', undefined],
  ])('%j → %j', (value, expected) => {
    expect(booleanFrom(value)).toBe(expected);
  });
});

describe('complexFrom: manager forms', () => {
  it.each<[string, unknown, unknown]>([
    ['legacy array with $ref null', [{ $ref: null, value: 'id' }], { $ref: null, value: 'id' }],
    ['string id', 'id', { value: 'id' }],
    ['object', { value: 'id' }, { value: 'id' }],
    ['array holding a string id', ['id'], { value: 'id' }],
    ['empty string clears', '', null],
    ['empty array clears', [], null],
    ['several values are left for the type check to refuse', [{ value: 'a' }, { value: 'b' }], [{ value: 'a' }, { value: 'b' }]],
  ])('%s', (_, value, expected) => {
    expect(complexFrom(manager, value)).toEqual(expected);
  });

  it('only attributes identified by a value take the text form', () => {
    expect(complexFrom(name, 'Alice')).toBe('Alice');
  });

  it('elements of a multi-valued attribute take the text form too', () => {
    expect(complexFrom(emails, 'a@x')).toEqual({ value: 'a@x' });
  });
});

describe('elementsFrom and removalValues: legacy member removal', () => {
  it('a lone value is one element', () => {
    expect(elementsFrom({ value: 'a' })).toEqual([{ value: 'a' }]);
    expect(elementsFrom([{ value: 'a' }])).toEqual([{ value: 'a' }]);
  });

  it.each<[string, unknown, string[]]>([
    ['Entra legacy value array', [{ value: 'a' }, { value: 'b' }], ['a', 'b']],
    ['a lone object', { value: 'a' }, ['a']],
    ['bare ids', ['a', 'b'], ['a', 'b']],
    ['value in another case', [{ Value: 'a' }], ['a']],
    ['an empty list names nobody', [], []],
  ])('%s', (_, value, expected) => {
    expect(removalValues('members', value)).toEqual(expected);
  });

  it.each([[[{ display: 'a' }]], [[{ value: '' }]], [[{ value: 5 }]]])('%j → 400 invalidValue', (value) => {
    expect(() => removalValues('members', value)).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidValue' }));
  });
});

describe('memberNamed', () => {
  it('finds a JSON member by name in any case', () => {
    expect(memberNamed({ Operations: 1 }, 'operations')).toBe(1);
    expect(memberNamed({ op: 1 }, 'Path')).toBeUndefined();
  });
});
