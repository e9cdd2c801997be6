import { getTableName } from 'drizzle-orm';
import { sql, type Fragment } from './sql.js';
import type { Database, Sql } from '../db/client.js';
import { invalidValue, notFound, preconditionFailed, ScimError } from '../scim/errors.js';
import { parseAttrPath, parseFilter, parsePatchPath } from '../scim/filter.js';
import { readPatchRequest } from '../scim/entra.js';
import { applyPatch, type MemberChange } from '../scim/patch.js';
import { canonicalResource, checkReplace, jsonEqual, parseResource, type ScimResource } from '../scim/resource.js';
import { resolveAttribute, type ResourceType } from '../scim/schemas.js';
import { filterToSql, matchesAtMostOne, sortExpression } from './filter-sql.js';
import { groupStore } from './groups.js';
import { clientOf, query, type Executor } from './executor.js';
import { applyMemberChanges, changeMembersOf, isSingleStatement } from './members.js';
import { deleteRow, insertRow, lockRow, readDocument, rowFields, selectRow, toStoredRow, updateRow, type RawRow, type Store, type StoredRow } from './store.js';
import { userStore } from './users.js';

/**
 * The SCIM resource service: create, read, replace, patch, delete and query Users and Groups
 * of one tenant. It takes plain inputs (parsed JSON bodies, header values, query values) and
 * returns plain objects, so the HTTP routes and /Bulk share it; every failure is a ScimError.
 */

/** The most resources one query returns; a larger `count` is clamped (RFC 7644 §3.4.2.4). */
export const MAX_PAGE_SIZE = 1000;
/** Optimistic PATCHes that lose a race this often fall back to locking the row. */
const OPTIMISTIC_ATTEMPTS = 3;

/** The page size when a query gives no `count`. */
export const DEFAULT_PAGE_SIZE = 100;

export type ResourceTypeName = 'User' | 'Group';

/** Who is asking: the tenant the bearer token selected and the SCIM base URL for links. */
export interface TenantScope {
  tenantId: string;
  /** e.g. `https://host/scim/v2`, for `meta.location` and member `$ref`s */
  baseUrl: string;
}

export interface ResourceOutcome {
  /** the full resource: `schemas`, `id`, attributes, `members` when read, `meta` */
  resource: ScimResource;
  version: number;
  etag: string;
  location: string;
}

export interface ReadOptions {
  /** read a Group's members (default true); false never touches scim_group_members */
  withMembers?: boolean;
}

export interface WriteOptions extends ReadOptions {
  /** the If-Match header value, if any */
  ifMatch?: string;
}

export interface QueryInput extends ReadOptions {
  filter?: string;
  sortBy?: string;
  sortOrder?: string;
  startIndex?: number;
  count?: number;
}

export interface ListOutcome {
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  resources: ScimResource[];
}

const stores: Record<ResourceTypeName, Store> = { User: userStore, Group: groupStore };

export const resourceTypeOf = (name: ResourceTypeName): ResourceType => stores[name].type;

export const etagOf = (version: number) => `W/"${version}"`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `If-Match` / `If-None-Match`: `*` or a list of entity tags, compared weakly (RFC 9110 §8.8.3.2). */
export function etagMatches(header: string, version: number): boolean {
  const wanted = `"${version}"`;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === wanted;
  });
}

export class ResourceService {
  private readonly sql: Sql;

  constructor(db: Database) {
    this.sql = clientOf(db);
  }

  async create(scope: TenantScope, typeName: ResourceTypeName, body: unknown, options: ReadOptions = {}): Promise<ResourceOutcome> {
    const store = stores[typeName];
    const { resource, members } = parseResource(store.type, body, 'create');
    if (!members?.length) return this.render(scope, store, await insertRow(this.sql, store, scope.tenantId, resource));
    return this.sql.begin(async (tx) => {
      const row = await insertRow(tx, store, scope.tenantId, resource);
      await applyMemberChanges(tx, scope.tenantId, row.id, [{ kind: 'add', members }]);
      return this.render(scope, store, (await selectRow(tx, store, scope.tenantId, row.id, options.withMembers ?? true))!);
    });
  }

  async get(scope: TenantScope, typeName: ResourceTypeName, id: string, options: ReadOptions = {}): Promise<ResourceOutcome> {
    const store = stores[typeName];
    if (!UUID.test(id)) throw missing(store, id);
    return this.read(scope, store, id, options.withMembers ?? true);
  }

