/**
 * Evaluates a SCIM filter against a resource or element held in memory (RFC 7644 §3.4.2.2).
 * The PATCH engine needs it for element filters (`emails[type eq "work"]`); stored resources
 * are queried in SQL instead (src/target/filter-sql.ts), and the two agree on semantics:
 * - an attribute the resolver does not know, or a missing/null/empty value, is absent:
 *   every comparison on it is false except `ne` (the negation of `eq`) and `eq null`;
 * - a multi-valued attribute matches when any of its values does;
 * - strings compare case-insensitively unless the attribute is caseExact; dateTimes compare
 *   as instants; numbers numerically;
 * - comparisons that make no sense for the attribute's type (ordering booleans, `co` on
 *   binary, anything on a complex attribute) are invalidFilter.
 * The filter is compiled before any value is read, so an invalid filter fails the same way
 * whatever the data.
 */
import type { AttrPath, CompareOp, Filter, FilterValue } from './filter-ast.js';
import { invalidFilter } from './errors.js';

export type AttributeType =
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'reference'
  | 'complex'
  | 'binary';

/** What evaluation needs to know about one attribute or sub-attribute. */
export interface AttributeTypeInfo {
  type: AttributeType;
  caseExact: boolean;
  multiValued: boolean;
  /**
   * The extension URN the attribute is stored under, for attributes of an extension schema;
   * lets a resolver accept unqualified extension names (`employeeNumber`). Omit for core.
   */
  extension?: string;
}

/**
 * Looks up a filter path case-insensitively. With `parent`, `path` names a sub-attribute of
 * an element of the multi-valued attribute `parent` (the paths inside `emails[…]`).
 */
export type AttributeResolver = (path: AttrPath, parent?: AttrPath) => AttributeTypeInfo | undefined;

export interface MatchOptions {
  /**
   * The resource's core schema URN. A path qualified with it is read at the top level; a
   * path qualified with any other URN is read inside the object under that URN key.
   */
  coreSchema?: string;
  /**
   * The value is one element of this multi-valued attribute and the filter's paths name its
   * sub-attributes — how the PATCH engine tests `members[value eq "…"]` element by element.
   */
  parent?: AttrPath;
}

type JsonObject = Record<string, unknown>;
type Predicate = (object: JsonObject) => boolean;
/** The non-empty values a path names in an object, multi-valued attributes flattened. */
type Reader = (object: JsonObject) => unknown[];

interface Context {
  resolve: AttributeResolver;
  coreSchema: string | undefined;
}

/** Checks and compiles `filter` once, for testing many values (the elements of a PATCH target). */
export function compileFilter(filter: Filter, resolve: AttributeResolver, options: MatchOptions = {}): Predicate {
  return compile({ resolve, coreSchema: options.coreSchema }, filter, options.parent);
}

/** Whether `value` satisfies `filter`. Throws ScimError invalidFilter for type-incompatible comparisons. */
export function matchesFilter(
  filter: Filter,
  value: JsonObject,
  resolve: AttributeResolver,
  options: MatchOptions = {},
): boolean {
  return compileFilter(filter, resolve, options)(value);
}

function compile(ctx: Context, filter: Filter, parent: AttrPath | undefined): Predicate {
  switch (filter.kind) {
    case 'and': {
      const left = compile(ctx, filter.left, parent);
      const right = compile(ctx, filter.right, parent);
      return (o) => left(o) && right(o);
    }
    case 'or': {
      const left = compile(ctx, filter.left, parent);
      const right = compile(ctx, filter.right, parent);
      return (o) => left(o) || right(o);
    }
    case 'not': {
      const inner = compile(ctx, filter.filter, parent);
      return (o) => !inner(o);
    }
    case 'present': {
      const info = ctx.resolve(filter.path, parent);
      if (!info) return () => false;
      const read = reader(ctx, filter.path, info, parent);
      return (o) => read(o).length > 0;
    }
    case 'compare':
      return compileComparison(ctx, filter.path, filter.op, filter.value, parent);
    case 'valuePath':
      return compileValuePath(ctx, filter.path, filter.filter, parent);
  }
}

function compileValuePath(ctx: Context, path: AttrPath, inner: Filter, parent: AttrPath | undefined): Predicate {
  if (parent) throw invalidFilter(`"${describe(path)}[…]": value filters do not nest`);
  if (path.sub !== undefined) throw invalidFilter(`"${describe(path)}[…]": a value filter applies to a complex attribute`);
  const info = ctx.resolve(path);
  const element = compile(ctx, inner, path);
  if (!info) return () => false;
  if (info.type !== 'complex') throw invalidFilter(`${describe(path)} is not a complex attribute`);
  const read = reader(ctx, path, info, undefined);
  return (o) => read(o).some((e) => isObject(e) && element(e));
}

function compileComparison(
  ctx: Context,
  path: AttrPath,
  op: CompareOp,
  value: FilterValue,
  parent: AttrPath | undefined,
): Predicate {
  let target = path;
  let info = ctx.resolve(path, parent);
  if (info?.type === 'complex' && info.multiValued && path.sub === undefined) {
    // RFC 7644 §3.4.2.2: a complex multi-valued attribute without a sub-attribute is
    // compared through its `value` (`emails co "example.com"`).
    target = { ...path, sub: 'value' };
    info = ctx.resolve(target, parent);
    if (!info) throw invalidFilter(`${describe(path)} needs a sub-attribute in a filter`);
  }
  if (value === null) {
    if (op !== 'eq' && op !== 'ne') throw invalidFilter(`"${op} null" is not a valid comparison`);
    if (!info) return () => op === 'eq';
    const read = reader(ctx, target, info, parent);
    return op === 'eq' ? (o) => read(o).length === 0 : (o) => read(o).length > 0;
  }
  const positive = op === 'ne' ? 'eq' : op;
  if (!info) return () => op === 'ne';
  const test = valueTest(info, positive, value, describe(path));
  const read = reader(ctx, target, info, parent);
  const matches = (o: JsonObject) => read(o).some(test);
  return op === 'ne' ? (o) => !matches(o) : matches;
}

