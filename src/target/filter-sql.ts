import { sql, type Fragment } from './sql.js';
import type { AttrPath, CompareOp, Filter, FilterValue } from '../scim/filter-ast.js';
import { resolveAttribute, type AttributeType, type ResourceType } from '../scim/schemas.js';
import { invalidFilter } from '../scim/errors.js';
import { scimGroupMembers, scimGroups, scimUsers } from '../db/target.js';

/**
 * SCIM filter AST → SQL over scim_users / scim_groups (RFC 7644 §3.4.2.2).
 *
 * Decisions:
 * - An attribute the schema does not define is an `invalidFilter` error rather than "no
 *   results": the RFC allows either, and a silent empty list hides a typo in a client's
 *   matching attribute (Entra would then create duplicates).
 * - A comparison on a multi-valued attribute holds when one of its values satisfies it.
 *   `ne` is the negation of `eq` (as in filter-eval.ts): it holds when no value equals,
 *   including when the attribute is absent; `eq null` means absent, `ne null` present.
 *   `not (f)` likewise matches resources where `f` is unknown because of absent values.
 * - Attributes copied into columns are compared on those columns, with the same `lower()`
 *   expressions as their indexes; everything else is a JSONB expression, multi-valued
 *   attributes an EXISTS over their elements.
 * - Filter values are always bound parameters. JSON keys are SQL literals: they are the
 *   canonical names of the schema definitions, never text from the request, and literals
 *   keep the statement's parameters to the values (and let the planner see the keys).
 */

/** The part of an RFC 7643 attribute definition a query needs. */
interface QueryAttribute {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  caseExact?: boolean;
  subAttributes?: readonly QueryAttribute[];
}

export interface FilterOptions {
  /**
   * `absent`: a name the type's schemas lack is an attribute no resource has, for searches
   * across resource types (`/.search` at the root) where `userName` exists only on Users.
   */
  unknownAttributes?: 'error' | 'absent';
}

/** A boolean SQL condition; null-valued results count as "no match" at the top level. */
export function filterToSql(target: ResourceType, filter: Filter, options: FilterOptions = {}): Fragment {
  return compile({ kind: 'resource', target, absentUnknown: options.unknownAttributes === 'absent' }, filter);
}

/**
 * Whether a filter can match at most one resource: `eq` on an attribute the service keeps
 * unique (`userName`, Group `displayName`, `id`), as Entra's matching lookups are.
 */
export function matchesAtMostOne(target: ResourceType, filter: Filter): boolean {
  if (filter.kind !== 'compare' || filter.op !== 'eq' || typeof filter.value !== 'string') return false;
  const resolved = resolveAttribute(target, filter.path);
  return resolved !== undefined && !resolved.extension && !resolved.sub && resolved.attribute.uniqueness === 'server';
}

/** The SQL expression `sortBy` orders by (nulls are sorted by the caller). */
export function sortExpression(target: ResourceType, path: AttrPath): Fragment {
  const ref = resourceRef(target, path, 'sortBy');
  if (ref.kind === 'members') throw invalidFilter('cannot sort by members');
  if (ref.kind === 'multi') {
    // RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its primary (else first) value
    const { attr, scalar } = ref.element(sql`e.v`);
    const value = sortable(attr, scalar);
    return sql`(select ${value} from jsonb_array_elements(${ref.elements}) with ordinality as e(v, n)
      order by (e.v->>'primary')::boolean desc nulls last, e.n limit 1)`;
  }
  return sortable(ref.attr, ref.scalar);
}

function sortable(attr: QueryAttribute, scalar: Scalar): Fragment {
  if (attr.type === 'complex') throw invalidFilter(`cannot sort by complex attribute ${attr.name}`);
  const typed = scalar.column ?? castText(scalar.text, attr.type);
  return isCaseInsensitive(attr) ? sql`lower(${typed})` : typed;
}

// ---------------------------------------------------------------------------------------

type Scope =
  | { kind: 'resource'; target: ResourceType; absentUnknown?: boolean }
  /** inside `attr[...]`: paths name sub-attributes of one element, read from `json` */
  | { kind: 'element'; parent: QueryAttribute; json: Fragment }
  /** inside `members[...]` of a group: one scim_group_members row */
  | { kind: 'member' };

/** A single value an operator compares: its text form and, when it is JSON, the JSON. */
interface Scalar {
  text: Fragment;
  json?: Fragment;
  /** the typed column, for comparisons the planner can match to its index */
  column?: Fragment;
  /** a NOT NULL column, or a value that always exists */
  alwaysPresent?: boolean;
}