  async replace(scope: TenantScope, typeName: ResourceTypeName, id: string, body: unknown, options: WriteOptions = {}): Promise<ResourceOutcome> {
    const store = stores[typeName];
    const { resource, members } = parseResource(store.type, body, 'replace');
    return this.write(scope, store, id, options, async (tx, current) => {
      checkReplace(store.type, current, resource);
      const memberRows = members ? await applyMemberChanges(tx, scope.tenantId, id, [{ kind: 'replaceAll', members }]) : 0;
      return { resource: jsonEqual(current, resource) ? undefined : resource, memberRows };
    });
  }

  /**
   * Without If-Match a PATCH runs optimistically, with no transaction: read, apply, then
   * write the document only if the version is still the one read (else start over), or
   * apply a single member change together with the version bump in one statement. Anything
   * else — If-Match, several member changes, document and members together, repeated
   * conflicts — takes the locking transaction.
   */
  async patch(scope: TenantScope, typeName: ResourceTypeName, id: string, body: unknown, options: WriteOptions = {}): Promise<ResourceOutcome> {
    const store = stores[typeName];
    if (!UUID.test(id)) throw missing(store, id);
    const withMembers = options.withMembers ?? true;
    const memberChange = options.ifMatch === undefined ? onlyMemberChange(store, body) : undefined;
    if (memberChange) return this.changeMembers(scope, store, id, memberChange, withMembers);
    for (let attempt = 0; options.ifMatch === undefined && attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
      const outcome = await this.patchOptimistically(scope, store, id, body, withMembers);
      if (outcome === 'locked') break;
      if (outcome !== 'conflict') return outcome;
    }
    return this.write(scope, store, id, options, async (tx, current) => {
      const result = applyPatch(store.type, current, body);
      if (!result.changed) return { resource: undefined, memberRows: 0 };
      const memberRows = await applyMemberChanges(tx, scope.tenantId, id, result.memberChanges);
      return { resource: result.documentChanged ? result.resource : undefined, memberRows };
    });
  }

  private async patchOptimistically(
    scope: TenantScope, store: Store, id: string, body: unknown, withMembers: boolean,
  ): Promise<ResourceOutcome | 'conflict' | 'locked'> {
    // the document alone: created and lastModified come back from the write
    const current = await readDocument(this.sql, store, scope.tenantId, id);
    if (!current) throw missing(store, id);
    const result = applyPatch(store.type, current.resource, body);
    const document = result.documentChanged ? result.resource : undefined;
    const changes = result.memberChanges;
    if (changes.length === 0) {
      if (!document) return this.read(scope, store, id, withMembers);
      const row = await updateRow(this.sql, store, scope.tenantId, id, document, withMembers, current.version);
      return row ? this.render(scope, store, row) : 'conflict';
    }
    if (document || changes.length > 1 || !isSingleStatement(changes[0]!)) return 'locked';
    return this.changeMembers(scope, store, id, changes[0]!, withMembers);
  }

  private async changeMembers(scope: TenantScope, store: Store, id: string, change: MemberChange, withMembers: boolean): Promise<ResourceOutcome> {
    const row = await changeMembersOf(this.sql, scope.tenantId, id, change);
    if (!row) throw missing(store, id);
    return this.withMembersIfAsked(scope, store, row, withMembers);
  }

  private async read(scope: TenantScope, store: Store, id: string, withMembers: boolean): Promise<ResourceOutcome> {
    const row = await selectRow(this.sql, store, scope.tenantId, id, withMembers);
    if (!row) throw missing(store, id);
    return this.render(scope, store, row);
  }

  /** A row read without members, answered with them when they were asked for. */
  private async withMembersIfAsked(scope: TenantScope, store: Store, row: StoredRow, withMembers: boolean): Promise<ResourceOutcome> {
    const full = withMembers && store.type.rowsAttribute ? await selectRow(this.sql, store, scope.tenantId, row.id, true) : undefined;
    return this.render(scope, store, full ?? row);
  }

  async delete(scope: TenantScope, typeName: ResourceTypeName, id: string, options: WriteOptions = {}): Promise<void> {
    const store = stores[typeName];
    if (!UUID.test(id)) throw missing(store, id);
    const deleted = await this.sql.begin(async (tx) => {
      if (options.ifMatch !== undefined) await this.lockMatching(tx, store, scope, id, options.ifMatch);
      return deleteRow(tx, store, scope.tenantId, id);
    });
    if (!deleted) throw missing(store, id);
  }

