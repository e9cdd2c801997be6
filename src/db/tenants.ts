import { pgTable, uuid, text, timestamp, index, uniqueIndex } from 'drizzle-orm/pg-core';

/** A SCIM service-provider tenant: one app's worth of users and groups. */
export const tenants = pgTable('tenants', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex('tenants_name_key').on(t.name)]);

/**
 * SCIM bearer tokens. Only a SHA-256 hash is stored: tokens are 256-bit random values, so a
 * fast unsalted hash is enough to make the table useless to a reader and keeps lookups O(1).
 */
export const tenantTokens = pgTable('tenant_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  tenantId: uuid('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
}, (t) => [uniqueIndex('tenant_tokens_hash_key').on(t.tokenHash), index('tenant_tokens_tenant_idx').on(t.tenantId)]);