type Ref =
  | { kind: 'scalar'; attr: QueryAttribute; scalar: Scalar }
  /** a multi-valued attribute: `test` applied to each element, true when any matches */
  | { kind: 'multi'; attr: QueryAttribute; elements: Fragment; element: (e: Fragment) => { attr: QueryAttribute; scalar: Scalar } }
  | { kind: 'members'; sub: string | undefined };

function compile(scope: Scope, f: Filter): Fragment {
  switch (f.kind) {
    case 'and':
      return sql`(${compile(scope, f.left)} and ${compile(scope, f.right)})`;
    case 'or':
      return sql`(${compile(scope, f.left)} or ${compile(scope, f.right)})`;
    case 'not':
      return sql`(not coalesce(${compile(scope, f.filter)}, false))`;
    case 'present':
      return presence(reference(scope, f.path));
    case 'compare':
      return compare(scope, f.path, f.op, f.value);
    case 'valuePath':
      return (scope.kind === 'resource' && workEmail(scope.target, f)) || valuePath(scope, f.path, f.filter);
  }
}

function reference(scope: Scope, path: AttrPath): Ref {
  if (scope.kind === 'resource') {
    if (scope.absentUnknown && !resolveAttribute(scope.target, path)) return absent;
    return resourceRef(scope.target, path, 'filter');
  }
  if (scope.kind === 'member') return { kind: 'scalar', ...memberSub(path.sub ? undefined : path.attr, path) };
  if (path.uri || path.sub) throw invalidFilter(`"${describe(path)}" is not a sub-attribute of ${scope.parent.name}`);
  const sub = findSub(scope.parent, path.attr);
  if (!sub) throw invalidFilter(`${scope.parent.name} has no sub-attribute "${path.attr}"`);
  return { kind: 'scalar', attr: sub, scalar: jsonScalar(sql`${scope.json}->${jsonKey(sub.name)}`) };
}

function compare(scope: Scope, path: AttrPath, op: CompareOp, value: FilterValue): Fragment {
  const ref = reference(scope, path);
  if (value === null) {
    if (op === 'eq') return sql`(not ${presence(ref)})`;
    if (op === 'ne') return presence(ref);
    throw invalidFilter(`"${op} null" is not a valid comparison`);
  }
  if (op === 'ne') return sql`(not coalesce(${test(ref, (attr, scalar) => comparison(attr, scalar, 'eq', value))}, false))`;
  return test(ref, (attr, scalar) => comparison(attr, scalar, op, value));
}

/** Applies a per-value condition to a reference, looping over multi-valued attributes. */
function test(ref: Ref, condition: (attr: QueryAttribute, scalar: Scalar) => Fragment): Fragment {
  switch (ref.kind) {
    case 'scalar':
      return condition(ref.attr, ref.scalar);
    case 'multi': {
      const { attr, scalar } = ref.element(sql`e.v`);
      return sql`exists (select 1 from jsonb_array_elements(${ref.elements}) as e(v) where ${condition(attr, scalar)})`;
    }
    case 'members': {
      const { attr, scalar } = memberSub(ref.sub ?? 'value', { attr: 'members', sub: ref.sub });
      return membersExist(condition(attr, scalar));
    }
  }
}

function presence(ref: Ref): Fragment {
  if (ref.kind === 'members' && !ref.sub) return membersExist(sql`true`);
  return test(ref, (attr, scalar) => present(attr, scalar));
}

function valuePath(scope: Scope, path: AttrPath, inner: Filter): Fragment {
  if (scope.kind !== 'resource') throw invalidFilter('a value filter cannot be nested inside another');
  if (path.sub) throw invalidFilter(`"${describe(path)}[…]": a value filter applies to a complex attribute`);
  if (scope.absentUnknown && !resolveAttribute(scope.target, path)) return sql`false`;
  const ref = resourceRef(scope.target, path, 'filter');
  if (ref.kind === 'members') return membersExist(compile({ kind: 'member' }, inner));
  if (ref.attr.type !== 'complex') throw invalidFilter(`${ref.attr.name} is not a complex attribute`);
  if (ref.kind === 'multi') {
    return sql`exists (select 1 from jsonb_array_elements(${ref.elements}) as e(v) where ${compile({ kind: 'element', parent: ref.attr, json: sql`e.v` }, inner)})`;
  }
  const json = ref.scalar.json;
  if (!json) throw invalidFilter(`${ref.attr.name} cannot take a value filter`);
  return compile({ kind: 'element', parent: ref.attr, json }, inner);
}

