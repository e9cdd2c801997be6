/**
 * What changed since the last export, and the PATCH operations that carry it in each of
 * Entra's dialects (entra-provisioning.md §7). The engine diffs against what it last
 * exported (stored with the link), never against a re-read of the target.
 */
import { createHash } from 'node:crypto';
import { ENTERPRISE_USER_SCHEMA, type ExportedAttributes, type ExportedValue } from './mappings.js';

export type PatchDialect = 'aadOptscim062020' | 'legacy';

export interface AttributeChange {
  attribute: string;
  /** undefined when the attribute was not exported before */
  oldValue: ExportedValue | undefined;
  newValue: ExportedValue;
}

export interface PatchOperation {
  op: string;
  path?: string;
  value?: unknown;
}

/** JSON with object keys sorted at every level, so equal values serialise equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The attributes whose exported value differs, in the order of `next`. An attribute that
 * disappeared from `next` is no change: nulls are not sent, so nothing clears it.
 */
export function diffExported(previous: ExportedAttributes | undefined, next: ExportedAttributes): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const [attribute, newValue] of Object.entries(next)) {
    const oldValue = previous?.[attribute];
    if (oldValue !== undefined && canonicalJson(oldValue) === canonicalJson(newValue)) continue;
    changes.push({ attribute, oldValue, newValue });
  }
  return changes;
}

/** A stable fingerprint of an export (independent of key order), stored with the link. */
export function exportHash(attributes: ExportedAttributes): string {
  return createHash('sha256').update(canonicalJson(attributes)).digest('base64url');
}

const MANAGER_PATHS = new Set([`${ENTERPRISE_USER_SCHEMA}:manager`.toLowerCase(), 'manager']);

function isManager(attribute: string): boolean {
  return MANAGER_PATHS.has(attribute.toLowerCase());
}

function legacyValue(value: ExportedValue): unknown {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return value.map(legacyValue);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, item === null ? null : legacyValue(item)]));
  }
  return value;
}

/**
 * The manager's value is the manager's id in the target, put there by reference resolution.
 */
function managerOperation(change: AttributeChange, dialect: PatchDialect): PatchOperation {
  if (dialect === 'legacy') return { op: 'Add', path: 'manager', value: [{ $ref: null, value: change.newValue }] };
  return {
    op: change.oldValue === undefined ? 'add' : 'replace',
    path: `${ENTERPRISE_USER_SCHEMA}:manager`,
    value: { value: change.newValue },
  };
}

/**
 * The Operations array of a PatchOp request, as Entra sends it.
 * - legacy: one operation per attribute, `Add` for a new attribute and `Replace` otherwise,
 *   booleans as "True"/"False", the manager as `[{"$ref":null,"value":id}]`;
 * - aadOptscim062020: lowercase ops and JSON booleans; new attributes and value-path
 *   attributes (`emails[type eq "work"].value`) get their own operation, and the other
 *   replaced attributes share one path-less `replace` keyed by dotted names and URNs.
 */
export function patchOperations(changes: readonly AttributeChange[], dialect: PatchDialect): PatchOperation[] {
  const operations: PatchOperation[] = [];
  if (dialect === 'legacy') {
    for (const change of changes) {
      if (isManager(change.attribute)) operations.push(managerOperation(change, dialect));
      else {
        operations.push({
          op: change.oldValue === undefined ? 'Add' : 'Replace',
          path: change.attribute,
          value: legacyValue(change.newValue),
        });
      }
    }
    return operations;
  }
  const combined: AttributeChange[] = [];
  for (const change of changes) {
    if (isManager(change.attribute)) operations.push(managerOperation(change, dialect));
    else if (change.oldValue === undefined) operations.push({ op: 'add', path: change.attribute, value: change.newValue });
    else if (change.attribute.includes('[')) operations.push({ op: 'replace', path: change.attribute, value: change.newValue });
    else combined.push(change);
  }
  if (combined.length === 1) {
    operations.push({ op: 'replace', path: combined[0]!.attribute, value: combined[0]!.newValue });
  } else if (combined.length > 1) {
    operations.push({ op: 'replace', value: Object.fromEntries(combined.map((c) => [c.attribute, c.newValue])) });
  }
  return operations;
}
