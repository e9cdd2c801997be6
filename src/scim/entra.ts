/**
 * The Entra ID dialects, read in one place. Entra's legacy SCIM client and its
 * `aadOptscim062020` client send the same intent in different shapes (entra-provisioning.md
 * §7); every rule that turns a tolerated shape into the RFC shape lives here, so resource.ts
 * and patch.ts only ever see RFC 7643/7644 values and both dialects reach the same result.
 */
import { invalidPath, invalidSyntax, invalidValue } from './errors.js';
import type { AttributeDefinition } from './schemas.js';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type PatchOpName = 'add' | 'replace' | 'remove';

/** One PatchOp operation with the dialect read away. */
export interface PatchOperation {
  readonly op: PatchOpName;
  /** absent for path-less operations; never blank */
  readonly path?: string;
  readonly value?: unknown;
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON member names are matched case-insensitively (`Operations`, `Op`, `Primary`). */
export function memberNamed(object: Record<string, unknown>, name: string): unknown {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(object)) {
    if (key.toLowerCase() === wanted) return object[key];
  }
  return undefined;
}

const OP_NAMES: ReadonlySet<string> = new Set(['add', 'replace', 'remove']);

/**
 * Reads a PatchOp envelope (RFC 7644 §3.5.2). Legacy Entra capitalises op names (`Add`,
 * `Replace`, `Remove`); member names are accepted in any case. A malformed envelope is
 * invalidSyntax: it is the message structure, not an attribute, that is wrong.
 */
export function readPatchRequest(body: unknown): PatchOperation[] {
  if (!isPlainObject(body)) throw invalidSyntax('A PATCH body must be a JSON object with schemas and Operations');
  const schemas = memberNamed(body, 'schemas');
  if (
    !Array.isArray(schemas) ||
    schemas.length === 0 ||
    !schemas.every((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())
  ) {
    throw invalidSyntax(`A PATCH body's schemas must be ["${PATCH_OP_SCHEMA}"]`);
  }
  const operations = memberNamed(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw invalidSyntax('A PATCH body needs Operations: a non-empty array of operations');
  }
  return operations.map((operation, index) => {
    const where = `Operations[${index}]`;
    if (!isPlainObject(operation)) throw invalidSyntax(`${where} must be an object with op, path and value`);
    const op = memberNamed(operation, 'op');
    if (typeof op !== 'string' || !OP_NAMES.has(op.toLowerCase())) {
      throw invalidSyntax(`${where}.op must be "add", "replace" or "remove", got ${JSON.stringify(op) ?? 'nothing'}`);
    }
    const path = memberNamed(operation, 'path');
    if (path !== undefined && path !== null && typeof path !== 'string') {
      throw invalidPath(`${where}.path must be a string`);
    }
    const value = memberNamed(operation, 'value');
    return {
      op: op.toLowerCase() as PatchOpName,
      ...(typeof path === 'string' && path.trim() !== '' ? { path: path.trim() } : {}),
      ...(value !== undefined ? { value } : {}),
    };
  });
}

/** Legacy Entra sends booleans as strings, in any case (`"True"`, `"false"`). */
export function booleanFrom(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

const hasValueSub = (definition: AttributeDefinition) =>
  definition.subAttributes?.some((s) => s.name === 'value') ?? false;

/**
 * A complex value in the shapes Entra sends for a reference such as `manager`:
 * `"<id>"` and `[{"$ref":null,"value":"<id>"}]` both mean `{value:"<id>"}`; `""` and `[]`
 * clear it. Only attributes identified by a `value` sub-attribute take the text form.
 * Anything else is returned as is, for the caller's type check to judge.
 */
export function complexFrom(definition: AttributeDefinition, value: unknown): unknown {
  if (typeof value === 'string' && hasValueSub(definition)) return value === '' ? null : { value };
  if (Array.isArray(value) && !definition.multiValued) {
    if (value.length === 0) return null;
    if (value.length === 1) return complexFrom(definition, value[0]);
  }
  return value;
}

/** A multi-valued attribute given as one lone value is a one-element array. */
export const elementsFrom = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/**
 * The values named by a `remove` with a value instead of a filter: legacy Entra removes
 * members with `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`, which must
 * remove only those members. Accepts `[{value}]`, a lone `{value}` and bare strings.
 */
export function removalValues(attribute: string, value: unknown): string[] {
  return elementsFrom(value).map((element, index) => {
    const id = isPlainObject(element) ? memberNamed(element, 'value') : element;
    if (typeof id !== 'string' || id === '') {
      throw invalidValue(`The value of a remove on '${attribute}' must list the values to remove as [{"value":"…"}]; entry ${index} has no value`);
    }
    return id;
  });
}
