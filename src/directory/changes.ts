import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';

/**
 * The change feed and the one way to write to a directory.
 *
 * The gap problem: `seq` comes from a sequence, so two concurrent transactions can commit
 * out of `seq` order, and a reader could see 12, advance its watermark past 11, and never see
 * 11 once it commits. We close it on the write side: every write to a directory runs in
 * `writeDirectory`, which takes a per-directory transaction advisory lock before anything
 * draws a `seq`. PostgreSQL makes a commit visible before it releases the transaction's
 * locks, so the next writer of the directory draws larger numbers only after the earlier
 * writer's rows are visible: within one directory `seq` order is commit order, and
 * `seq > watermark` is always complete. The cost is that writes to one directory are
 * serialised, which imports (large batched transactions) hardly notice; writers to different
 * directories do not wait for each other. A safe-horizon reader (`pg_snapshot_xmin`) would
 * allow parallel writers but makes the watermark an xid pair instead of one number.
 */

export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
export type Queryable = Pick<Database, 'execute'>;

/** A transaction holding the directory's write lock; only `writeDirectory` makes one. */
export interface DirectoryWrite {
  readonly tx: Tx;
  readonly directoryId: string;
}

/** Advisory lock class of directory writers (the two-key space, apart from the migration lock). */
const DIRECTORY_WRITE_LOCK = 7235002;

export async function writeDirectory<T>(db: Database, directoryId: string, work: (w: DirectoryWrite) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${DIRECTORY_WRITE_LOCK}, hashtext(${directoryId}))`);
    return work({ tx, directoryId });
  });
}

/** A position in a directory's change feed; "0" is before the first change. */
export type Watermark = string;

export type ChangeObjectType = 'user' | 'group' | 'membership' | 'assignment';
export type ChangeKind = 'upsert' | 'softDelete' | 'restore' | 'hardDelete';

export interface DirectoryChange {
  seq: Watermark;
  objectType: ChangeObjectType;
  /** the user or group; the group of a membership; the application of an assignment */
  objectId: string;
  /** the member of a membership, the principal of an assignment */
  relatedId: string | null;
  relatedType: 'user' | 'group' | null;
  kind: ChangeKind;
  at: string;
}

/** Changes after `watermark`, oldest first, at most `limit`: one range scan of the feed index. */
export async function changesSince(db: Queryable, directoryId: string, watermark: Watermark, limit: number): Promise<DirectoryChange[]> {
  if (!/^\d{1,19}$/.test(watermark)) throw new RangeError(`not a watermark: ${watermark}`);
  const rows = await db.execute<{
    seq: string; object_type: ChangeObjectType; object_id: string; related_id: string | null;
    related_type: 'user' | 'group' | null; kind: ChangeKind; at: string;
  }>(sql`
    select seq, object_type, object_id, related_id, related_type, kind, ${isoTime(sql`at`)} as at
    from directory_changes
    where directory_id = ${directoryId} and seq > ${watermark}::bigint
    order by seq
    limit ${limit}`);
  return rows.map((r) => ({
    seq: r.seq, objectType: r.object_type, objectId: r.object_id, relatedId: r.related_id,
    relatedType: r.related_type, kind: r.kind, at: r.at,
  }));
}

/**
 * The newest committed position. A full read that starts after taking it and then resumes
 * from it sees every later change at least once (writers still in flight draw larger numbers).
 */
export async function currentWatermark(db: Queryable, directoryId: string): Promise<Watermark> {
  const [row] = await db.execute<{ seq: string | null }>(sql`
    select max(seq)::text as seq from directory_changes where directory_id = ${directoryId}`);
  return row?.seq ?? '0';
}

/** ISO-8601 UTC text of a timestamptz column, as Graph writes dates. */
export function isoTime(column: ReturnType<typeof sql>): ReturnType<typeof sql> {
  return sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
