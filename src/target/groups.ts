import { scimGroups } from '../db/target.js';
import { GROUP } from '../scim/schemas.js';
import { GROUP_COLUMN_KEYS, groupColumns } from './columns.js';
import type { Store } from './store.js';

/**
 * Groups: displayName unique per tenant, because Entra matches groups by it. Members are
 * rows of scim_group_members (see members.ts), never part of the stored document.
 */
export const groupStore: Store = {
  type: GROUP,
  table: scimGroups,
  columns: groupColumns,
  columnKeys: GROUP_COLUMN_KEYS,
  patchProbe: { schemas: [GROUP.schema.id], displayName: 'probe' },
  uniqueIndex: 'scim_groups_display_name_key',
  conflict: (resource) => `a group named "${String(resource.displayName)}" already exists`,
};
