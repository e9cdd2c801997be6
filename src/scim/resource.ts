/**
 * Validation and canonical form of SCIM resources (RFC 7643 §2, RFC 7644 §3.3, §3.5.1).
 *
 * The canonical form is what storage keeps: `schemas` first (the core URN plus the URN of
 * every extension that has a value), core attributes under their canonical names, each
 * extension's attributes in an object under its URN, sub-attributes in canonical case,
 * and no `id`, `meta` or other readOnly attribute. Unassigned attributes are absent: null
 * and empty arrays mean "no value" (RFC 7643 §2.5), and so do empty complex values and empty
 * strings (Entra clears a manager with `""`).
 *
 * Lenient on purpose, because Entra must succeed on its first try:
 * - attribute names in any case; URN-qualified names at the top level;
 * - attributes no schema defines are dropped rather than refused, as RFC 7644 §3.3 allows
 *   (Entra sends whatever an admin maps, and a refusal would escrow the user forever);
 * - readOnly attributes in a body are ignored (RFC 7644 §3.5.1);
 * - writeOnly attributes (`password`) are checked and then discarded: scimflow
 *   authenticates nobody, so keeping a password would only keep a secret to leak.
 */
import { invalidSyntax, invalidValue, mutability } from './errors.js';
import { booleanFrom, complexFrom, elementsFrom, isPlainObject, memberNamed } from './entra.js';
import {
  attributeLocations,
  definitionAt,
  locationName,
  resolveName,
  type AttributeDefinition,
  type AttributeLocation,
  type ResourceType,
} from './schemas.js';

/** A resource in canonical form (see the module comment). */
export type ScimResource = Record<string, unknown>;

/** A Group member as storage keeps it: one row per member. */
export interface MemberRef {
  value: string;
  type?: 'User' | 'Group';
}

export type ParseMode = 'create' | 'replace';

export interface ParsedResource {
  resource: ScimResource;
  /**
   * The resource type's rows attribute (Group `members`), apart from the document.
   * Undefined when a replace (PUT) body leaves it out: RFC 7644 §3.5.1 lets an omitted
   * attribute count as "not asserted", and keeping the members then means a client that
   * only renames a group cannot wipe a 100,000-member group by accident. A create without
   * members gives [].
   */
  members?: MemberRef[];
}

const MEMBER_TYPES: readonly MemberRef['type'][] = ['User', 'Group'];

// ---------------------------------------------------------------------------------------
// Values