  /**
   * A query of one resource type, or of all of them (`/.search` at the root: Users first,
   * then Groups). A filter never yields 404: no match is an empty list.
   */
  async query(scope: TenantScope, typeName: ResourceTypeName | undefined, input: QueryInput): Promise<ListOutcome> {
    const startIndex = Math.max(1, Math.trunc(input.startIndex ?? 1));
    const count = Math.min(MAX_PAGE_SIZE, Math.max(0, Math.trunc(input.count ?? DEFAULT_PAGE_SIZE)));
    const filter = input.filter === undefined ? undefined : parseFilter(input.filter);
    const sortPath = input.sortBy === undefined ? undefined : parseAttrPath(input.sortBy);
    const descending = sortDirection(input.sortOrder);
    const plans = planQueries(typeName ? [stores[typeName]] : [userStore, groupStore], (store, unknownAttributes) => ({
      where: filter && filterToSql(store.type, filter, { unknownAttributes }),
      single: filter !== undefined && unknownAttributes === 'error' && matchesAtMostOne(store.type, filter),
      order: sortPath && (unknownAttributes === 'error' ? sortExpression(store.type, sortPath) : undefined),
    }));

    const resources: ScimResource[] = [];
    let totalResults = 0;
    let skip = startIndex - 1;
    for (const { store, where, order, single } of plans) {
      const want = count - resources.length;
      const page = single ? await this.single(store, scope, where!, skip, want, input.withMembers ?? true)
        : want > 0 ? await this.page(store, scope, where, order, descending, skip, want, input.withMembers ?? true)
        : { rows: [], total: undefined };
      const total = page.total ?? await this.count(store, scope, where);
      totalResults += total;
      skip = Math.max(0, skip - total);
      resources.push(...page.rows.map((row) => this.render(scope, store, row).resource));
    }
    return { totalResults, startIndex, itemsPerPage: resources.length, resources };
  }

  // -------------------------------------------------------------------------------------

  /** One transaction: lock the row, check If-Match, change it, bump the version if it changed. */
  private async write(
    scope: TenantScope, store: Store, id: string, options: WriteOptions,
    change: (tx: Executor, current: ScimResource) => Promise<{ resource: ScimResource | undefined; memberRows: number }>,
  ): Promise<ResourceOutcome> {
    if (!UUID.test(id)) throw missing(store, id);
    const withMembers = options.withMembers ?? true;
    return this.sql.begin(async (tx) => {
      const current = await this.lockMatching(tx, store, scope, id, options.ifMatch);
      const { resource, memberRows } = await change(tx, current);
      const row = resource || memberRows > 0
        ? (await updateRow(tx, store, scope.tenantId, id, resource, withMembers))!
        : (await selectRow(tx, store, scope.tenantId, id, withMembers))!;
      return this.render(scope, store, row);
    });
  }

  private async lockMatching(tx: Executor, store: Store, scope: TenantScope, id: string, ifMatch: string | undefined): Promise<ScimResource> {
    const current = await lockRow(tx, store, scope.tenantId, id);
    if (!current) throw missing(store, id);
    if (ifMatch !== undefined && !etagMatches(ifMatch, current.version)) {
      throw preconditionFailed(`${store.type.name} ${id} is at version ${etagOf(current.version)}, not ${ifMatch}`);
    }
    return current.resource;
  }

  private async page(
    store: Store, scope: TenantScope, where: Fragment | undefined, order: Fragment | undefined, descending: boolean,
    offset: number, limit: number, withMembers: boolean,
  ): Promise<{ rows: StoredRow[]; total: number | undefined }> {
    const t = sql.identifier(getTableName(store.table));
    const direction = sql.raw(descending ? 'desc' : 'asc');
    const orderBy = order ? sql`${order} ${direction} nulls last, ${t}.id` : sql`${t}.id`;
    const filtered = sql`${t}.tenant_id = ${scope.tenantId}${where ? sql` and ${where}` : sql``}`;
    // A filter (Entra's lookups) matches a few rows: read them in one pass. A listing without
    // one, or with members, takes the page's ids first and reads documents and members only
    // for the rows of the page.
    const rows = where && !(withMembers && store.type.rowsAttribute)
      ? await query<RawRow>(this.sql, sql`
        select ${rowFields(store, false)} from ${t} where ${filtered}
        order by ${orderBy} limit ${limit} offset ${offset}`)
      : await query<RawRow>(this.sql, sql`
        with page as (select ${t}.id from ${t} where ${filtered} order by ${orderBy} limit ${limit} offset ${offset})
        select ${rowFields(store, withMembers)} from page join ${t} on ${t}.id = page.id
        order by ${orderBy}`);
    // A page that is not full ends the results, so it tells the total without counting (a
    // window count would make every lookup count, and every listing read all its rows).
    const last = rows.length < limit && (rows.length > 0 || offset === 0);
    return { rows: rows.map(toStoredRow), total: last ? offset + rows.length : undefined };
  }

