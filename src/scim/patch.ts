/**
 * The PATCH engine (RFC 7644 §3.5.2): applies a PatchOp body to a stored resource in
 * canonical form and says what changed. Pure: the input is never mutated, and any failing
 * operation throws before anything is returned, so a request is applied whole or not at all.
 *
 * Choices where the RFC leaves room (entra-provisioning.md §7 for the Entra side):
 * - `add`/`replace` on `emails[type eq "work"].value` when no element matches creates the
 *   element from the filter's `eq` comparisons — Entra sends exactly this for a user who
 *   has no work email yet. A filter that does not describe an element (`co`, `or`, …) is
 *   noTarget, as RFC 7644 §3.5.2.3 says for an unmatched replace.
 * - `remove` whose filter matches nothing succeeds without change. Removal is idempotent:
 *   Entra retries failed operations, and a member removal cannot be checked without reading
 *   the group's members, which storage deliberately never does.
 * - A value-less `remove` of a required attribute (userName) is 400 invalidValue: RFC 7644
 *   §3.12 defines invalidValue as "a required value was missing", which is the state the
 *   operation would leave behind. Likewise for any op that leaves a required attribute empty.
 * - Path-less operations skip names no schema defines and readOnly names, as a POST does;
 *   a `path` naming an unknown attribute is invalidPath and a readOnly one is mutability,
 *   because there the client asked for that exact attribute.
 * - `add` or `replace` of a complex attribute merges the given sub-attributes (RFC 7644
 *   §3.5.2.1, §3.5.2.3), except for a reference such as `manager`, whose sub-attributes all
 *   describe its `value` and are replaced together.
 */
import { ScimError, invalidFilter, invalidPath, invalidValue, mutability, noTarget } from './errors.js';
import { isPlainObject, readPatchRequest, removalValues, type PatchOpName, type PatchOperation } from './entra.js';
import type { AttrPath, Filter, PatchPath } from './filter-ast.js';
import { parsePatchPath } from './filter.js';
import { compileFilter } from './filter-eval.js';
import {
  assignValue,
  attributeValue,
  canonicalResource,
  checkReplace,
  distinct,
  elementValue,
  ignoredOnInput,
  isRowsAttribute,
  jsonEqual,
  jsonKey,
  memberRefs,
  requireAttributes,
  setValueAt,
  valueAt,
  type MemberRef,
  type ScimResource,
} from './resource.js';
import {
  attributeResolver,
  definitionAt,
  findSchema,
  locationName,
  resolveAttribute,
  resolveName,
  type AttributeDefinition,
  type AttributeLocation,
  type ResourceType,
} from './schemas.js';

/** A change to the rows attribute (Group `members`), in request order, for storage to apply. */
export type MemberChange =
  | { kind: 'add'; members: MemberRef[] }
  | { kind: 'remove'; values: string[] }
  | { kind: 'removeAll' }
  | { kind: 'replaceAll'; members: MemberRef[] };

export interface PatchResult {
  /** the patched resource in canonical form, without the rows attribute */
  resource: ScimResource;
  memberChanges: MemberChange[];
  /** whether the document differs from `current` (member changes aside) */
  documentChanged: boolean;
  /** false when the resource is unchanged and there are no member changes: skip the write */
  changed: boolean;
}

interface Draft {
  readonly type: ResourceType;
  readonly resource: ScimResource;
  readonly memberChanges: MemberChange[];
}

/**
 * Applies a PatchOp body to `current` (canonical form, as parseResource or a previous
 * applyPatch produced it). Throws ScimError 400 for anything wrong in the body; the detail
 * names the failing operation.
 */
export function applyPatch(type: ResourceType, current: ScimResource, body: unknown): PatchResult {
  const operations = readPatchRequest(body);
  const before = canonicalResource(type, current);
  const draft: Draft = { type, resource: draftOf(type, before), memberChanges: [] };
  operations.forEach((operation, index) => {
    try {
      applyOperation(draft, operation);
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      const what = operation.path === undefined ? operation.op : `${operation.op} ${operation.path}`;
      throw new ScimError(error.status, error.scimType, `Operations[${index}] (${what}): ${error.detail}`);
    }
  });
  const resource = canonicalResource(type, draft.resource);
  requireAttributes(type, resource);
  checkReplace(type, before, resource);
  const documentChanged = !jsonEqual(before, resource);
  return {
    resource,
    memberChanges: draft.memberChanges,
    documentChanged,
    changed: documentChanged || draft.memberChanges.length > 0,
  };
}

