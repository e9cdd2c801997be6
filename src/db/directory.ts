import { sql } from 'drizzle-orm';
import {
  pgTable, uuid, text, boolean, jsonb, timestamp, bigserial, index, uniqueIndex, primaryKey, foreignKey,
} from 'drizzle-orm/pg-core';

/**
 * The source directory: an Entra-like tenant that provisioning jobs read from. Objects keep
 * their Entra object ids, so every table is keyed by (directory_id, id) — two directories may
 * hold copies of the same export.
 */
export const directories = pgTable('directories', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex('directories_name_key').on(t.name)]);

const directoryId = () => uuid('directory_id').notNull().references(() => directories.id, { onDelete: 'cascade' });
const timestamps = () => ({
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

/**
 * Users with the Graph attributes that default mappings and scoping filters use as columns;
 * any other attribute of an import is kept in `extra` (mappings reach it as `[name]`).
 */
export const directoryUsers = pgTable('directory_users', {
  directoryId: directoryId(),
  id: uuid('id').notNull(),
  userPrincipalName: text('user_principal_name').notNull(),
  mail: text('mail'),
  mailNickname: text('mail_nickname'),
  displayName: text('display_name'),
  givenName: text('given_name'),
  surname: text('surname'),
  jobTitle: text('job_title'),
  department: text('department'),
  employeeId: text('employee_id'),
  telephoneNumber: text('telephone_number'),
  mobile: text('mobile'),
  accountEnabled: boolean('account_enabled').notNull().default(true),
  /** not a foreign key: an import may name a manager that arrives later in the same file */
  managerId: uuid('manager_id'),
  extra: jsonb('extra').notNull().default({}).$type<Record<string, unknown>>(),
  /** set while soft-deleted (Graph's deletedDateTime); restore clears it */
  deletedAt: timestamp('deleted_at', { withTimezone: true, precision: 3 }),
  ...timestamps(),
}, (t) => [
  primaryKey({ columns: [t.directoryId, t.id] }),
  index('directory_users_manager_idx').on(t.directoryId, t.managerId).where(sql`${t.managerId} is not null`),
]);

export const directoryGroups = pgTable('directory_groups', {
  directoryId: directoryId(),
  id: uuid('id').notNull(),
  displayName: text('display_name').notNull(),
  mailNickname: text('mail_nickname'),
  description: text('description'),
  securityEnabled: boolean('security_enabled').notNull().default(true),
  extra: jsonb('extra').notNull().default({}).$type<Record<string, unknown>>(),
  deletedAt: timestamp('deleted_at', { withTimezone: true, precision: 3 }),
  ...timestamps(),
}, (t) => [primaryKey({ columns: [t.directoryId, t.id] })]);

/** Direct memberships only: Entra's provisioning never expands nested groups. */
export const directoryMemberships = pgTable('directory_memberships', {
  directoryId: directoryId(),
  groupId: uuid('group_id').notNull(),
  memberId: uuid('member_id').notNull(),
  memberType: text('member_type').notNull().$type<'user' | 'group'>(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
}, (t) => [
  primaryKey({ columns: [t.directoryId, t.groupId, t.memberId] }),
  foreignKey({ columns: [t.directoryId, t.groupId], foreignColumns: [directoryGroups.directoryId, directoryGroups.id] })
    .onDelete('cascade'),
  index('directory_memberships_member_idx').on(t.directoryId, t.memberId),
]);

export interface AppRole {
  id: string;
  value: string | null;
  displayName: string;
}

/** Applications are few and small, so their roles stay a JSON array on the row. */
export const directoryApplications = pgTable('directory_applications', {
  directoryId: directoryId(),
  id: uuid('id').notNull(),
  displayName: text('display_name').notNull(),
  appRoles: jsonb('app_roles').notNull().$type<AppRole[]>(),
  ...timestamps(),
}, (t) => [primaryKey({ columns: [t.directoryId, t.id] })]);

/** A principal may hold several roles of one application, as in Entra. */
export const directoryAppRoleAssignments = pgTable('directory_app_role_assignments', {
  directoryId: directoryId(),
  appId: uuid('app_id').notNull(),
  principalId: uuid('principal_id').notNull(),
  principalType: text('principal_type').notNull().$type<'user' | 'group'>(),
  appRoleId: uuid('app_role_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
}, (t) => [
  primaryKey({ columns: [t.directoryId, t.appId, t.principalId, t.appRoleId] }),
  foreignKey({ columns: [t.directoryId, t.appId], foreignColumns: [directoryApplications.directoryId, directoryApplications.id] })
    .onDelete('cascade'),
  index('directory_app_role_assignments_principal_idx').on(t.directoryId, t.principalId),
]);

/**
 * The change feed. Every directory write appends here in its own transaction; a job's
 * watermark is a `seq`. Writers of one directory are serialised by an advisory lock taken
 * before they draw a `seq` (src/directory/changes.ts), so within a directory `seq` order is
 * commit order and a reader reading `seq > watermark` never skips a change.
 *
 * `objectId` is the user or group; for a membership the group (`relatedId` the member), for
 * an assignment the application (`relatedId` the principal).
 */
export const directoryChanges = pgTable('directory_changes', {
  seq: bigserial('seq', { mode: 'bigint' }).primaryKey(),
  directoryId: directoryId(),
  objectType: text('object_type').notNull().$type<'user' | 'group' | 'membership' | 'assignment'>(),
  objectId: uuid('object_id').notNull(),
  relatedId: uuid('related_id'),
  relatedType: text('related_type').$type<'user' | 'group'>(),
  kind: text('kind').notNull().$type<'upsert' | 'softDelete' | 'restore' | 'hardDelete'>(),
  at: timestamp('at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
}, (t) => [index('directory_changes_feed_idx').on(t.directoryId, t.seq)]);
