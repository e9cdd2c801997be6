/**
 * Attribute mappings (entra-provisioning.md §6): how a source object becomes the attributes
 * sent to the SCIM app. Mappings produce a flat map keyed by SCIM target path
 * (`name.givenName`, `emails[type eq "work"].value`, `urn:…:enterprise:2.0:User:department`)
 * that the engine diffs, hashes and turns into POST bodies and PATCH operations.
 */
import { z } from 'zod';
import type { Expression } from './expressions/ast.js';
import { ExpressionSyntaxError } from './expressions/errors.js';
import { evaluateExpression, systemContext } from './expressions/evaluate.js';
import type { EvaluationContext } from './expressions/functions.js';
import { parseExpression } from './expressions/parser.js';
import { type ExpressionValue, fromSource, toList, toText } from './expressions/values.js';
import { type SourceObject, sourceAttribute } from './source.js';

export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** A parsed SCIM target path. */
export interface TargetPath {
  /** an extension schema URN; absent for core attributes (a core URN prefix is dropped) */
  uri?: string;
  attribute: string;
  /** `[type eq "work"]` */
  filter?: { attribute: string; value: string };
  subAttribute?: string;
}

const PATH = /^([A-Za-z][\w$-]*)(?:\[\s*([A-Za-z][\w$-]*)\s+eq\s+"([^"]*)"\s*\])?(?:\.([A-Za-z][\w$-]*))?$/;
const pathCache = new Map<string, TargetPath | null>();

/** Parses a target path, or null when it is not one Entra could send. */
export function parseTargetPath(path: string): TargetPath | null {
  const cached = pathCache.get(path);
  if (cached !== undefined) return cached;
  let uri: string | undefined;
  let rest = path;
  if (/^urn:/i.test(path)) {
    const cut = path.lastIndexOf(':');
    uri = path.slice(0, cut);
    rest = path.slice(cut + 1);
    if (uri.toLowerCase() === CORE_USER_SCHEMA.toLowerCase() || uri.toLowerCase() === CORE_GROUP_SCHEMA.toLowerCase()) {
      uri = undefined;
    }
  }
  const m = PATH.exec(rest);
  const parsed: TargetPath | null = m
    ? {
        ...(uri ? { uri } : {}),
        attribute: m[1]!,
        ...(m[2] ? { filter: { attribute: m[2], value: m[3]! } } : {}),
        ...(m[4] ? { subAttribute: m[4] } : {}),
      }
    : null;
  if (pathCache.size > 10_000) pathCache.clear();
  pathCache.set(path, parsed);
  return parsed;
}

export const MAPPING_TYPES = ['Direct', 'Constant', 'Expression', 'None'] as const;

/** Source attributes that name other objects; they are resolved to target ids after export. */
const REFERENCE_ATTRIBUTES = new Set(['manager', 'members']);

function expressionIssue(expression: string): { message: string; params: Record<string, unknown> } | undefined {
  try {
    parseExpression(expression);
    return undefined;
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) throw error;
    return { message: error.message, params: { position: error.position } };
  }
}

export const attributeMappingSchema = z
  .object({
    type: z.enum(MAPPING_TYPES),
    /** Direct: the source attribute (`mail`, `extension_abc_costCenter`, `objectId`) */
    source: z.string().min(1).optional(),
    /** Expression: Entra's expression language */
    expression: z.string().optional(),
    /** Constant: the value sent for every object */
    constant: z.string().optional(),
    target: z.string().min(1),
    /** used on create when the mapping yields null */
    defaultValue: z.string().nullable().optional(),
    apply: z.enum(['Always', 'OnCreate']).default('Always'),
    /** "match objects using this attribute", tried in ascending order */
    matchingPrecedence: z.number().int().min(1).optional(),
  })
  .superRefine((mapping, ctx) => {
    if (!parseTargetPath(mapping.target)) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: `'${mapping.target}' is not a SCIM attribute path` });
    }
    if (mapping.type === 'Direct' && !mapping.source) {
      ctx.addIssue({ code: 'custom', path: ['source'], message: 'a Direct mapping needs a source attribute' });
    }
    if (mapping.type === 'Constant' && mapping.constant === undefined) {
      ctx.addIssue({ code: 'custom', path: ['constant'], message: 'a Constant mapping needs a constant' });
    }
    if (mapping.type === 'Expression') {
      if (mapping.expression === undefined) {
        ctx.addIssue({ code: 'custom', path: ['expression'], message: 'an Expression mapping needs an expression' });
      } else {
        const issue = expressionIssue(mapping.expression);
        if (issue) ctx.addIssue({ code: 'custom', path: ['expression'], ...issue });
      }
    }
  });