const absent: Ref = { kind: 'scalar', attr: { name: 'absent', type: 'string', multiValued: false }, scalar: { text: sql`null::text` } };

// --- resource attributes ---------------------------------------------------------------

const users = scimUsers;
const groups = scimGroups;

/** Attributes copied into columns, by canonical path, per resource type. */
const columns: Record<ResourceType['name'], Record<string, Scalar>> = {
  User: {
    id: { text: sql`${users.id}::text`, column: sql`${users.id}`, alwaysPresent: true },
    userName: { text: sql`${users.userName}`, alwaysPresent: true },
    externalId: { text: sql`${users.externalId}` },
    displayName: { text: sql`${users.displayName}` },
    active: { text: sql`${users.active}::text`, column: sql`${users.active}` },
    'name.formatted': { text: sql`${users.nameFormatted}` },
    'meta.created': { text: sql`${users.createdAt}::text`, column: sql`${users.createdAt}`, alwaysPresent: true },
    'meta.lastModified': { text: sql`${users.lastModified}::text`, column: sql`${users.lastModified}`, alwaysPresent: true },
  },
  Group: {
    id: { text: sql`${groups.id}::text`, column: sql`${groups.id}`, alwaysPresent: true },
    displayName: { text: sql`${groups.displayName}`, alwaysPresent: true },
    externalId: { text: sql`${groups.externalId}` },
    'meta.created': { text: sql`${groups.createdAt}::text`, column: sql`${groups.createdAt}`, alwaysPresent: true },
    'meta.lastModified': { text: sql`${groups.lastModified}::text`, column: sql`${groups.lastModified}`, alwaysPresent: true },
  },
};

function resourceRef(target: ResourceType, path: AttrPath, what: 'filter' | 'sortBy'): Ref {
  const table = target.name === 'User' ? users : groups;
  const resolved = resolveAttribute(target, path);
  if (!resolved) throw invalidFilter(`unknown attribute "${describe(path)}" in ${what} for ${target.name}`);
  const { attribute, sub } = resolved;
  const extension = resolved.extension ? resolved.schema : undefined;
  if (!extension && attribute.name === 'meta') return metaRef(target, sub);
  if (target.name === 'Group' && !extension && attribute.name === 'members') {
    if (sub && !['value', 'type', 'display'].includes(sub.name)) throw invalidFilter(`cannot filter on members.${sub.name}`);
    return { kind: 'members', sub: sub?.name };
  }
  const key = sub ? `${attribute.name}.${sub.name}` : attribute.name;
  const column = !extension ? columns[target.name][key] : undefined;
  if (column) return { kind: 'scalar', attr: sub ?? attribute, scalar: column };

  const root = extension ? sql`${table.resource}->${jsonKey(extension)}` : sql`${table.resource}`;
  const attrJson = sql`${root}->${jsonKey(attribute.name)}`;
  if (attribute.multiValued) {
    return {
      kind: 'multi',
      attr: attribute,
      elements: sql`coalesce(${attrJson}, '[]'::jsonb)`,
      element: (e) => elementValue(attribute, sub, e),
    };
  }
  if (sub) return { kind: 'scalar', attr: sub, scalar: jsonScalar(sql`${attrJson}->${jsonKey(sub.name)}`) };
  return { kind: 'scalar', attr: attribute, scalar: jsonScalar(attrJson) };
}

/** `meta.*`, which lives in columns (or is the same for every row of a table). */
function metaRef(target: ResourceType, sub: QueryAttribute | undefined): Ref {
  if (!sub) return { kind: 'scalar', attr: { name: 'meta', type: 'complex', multiValued: false }, scalar: { text: sql`'meta'`, alwaysPresent: true } };
  const table = target.name === 'User' ? users : groups;
  const scalar: Scalar | undefined = sub.name === 'resourceType' ? { text: sql`${target.name}::text`, alwaysPresent: true }
    : sub.name === 'version' ? { text: sql`'W/"' || ${table.version}::text || '"'`, alwaysPresent: true }
    : columns[target.name][`meta.${sub.name}`];
  if (!scalar) throw invalidFilter(`cannot filter on meta.${sub.name}`);
  return { kind: 'scalar', attr: sub, scalar };
}