/**
 * New top-level and extension objects over a canonical resource; below them, operations
 * copy what they change, so the resource read is never touched and no deep clone is needed.
 */
function draftOf(type: ResourceType, resource: ScimResource): ScimResource {
  const draft: ScimResource = { ...resource };
  for (const { schema } of type.extensions) {
    const extension = resource[schema.id];
    if (isPlainObject(extension)) draft[schema.id] = { ...extension };
  }
  return draft;
}

function applyOperation(draft: Draft, { op, path, value }: PatchOperation): void {
  if (op !== 'remove' && value === undefined) throw invalidValue(`"${op}" needs a value`);
  if (path === undefined) {
    if (op === 'remove') throw noTarget('"remove" needs a path naming what to remove');
    return applyAttributes(draft, op, value, undefined);
  }
  const schema = findSchema(draft.type, path);
  if (schema) {
    if (!schema.extension) throw invalidPath(`'${path}' names the core schema, not an attribute`);
    if (op === 'remove') return void delete draft.resource[schema.schema.id];
    return applyAttributes(draft, op, value, schema.schema.id);
  }
  const parsed = parsePatchPath(path);
  const location = resolveAttribute(draft.type, parsed.path);
  if (!location) throw invalidPath(`No attribute '${path}' in the ${draft.type.name} schemas`);
  let target = location;
  if (parsed.filter) {
    if (!location.attribute.multiValued || location.sub) {
      throw invalidPath(`'${locationName(location)}' is not multi-valued, so it takes no [filter]`);
    }
    if (parsed.valueSub !== undefined) {
      const sub = resolveAttribute(draft.type, { attr: parsed.valueSub }, location);
      if (!sub) throw invalidPath(`'${locationName(location)}' has no sub-attribute '${parsed.valueSub}'`);
      target = sub;
    }
  }
  if (location.attribute.mutability === 'readOnly' || target.sub?.mutability === 'readOnly') {
    throw mutability(`'${locationName(target)}' is readOnly`);
  }
  if (isRowsAttribute(draft.type, location)) return applyToMembers(draft, op, parsed, target, value);
  if (parsed.filter) return applyToElements(draft, op, location, parsed.filter, target.sub, value);
  return applyAt(draft, op, location, value);
}

/**
 * A path-less add/replace, or one whose path is an extension URN: the value's members are
 * attributes, named like JSON keys (`name.givenName`, `urn:…:User:employeeNumber`, an
 * extension URN holding an object) — the `aadOptscim062020` form.
 */
