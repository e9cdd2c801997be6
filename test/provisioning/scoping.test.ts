import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SCOPING_OPERATORS,
  clauseMatches,
  isInScope,
  type ScopingClause,
  type ScopingOperator,
  scopingClauseProblem,
} from '../../src/provisioning/scoping.js';
import { user } from './helpers.js';

type Row = [operator: ScopingOperator, value: string | undefined, attribute: unknown, expected: boolean];

describe('every scoping operator', () => {
  const rows: Row[] = [
    ['EQUALS', 'Sales', 'Sales', true],
    ['EQUALS', 'Sales', 'sales', false],
    ['EQUALS', 'Sales', 'Sales ', false],
    ['EQUALS', 'True', true, true],
    ['EQUALS', '42', 42, true],
    ['NOT EQUALS', 'Sales', 'Marketing', true],
    ['NOT EQUALS', 'Sales', 'Sales', false],
    ['NOT EQUALS', 'Sales', 'SALES', true],
    ['IS TRUE', undefined, true, true],
    ['IS TRUE', undefined, 'True', true],
    ['IS TRUE', undefined, 'true', true],
    ['IS TRUE', undefined, false, false],
    ['IS TRUE', undefined, 'yes', false],
    ['IS FALSE', undefined, false, true],
    ['IS FALSE', undefined, 'False', true],
    ['IS FALSE', undefined, true, false],
    ['IS NULL', undefined, 'x', false],
    ['IS NOT NULL', undefined, 'x', true],
    ['REGEX MATCH', '.*\\@domain.com', 'jane@domain.com', true],
    ['REGEX MATCH', '.*\\@domain.com', 'jane@other.com', false],
    ['REGEX MATCH', '(1[0-9][0-9][0-9][0-9][0-9][0-9])', '1234567', true],
    ['REGEX MATCH', '(1[0-9][0-9][0-9][0-9][0-9][0-9])', '2234567', false],
    ['REGEX MATCH', '^sales$', 'Sales', false],
    ['NOT REGEX MATCH', '.*\\@domain.com', 'jane@other.com', true],
    ['NOT REGEX MATCH', '.*\\@domain.com', 'jane@domain.com', false],
    ['Greater_Than', '1000000', '1000001', true],
    ['Greater_Than', '1000000', '1000000', false],
    ['Greater_Than', '1000000', 999999, false],
    ['Greater_Than', '9', '10', true],
    ['Greater_Than', '5', 'ten', false],
    ['Greater_Than', '5', '7.5', false],
    ['Greater_Than_OR_EQUALS', '2000000', '2000000', true],
    ['Greater_Than_OR_EQUALS', '2000000', 1999999, false],
    ['Greater_Than_OR_EQUALS', '-3', '-3', true],
    ['Includes', 'Engineer', 'Senior Engineer II', true],
    ['Includes', 'engineer', 'Senior Engineer II', false],
    ['ENDS_WITH', '@contoso.com', 'jane@contoso.com', true],
    ['ENDS_WITH', '@contoso.com', 'jane@CONTOSO.com', false],
    ['&', 'Sales,Marketing', 'Sales', true],
    ['&', 'Sales,Marketing', 'Legal', false],
    ['&', 'Sales,Marketing', 'sales', false],
    ['!&', 'Sales,Marketing', 'Legal', true],
    ['!&', 'Sales,Marketing', 'Marketing', false],
  ];

  it.each(rows)('%s %j on %j → %s', (operator, value, attribute, expected) => {
    const clause: ScopingClause = { attribute: 'attr', operator, ...(value === undefined ? {} : { value }) };
    expect(clauseMatches(clause, user({ attr: attribute }))).toBe(expected);
  });

  const nullRows: Array<[ScopingOperator, string | undefined]> = [
    ['EQUALS', ''],
    ['NOT EQUALS', 'Sales'],
    ['IS TRUE', undefined],
    ['IS FALSE', undefined],
    ['IS NOT NULL', undefined],
    ['REGEX MATCH', '.*'],
    ['NOT REGEX MATCH', 'x'],
    ['Greater_Than', '0'],
    ['Greater_Than_OR_EQUALS', '0'],
    ['Includes', ''],
    ['ENDS_WITH', ''],
    ['&', 'Sales'],
    ['!&', 'Sales'],
  ];
  describe.each([
    ['absent', {}],
    ['null', { attr: null }],
    ['empty', { attr: '' }],
  ])('on a %s value', (_, attributes) => {
    it.each(nullRows)('%s %j is false', (operator, value) => {
      const clause: ScopingClause = { attribute: 'attr', operator, ...(value === undefined ? {} : { value }) };
      expect(clauseMatches(clause, user(attributes))).toBe(false);
    });
    it('IS NULL is true', () => {
      expect(clauseMatches({ attribute: 'attr', operator: 'IS NULL' }, user(attributes))).toBe(true);
    });
  });

  it('multi-valued attributes never match (they cannot be filtered on)', () => {
    expect(clauseMatches({ attribute: 'proxyAddresses', operator: 'Includes', value: 'a' }, user({ proxyAddresses: ['a'] }))).toBe(false);
    expect(clauseMatches({ attribute: 'proxyAddresses', operator: 'IS NULL' }, user({ proxyAddresses: [] }))).toBe(true);
  });

  it('reads computed and extension attributes', () => {
    expect(clauseMatches({ attribute: 'IsSoftDeleted', operator: 'IS TRUE' }, user({}, { isSoftDeleted: true }))).toBe(true);
    expect(clauseMatches({ attribute: 'objectId', operator: 'EQUALS', value: 'u-1' }, user({}, { id: 'u-1' }))).toBe(true);
    expect(clauseMatches({ attribute: 'extension_abc_costCenter', operator: 'EQUALS', value: '7' }, user({ extension_abc_costCenter: '7' }))).toBe(true);
  });
});

