/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.9) together with each attribute's
 * `returned` characteristic (RFC 7643 §2.4, §7): `always` (id, schemas) is returned
 * whatever is asked, `never` (password) is never returned, `request` only when named in
 * `attributes`, `default` unless left out by `attributes` or named in `excludedAttributes`.
 * Names are matched case-insensitively and may be URN-qualified, name a sub-attribute
 * (`name.givenName`, `emails.value`) or a whole extension by its URN. Names no schema
 * defines select nothing, rather than failing a read over a typo.
 */
import { isPlainObject } from './entra.js';
import {
  GROUP,
  findSchema,
  resolveName,
  type AttributeDefinition,
  type AttributeLocation,
  type NamedTarget,
  type ResourceType,
} from './schemas.js';
import type { ScimResource } from './resource.js';

export interface ProjectionParams {
  /** comma-separated (a query parameter) or a list (a `/.search` body) */
  attributes?: string | readonly string[] | undefined;
  excludedAttributes?: string | readonly string[] | undefined;
}

interface Selection {
  /** whole extensions named by URN */
  readonly extensions: ReadonlySet<string>;
  /** `schema|attribute` keys of whole attributes */
  readonly attributes: ReadonlySet<string>;
  /** `schema|attribute` → names of sub-attributes */
  readonly subs: ReadonlyMap<string, ReadonlySet<string>>;
}

const keyOf = (location: Pick<AttributeLocation, 'schema' | 'attribute'>) => `${location.schema}|${location.attribute.name}`;

function select(type: ResourceType, list: ProjectionParams['attributes']): Selection | undefined {
  const names = (typeof list === 'string' ? list.split(',') : (list ?? [])).map((n) => n.trim()).filter((n) => n !== '');
  if (names.length === 0) return undefined;
  const extensions = new Set<string>();
  const attributes = new Set<string>();
  const subs = new Map<string, Set<string>>();
  for (const target of names.map((n) => resolveName(type, n)).filter((t): t is NamedTarget => t !== undefined)) {
    if (target.kind === 'extension') extensions.add(target.schema);
    else if (!target.location.sub) attributes.add(keyOf(target.location));
    else {
      const key = keyOf(target.location);
      subs.set(key, (subs.get(key) ?? new Set()).add(target.location.sub.name));
    }
  }
  return { extensions, attributes, subs };
}

type Decision = 'all' | 'none' | { readonly only?: ReadonlySet<string>; readonly without?: ReadonlySet<string> };

function decide(location: AttributeLocation, requested: Selection | undefined, excluded: Selection | undefined): Decision {
  const { returned } = location.attribute;
  if (returned === 'never') return 'none';
  if (returned === 'always') return 'all';
  const key = keyOf(location);
  if (requested) {
    if (requested.attributes.has(key) || (location.extension && requested.extensions.has(location.schema))) return 'all';
    const only = requested.subs.get(key);
    return only ? { only } : 'none';
  }
  if (returned === 'request') return 'none';
  if (excluded?.attributes.has(key) || (location.extension && excluded?.extensions.has(location.schema))) return 'none';
  const without = excluded?.subs.get(key);
  return without ? { without } : 'all';
}

/** Sub-attributes of one complex value that the decision keeps. */
function pickSubs(definition: AttributeDefinition, value: ScimResource, decision: Decision): ScimResource | undefined {
  const kept: ScimResource = {};
  for (const [name, inner] of Object.entries(value)) {
    const sub = definition.subAttributes?.find((s) => s.name === name);
    if (sub?.returned === 'never') continue;
    const always = sub?.returned === 'always';
    if (typeof decision === 'object' && !always) {
      if (decision.only && !decision.only.has(name)) continue;
      if (decision.without?.has(name)) continue;
    }
    if (decision === 'all' && sub?.returned === 'request') continue;
    kept[name] = inner;
  }
  return Object.keys(kept).length > 0 ? kept : undefined;
}

function projectValue(definition: AttributeDefinition, value: unknown, decision: Decision): unknown {
  if (decision === 'none') return undefined;
  if (definition.type !== 'complex') return value;
  if (Array.isArray(value)) {
    const elements = value
      .map((e) => (isPlainObject(e) ? pickSubs(definition, e, decision) : e))
      .filter((e) => e !== undefined);
    return elements.length > 0 ? elements : undefined;
  }
  return isPlainObject(value) ? pickSubs(definition, value, decision) : value;
}

/**
 * The resource as a response shows it. `resource` is the full representation (with `id`,
 * `meta` and, for Groups, `members` when they were read); names the schemas do not define
 * (none, for resources scimflow stored) are kept unless `attributes` narrows the result.
 */
export function project(type: ResourceType, resource: ScimResource, params: ProjectionParams = {}): ScimResource {
  const requested = select(type, params.attributes);
  const excluded = select(type, params.excludedAttributes);
  const result: ScimResource = {};
  const place = (location: AttributeLocation, value: unknown, into: ScimResource) => {
    const projected = projectValue(location.attribute, value, decide(location, requested, excluded));
    if (projected !== undefined) into[location.attribute.name] = projected;
  };
  for (const [key, value] of Object.entries(resource)) {
    if (key === 'schemas') {
      result[key] = value;
      continue;
    }
    const extension = findSchema(type, key);
    if (extension?.extension && isPlainObject(value)) {
      const inner: ScimResource = {};
      for (const [name, innerValue] of Object.entries(value)) {
        const target = resolveName(type, `${extension.schema.id}:${name}`);
        if (target?.kind === 'attribute') place(target.location, innerValue, inner);
      }
      if (Object.keys(inner).length > 0) result[key] = inner;
      continue;
    }
    const target = resolveName(type, key);
    if (target?.kind === 'attribute' && !target.location.extension) place(target.location, value, result);
    else if (!target && !requested) result[key] = value;
  }
  return result;
}

/**
 * Whether a Group response for these parameters shows `members`, so storage can skip
 * reading a large group's member rows (`excludedAttributes=members`,
 * `attributes=displayName`).
 */
export function membersRequested(params: ProjectionParams): boolean {
  const members = resolveName(GROUP, 'members');
  if (members?.kind !== 'attribute') return true;
  return decide(members.location, select(GROUP, params.attributes), select(GROUP, params.excludedAttributes)) !== 'none';
}
