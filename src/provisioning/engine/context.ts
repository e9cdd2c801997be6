import type { Database, Sql } from '../../db/client.js';
import type { CycleKind } from '../../db/provisioning.js';
import type { ScimClient } from '../scim-client.js';
import type { JobConfig } from '../config.js';
import type { EscrowPolicy } from './escrow-policy.js';
import type { LogEntryInput } from '../logs.js';
import type { SyncStore } from './store.js';

/** A provisioning job as the engine runs it: where it reads, and its validated configuration. */
export interface EngineJob {
  id: string;
  directoryId: string;
  applicationId: string;
  config: JobConfig;
}

/**
 * Everything one job's sync steps use, built once per activity (src/provisioning/index.ts
 * `openJob`). Preview differs from a live run only in `client` (dry-run mode) and `store`
 * (writes dropped).
 */
export interface SyncContext {
  sql: Sql;
  db: Database;
  job: EngineJob;
  client: ScimClient;
  store: SyncStore;
  writeLogs(entries: readonly LogEntryInput[]): Promise<void>;
  now(): Date;
  /** source objects per page */
  pageSize: number;
  escrowPolicy: EscrowPolicy;
  /** the job opted into Bulk and the target advertises it */
  bulk: boolean;
}

/** One cycle as its pages see it: the positions of the change feed it covers never change once started. */
export interface Cycle {
  id: string;
  kind: CycleKind;
  dryRun: boolean;
  startedAt: string;
  /** the watermark the cycle started from (null for an initial cycle) */
  watermarkFrom: number | null;
  /** the feed position read when the cycle started: stored as the job's watermark at its end */
  watermarkTo: number;
}
