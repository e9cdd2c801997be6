/**
 * A user or group of the source directory as the engine's pure core sees it: Graph-shaped
 * attributes plus what Entra computes per job (app role assignments, `IsSoftDeleted`).
 * The engine builds one per object; scoping and mappings only read it.
 */

/** One app role assignment of the object to the job's application. */
export interface AppRoleAssignment {
  appRoleId: string;
  /** the role's `value` (what SCIM apps receive); null for roles without one, like Default Access */
  value: string | null;
  displayName: string | null;
}

export interface SourceObject {
  kind: 'user' | 'group';
  /** Graph object id; mappings also see it as `[objectId]` */
  id: string;
  /**
   * Microsoft Graph JSON names (userPrincipalName, mail, accountEnabled, manager as a user id,
   * members as user ids for groups, …) plus any extra attributes the directory kept.
   */
  attributes: Readonly<Record<string, unknown>>;
  appRoleAssignments: readonly AppRoleAssignment[];
  /** unassigned, out of scope, soft-deleted or `accountEnabled=false` (entra-provisioning.md §6) */
  isSoftDeleted: boolean;
}

/** Attributes Entra computes instead of reading them from the object. */
const COMPUTED: Record<string, (source: SourceObject) => unknown> = {
  objectid: (source) => source.id,
  issoftdeleted: (source) => source.isSoftDeleted,
  approleassignments: (source) => source.appRoleAssignments,
};

/**
 * The value of `[name]` on a source object, or null when absent. Names are matched exactly
 * first, then case-insensitively, because Entra's attribute names are case-insensitive while
 * imported extra attributes keep whatever case they arrived with.
 */
export function sourceAttribute(source: SourceObject, name: string): unknown {
  const lower = name.toLowerCase();
  const computed = COMPUTED[lower];
  if (computed) return computed(source);
  const attributes = source.attributes;
  if (Object.hasOwn(attributes, name)) return attributes[name] ?? null;
  for (const key of Object.keys(attributes)) {
    if (key.toLowerCase() === lower) return attributes[key] ?? null;
  }
  return null;
}
