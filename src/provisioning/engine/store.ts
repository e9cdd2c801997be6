import type { Sql } from '../../db/client.js';
import type { ObjectType } from './decision.js';
import type { EscrowSchedule } from './escrow-policy.js';
import { groupCommit } from './settle.js';

/**
 * What the engine remembers between cycles: links (the connector data store), escrows and the
 * deletions a cycle holds until its end. Every write goes through this interface so a preview
 * swaps in `dryRunStore`, which reads the real state and forgets every write: the one switch
 * besides the SCIM client's dry-run mode, instead of `if (dryRun)` through the engine.
 */
export interface Link {
  objectType: ObjectType;
  sourceId: string;
  targetId: string;
  /** flat map of target attribute path → value as last exported */
  exported: Record<string, unknown>;
  exportHash: string;
  state: 'provisioned' | 'disabled';
}

export interface Escrow extends EscrowSchedule {
  objectType: ObjectType;
  sourceId: string;
  errorCode: string;
  errorReason: string;
  referenceFailure: boolean;
}

export interface PendingDeletion {
  objectType: ObjectType;
  sourceId: string;
  targetId: string;
  sourceDisplayName: string | null;
  action: 'disable' | 'delete';
}

export interface SyncStore {
  readonly dryRun: boolean;
  links(type: ObjectType, sourceIds: readonly string[]): Promise<Map<string, Link>>;
  saveLinks(links: readonly Link[]): Promise<void>;
  /**
   * The link of an object just created, written before the create counts as done, so a crash
   * cannot lose it (concurrent creates share a statement: `groupCommit`).
   */
  saveCreatedLink(link: Link): Promise<void>;
  removeLinks(type: ObjectType, sourceIds: readonly string[]): Promise<void>;
  escrows(type: ObjectType, sourceIds: readonly string[], referenceFailure: boolean): Promise<Map<string, Escrow>>;
  saveEscrows(escrows: readonly Escrow[]): Promise<void>;
  clearEscrows(type: ObjectType, sourceIds: readonly string[], referenceFailure: boolean): Promise<void>;
  /** source ids of escrows due before `now` (a cycle's start: not what failed during it), keyset after `after` */
  dueEscrows(type: ObjectType, referenceFailure: boolean, now: Date, after: string, limit: number): Promise<string[]>;
  addPendingDeletions(cycleId: string, deletions: readonly PendingDeletion[]): Promise<void>;
  pendingDeletions(cycleId: string, after: string, limit: number): Promise<PendingDeletion[]>;
  countPendingDeletions(cycleId: string): Promise<number>;
  clearPendingDeletions(cycleId: string, deletions: readonly PendingDeletion[]): Promise<void>;
  /** escrows of objects failing since before `before` are given up (Entra: after 28 days) */
  dropEscrowsFailingSince(before: Date): Promise<void>;
  /** the position the next incremental cycle starts from; a stored watermark ends the need for a full cycle */
  saveWatermark(watermark: number): Promise<void>;
}

interface LinkRow {
  source_id: string;
  target_id: string;
  exported: Record<string, unknown>;
  export_hash: string;
  state: 'provisioned' | 'disabled';
}

interface EscrowRow {
  source_id: string;
  attempts: number;
  // timestamps arrive as Date or text depending on the connection's type parsers
  first_failed_at: Date | string;
  next_retry_at: Date | string;
  error_code: string;
  error_reason: string;
}

interface PendingRow {
  object_type: ObjectType;
  source_id: string;
  target_id: string;
  source_display_name: string | null;
  action: 'disable' | 'delete';
}

/**
 * Rows handed to `jsonb_to_recordset` as one text parameter for the whole batch (the shared
 * connection has no JSON type serialiser: src/db/client.ts).
 */
function asJson(rows: readonly object[]): string {
  return JSON.stringify(rows);
}

