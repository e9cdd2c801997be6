import { z } from 'zod';
import type { AppRole } from '../db/directory.js';

/**
 * The directory's objects as clients send them: Microsoft Graph JSON names, validated once
 * here for both the import and the CRUD routes.
 */

export type { AppRole };

/** Entra gives every application these two roles (api.md); an app may redefine them. */
export const USER_ROLE_ID = '18d14569-c3bd-439b-9a66-3a2aee01d14f';
export const DEFAULT_ACCESS_ROLE_ID = '00000000-0000-0000-0000-000000000000';
export const BUILT_IN_APP_ROLES: readonly AppRole[] = [
  { id: USER_ROLE_ID, value: 'User', displayName: 'User' },
  { id: DEFAULT_ACCESS_ROLE_ID, value: null, displayName: 'Default Access' },
];

/** Entra object ids: any 8-4-4-4-12 hex string (Graph does not restrict the version nibble). */
export const objectId = z.guid().transform((s) => s.toLowerCase());

const MAX_TEXT = 1024;
const text = z.string().max(MAX_TEXT);
const optionalText = text.nullable().optional();
const readOnly = z.unknown().optional();

/**
 * PostgreSQL text and jsonb cannot hold U+0000; refusing it here keeps one bad record from
 * failing the batch it is written with.
 */
function noNulCharacter(value: unknown, ctx: z.RefinementCtx): void {
  if (JSON.stringify(value).includes('\\u0000')) {
    ctx.addIssue({ code: 'custom', message: 'strings must not contain the NUL character (U+0000)' });
  }
}

/** Attributes of a user kept in columns, in Graph's names; everything else goes to `extra`. */
export const USER_ATTRIBUTES = [
  'userPrincipalName', 'mail', 'mailNickname', 'displayName', 'givenName', 'surname', 'jobTitle',
  'department', 'employeeId', 'telephoneNumber', 'mobile', 'accountEnabled', 'manager',
] as const;
export const GROUP_ATTRIBUTES = ['displayName', 'mailNickname', 'description', 'securityEnabled'] as const;

const userShape = {
  id: objectId,
  userPrincipalName: text.trim().min(1),
  mail: optionalText,
  mailNickname: optionalText,
  displayName: optionalText,
  givenName: optionalText,
  surname: optionalText,
  jobTitle: optionalText,
  department: optionalText,
  employeeId: optionalText,
  telephoneNumber: optionalText,
  mobile: optionalText,
  accountEnabled: z.boolean().optional(),
  /** an id, or Graph's expanded `{"id": …}` form as `$expand=manager` exports it */
  manager: z.union([objectId, z.object({ id: objectId }).transform((m) => m.id)]).nullable().optional(),
  deletedDateTime: readOnly,
};

const groupShape = {
  id: objectId,
  displayName: text.trim().min(1),
  mailNickname: optionalText,
  description: optionalText,
  securityEnabled: z.boolean().optional(),
  deletedDateTime: readOnly,
};

export interface UserAttributes {
  userPrincipalName: string;
  mail: string | null;
  mailNickname: string | null;
  displayName: string | null;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  department: string | null;
  employeeId: string | null;
  telephoneNumber: string | null;
  mobile: string | null;
  accountEnabled: boolean;
  /** the manager's object id */
  manager: string | null;
}

export interface GroupAttributes {
  displayName: string;
  mailNickname: string | null;
  description: string | null;
  securityEnabled: boolean;
}

/** A user or group as written: known attributes plus the unknown ones, kept verbatim. */
export interface ObjectRecord<A> {
  id: string;
  attributes: A;
  extra: Record<string, unknown>;
}
export type UserRecord = ObjectRecord<UserAttributes>;
export type GroupRecord = ObjectRecord<GroupAttributes>;

