import { DEFAULT_ACCESS_ROLE_ID } from '../../directory/records.js';
import { diffExported, exportHash, patchOperations, type AttributeChange as DiffChange } from '../diff.js';
import { evaluateMappings, matchingAttributes, toScimResource, type ExportedAttributes } from '../mappings.js';
import type { PatchOperation, ScimDialect } from '../scim-client.js';
import { isInScope } from '../scoping.js';
import type { SourceObject } from '../source.js';
import type { EngineJob } from './context.js';
import type { ObjectType } from './decision.js';
import type { AttributeChange } from './log-entry.js';
import type { SourceRecord } from './source-objects.js';

/**
 * The engine's use of the pure core (scoping, mappings, diffing, PATCH bodies) for one job:
 * which objects are in scope, what they look like in the target, what changed since the last
 * export and how that is sent in the job's dialect.
 */
export interface MappedObject {
  attributes: ExportedAttributes;
  /** target path → the referenced source object's id (manager) */
  references: Record<string, string>;
}

function mappingsOf(job: EngineJob, type: ObjectType) {
  return type === 'user' ? job.config.mappings.user : job.config.mappings.group;
}

export interface Scope {
  inScope: boolean;
  /** the scoping step's sentence for the provisioning log */
  sentence: string;
}

/**
 * Assignment scope (assigned or all; Default Access skipped when the job says so), then the
 * scoping filters. A deleted object is out of scope; `IsSoftDeleted` follows the outcome, so
 * mappings such as `active` see an object leaving scope as Entra does.
 */
export function scopeOf(job: EngineJob, record: SourceRecord): Scope {
  const source = record.object;
  if (!source) return { inScope: false, sentence: 'Out of scope: the object no longer exists in the source.' };
  if (record.state === 'softDeleted') return { inScope: false, sentence: 'Out of scope: the object is soft-deleted in the source.' };
  const config = job.config;
  if (config.scope === 'assigned') {
    const roles = source.appRoleAssignments.filter((a) => !(config.skipDefaultAccess && a.appRoleId === DEFAULT_ACCESS_ROLE_ID));
    if (roles.length === 0) {
      return {
        inScope: false,
        sentence: source.appRoleAssignments.length > 0
          ? 'Out of scope: only assigned with the Default Access role, which this job skips.'
          : 'Out of scope: not assigned to the application, directly or through a group.',
      };
    }
  }
  if (!isInScope(record.type === 'user' ? config.scopingFilters : config.groupScopingFilters, source)) return { inScope: false, sentence: 'Out of scope: no scoping filter matches the object.' };
  const how = config.scope === 'all' ? 'the job syncs all users and groups' : `assigned with ${source.appRoleAssignments.map((a) => a.displayName ?? a.appRoleId).join(', ')}`;
  return {
    inScope: true,
    sentence: record.state === 'disabled' ? `In scope (${how}), but disabled in the source (accountEnabled is false).` : `In scope: ${how}.`,
  };
}

export function mapSource(job: EngineJob, source: SourceObject, phase: 'create' | 'update'): MappedObject {
  const mapped = evaluateMappings(mappingsOf(job, source.kind), source, { phase });
  // a user has one manager: the first id is the reference
  const references = Object.fromEntries(
    Object.entries(mapped.references).flatMap(([path, ids]) => (path.toLowerCase() === 'members' || !ids[0] ? [] : [[path, ids[0]]])),
  );
  return { attributes: mapped.attributes, references };
}

/** The matching attributes with the values this object has for them, in precedence order. */
export function matchingCandidates(job: EngineJob, type: ObjectType, attributes: ExportedAttributes): Array<{ path: string; value: string }> {
  return matchingAttributes(mappingsOf(job, type)).flatMap(({ target }) => {
    const value = attributes[target];
    return typeof value === 'string' || typeof value === 'number' ? [{ path: target, value: String(value) }] : [];
  });
}

const UNIQUE_KEY: Record<ObjectType, string> = { user: 'userName', group: 'displayName' };

export function uniqueKeyOf(type: ObjectType): string {
  return UNIQUE_KEY[type];
}

/**
 * Whether matching uses only the attribute a SCIM target must keep unique (RFC 7643 userName;
 * Entra's checklist for group displayName), so a create of an existing object is refused
 * with 409 rather than duplicated.
 */
export function matchesOnUniqueKeyOnly(job: EngineJob, type: ObjectType): boolean {
  const matching = matchingAttributes(mappingsOf(job, type));
  return matching.length === 1 && matching[0]!.target.toLowerCase() === UNIQUE_KEY[type].toLowerCase();
}

/** What changed since `previous` was exported (everything, when nothing was). */
export function attributeChanges(previous: Record<string, unknown> | undefined, next: ExportedAttributes): AttributeChange[] {
  return diffExported(previous as ExportedAttributes | undefined, next).map(toChange);
}

function toChange(change: DiffChange): AttributeChange {
  return { name: change.attribute, oldValue: change.oldValue, newValue: change.newValue };
}

export function createBody(type: ObjectType, attributes: ExportedAttributes, dialect: ScimDialect): Record<string, unknown> {
  return toScimResource(attributes, { resourceType: type === 'user' ? 'User' : 'Group', dialect });
}

export function updateOperations(changes: readonly AttributeChange[], dialect: ScimDialect): PatchOperation[] {
  return patchOperations(changes.map((c): DiffChange => ({
    attribute: c.name,
    oldValue: (c.oldValue ?? undefined) as DiffChange['oldValue'],
    newValue: c.newValue as DiffChange['newValue'],
  })), dialect);
}


export function exportHashOf(attributes: Record<string, unknown>): string {
  return exportHash(attributes as ExportedAttributes);
}
