import { scimUsers } from '../db/target.js';
import { USER } from '../scim/schemas.js';
import { USER_COLUMN_KEYS, userColumns } from './columns.js';
import type { Store } from './store.js';

/** Users: userName unique per tenant (case-insensitive, by the lower() unique index). */
export const userStore: Store = {
  type: USER,
  table: scimUsers,
  columns: userColumns,
  columnKeys: USER_COLUMN_KEYS,
  uniqueIndex: 'scim_users_user_name_key',
  conflict: (resource) => `userName "${String(resource.userName)}" is already taken`,
};