describe('isInScope: clauses ANDed within a filter, filters ORed', () => {
  const newYorkEngineers: ScopingClause[] = [
    { attribute: 'state', operator: 'EQUALS', value: 'New York' },
    { attribute: 'department', operator: 'EQUALS', value: 'Engineering' },
    { attribute: 'employeeId', operator: 'Greater_Than_OR_EQUALS', value: '1000000' },
    { attribute: 'jobTitle', operator: 'IS NOT NULL' },
  ];
  const sales: ScopingClause[] = [{ attribute: 'department', operator: 'EQUALS', value: 'Sales' }];
  const engineer = { state: 'New York', department: 'Engineering', employeeId: '1500000', jobTitle: 'Dev' };

  it.each([
    ['no filters: everyone', [], {}, true],
    ['every clause holds', [newYorkEngineers], engineer, true],
    ['one clause fails', [newYorkEngineers], { ...engineer, state: 'Ohio' }, false],
    ['a null attribute fails its clause', [newYorkEngineers], { ...engineer, jobTitle: null }, false],
    ['the second filter holds', [newYorkEngineers, sales], { department: 'Sales' }, true],
    ['neither filter holds', [newYorkEngineers, sales], { department: 'Legal' }, false],
  ])('%s', (_, filters, attributes, expected) => {
    expect(isInScope(filters, user(attributes))).toBe(expected);
  });
});

describe('clauses are checked when saved', () => {
  it.each<[ScopingClause, string | undefined]>([
    [{ attribute: 'department', operator: 'EQUALS', value: 'Sales' }, undefined],
    [{ attribute: 'department', operator: 'IS NULL' }, undefined],
    [{ attribute: 'department', operator: 'EQUALS' }, 'EQUALS needs a value'],
    [{ attribute: 'upn', operator: 'REGEX MATCH', value: '([a-z' }, 'invalid regular expression'],
    [{ attribute: 'upn', operator: 'NOT REGEX MATCH', value: '*x' }, 'invalid regular expression'],
    [{ attribute: 'employeeId', operator: 'Greater_Than', value: '10.5' }, "Greater_Than compares integers; '10.5' is not one"],
    [{ attribute: 'manager', operator: 'IS NOT NULL' }, "'manager' cannot be used in a scoping filter"],
    [{ attribute: 'members', operator: 'IS NULL' }, "'members' cannot be used in a scoping filter"],
  ])('%j → %s', (clause, problem) => {
    if (problem === undefined) expect(scopingClauseProblem(clause)).toBeUndefined();
    else expect(scopingClauseProblem(clause)).toContain(problem);
  });
});

describe('any attribute value', () => {
  it('gives every valid clause a true or false answer', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()), fc.dictionary(fc.string(), fc.string()));
    const clauseValue = fc.oneof(fc.constantFrom('Sales', '.*', '^a', '10', '-3'), fc.integer().map(String));
    fc.assert(
      fc.property(fc.constantFrom(...SCOPING_OPERATORS), clauseValue, value, (operator, expected, actual) => {
        const clause: ScopingClause = { attribute: 'attr', operator, value: expected };
        if (scopingClauseProblem(clause)) return;
        expect(typeof clauseMatches(clause, user({ attr: actual }))).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});