/** How one stored value is tested against the filter's value; throws for impossible pairs. */
function valueTest(
  info: AttributeTypeInfo,
  op: Exclude<CompareOp, 'ne'>,
  value: Exclude<FilterValue, null>,
  name: string,
): (stored: unknown) => boolean {
  if (info.type === 'complex') throw invalidFilter(`${name} is complex: compare one of its sub-attributes`);
  if ((info.type === 'boolean' || info.type === 'binary') && op !== 'eq') {
    throw invalidFilter(`"${op}" cannot compare ${info.type} attribute ${name}`);
  }
  switch (info.type) {
    case 'boolean': {
      const wanted = booleanValue(value, name);
      return (stored) => toBoolean(stored) === wanted;
    }
    case 'integer':
    case 'decimal': {
      if (op === 'co' || op === 'sw' || op === 'ew') return stringTest(op, String(value), true);
      const wanted = numberValue(value, name);
      return (stored) => {
        const n = toNumber(stored);
        return n !== undefined && ordered(op, n, wanted);
      };
    }
    case 'dateTime': {
      if (op === 'co' || op === 'sw' || op === 'ew') return stringTest(op, String(value), true);
      const wanted = dateValue(value, name);
      return (stored) => {
        const instant = typeof stored === 'string' ? Date.parse(stored) : Number.NaN;
        return !Number.isNaN(instant) && ordered(op, instant, wanted);
      };
    }
    default:
      return stringTest(op, String(value), info.type === 'binary' || info.caseExact);
  }
}

function stringTest(op: Exclude<CompareOp, 'ne'>, value: string, caseExact: boolean): (stored: unknown) => boolean {
  const fold = caseExact ? (s: string) => s : (s: string) => s.toLowerCase();
  const wanted = fold(value);
  return (stored) => {
    if (typeof stored === 'object') return false;
    const s = fold(String(stored));
    switch (op) {
      case 'co': return s.includes(wanted);
      case 'sw': return s.startsWith(wanted);
      case 'ew': return s.endsWith(wanted);
      default: return ordered(op, s, wanted);
    }
  };
}

function ordered<T extends string | number>(op: 'eq' | 'gt' | 'ge' | 'lt' | 'le', a: T, b: T): boolean {
  switch (op) {
    case 'eq': return a === b;
    case 'gt': return a > b;
    case 'ge': return a >= b;
    case 'lt': return a < b;
    case 'le': return a <= b;
  }
}

function booleanValue(value: Exclude<FilterValue, null>, name: string): boolean {
  if (typeof value === 'boolean') return value;
  // Entra's legacy dialect writes booleans as "True"/"False"; accept the same in filters.
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalidFilter(`${name} is a boolean; ${JSON.stringify(value)} is not`);
}

function numberValue(value: Exclude<FilterValue, null>, name: string): number {
  const n = toNumber(value);
  if (n === undefined) throw invalidFilter(`${name} is a number; ${JSON.stringify(value)} is not`);
  return n;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function dateValue(value: Exclude<FilterValue, null>, name: string): number {
  const instant = typeof value === 'string' && ISO_DATE.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(instant)) throw invalidFilter(`${name} is a dateTime; ${JSON.stringify(value)} is not an xsd:dateTime`);
  return instant;
}

function toBoolean(stored: unknown): boolean | undefined {
  if (typeof stored === 'boolean') return stored;
  if (typeof stored === 'string' && /^(true|false)$/i.test(stored)) return stored.toLowerCase() === 'true';
  return undefined;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/**
 * Where a path's values live: inside an element for relative paths, else at the top level
 * for core attributes or under the extension's URN key for extension attributes.
 */
function reader(ctx: Context, path: AttrPath, info: AttributeTypeInfo, parent: AttrPath | undefined): Reader {
  const urn = parent ? undefined : info.extension ?? path.uri;
  const inExtension = urn !== undefined && !sameName(urn, ctx.coreSchema);
  return (object) => {
    const container = inExtension ? getIgnoringCase(object, urn) : object;
    if (!isObject(container)) return [];
    const attribute = listOf(getIgnoringCase(container, path.attr));
    const sub = path.sub;
    const values = sub === undefined
      ? attribute
      : attribute.flatMap((e) => (isObject(e) ? listOf(getIgnoringCase(e, sub)) : []));
    return values.filter((v) => !isEmpty(v));
  };
}

function getIgnoringCase(object: JsonObject, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) {
    if (key.toLowerCase() === lower) return object[key];
  }
  return undefined;
}

const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 7643 §2.5: unassigned, null, "", [] and {} all mean "no value". */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.every(isEmpty);
  if (isObject(value)) return Object.values(value).every(isEmpty);
  return false;
}

const sameName = (a: string, b: string | undefined) => b !== undefined && a.toLowerCase() === b.toLowerCase();

const describe = (path: AttrPath) => `${path.uri ? `${path.uri}:` : ''}${path.attr}${path.sub ? `.${path.sub}` : ''}`;