/** Deep equality of JSON values; object key order does not matter (jsonb reorders keys). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** A text key for a JSON value that ignores object key order, for de-duplicating in one pass. */
export function jsonKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jsonKey).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${jsonKey(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Drops later duplicates (compared as JSON, key order ignored). */
export function distinct<T>(values: readonly T[]): T[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = jsonKey(value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const describe = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : isPlainObject(value) ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;

function wrongType(name: string, expected: string, value: unknown): never {
  const shown = describe(value);
  throw invalidValue(`Attribute '${name}' must be ${expected}, got ${shown.length > 80 ? `${shown.slice(0, 80)}…` : shown}`);
}

function simpleValue(definition: AttributeDefinition, value: unknown, name: string): unknown {
  switch (definition.type) {
    case 'boolean': {
      const flag = booleanFrom(value);
      return flag ?? wrongType(name, 'a boolean', value);
    }
    case 'integer':
      return Number.isSafeInteger(value) ? value : wrongType(name, 'an integer', value);
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? value : wrongType(name, 'a number', value);
    case 'dateTime':
      return typeof value === 'string' && DATE_TIME.test(value) && !Number.isNaN(Date.parse(value))
        ? value
        : wrongType(name, 'an xsd:dateTime such as "2024-05-01T12:00:00Z"', value);
    case 'binary':
      return typeof value === 'string' && BASE64.test(value) ? value : wrongType(name, 'base64 text', value);
    default:
      if (typeof value !== 'string') wrongType(name, 'a string', value);
      return value === '' ? undefined : value;
  }
}

function complexValue(definition: AttributeDefinition, raw: unknown, name: string): ScimResource | undefined {
  const value = complexFrom(definition, raw);
  if (value === null || value === undefined) return undefined;
  if (!isPlainObject(value)) wrongType(name, 'a complex value (an object)', value);
  const result: ScimResource = {};
  for (const sub of definition.subAttributes ?? []) {
    if (sub.mutability === 'readOnly') continue;
    const canonical = attributeValue(sub, memberNamed(value, sub.name), `${name}.${sub.name}`);
    if (canonical !== undefined) result[sub.name] = canonical;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

function singleValue(definition: AttributeDefinition, value: unknown, name: string): unknown {
  if (value === null || value === undefined) return undefined;
  return definition.type === 'complex' ? complexValue(definition, value, name) : simpleValue(definition, value, name);
}

/**
 * The canonical form of one attribute's value, or undefined when it is unassigned.
 * Type errors are 400 invalidValue naming the attribute. Multi-valued values are
 * de-duplicated and may carry at most one `primary: true` (RFC 7643 §2.4).
 */
export function attributeValue(definition: AttributeDefinition, value: unknown, name: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (!definition.multiValued) return singleValue(definition, value, name);
  const elements = distinct(
    elementsFrom(value).map((element) => singleValue(definition, element, name)).filter((e) => e !== undefined),
  );
  if (elements.filter((e) => isPlainObject(e) && e.primary === true).length > 1) {
    throw invalidValue(`Attribute '${name}' may have at most one value with "primary": true`);
  }
  return elements.length > 0 ? elements : undefined;
}

/** The canonical form of one element of a multi-valued attribute. */
export const elementValue = (definition: AttributeDefinition, value: unknown, name: string) =>
  singleValue(definition, value, name);

// ---------------------------------------------------------------------------------------
// Where attributes live in a resource

/** The object holding a location's attribute: the resource, or its extension object. */
export function holder(resource: ScimResource, location: AttributeLocation, create: boolean): ScimResource | undefined {
  if (!location.extension) return resource;
  const existing = resource[location.schema];
  if (isPlainObject(existing)) return existing;
  if (!create) return undefined;
  const made: ScimResource = {};
  resource[location.schema] = made;
  return made;
}

export const valueAt = (resource: ScimResource, location: AttributeLocation): unknown =>
  holder(resource, location, false)?.[location.attribute.name];

/** Sets (or with undefined, removes) a location's top-level attribute. */
export function setValueAt(resource: ScimResource, location: AttributeLocation, value: unknown): void {
  const target = holder(resource, location, value !== undefined);
  if (!target) return;
  if (value === undefined) {
    delete target[location.attribute.name];
    if (location.extension && Object.keys(target).length === 0) delete resource[location.schema];
  } else {
    target[location.attribute.name] = value;
  }
}

/** Sets a location's value, into its parent complex attribute when it names a sub-attribute. */
export function assignValue(resource: ScimResource, location: AttributeLocation, value: unknown): void {
  if (!location.sub) return setValueAt(resource, location, value);
  const parent = valueAt(resource, location);
  const merged: ScimResource = isPlainObject(parent) ? { ...parent } : {};
  if (value === undefined) delete merged[location.sub.name];
  else merged[location.sub.name] = value;
  setValueAt(resource, location, Object.keys(merged).length > 0 ? merged : undefined);
}

/** Attributes a client may send but that are never stored: readOnly ones and `password`. */
export const ignoredOnInput = (location: AttributeLocation) =>
  location.attribute.mutability === 'readOnly' ||
  location.sub?.mutability === 'readOnly' ||
  definitionAt(location).mutability === 'writeOnly';

/**
 * The canonical form of a resource assembled by the functions above: `schemas` computed
 * from which extensions have values, attributes in schema order, no rows attribute.
 * Storage may hand back keys in another order (jsonb does), so everything that compares
 * resources goes through here first.
 */
export function canonicalResource(type: ResourceType, resource: ScimResource): ScimResource {
  const ordered: ScimResource = { schemas: [type.schema.id] };
  for (const location of attributeLocations(type)) {
    const value = isRowsAttribute(type, location) ? undefined : valueAt(resource, location);
    if (value === undefined) continue;
    if (location.extension) {
      const target = (ordered[location.schema] ??= {}) as ScimResource;
      target[location.attribute.name] = value;
    } else {
      ordered[location.attribute.name] = value;
    }
  }
  const present = type.extensions.filter((e) => ordered[e.schema.id] !== undefined).map((e) => e.schema.id);
  ordered.schemas = [type.schema.id, ...present];
  return ordered;
}

/** Required attributes (userName, Group displayName) must have a value: 400 invalidValue. */
export function requireAttributes(type: ResourceType, resource: ScimResource): void {
  for (const location of attributeLocations(type)) {
    if (location.attribute.required && valueAt(resource, location) === undefined) {
      throw invalidValue(`Attribute '${locationName(location)}' is required`);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Members

/** `members` values as rows: `value` is required, `type` is "User" or "Group" (any case). */
export function memberRefs(definition: AttributeDefinition, value: unknown, name: string): MemberRef[] {
  const elements = (attributeValue(definition, value, name) ?? []) as ScimResource[];
  const seen = new Set<string>();
  return elements.flatMap((element) => {
    if (typeof element.value !== 'string') throw invalidValue(`Every entry of '${name}' needs a value (the member's id)`);
    const type = element.type === undefined
      ? undefined
      : MEMBER_TYPES.find((t) => t!.toLowerCase() === String(element.type).toLowerCase());
    if (element.type !== undefined && !type) {
      throw invalidValue(`'${name}.type' must be "User" or "Group", got ${JSON.stringify(element.type)}`);
    }
    if (seen.has(element.value)) return [];
    seen.add(element.value);
    return [type ? { value: element.value, type } : { value: element.value }];
  });
}

export const isRowsAttribute = (type: ResourceType, location: AttributeLocation) =>
  !location.extension && location.attribute.name === type.rowsAttribute;

// ---------------------------------------------------------------------------------------
// POST and PUT bodies

/**
 * Validates and canonicalises a POST (`create`) or PUT (`replace`) body. Throws ScimError
 * 400: invalidSyntax when the body is not an object or `schemas` does not list the
 * resource type's core schema (it is the message that is malformed, not an attribute);
 * invalidValue for a wrongly typed or missing required attribute, naming the attribute.
 */
export function parseResource(type: ResourceType, body: unknown, mode: ParseMode): ParsedResource {
  if (!isPlainObject(body)) throw invalidSyntax(`A ${type.name} must be a JSON object`);
  const schemas = memberNamed(body, 'schemas');
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === type.schema.id.toLowerCase())) {
    throw invalidSyntax(`A ${type.name}'s schemas must list "${type.schema.id}"`);
  }
  const resource: ScimResource = {};
  let members: MemberRef[] | undefined;
  const take = (location: AttributeLocation, value: unknown) => {
    if (isRowsAttribute(type, location)) {
      if (!location.sub) members = memberRefs(location.attribute, value, location.attribute.name);
    } else if (!ignoredOnInput(location)) {
      assignValue(resource, location, attributeValue(definitionAt(location), value, locationName(location)));
    }
  };
  for (const [key, value] of Object.entries(body)) {
    const target = resolveName(type, key);
    if (target?.kind === 'attribute') {
      take(target.location, value);
    } else if (target?.kind === 'extension' && value !== null) {
      if (!isPlainObject(value)) wrongType(target.schema, 'an object of extension attributes', value);
      for (const [name, inner] of Object.entries(value)) {
        const named = resolveName(type, `${target.schema}:${name}`);
        if (named?.kind === 'attribute') take(named.location, inner);
      }
    }
  }
  const canonical = canonicalResource(type, resource);
  requireAttributes(type, canonical);
  if (type.rowsAttribute && members === undefined && mode === 'create') members = [];
  return { resource: canonical, ...(members !== undefined ? { members } : {}) };
}

/**
 * PUT may not change an immutable attribute that already has a value (RFC 7643 §2.2,
 * RFC 7644 §3.5.1): 400 mutability. Both resources are in canonical form. The rows
 * attribute is left out: its immutable sub-attributes describe each member, and
 * replacing the list adds and removes members rather than changing one.
 */
export function checkReplace(type: ResourceType, previous: ScimResource, next: ScimResource): void {
  for (const location of attributeLocations(type)) {
    if (isRowsAttribute(type, location)) continue;
    const before = valueAt(previous, location);
    if (before === undefined) continue;
    const after = valueAt(next, location);
    if (location.attribute.mutability === 'immutable') {
      if (!jsonEqual(before, after)) throw mutability(`Attribute '${locationName(location)}' is immutable and already has a value`);
      continue;
    }
    if (location.attribute.multiValued || !isPlainObject(before)) continue;
    for (const sub of location.attribute.subAttributes ?? []) {
      const subBefore = before[sub.name];
      if (sub.mutability !== 'immutable' || subBefore === undefined) continue;
      const subAfter = isPlainObject(after) ? after[sub.name] : undefined;
      if (!jsonEqual(subBefore, subAfter)) {
        throw mutability(`Attribute '${locationName({ ...location, sub })}' is immutable and already has a value`);
      }
    }
  }
}
