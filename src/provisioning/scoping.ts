/**
 * Attribute-based scoping filters (entra-provisioning.md §5): the clauses of one filter are
 * ANDed, separate filters are ORed, and no filter at all means every object is in scope.
 */
import { compileDotNetRegex } from './expressions/functions.js';
import { fromSource, toText } from './expressions/values.js';
import { type SourceObject, sourceAttribute } from './source.js';

/** Operator names exactly as Entra and Microsoft Graph spell them. */
export const SCOPING_OPERATORS = [
  'EQUALS',
  'NOT EQUALS',
  'IS TRUE',
  'IS FALSE',
  'IS NULL',
  'IS NOT NULL',
  'REGEX MATCH',
  'NOT REGEX MATCH',
  'Greater_Than',
  'Greater_Than_OR_EQUALS',
  'Includes',
  'ENDS_WITH',
  '&',
  '!&',
] as const;
export type ScopingOperator = (typeof SCOPING_OPERATORS)[number];

export interface ScopingClause {
  attribute: string;
  operator: ScopingOperator;
  /** required by every operator except IS TRUE, IS FALSE, IS NULL and IS NOT NULL */
  value?: string;
}

/** Clauses that must all hold. */
export type ScopingFilter = readonly ScopingClause[];

const VALUELESS: ReadonlySet<ScopingOperator> = new Set(['IS TRUE', 'IS FALSE', 'IS NULL', 'IS NOT NULL']);

/** Microsoft: manager, group membership and multi-valued attributes cannot be filtered on. */
const UNFILTERABLE = new Set(['manager', 'members', 'approleassignments']);

const INTEGER = /^[+-]?\d+$/;

export function operatorTakesValue(operator: ScopingOperator): boolean {
  return !VALUELESS.has(operator);
}

/**
 * Why a clause can never work, checked when a configuration is saved: a missing value, a
 * regex that does not compile, a non-integer for Greater_Than, an unfilterable attribute.
 */
export function scopingClauseProblem(clause: ScopingClause): string | undefined {
  if (UNFILTERABLE.has(clause.attribute.toLowerCase())) {
    return `'${clause.attribute}' cannot be used in a scoping filter`;
  }
  if (!operatorTakesValue(clause.operator)) return undefined;
  const value = clause.value;
  if (value === undefined) return `${clause.operator} needs a value`;
  if (clause.operator === 'REGEX MATCH' || clause.operator === 'NOT REGEX MATCH') {
    try {
      compileDotNetRegex(value);
    } catch (error) {
      return `invalid regular expression: ${(error as Error).message}`;
    }
  }
  if ((clause.operator === 'Greater_Than' || clause.operator === 'Greater_Than_OR_EQUALS') && !INTEGER.test(value)) {
    return `${clause.operator} compares integers; '${value}' is not one`;
  }
  return undefined;
}

/**
 * One clause against one object. String comparisons are case-sensitive; every clause is false
 * on a null or empty value except IS NULL (Microsoft: "Scoping filters will return false if
 * the value is null / empty" — so NOT EQUALS, NOT REGEX MATCH and !& are false there too).
 */
export function clauseMatches(clause: ScopingClause, source: SourceObject): boolean {
  const raw = sourceAttribute(source, clause.attribute);
  const empty = raw === null || raw === '' || (Array.isArray(raw) && raw.length === 0);
  if (clause.operator === 'IS NULL') return empty;
  if (empty || Array.isArray(raw) || (typeof raw === 'object' && !(raw instanceof Date))) return false;
  const actual = toText(fromSource(raw))!;
  const expected = clause.value ?? '';
  switch (clause.operator) {
    case 'IS NOT NULL':
      return true;
    case 'IS TRUE':
      return actual.toLowerCase() === 'true';
    case 'IS FALSE':
      return actual.toLowerCase() === 'false';
    case 'EQUALS':
      return actual === expected;
    case 'NOT EQUALS':
      return actual !== expected;
    case 'REGEX MATCH':
      return compileDotNetRegex(expected).test(actual);
    case 'NOT REGEX MATCH':
      return !compileDotNetRegex(expected).test(actual);
    case 'Greater_Than':
    case 'Greater_Than_OR_EQUALS': {
      if (!INTEGER.test(actual.trim()) || !INTEGER.test(expected)) return false;
      const difference = BigInt(actual.trim()) - BigInt(expected);
      return clause.operator === 'Greater_Than' ? difference > 0n : difference >= 0n;
    }
    case 'Includes':
      return actual.includes(expected);
    case 'ENDS_WITH':
      return actual.endsWith(expected);
    // Microsoft: "&: true if the evaluated attribute exists in the input string value" —
    // the attribute's value is found inside the clause's value (e.g. "Sales,Marketing").
    case '&':
      return expected.includes(actual);
    case '!&':
      return !expected.includes(actual);
  }
}

/** Whether an object passes the scoping filters; with no filters, everything is in scope. */
export function isInScope(filters: readonly ScopingFilter[], source: SourceObject): boolean {
  if (filters.length === 0) return true;
  return filters.some((filter) => filter.every((clause) => clauseMatches(clause, source)));
}
