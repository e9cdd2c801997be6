import { getTableColumns, getTableName } from 'drizzle-orm';
import { sql, type Fragment } from './sql.js';
import type { scimGroups, scimUsers } from '../db/target.js';
import { ScimError, uniqueness } from '../scim/errors.js';
import type { ScimResource } from '../scim/resource.js';
import type { ResourceType } from '../scim/schemas.js';
import { Statement, query, type Executor } from './executor.js';

/**
 * Row storage shared by Users and Groups: one table per resource type, the canonical
 * document in `resource`, the filterable attributes copied into columns. Every statement
 * is scoped by tenant_id, so another tenant's id simply does not exist here.
 */
export interface Store {
  type: ResourceType;
  table: typeof scimUsers | typeof scimGroups;
  /** the indexed copies of attributes, keyed by the drizzle column key */
  columns(resource: ScimResource): object;
  /** the keys `columns` returns */
  columnKeys: readonly string[];
  /**
   * For types with a rows attribute: a minimal valid document (required attributes set) to
   * run a PATCH that only changes rows against, without reading the real one
   */
  patchProbe?: ScimResource;
  /** the unique index a create or rename can collide with */
  uniqueIndex: string;
  conflict(resource: ScimResource): string;
}

export interface StoredMember {
  value: string;
  type: 'User' | 'Group';
  display: string | null;
}

export interface StoredRow {
  id: string;
  resource: ScimResource;
  /** the resource is the document just written, already in schema order (not read back) */
  canonical?: true;
  version: number;
  created: string;
  lastModified: string;
  /** only when members were asked for (Groups) */
  members?: StoredMember[];
}

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const tableOf = (store: Store) => sql.identifier(getTableName(store.table));

/**
 * The member list with each member's display name, in one subquery of the group's row:
 * reading a group with its members is a single statement, never one per member.
 */
const membersColumn = sql.raw(`(select coalesce(jsonb_agg(jsonb_build_object(
    'value', m.member_id, 'type', m.member_type,
    'display', case m.member_type when 'User' then coalesce(mu.display_name, mu.user_name) else mg.display_name end)
    order by m.member_id), '[]'::jsonb)
  from scim_group_members m
  left join scim_users mu on m.member_type = 'User' and mu.id = m.member_id
  left join scim_groups mg on m.member_type = 'Group' and mg.id = m.member_id
  where m.group_id = "scim_groups"."id") as members`);

/**
 * The select list of a row; members are read only when asked for, the document not after
 * a write that sent it.
 */
export function rowFields(store: Store, withMembers: boolean, withDocument = true): Fragment {
  const t = getTableName(store.table);
  const base = sql.raw(`"${t}"."id", ${withDocument ? `"${t}"."resource", ` : ''}"${t}"."version", `
    + `${iso(`"${t}"."created_at"`)} as created, ${iso(`"${t}"."last_modified"`)} as last_modified`);
  return withMembers && store.type.rowsAttribute ? sql`${base}, ${membersColumn}` : base;
}

export type RawRow = {
  id: string;
  resource: ScimResource;
  version: number;
  created: string;
  last_modified: string;
  members?: StoredMember[];
};

/** A row of a write that sent its document: read back without it. */
type WrittenRow = Omit<RawRow, 'resource'>;

export function toStoredRow(raw: RawRow): StoredRow {
  return {
    id: raw.id,
    resource: raw.resource,
    version: raw.version,
    created: raw.created,
    lastModified: raw.last_modified,
    ...(raw.members ? { members: raw.members } : {}),
  };
}

const written = (raw: WrittenRow, resource: ScimResource): StoredRow => ({ ...toStoredRow({ ...raw, resource }), canonical: true });

/** Turns the unique index's violation into 409 uniqueness; other errors pass through. */
async function unique<T>(store: Store, resource: ScimResource, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (violates(err, store.uniqueIndex)) throw uniqueness(store.conflict(resource));
    throw err;
  }
}

function violates(err: unknown, index: string): boolean {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const pg = e as { code?: string; constraint_name?: string };
    if (pg.code === '23505' && pg.constraint_name === index) return true;
    if (e instanceof ScimError) return false;
  }
  return false;
}

type ByIdValues = { tenantId: string; id: string };
type DocumentValues = { resource: string } & Record<string, unknown>;

/**
 * The by-id statements of one store, each rendered once per shape (see Statement): a
 * document written comes back without the document, which the caller already holds.
 */
class StoreStatements {
  private readonly built = new Map<string, Statement<never>>();

  constructor(private readonly store: Store) {}

  private once<V extends Record<string, unknown>>(shape: string, build: () => Fragment): Statement<V> {
    let statement = this.built.get(shape);
    if (!statement) this.built.set(shape, statement = new Statement(build()));
    return statement as unknown as Statement<V>;
  }

  private get table() {
    return tableOf(this.store);
  }

  /** `column = placeholder` pairs for the indexed copies */
  private columns(): Array<[Fragment, Fragment]> {
    const columns = getTableColumns(this.store.table) as Record<string, { name: string }>;
    return this.store.columnKeys.map((key) => [sql`${sql.identifier(columns[key]!.name)}`, sql`${sql.placeholder(key)}`]);
  }

  select(withMembers: boolean) {
    return this.once<ByIdValues>(`select ${withMembers}`, () => sql`
      select ${rowFields(this.store, withMembers)} from ${this.table}
      where ${this.table}.tenant_id = ${sql.placeholder('tenantId')} and ${this.table}.id = ${sql.placeholder('id')}`);
  }