function applyAttributes(draft: Draft, op: PatchOpName, value: unknown, extension: string | undefined): void {
  if (value === null && extension !== undefined) {
    if (op === 'replace') delete draft.resource[extension];
    return;
  }
  if (!isPlainObject(value)) {
    throw invalidValue(`The value must be an object of ${extension ? `'${extension}' ` : ''}attributes, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  for (const [key, inner] of Object.entries(value)) {
    if (extension === undefined && key.toLowerCase() === 'schemas') continue;
    const named = resolveName(draft.type, extension ? `${extension}:${key}` : key);
    if (named?.kind === 'extension') {
      applyAttributes(draft, op, inner, named.schema);
    } else if (named && !ignoredOnInput(named.location)) {
      if (isRowsAttribute(draft.type, named.location)) applyToMembers(draft, op, { path: { attr: key } }, named.location, inner);
      else applyAt(draft, op, named.location, inner);
    }
  }
}

/** An add/replace/remove on a location without a filter. */
function applyAt(draft: Draft, op: PatchOpName, location: AttributeLocation, raw: unknown): void {
  const { resource } = draft;
  const definition = definitionAt(location);
  const name = locationName(location);
  if (location.sub && location.attribute.multiValued) {
    // `emails.value` without a filter addresses that sub-attribute of every element
    return applyToElements(draft, op, { ...location, sub: undefined }, undefined, location.sub, raw);
  }
  if (op === 'remove') {
    if (location.attribute.multiValued && raw !== undefined && raw !== null) return removeListed(resource, location, raw);
    return assignValue(resource, location, undefined);
  }
  const value = attributeValue(definition, raw, name);
  if (definition.mutability === 'writeOnly') return;
  if (location.sub || (!definition.multiValued && definition.type !== 'complex')) {
    return assignValue(resource, location, value);
  }
  const existing = valueAt(resource, location);
  if (!definition.multiValued) {
    const merge = value !== undefined && isPlainObject(existing) && !isReference(definition);
    return setValueAt(resource, location, merge ? { ...existing, ...(value as ScimResource) } : value);
  }
  if (op === 'replace') return setValueAt(resource, location, value);
  const kept = ((existing as ScimResource[] | undefined) ?? []).map((e) => (isPlainObject(e) ? { ...e } : e));
  const present = new Set(kept.map(jsonKey));
  const added = ((value ?? []) as ScimResource[]).filter((v) => !present.has(jsonKey(v)));
  const elements = [...kept, ...added];
  setValueAt(resource, location, settle(elements, added, name));
}

/** A complex attribute whose sub-attributes all describe its `value` (manager). */
const isReference = (definition: AttributeDefinition) =>
  definition.subAttributes?.some((s) => s.name === 'value') ?? false;

/** Legacy `remove` with a value array: only the listed values go (matched on `value`). */
function removeListed(resource: ScimResource, location: AttributeLocation, raw: unknown): void {
  const values = new Set(removalValues(locationName(location), raw));
  const elements = (valueAt(resource, location) as ScimResource[] | undefined) ?? [];
  const kept = elements.filter((e) => !(typeof e.value === 'string' && values.has(e.value)));
  setValueAt(resource, location, kept.length > 0 ? kept : undefined);
}

/**
 * An operation on the elements of a multi-valued attribute that `filter` selects (all of
 * them without a filter), or on their sub-attribute `sub`.
 */
function applyToElements(
  draft: Draft,
  op: PatchOpName,
  location: AttributeLocation,
  filter: Filter | undefined,
  sub: AttributeDefinition | undefined,
  raw: unknown,
): void {
  const { resource, type } = draft;
  const name = locationName(location);
  const elements = ((valueAt(resource, location) as ScimResource[] | undefined) ?? []).map((e) => ({ ...e }));
  const parent: AttrPath = location.extension
    ? { uri: location.schema, attr: location.attribute.name }
    : { attr: location.attribute.name };
  const selects = filter
    ? compileFilter(filter, attributeResolver(type), { parent, coreSchema: type.schema.id })
    : () => true;
  const matched = elements.filter((e) => selects(e));

  if (op === 'remove') {
    const remaining = sub
      ? elements.map((e) => (matched.includes(e) ? withoutKey(e, sub.name) : e)).filter((e) => Object.keys(e).length > 0)
      : elements.filter((e) => !matched.includes(e));
    return setValueAt(resource, location, remaining.length > 0 ? remaining : undefined);
  }

  const subValue = sub ? attributeValue(sub, raw, `${name}.${sub.name}`) : undefined;
  if (sub?.mutability === 'writeOnly') return;
  let touched: ScimResource[];
  if (matched.length === 0) {
    if (sub && subValue === undefined) return;
    const seed = filter ? elementFromFilter(type, location, filter) : {};
    if (!seed) {
      throw noTarget(`No value of '${name}' matches the filter, and the filter does not describe a new value (only "eq" comparisons joined by "and" do)`);
    }
    const element = elementValue(location.attribute, sub ? { ...seed, [sub.name]: subValue } : mergeInto(seed, raw, name), name) as ScimResource | undefined;
    touched = element ? [element] : [];
    elements.push(...touched);
  } else if (sub) {
    touched = matched.map((e) => (subValue === undefined ? withoutKey(e, sub.name) : { ...e, [sub.name]: subValue }));
    replaceAll(elements, matched, touched);
  } else {
    const given = elementValue(location.attribute, raw, name) as ScimResource | undefined;
    if (given === undefined) {
      touched = [];
      if (op === 'replace') removeAll(elements, matched);
    } else {
      touched = matched.map((e) => (op === 'add' ? { ...e, ...given } : { ...given }));
      replaceAll(elements, matched, touched);
    }
  }
  setValueAt(resource, location, settle(elements.filter((e) => Object.keys(e).length > 0), touched, name));
}

function mergeInto(seed: ScimResource, raw: unknown, name: string): ScimResource {
  if (!isPlainObject(raw)) throw invalidValue(`The value for '${name}' must be an object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`);
  return { ...seed, ...raw };
}

const withoutKey = (object: ScimResource, key: string): ScimResource => {
  const { [key]: _removed, ...rest } = object;
  return rest;
};

function replaceAll(elements: ScimResource[], old: ScimResource[], replacements: ScimResource[]): void {
  old.forEach((element, i) => {
    elements[elements.indexOf(element)] = replacements[i]!;
  });
}

function removeAll(elements: ScimResource[], old: ScimResource[]): void {
  for (const element of old) elements.splice(elements.indexOf(element), 1);
}

/**
 * The element a value filter describes: `type eq "work"` → `{type:"work"}`, with `and`
 * joining comparisons. Undefined when the filter is anything else.
 */
function elementFromFilter(type: ResourceType, location: AttributeLocation, filter: Filter): ScimResource | undefined {
  if (filter.kind === 'and') {
    const left = elementFromFilter(type, location, filter.left);
    const right = elementFromFilter(type, location, filter.right);
    return left && right ? { ...left, ...right } : undefined;
  }
  if (filter.kind !== 'compare' || filter.op !== 'eq' || filter.value === null || filter.path.sub !== undefined) return undefined;
  const sub = resolveAttribute(type, filter.path, location)?.sub;
  return sub ? { [sub.name]: filter.value } : undefined;
}

/**
 * Keeps `primary: true` on at most one element — the one this operation set, per RFC 7644
 * §3.5.2 ("the server SHALL set primary to false for any other values") — and drops
 * duplicates, so adding an element that is already there changes nothing.
 */
function settle(elements: ScimResource[], touched: ScimResource[], name: string): ScimResource[] | undefined {
  const primaries = elements.filter((e) => e.primary === true);
  if (primaries.length > 1) {
    const chosen = primaries.filter((e) => touched.includes(e));
    if (chosen.length !== 1) throw invalidValue(`Attribute '${name}' may have at most one value with "primary": true`);
    for (const element of primaries) if (element !== chosen[0]) element.primary = false;
  }
  const unique = distinct(elements);
  return unique.length > 0 ? unique : undefined;
}

/**
 * Operations on the rows attribute (Group `members`) never load it; they become member
 * changes for storage. Filters may only pick members to remove by value.
 */
function applyToMembers(draft: Draft, op: PatchOpName, parsed: PatchPath, target: AttributeLocation, raw: unknown): void {
  const name = target.attribute.name;
  if (parsed.filter) {
    if (op !== 'remove' || target.sub) {
      throw invalidPath(`A filter on '${name}' can only select members to remove, as in remove ${name}[value eq "<id>"]`);
    }
    return void draft.memberChanges.push({ kind: 'remove', values: memberValues(parsed.filter, name) });
  }
  if (target.sub) throw invalidPath(`'${locationName(target)}' cannot be changed on its own; add or remove whole ${name}`);
  if (op === 'remove') {
    if (raw === undefined || raw === null) return void draft.memberChanges.push({ kind: 'removeAll' });
    const values = removalValues(name, raw);
    if (values.length > 0) draft.memberChanges.push({ kind: 'remove', values });
    return;
  }
  const members = memberRefs(target.attribute, raw, name);
  if (op === 'replace') draft.memberChanges.push({ kind: 'replaceAll', members });
  else if (members.length > 0) draft.memberChanges.push({ kind: 'add', members });
}

/** `value eq "a"` or `value eq "a" or value eq "b"` → ["a", "b"]. */
function memberValues(filter: Filter, name: string): string[] {
  if (filter.kind === 'or') return [...memberValues(filter.left, name), ...memberValues(filter.right, name)];
  if (
    filter.kind === 'compare' &&
    filter.op === 'eq' &&
    filter.path.attr.toLowerCase() === 'value' &&
    filter.path.sub === undefined &&
    typeof filter.value === 'string'
  ) {
    return [filter.value];
  }
  throw invalidFilter(`Members are selected only by id: ${name}[value eq "<id>"], several joined with "or"`);
}
