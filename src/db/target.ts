import { sql } from 'drizzle-orm';
import { pgTable, uuid, text, boolean, integer, jsonb, timestamp, index, uniqueIndex, primaryKey } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.js';

/**
 * SCIM service-provider storage. The full resource lives in `resource` (JSON with canonical
 * attribute names, no `id`/`meta`); the attributes Entra matches and filters on are copied
 * into columns so those filters run on indexes.
 */
export const scimUsers = pgTable('scim_users', {
  id: uuid('id').primaryKey().defaultRandom(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  userName: text('user_name').notNull(),
  externalId: text('external_id'),
  displayName: text('display_name'),
  /** null when the user has no `active` value, so filters treat it as absent like any attribute */
  active: boolean('active'),
  /** value of the first `emails` entry whose type is "work" (any case) */
  workEmail: text('work_email'),
  /**
   * true when the user has more than one work email: only then must a work-email filter
   * look past `work_email` into the JSON, which keeps the common case an index lookup.
   */
  workEmailsMultiple: boolean('work_emails_multiple').notNull().default(false),
  nameFormatted: text('name_formatted'),
  resource: jsonb('resource').notNull().$type<Record<string, unknown>>(),
  version: integer('version').notNull().default(1),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  lastModified: timestamp('last_modified', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('scim_users_user_name_key').on(t.tenantId, sql`lower(${t.userName})`),
  index('scim_users_tenant_id_idx').on(t.tenantId, t.id),
  index('scim_users_external_id_idx').on(t.tenantId, t.externalId),
  index('scim_users_display_name_idx').on(t.tenantId, sql`lower(${t.displayName})`),
  index('scim_users_work_email_idx').on(t.tenantId, sql`lower(${t.workEmail})`),
  index('scim_users_work_emails_multiple_idx').on(t.tenantId).where(sql`${t.workEmailsMultiple}`),
  index('scim_users_name_formatted_idx').on(t.tenantId, sql`lower(${t.nameFormatted})`),
  index('scim_users_active_idx').on(t.tenantId, t.active),
]);

export const scimGroups = pgTable('scim_groups', {
  id: uuid('id').primaryKey().defaultRandom(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  displayName: text('display_name').notNull(),
  externalId: text('external_id'),
  /** the group resource without `members`, which live in scim_group_members */
  resource: jsonb('resource').notNull().$type<Record<string, unknown>>(),
  version: integer('version').notNull().default(1),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  lastModified: timestamp('last_modified', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('scim_groups_display_name_key').on(t.tenantId, sql`lower(${t.displayName})`),
  index('scim_groups_tenant_id_idx').on(t.tenantId, t.id),
  index('scim_groups_external_id_idx').on(t.tenantId, t.externalId),
]);

/**
 * One row per membership, so adding or removing members of a 100,000-member group touches
 * only the rows that change. A member is a user or a group of the same tenant.
 */
export const scimGroupMembers = pgTable('scim_group_members', {
  groupId: uuid('group_id').notNull().references(() => scimGroups.id, { onDelete: 'cascade' }),
  memberId: uuid('member_id').notNull(),
  memberType: text('member_type').notNull().$type<'User' | 'Group'>(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
}, (t) => [
  primaryKey({ columns: [t.groupId, t.memberId] }),
  index('scim_group_members_member_idx').on(t.memberId),
]);