export function liveStore(sql: Sql, jobId: string): SyncStore {
  const store: SyncStore = {
    dryRun: false,
    async links(type, sourceIds) {
      if (sourceIds.length === 0) return new Map();
      const rows = await sql<LinkRow[]>`
        select source_id, target_id, exported, export_hash, state from provisioning_links
        where job_id = ${jobId} and object_type = ${type} and source_id = any(${sourceIds as string[]})`;
      return new Map(rows.map((r) => [r.source_id, {
        objectType: type, sourceId: r.source_id, targetId: r.target_id, exported: r.exported, exportHash: r.export_hash, state: r.state,
      }]));
    },
    async saveLinks(links) {
      if (links.length === 0) return;
      const rows = links.map((l) => ({
        object_type: l.objectType, source_id: l.sourceId, target_id: l.targetId, exported: l.exported, export_hash: l.exportHash, state: l.state,
      }));
      await sql`
        insert into provisioning_links (job_id, object_type, source_id, target_id, exported, export_hash, state, updated_at)
        select ${jobId}, r.object_type, r.source_id, r.target_id, r.exported, r.export_hash, r.state, now()
        from jsonb_to_recordset(${asJson(rows)}::jsonb)
          as r(object_type text, source_id text, target_id text, exported jsonb, export_hash text, state text)
        on conflict (job_id, object_type, source_id) do update set
          target_id = excluded.target_id, exported = excluded.exported, export_hash = excluded.export_hash,
          state = excluded.state, updated_at = now()`;
    },
    async removeLinks(type, sourceIds) {
      if (sourceIds.length === 0) return;
      await sql`delete from provisioning_links where job_id = ${jobId} and object_type = ${type} and source_id = any(${sourceIds as string[]})`;
    },
    async escrows(type, sourceIds, referenceFailure) {
      if (sourceIds.length === 0) return new Map();
      const rows = await sql<EscrowRow[]>`
        select source_id, attempts, first_failed_at, next_retry_at, error_code, error_reason from provisioning_escrows
        where job_id = ${jobId} and object_type = ${type} and reference_failure = ${referenceFailure}
          and source_id = any(${sourceIds as string[]})`;
      return new Map(rows.map((r) => [r.source_id, {
        objectType: type, sourceId: r.source_id, attempts: r.attempts, firstFailedAt: new Date(r.first_failed_at), nextRetryAt: new Date(r.next_retry_at),
        errorCode: r.error_code, errorReason: r.error_reason, referenceFailure,
      }]));
    },
    async saveEscrows(escrows) {
      if (escrows.length === 0) return;
      const rows = escrows.map((e) => ({
        object_type: e.objectType, source_id: e.sourceId, attempts: e.attempts, first_failed_at: e.firstFailedAt.toISOString(),
        next_retry_at: e.nextRetryAt.toISOString(), error_code: e.errorCode, error_reason: e.errorReason, reference_failure: e.referenceFailure,
      }));
      // one escrow per object: a reference failure never hides an object failure of the same object
      await sql`
        insert into provisioning_escrows (job_id, object_type, source_id, attempts, first_failed_at, next_retry_at, error_code, error_reason, reference_failure)
        select ${jobId}, r.object_type, r.source_id, r.attempts, r.first_failed_at, r.next_retry_at, r.error_code, r.error_reason, r.reference_failure
        from jsonb_to_recordset(${asJson(rows)}::jsonb)
          as r(object_type text, source_id text, attempts int, first_failed_at timestamptz, next_retry_at timestamptz,
               error_code text, error_reason text, reference_failure boolean)
        on conflict (job_id, object_type, source_id) do update set
          attempts = excluded.attempts, first_failed_at = excluded.first_failed_at, next_retry_at = excluded.next_retry_at,
          error_code = excluded.error_code, error_reason = excluded.error_reason, reference_failure = excluded.reference_failure
        where provisioning_escrows.reference_failure or not excluded.reference_failure`;
    },
    async clearEscrows(type, sourceIds, referenceFailure) {
      if (sourceIds.length === 0) return;
      await sql`
        delete from provisioning_escrows where job_id = ${jobId} and object_type = ${type}
          and reference_failure = ${referenceFailure} and source_id = any(${sourceIds as string[]})`;
    },
    async dueEscrows(type, referenceFailure, now, after, limit) {
      const rows = await sql<{ source_id: string }[]>`
        select source_id from provisioning_escrows
        where job_id = ${jobId} and object_type = ${type} and reference_failure = ${referenceFailure}
          and next_retry_at < ${now.toISOString()}::timestamptz and source_id > ${after}
        order by source_id limit ${limit}`;
      return rows.map((r) => r.source_id);
    },
    async addPendingDeletions(cycleId, deletions) {
      if (deletions.length === 0) return;
      const rows = deletions.map((d) => ({
        object_type: d.objectType, source_id: d.sourceId, target_id: d.targetId, source_display_name: d.sourceDisplayName, action: d.action,
      }));
      await sql`
        insert into provisioning_pending_deletions (job_id, cycle_id, object_type, source_id, target_id, source_display_name, action)
        select ${jobId}, ${cycleId}, r.object_type, r.source_id, r.target_id, r.source_display_name, r.action
        from jsonb_to_recordset(${asJson(rows)}::jsonb)
          as r(object_type text, source_id text, target_id text, source_display_name text, action text)
        on conflict (job_id, cycle_id, object_type, source_id) do update set
          target_id = excluded.target_id, action = excluded.action, source_display_name = excluded.source_display_name`;
    },
    async pendingDeletions(cycleId, after, limit) {
      return sql<PendingRow[]>`
        select object_type, source_id, target_id, source_display_name, action from provisioning_pending_deletions
        where job_id = ${jobId} and cycle_id = ${cycleId} and (object_type || ':' || source_id) > ${after}
        order by object_type || ':' || source_id limit ${limit}`.then((rows) => rows.map(pendingFromRow));
    },
    async countPendingDeletions(cycleId) {
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from provisioning_pending_deletions where job_id = ${jobId} and cycle_id = ${cycleId}`;
      return row?.n ?? 0;
    },
    async clearPendingDeletions(cycleId, deletions) {
      for (const type of ['user', 'group'] as const) {
        const ids = deletions.filter((d) => d.objectType === type).map((d) => d.sourceId);
        if (ids.length === 0) continue;
        await sql`
          delete from provisioning_pending_deletions
          where job_id = ${jobId} and cycle_id = ${cycleId} and object_type = ${type} and source_id = any(${ids})`;
      }
    },
    async dropEscrowsFailingSince(before) {
      await sql`delete from provisioning_escrows where job_id = ${jobId} and first_failed_at < ${before.toISOString()}::timestamptz`;
    },
    async saveWatermark(watermark) {
      await sql`
        update provisioning_jobs set watermark = ${watermark}, full_sync_required = false, updated_at = now()
        where id = ${jobId}`;
    },
    saveCreatedLink: (link) => createdLinks(link),
  };
  const createdLinks = groupCommit((links: Link[]) => store.saveLinks(links));
  return store;
}

function pendingFromRow(r: PendingRow): PendingDeletion {
  return { objectType: r.object_type, sourceId: r.source_id, targetId: r.target_id, sourceDisplayName: r.source_display_name, action: r.action };
}

/**
 * Reads what the job really has; links and escrows written are dropped, so a preview leaves no
 * trace but its log. Pending deletions stay in memory for the preview's own finish, which
 * records the disables and deletes it would send (or would hold) like any other request.
 */
export function dryRunStore(live: SyncStore): SyncStore {
  const nothing = async () => {};
  const pending = new Map<string, PendingDeletion>();
  const keyOf = (d: PendingDeletion) => `${d.objectType}:${d.sourceId}`;
  return {
    dryRun: true,
    links: (type, ids) => live.links(type, ids),
    saveLinks: nothing,
    saveCreatedLink: nothing,
    removeLinks: nothing,
    escrows: (type, ids, reference) => live.escrows(type, ids, reference),
    saveEscrows: nothing,
    clearEscrows: nothing,
    dueEscrows: (type, reference, now, after, limit) => live.dueEscrows(type, reference, now, after, limit),
    async addPendingDeletions(_cycleId, deletions) {
      for (const d of deletions) pending.set(keyOf(d), d);
    },
    async pendingDeletions(_cycleId, after, limit) {
      return [...pending.entries()].filter(([key]) => key > after).sort(([a], [b]) => (a < b ? -1 : 1)).slice(0, limit).map(([, d]) => d);
    },
    countPendingDeletions: async () => pending.size,
    async clearPendingDeletions(_cycleId, deletions) {
      for (const d of deletions) pending.delete(keyOf(d));
    },
    dropEscrowsFailingSince: nothing,
    saveWatermark: nothing,
  };
}