export type AttributeMapping = z.output<typeof attributeMappingSchema>;

/** One object type's mappings: each target at most once, matching precedences distinct. */
export const attributeMappingListSchema = z.array(attributeMappingSchema).superRefine((mappings, ctx) => {
  const targets = new Map<string, number>();
  const precedences = new Map<number, number>();
  mappings.forEach((mapping, i) => {
    const target = mapping.target.toLowerCase();
    if (targets.has(target)) {
      ctx.addIssue({ code: 'custom', path: [i, 'target'], message: `'${mapping.target}' is already mapped by mapping ${targets.get(target)}` });
    } else targets.set(target, i);
    const precedence = mapping.matchingPrecedence;
    if (precedence === undefined) return;
    if (precedences.has(precedence)) {
      ctx.addIssue({ code: 'custom', path: [i, 'matchingPrecedence'], message: `matching precedence ${precedence} is already used by mapping ${precedences.get(precedence)}` });
    } else precedences.set(precedence, i);
  });
});

/** A JSON value as sent to the SCIM app. */
export type ExportedValue = string | number | boolean | ExportedValue[] | { [key: string]: ExportedValue | null };

/** Target path → value. Null never appears: nulls are not sent. */
export type ExportedAttributes = Record<string, ExportedValue>;

export interface MappedObject {
  attributes: ExportedAttributes;
  /** target path → source object ids (manager, group members), for the engine to resolve */
  references: Record<string, string[]>;
  /** target paths whose values provisioning logs must show as "[Redact]" */
  redacted: string[];
}

export interface MappingOptions {
  phase: 'create' | 'update';
  context?: EvaluationContext;
}

const parsedExpressions = new WeakMap<AttributeMapping, Expression>();

function parsedExpression(mapping: AttributeMapping): Expression {
  let expression = parsedExpressions.get(mapping);
  if (!expression) {
    expression = parseExpression(mapping.expression ?? '');
    parsedExpressions.set(mapping, expression);
  }
  return expression;
}

/** Booleans in SCIM's core schemas that Entra's expressions produce as "True"/"False". */
function isBooleanTarget(path: TargetPath): boolean {
  return (!path.uri && path.attribute.toLowerCase() === 'active' && !path.subAttribute) || path.subAttribute?.toLowerCase() === 'primary';
}