/** A stored user or group, with Graph's `deletedDateTime` while soft-deleted. */
export type DirectoryObject<A> = ObjectRecord<A> & { deletedDateTime: string | null };
export type DirectoryUser = DirectoryObject<UserAttributes>;
export type DirectoryGroup = DirectoryObject<GroupAttributes>;

function splitExtra<A>(
  known: readonly string[],
  defaults: Partial<A>,
): (input: Record<string, unknown> & { id: string }) => ObjectRecord<A> {
  return (input) => {
    const attributes: Record<string, unknown> = {};
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      // Graph annotations (`@odata.type`, `@odata.etag`, NDJSON's `@type`) describe the payload, not the object
      if (key === 'id' || key === 'deletedDateTime' || key.startsWith('@')) continue;
      if (known.includes(key)) attributes[key] = value;
      else extra[key] = value;
    }
    for (const key of known) attributes[key] ??= (defaults as Record<string, unknown>)[key] ?? null;
    return { id: input.id, attributes: attributes as A, extra };
  };
}

export const userRecord = z.object(userShape).catchall(z.json()).superRefine(noNulCharacter)
  .transform(splitExtra<UserAttributes>(USER_ATTRIBUTES, { accountEnabled: true }));
export const groupRecord = z.object(groupShape).catchall(z.json()).superRefine(noNulCharacter)
  .transform(splitExtra<GroupAttributes>(GROUP_ATTRIBUTES, { securityEnabled: true }));

/** Graph JSON of a stored object: unknown attributes first so a known name always wins. */
export function toGraphJson<A extends object>(object: DirectoryObject<A>): Record<string, unknown> {
  return { ...object.extra, id: object.id, ...object.attributes, deletedDateTime: object.deletedDateTime };
}

export const appRole = z.object({
  id: objectId,
  value: text.nullable().optional().transform((v) => v ?? null),
  displayName: text.min(1),
});

export interface ApplicationRecord {
  id: string;
  displayName: string;
  appRoles: AppRole[];
}

export const applicationRecord = z.object({
  id: objectId,
  displayName: text.trim().min(1),
  appRoles: z.array(appRole).max(1000).default([]),
}).superRefine((app, ctx) => {
  noNulCharacter(app, ctx);
  const ids = app.appRoles.map((r) => r.id);
  if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', path: ['appRoles'], message: 'app role ids must be unique' });
}).transform((app): ApplicationRecord => ({
  id: app.id,
  displayName: app.displayName,
  appRoles: [...app.appRoles, ...BUILT_IN_APP_ROLES.filter((b) => !app.appRoles.some((r) => r.id === b.id))],
}));

export const membershipRecord = z.object({ groupId: objectId, memberId: objectId });
export type MembershipRecord = z.infer<typeof membershipRecord>;

/** Without an `appRoleId` the assignment is Entra's "Default Access". */
export const assignmentRecord = z.object({
  appId: objectId,
  principalId: objectId,
  appRoleId: objectId.default(DEFAULT_ACCESS_ROLE_ID),
});
export type AssignmentRecord = z.infer<typeof assignmentRecord>;

/** Removal of assignments; without an `appRoleId` every role of the principal in the app goes. */
export interface AssignmentRemoval {
  appId: string;
  principalId: string;
  appRoleId?: string | undefined;
}

export const deletionRecord = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), id: objectId, hard: z.boolean().default(false) }),
  z.object({ type: z.literal('group'), id: objectId, hard: z.boolean().default(false) }),
  z.object({ type: z.literal('membership'), groupId: objectId, memberId: objectId }),
  z.object({ type: z.literal('appRoleAssignment'), appId: objectId, principalId: objectId, appRoleId: objectId.optional() }),
]);
export type DeletionRecord = z.infer<typeof deletionRecord>;

/** What a write refused for one record, in words a client can act on. */
export interface Rejection {
  /** position of the record in the batch given to the write */
  position: number;
  reason: 'notFound' | 'invalid' | 'conflict';
  error: string;
}