  /** A lookup that matches at most one row needs no ordering, paging or window count. */
  private async single(
    store: Store, scope: TenantScope, where: Fragment, offset: number, limit: number, withMembers: boolean,
  ): Promise<{ rows: StoredRow[]; total: number }> {
    const t = sql.identifier(getTableName(store.table));
    const rows = await query<RawRow>(this.sql, sql`
      select ${rowFields(store, withMembers)} from ${t} where ${t}.tenant_id = ${scope.tenantId} and ${where}`);
    return { rows: rows.slice(offset, offset + limit).map(toStoredRow), total: rows.length };
  }

  private async count(store: Store, scope: TenantScope, where: Fragment | undefined): Promise<number> {
    const t = sql.identifier(getTableName(store.table));
    const [row] = await query<{ n: number }>(this.sql, sql`
      select count(*)::int as n from ${t} where ${t}.tenant_id = ${scope.tenantId}${where ? sql` and ${where}` : sql``}`);
    return row?.n ?? 0;
  }

  private render(scope: TenantScope, store: Store, row: StoredRow): ResourceOutcome {
    const location = `${scope.baseUrl}${store.type.endpoint}/${row.id}`;
    // jsonb keeps keys in its own order; answer in schema order, as clients print it
    const { schemas, ...attributes } = row.canonical ? row.resource : canonicalResource(store.type, row.resource);
    const resource: ScimResource = { schemas, id: row.id, ...attributes };
    if (row.members?.length) {
      resource.members = row.members.map((m) => ({
        value: m.value,
        $ref: `${scope.baseUrl}/${m.type}s/${m.value}`,
        type: m.type,
        ...(m.display === null ? {} : { display: m.display }),
      }));
    }
    const etag = etagOf(row.version);
    resource.meta = { resourceType: store.type.name, created: row.created, lastModified: row.lastModified, location, version: etag };
    return { resource, version: row.version, etag, location };
  }
}

/**
 * The member change of a PATCH whose every operation has a path naming the rows attribute
 * (`members`, `members[value eq "…"]`) and which is one statement: such a PATCH does not
 * depend on the group's document, so it needs no read before the write. Anything else,
 * including bodies that fail to parse, goes the general way and gets its errors there.
 */
function onlyMemberChange(store: Store, body: unknown): MemberChange | undefined {
  const rows = store.type.rowsAttribute;
  if (!rows || !store.patchProbe) return undefined;
  try {
    const operations = readPatchRequest(body);
    const onRows = (path: string | undefined) => {
      const location = path === undefined ? undefined : resolveAttribute(store.type, parsePatchPath(path).path);
      return location !== undefined && !location.extension && location.attribute.name === rows;
    };
    if (operations.length === 0 || !operations.every((o) => onRows(o.path))) return undefined;
    const { memberChanges } = applyPatch(store.type, store.patchProbe, body);
    return memberChanges.length === 1 && isSingleStatement(memberChanges[0]!) ? memberChanges[0] : undefined;
  } catch (err) {
    if (err instanceof ScimError) return undefined;
    throw err;
  }
}

function missing(store: Store, id: string): ScimError {
  return notFound(`${store.type.name} ${id} not found`);
}

function sortDirection(sortOrder: string | undefined): boolean {
  if (sortOrder === undefined || /^ascending$/i.test(sortOrder)) return false;
  if (/^descending$/i.test(sortOrder)) return true;
  throw invalidValue(`sortOrder must be "ascending" or "descending", not ${JSON.stringify(sortOrder)}`);
}

/**
 * Compiles the filter and sort key per resource type. At the root a name may exist in only
 * one type's schemas (`userName`): for the other types it is an attribute no resource has.
 * A name that no type knows is still an error.
 */
function planQueries<T>(candidates: Store[], compile: (store: Store, unknownAttributes: 'error' | 'absent') => T): Array<T & { store: Store }> {
  if (candidates.length === 1) return [{ ...compile(candidates[0]!, 'error'), store: candidates[0]! }];
  const strict = candidates.map((store) => {
    try {
      return { store, plan: compile(store, 'error') };
    } catch (err) {
      if (!(err instanceof ScimError)) throw err;
      return { store, error: err };
    }
  });
  if (strict.every((s) => s.error)) throw strict[0]!.error;
  return strict.map(({ store, plan }) => ({ ...(plan ?? compile(store, 'absent')), store }));
}