function toExported(value: ExpressionValue, booleanTarget: boolean): ExportedValue | null {
  if (value === null) return null;
  if (booleanTarget && typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  if (value instanceof Date) return toText(value);
  if (Array.isArray(value)) {
    const items = value.map((item: ExpressionValue) => toExported(item, false)).filter((item) => item !== null);
    return items.length ? items : null;
  }
  return value as ExportedValue;
}

function referenceIds(raw: unknown): string[] {
  return toList(fromSource(raw))
    .map((item) => (typeof item === 'object' && item !== null && !Array.isArray(item) && !(item instanceof Date) ? (item as { id?: unknown }).id : item))
    .filter((id): id is string => typeof id === 'string' && id !== '');
}

/**
 * Computes what one object looks like in the target. OnCreate mappings and default values
 * only apply in the create phase; attributes that come out null are left out (Entra never
 * clears an attribute because its source became null).
 */
export function evaluateMappings(
  mappings: readonly AttributeMapping[],
  source: SourceObject,
  options: MappingOptions,
): MappedObject {
  const context = options.context ?? systemContext;
  const result: MappedObject = { attributes: {}, references: {}, redacted: [] };
  for (const mapping of mappings) {
    if (mapping.apply === 'OnCreate' && options.phase !== 'create') continue;
    if (mapping.type === 'Direct' && REFERENCE_ATTRIBUTES.has(mapping.source!.toLowerCase())) {
      const ids = referenceIds(sourceAttribute(source, mapping.source!));
      if (ids.length) result.references[mapping.target] = ids;
      continue;
    }
    let value: ExpressionValue = null;
    switch (mapping.type) {
      case 'Direct':
        value = fromSource(sourceAttribute(source, mapping.source!));
        break;
      case 'Constant':
        value = mapping.constant ?? null;
        break;
      case 'Expression': {
        const evaluated = evaluateExpression(parsedExpression(mapping), source, context);
        if (evaluated.ignored) continue;
        if (evaluated.redacted) result.redacted.push(mapping.target);
        value = evaluated.value;
        break;
      }
      case 'None':
        break;
    }
    const path = parseTargetPath(mapping.target);
    const booleanTarget = path ? isBooleanTarget(path) : false;
    let exported = toExported(value, booleanTarget);
    if (exported === null && options.phase === 'create' && mapping.defaultValue != null) {
      exported = toExported(mapping.defaultValue, booleanTarget);
    }
    if (exported !== null) result.attributes[mapping.target] = exported;
  }
  return result;
}

export interface MatchingAttribute {
  target: string;
  precedence: number;
  mapping: AttributeMapping;
}

/** The "match objects using this attribute" mappings, in the order they are tried. */
export function matchingAttributes(mappings: readonly AttributeMapping[]): MatchingAttribute[] {
  return mappings
    .filter((mapping) => mapping.matchingPrecedence !== undefined)
    .map((mapping) => ({ target: mapping.target, precedence: mapping.matchingPrecedence!, mapping }))
    .sort((a, b) => a.precedence - b.precedence);
}

export interface ScimResourceOptions {
  resourceType: 'User' | 'Group';
  /** legacy Entra writes booleans as "True"/"False" even in POST bodies */
  dialect?: 'aadOptscim062020' | 'legacy';
}

type JsonObject = { [key: string]: ExportedValue | null };

/** Entra marks the work email (and any other work entry) as the primary one. */
function newElement(filter: { attribute: string; value: string }): JsonObject {
  const isBooleanFilter = filter.attribute.toLowerCase() === 'primary';
  const element: JsonObject = {};
  if (filter.attribute === 'type' && filter.value === 'work') element.primary = true;
  element[filter.attribute] = isBooleanFilter ? filter.value.toLowerCase() === 'true' : filter.value;
  return element;
}

function matchesFilter(element: JsonObject, filter: { attribute: string; value: string }): boolean {
  const actual = element[filter.attribute];
  return typeof actual === 'boolean' ? String(actual) === filter.value.toLowerCase() : actual === filter.value;
}

function legacyBooleans(value: ExportedValue | null): ExportedValue | null {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return value.map((item) => legacyBooleans(item)!);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, legacyBooleans(item)]));
  }
  return value;
}

/**
 * The body Entra POSTs to create the object: core attributes at the top, extension
 * attributes under their schema URN, `emails[type eq "work"].value` as an element of
 * `emails`, and the `schemas` list.
 */
export function toScimResource(attributes: ExportedAttributes, options: ScimResourceOptions): Record<string, unknown> {
  const isUser = options.resourceType === 'User';
  const schemas = isUser ? [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA] : [CORE_GROUP_SCHEMA];
  const resource: JsonObject = {};
  for (const [key, value] of Object.entries(attributes)) {
    const path = parseTargetPath(key);
    if (!path) continue;
    let container = resource;
    if (path.uri) {
      if (!schemas.includes(path.uri)) schemas.push(path.uri);
      container = (resource[path.uri] ??= {}) as JsonObject;
    }
    if (path.filter) {
      const list = (container[path.attribute] ??= []) as JsonObject[];
      let element = list.find((candidate) => matchesFilter(candidate, path.filter!));
      if (!element) {
        element = newElement(path.filter);
        list.push(element);
      }
      element[path.subAttribute ?? 'value'] = value;
    } else if (path.subAttribute) {
      const complex = (container[path.attribute] ??= {}) as JsonObject;
      complex[path.subAttribute] = value;
    } else {
      container[path.attribute] = value;
    }
  }
  const body = { schemas, ...resource, meta: { resourceType: options.resourceType } };
  return options.dialect === 'legacy' ? (legacyBooleans(body as JsonObject) as Record<string, unknown>) : body;
}