/** What a comparison on a multi-valued attribute looks at in one element. */
function elementValue(attribute: QueryAttribute, sub: QueryAttribute | undefined, e: Fragment): { attr: QueryAttribute; scalar: Scalar } {
  if (sub) return { attr: sub, scalar: jsonScalar(sql`${e}->${jsonKey(sub.name)}`) };
  if (attribute.type !== 'complex') return { attr: attribute, scalar: jsonScalar(e) };
  // RFC 7644 §3.4.2.2: a complex multi-valued attribute without a sub-attribute is
  // compared through its `value`.
  const value = findSub(attribute, 'value');
  if (!value) throw invalidFilter(`${attribute.name} needs a sub-attribute in a filter`);
  return { attr: value, scalar: jsonScalar(sql`${e}->'value'`) };
}

const SCHEMA_NAME = /^[A-Za-z0-9$_.:-]+$/;

/** A schema-defined attribute name or URN as a JSON key literal. */
function jsonKey(name: string): Fragment {
  if (!SCHEMA_NAME.test(name)) throw new Error(`not a schema name: ${name}`);
  return sql.raw(`'${name}'`);
}

function jsonScalar(json: Fragment): Scalar {
  return { json, text: sql`(${json} #>> '{}')` };
}

function membersExist(condition: Fragment): Fragment {
  return sql`exists (select 1 from ${scimGroupMembers} m where m.group_id = ${groups.id} and ${condition})`;
}

const memberAttributes: Record<string, QueryAttribute> = {
  value: { name: 'value', type: 'string', multiValued: false, caseExact: false },
  type: { name: 'type', type: 'string', multiValued: false, caseExact: false },
  display: { name: 'display', type: 'string', multiValued: false, caseExact: false },
};

function memberSub(name: string | undefined, path: AttrPath): { attr: QueryAttribute; scalar: Scalar } {
  const attr = name ? memberAttributes[name.toLowerCase()] : undefined;
  if (!attr || path.uri) throw invalidFilter(`cannot filter members on "${describe(path)}"`);
  const scalar: Scalar = attr.name === 'value' ? { text: sql`m.member_id::text`, column: sql`m.member_id`, alwaysPresent: true }
    : attr.name === 'type' ? { text: sql`m.member_type`, alwaysPresent: true }
    : {
        text: sql`(case m.member_type
          when 'User' then (select coalesce(mu.display_name, mu.user_name) from ${users} mu where mu.id = m.member_id)
          else (select mg.display_name from ${groups} mg where mg.id = m.member_id) end)`,
      };
  return { attr, scalar };
}

// --- Entra's work email --------------------------------------------------------------------

/**
 * `emails[type eq "work"].value eq "x"` (how Entra matches on mail) reads the indexed
 * `work_email` column; users with several work emails are looked up in the JSON too, so the
 * answer is exactly the EXISTS semantics.
 */
function workEmail(target: ResourceType, f: Extract<Filter, { kind: 'valuePath' }>): Fragment | undefined {
  if (target.name !== 'User' || f.filter.kind !== 'and') return undefined;
  const resolved = resolveAttribute(target, f.path);
  if (!resolved || resolved.extension || resolved.attribute.name !== 'emails' || resolved.sub) return undefined;
  const parts = [f.filter.left, f.filter.right];
  const isWorkType = (p: Filter) => p.kind === 'compare' && !p.path.uri && !p.path.sub && p.path.attr.toLowerCase() === 'type'
    && p.op === 'eq' && typeof p.value === 'string' && p.value.toLowerCase() === 'work';
  const valueEq = parts.find((p): p is Extract<Filter, { kind: 'compare' }> => p.kind === 'compare' && !p.path.uri && !p.path.sub
    && p.path.attr.toLowerCase() === 'value' && p.op === 'eq' && typeof p.value === 'string');
  if (!parts.some(isWorkType) || !valueEq) return undefined;
  const exact = valuePath({ kind: 'resource', target }, f.path, f.filter);
  return sql`(lower(${users.workEmail}) = lower(${valueEq.value as string}) or (${users.workEmailsMultiple} and ${exact}))`;
}

// --- comparisons ---------------------------------------------------------------------------

function isCaseInsensitive(attr: QueryAttribute): boolean {
  return (attr.type === 'string' || attr.type === 'reference') && attr.caseExact !== true;
}

function castText(text: Fragment, type: AttributeType): Fragment {
  switch (type) {
    case 'boolean': return sql`(${text})::boolean`;
    case 'decimal':
    case 'integer': return sql`(${text})::numeric`;
    case 'dateTime': return sql`(${text})::timestamptz`;
    default: return text;
  }
}

const sqlOps: Record<'eq' | 'gt' | 'ge' | 'lt' | 'le', Fragment> = {
  eq: sql.raw('='), gt: sql.raw('>'), ge: sql.raw('>='), lt: sql.raw('<'), le: sql.raw('<='),
};