  /** the document and version alone; with `forUpdate`, locked until the transaction ends */
  document(forUpdate: boolean) {
    return this.once<ByIdValues>(`document ${forUpdate}`, () => sql`
      select resource, version from ${this.table}
      where tenant_id = ${sql.placeholder('tenantId')} and id = ${sql.placeholder('id')}${forUpdate ? sql` for update` : sql``}`);
  }

  insert() {
    return this.once<{ tenantId: string } & DocumentValues>('insert', () => {
      const columns = this.columns();
      return sql`
        insert into ${this.table} (tenant_id, resource, ${sql.join(columns.map(([name]) => name), sql`, `)})
        values (${sql.placeholder('tenantId')}, ${sql.placeholder('resource')}::jsonb, ${sql.join(columns.map(([, value]) => value), sql`, `)})
        returning ${rowFields(this.store, false, false)}`;
    });
  }

  /** with a document: sets it and its columns; without: only bumps the version */
  update(document: boolean, withMembers: boolean, expectVersion: boolean) {
    return this.once<ByIdValues & Partial<DocumentValues> & { version?: number }>(`update ${document} ${withMembers} ${expectVersion}`, () => {
      const assignments = document
        ? sql`resource = ${sql.placeholder('resource')}::jsonb, ${sql.join(this.columns().map(([name, value]) => sql`${name} = ${value}`), sql`, `)},`
        : sql``;
      return sql`
        update ${this.table} set ${assignments} version = version + 1, last_modified = now()
        where tenant_id = ${sql.placeholder('tenantId')} and id = ${sql.placeholder('id')}${expectVersion ? sql` and version = ${sql.placeholder('version')}` : sql``}
        returning ${rowFields(this.store, withMembers, !document)}`;
    });
  }

  /**
   * Deletes a resource and, in the same statement, its memberships in other groups, bumping
   * those groups' versions.
   */
  delete() {
    return this.once<ByIdValues>('delete', () => sql`
      with gone as (delete from ${this.table} where tenant_id = ${sql.placeholder('tenantId')} and id = ${sql.placeholder('id')} returning id),
      memberships as (
        delete from scim_group_members where member_id in (select id from gone) and tenant_id = ${sql.placeholder('tenantId')} returning group_id
      ),
      touched as (
        update scim_groups set version = version + 1, last_modified = now()
        where id in (select group_id from memberships) and id not in (select id from gone)
      )
      select count(*)::int as deleted from gone`);
  }
}

const statements = new WeakMap<Store, StoreStatements>();

function statementsOf(store: Store): StoreStatements {
  let built = statements.get(store);
  if (!built) statements.set(store, built = new StoreStatements(store));
  return built;
}

function documentValues(store: Store, resource: ScimResource): DocumentValues {
  return { resource: JSON.stringify(resource), ...(store.columns(resource) as Record<string, unknown>) };
}

export async function insertRow(tx: Executor, store: Store, tenantId: string, resource: ScimResource): Promise<StoredRow> {
  const [row] = await unique(store, resource, () => statementsOf(store).insert().run<WrittenRow>(tx, { tenantId, ...documentValues(store, resource) }));
  return written(row!, resource);
}

export async function selectRow(tx: Executor, store: Store, tenantId: string, id: string, withMembers: boolean): Promise<StoredRow | undefined> {
  const [row] = await statementsOf(store).select(withMembers).run<RawRow>(tx, { tenantId, id });
  return row && toStoredRow(row);
}

type StoredDocument = { resource: ScimResource; version: number };

/** The current document and version: what a PATCH needs to work on, without the rest of the row. */
export async function readDocument(tx: Executor, store: Store, tenantId: string, id: string): Promise<StoredDocument | undefined> {
  const [row] = await statementsOf(store).document(false).run<StoredDocument>(tx, { tenantId, id });
  return row;
}

/** The current document and version, locked until the transaction ends. */
export async function lockRow(tx: Executor, store: Store, tenantId: string, id: string): Promise<StoredDocument | undefined> {
  const [row] = await statementsOf(store).document(true).run<StoredDocument>(tx, { tenantId, id });
  return row;
}

/**
 * Writes a new document (or, without one, only records that the members changed) and
 * bumps the version; returns the row as it now is. With `expectedVersion`, writes only if
 * the row is still at that version and returns undefined if it is not.
 */
export async function updateRow(
  tx: Executor, store: Store, tenantId: string, id: string, resource: ScimResource | undefined, withMembers: boolean,
  expectedVersion?: number,
): Promise<StoredRow | undefined> {
  const statement = statementsOf(store).update(resource !== undefined, withMembers, expectedVersion !== undefined);
  const values = { tenantId, id, version: expectedVersion, ...(resource ? documentValues(store, resource) : {}) };
  if (!resource) {
    const [row] = await statement.run<RawRow>(tx, values);
    return row && toStoredRow(row);
  }
  const [row] = await unique(store, resource, () => statement.run<WrittenRow>(tx, values));
  return row && written(row, resource);
}

/** Deletes a resource and its memberships; false when the tenant has no such resource. */
export async function deleteRow(tx: Executor, store: Store, tenantId: string, id: string): Promise<boolean> {
  const [row] = await statementsOf(store).delete().run<{ deleted: number }>(tx, { tenantId, id });
  return (row?.deleted ?? 0) > 0;
}