function present(attr: QueryAttribute, scalar: Scalar): Fragment {
  if (scalar.alwaysPresent) return sql`true`;
  if (scalar.json) {
    return sql`(${scalar.json} is not null and ${scalar.json} not in ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb))`;
  }
  return attr.type === 'string' || attr.type === 'reference'
    ? sql`(${scalar.text} is not null and ${scalar.text} <> '')`
    : sql`(${scalar.text} is not null)`;
}

function comparison(attr: QueryAttribute, scalar: Scalar, op: Exclude<CompareOp, 'ne'>, value: Exclude<FilterValue, null>): Fragment {
  if (attr.type === 'complex') throw invalidFilter(`${attr.name} is complex: compare one of its sub-attributes`);
  if (op === 'co' || op === 'sw' || op === 'ew') return like(attr, scalar, op, value);
  if ((attr.type === 'boolean' || attr.type === 'binary') && op !== 'eq') {
    throw invalidFilter(`"${op}" cannot compare ${attr.type} attribute ${attr.name}`);
  }
  const operator = sqlOps[op];
  const column = scalar.column;
  switch (attr.type) {
    case 'boolean':
      return sql`${column ?? castText(scalar.text, 'boolean')} ${operator} ${booleanValue(attr, value)}::boolean`;
    case 'decimal':
    case 'integer':
      return sql`${castText(scalar.text, attr.type)} ${operator} ${numberValue(attr, value)}::numeric`;
    case 'dateTime':
      return sql`${column ?? castText(scalar.text, 'dateTime')} ${operator} ${dateValue(attr, value)}::timestamptz`;
    default: {
      const text = stringValue(value);
      // uuid columns (ids, member ids) compare as uuids, on their indexes; a uuid compares
      // without regard to case, which only a case-insensitive attribute may do
      if (column && isUuid(text) && (isCaseInsensitive(attr) || text === text.toLowerCase())) {
        return sql`${column} ${operator} ${text}::uuid`;
      }
      // stored uuids are lowercase: no other text equals one (and no scan needs to prove it)
      if (column && op === 'eq') return sql`false`;
      return isCaseInsensitive(attr)
        ? sql`lower(${scalar.text}) ${operator} lower(${text})`
        : sql`${scalar.text} ${operator} ${text}`;
    }
  }
}

function like(attr: QueryAttribute, scalar: Scalar, op: 'co' | 'sw' | 'ew', value: Exclude<FilterValue, null>): Fragment {
  if (attr.type === 'boolean' || attr.type === 'binary') throw invalidFilter(`"${op}" cannot compare ${attr.type} attribute ${attr.name}`);
  const escaped = stringValue(value).replace(/[\\%_]/g, (c) => `\\${c}`);
  const pattern = op === 'sw' ? `${escaped}%` : op === 'ew' ? `%${escaped}` : `%${escaped}%`;
  return isCaseInsensitive(attr)
    ? sql`lower(${scalar.text}) like lower(${pattern})`
    : sql`${scalar.text} like ${pattern}`;
}

function stringValue(value: Exclude<FilterValue, null>): string {
  return typeof value === 'string' ? value : String(value);
}

function booleanValue(attr: QueryAttribute, value: Exclude<FilterValue, null>): boolean {
  if (typeof value === 'boolean') return value;
  // Entra's legacy dialect writes booleans as "True"/"False"; accept the same in filters.
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalidFilter(`${attr.name} is a boolean; ${JSON.stringify(value)} is not`);
}

function numberValue(attr: QueryAttribute, value: Exclude<FilterValue, null>): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value.trim())) return value.trim();
  throw invalidFilter(`${attr.name} is a number; ${JSON.stringify(value)} is not`);
}

const isoDate = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function dateValue(attr: QueryAttribute, value: Exclude<FilterValue, null>): string {
  if (typeof value === 'string' && isoDate.test(value) && !Number.isNaN(Date.parse(value))) return value;
  throw invalidFilter(`${attr.name} is a dateTime; ${JSON.stringify(value)} is not an xsd:dateTime`);
}

function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}

function findSub(parent: QueryAttribute, name: string): QueryAttribute | undefined {
  const lower = name.toLowerCase();
  return parent.subAttributes?.find((s) => s.name.toLowerCase() === lower);
}

function describe(path: AttrPath): string {
  return `${path.uri ? `${path.uri}:` : ''}${path.attr}${path.sub ? `.${path.sub}` : ''}`;
}
