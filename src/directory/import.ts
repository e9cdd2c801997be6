import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { addAssignments, removeAssignments, upsertApplications } from './applications.js';
import { writeDirectory, type DirectoryWrite } from './changes.js';
import { addMemberships, removeMemberships } from './memberships.js';
import {
  hardDeleteGroups, hardDeleteUsers, restoreGroups, softDeleteGroups, softDeleteUsers, upsertGroups, upsertUsers,
} from './objects.js';
import {
  applicationRecord, assignmentRecord, deletionRecord, groupRecord, membershipRecord, userRecord,
  type ApplicationRecord, type AssignmentRecord, type DeletionRecord, type GroupRecord, type MembershipRecord,
  type Rejection, type UserRecord,
} from './records.js';

/**
 * Bulk import into a directory from any stream of records, in bounded memory: records are
 * validated one by one and written in batches, each batch one transaction. Within a batch,
 * users and groups are written before applications, memberships and assignments (so a
 * membership may name a user a few lines above it), and removals last. A reference to an
 * object that only arrives in a later batch is a per-record error: put users and groups
 * first in big files.
 */

/** The record kinds, as NDJSON's `"@type"` names them. */
export type ImportKind = 'user' | 'group' | 'application' | 'membership' | 'appRoleAssignment' | 'deleted';

/** The JSON body's array for each kind, in the order its arrays are imported; also the keys of the counts. */
const COLLECTIONS = {
  user: 'users',
  group: 'groups',
  application: 'applications',
  membership: 'memberships',
  appRoleAssignment: 'appRoleAssignments',
  deleted: 'deleted',
} as const satisfies Record<ImportKind, string>;
type Collection = (typeof COLLECTIONS)[ImportKind];

/** A record as read: where it was (array index, or line number for NDJSON) and its JSON, or why it could not be read. */
export type RawRecord =
  | { index: number; kind: string; value: unknown }
  | { index: number; kind: string; error: string };

export interface ImportError {
  index: number;
  kind: string;
  error: string;
}

export interface ImportResult {
  /** records accepted and committed, per kind */
  counts: Record<Collection, number>;
  rejected: number;
  /** the first `maxErrors` rejections; `errorsTruncated` says when there were more */
  errors: ImportError[];
  errorsTruncated: boolean;
}

export interface ImportOptions {
  batchSize?: number;
  maxErrors?: number;
}

interface Pending<T> {
  index: number;
  record: T;
}

class Batch {
  users: Pending<UserRecord>[] = [];
  groups: Pending<GroupRecord>[] = [];
  applications: Pending<ApplicationRecord>[] = [];
  memberships: Pending<MembershipRecord>[] = [];
  appRoleAssignments: Pending<AssignmentRecord>[] = [];
  deleted: Pending<DeletionRecord>[] = [];
  size = 0;
}

const SCHEMAS = {
  user: userRecord,
  group: groupRecord,
  application: applicationRecord,
  membership: membershipRecord,
  appRoleAssignment: assignmentRecord,
  deleted: deletionRecord,
} satisfies Record<ImportKind, z.ZodType>;

const isImportKind = (kind: string): kind is ImportKind => Object.hasOwn(SCHEMAS, kind);

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

export async function importRecords(
  db: Database,
  directoryId: string,
  records: AsyncIterable<RawRecord> | Iterable<RawRecord>,
  { batchSize = 1000, maxErrors = 1000 }: ImportOptions = {},
): Promise<ImportResult> {
  const result: ImportResult = {
    counts: { users: 0, groups: 0, applications: 0, memberships: 0, appRoleAssignments: 0, deleted: 0 },
    rejected: 0,
    errors: [],
    errorsTruncated: false,
  };
  const reject = (error: ImportError) => {
    result.rejected += 1;
    if (result.errors.length < maxErrors) result.errors.push(error);
    else result.errorsTruncated = true;
  };
  const flush = async (batch: Batch) => {
    if (batch.size === 0) return;
    const { accepted, errors } = await writeDirectory(db, directoryId, (w) => applyBatch(w, batch));
    for (const key of Object.keys(accepted) as Collection[]) result.counts[key] += accepted[key];
    errors.forEach(reject);
  };

  let batch = new Batch();
  for await (const raw of records) {
    if ('error' in raw) {
      reject(raw);
      continue;
    }
    if (!isImportKind(raw.kind)) {
      reject({ index: raw.index, kind: raw.kind, error: `unknown @type "${raw.kind}"; expected one of ${Object.keys(SCHEMAS).join(', ')}` });
      continue;
    }
    const parsed = SCHEMAS[raw.kind].safeParse(raw.value);
    if (!parsed.success) {
      reject({ index: raw.index, kind: raw.kind, error: describeIssues(parsed.error) });
      continue;
    }
    (batch[COLLECTIONS[raw.kind]] as Pending<unknown>[]).push({ index: raw.index, record: parsed.data });
    batch.size += 1;
    if (batch.size >= batchSize) {
      await flush(batch);
      batch = new Batch();
    }
  }
  await flush(batch);
  result.errors.sort((a, b) => a.index - b.index);
  return result;
}

async function applyBatch(w: DirectoryWrite, batch: Batch): Promise<{ accepted: Record<Collection, number>; errors: ImportError[] }> {
  const errors: ImportError[] = [];
  const apply: Apply = async (kind, items, write) => {
    const rejections = await write(items.map((i) => i.record));
    for (const r of rejections) errors.push({ index: items[r.position]!.index, kind, error: r.error });
    return items.length - rejections.length;
  };
  const none = (): Rejection[] => [];

  const users = await apply('user', batch.users, (r) => upsertUsers(w, r).then(none));
  const groups = await apply('group', batch.groups, (r) => upsertGroups(w, r).then(none));
  const applications = await apply('application', batch.applications, (r) => upsertApplications(w, r));
  const memberships = await apply('membership', batch.memberships, (r) => addMemberships(w, r));
  const appRoleAssignments = await apply('appRoleAssignment', batch.appRoleAssignments, (r) => addAssignments(w, r));
  const deleted = await applyDeletions(w, batch.deleted, apply);
  return { accepted: { users, groups, applications, memberships, appRoleAssignments, deleted }, errors };
}

type Apply = <T>(kind: ImportKind, items: Pending<T>[], write: (records: T[]) => Promise<Rejection[]>) => Promise<number>;

/** Memberships and assignments go before objects, so removing both in one batch cannot trip over the cascade. */
async function applyDeletions(w: DirectoryWrite, items: Pending<DeletionRecord>[], apply: Apply): Promise<number> {
  const of = <K extends DeletionRecord['type']>(type: K, hard?: boolean) => items.filter(
    (i): i is Pending<Extract<DeletionRecord, { type: K }>> =>
      i.record.type === type && (hard === undefined || ('hard' in i.record && i.record.hard === hard)),
  );
  const ids = (records: Array<{ id: string }>) => records.map((r) => r.id);
  let accepted = 0;
  accepted += await apply('deleted', of('membership'), (r) => removeMemberships(w, r));
  accepted += await apply('deleted', of('appRoleAssignment'), (r) => removeAssignments(w, r));
  accepted += await apply('deleted', of('user', false), (r) => softDeleteUsers(w, ids(r)));
  accepted += await apply('deleted', of('group', false), (r) => softDeleteGroups(w, ids(r)));
  accepted += await apply('deleted', of('user', true), (r) => hardDeleteUsers(w, ids(r)));
  accepted += await apply('deleted', of('group', true), (r) => hardDeleteGroups(w, ids(r)));
  return accepted;
}

/** The JSON form of an import (api.md): every array optional, nothing else allowed. */
export const jsonImportBody = z.strictObject(
  Object.fromEntries(Object.values(COLLECTIONS).map((key) => [key, z.array(z.unknown()).optional()])) as Record<Collection, z.ZodOptional<z.ZodArray<z.ZodUnknown>>>,
);

/** The records of a JSON body, array by array in import order; `index` is the position in its array. */
export function* jsonBodyRecords(body: z.infer<typeof jsonImportBody>): Generator<RawRecord> {
  for (const [kind, key] of Object.entries(COLLECTIONS) as Array<[ImportKind, Collection]>) {
    const items = body[key] ?? [];
    for (let index = 0; index < items.length; index++) yield { index, kind, value: items[index] };
  }
}

/**
 * The records of an NDJSON stream, read line by line as the chunks arrive (so the caller's
 * pace is the reader's pace); `index` is the 1-based line number. Blank lines are skipped;
 * a line longer than `maxLineLength` characters is rejected without being held.
 */
export async function* ndjsonRecords(chunks: AsyncIterable<Buffer | string>, maxLineLength = 1 << 20): AsyncGenerator<RawRecord> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  let skipping = false;

  function* complete(text: string): Generator<RawRecord> {
    line += 1;
    if (skipping) {
      skipping = false;
      return;
    }
    const trimmed = text.trim();
    if (trimmed) yield parseLine(trimmed, line);
  }

  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    let newline: number;
    while ((newline = pending.indexOf('\n', start)) !== -1) {
      yield* complete(pending.slice(start, newline));
      start = newline + 1;
    }
    pending = pending.slice(start);
    if (pending.length > maxLineLength && !skipping) {
      yield { index: line + 1, kind: 'unknown', error: `line longer than ${maxLineLength} characters` };
      skipping = true;
    }
    if (skipping) pending = '';
  }
  pending += decoder.end();
  yield* complete(pending);
}

function parseLine(text: string, index: number): RawRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { index, kind: 'unknown', error: 'not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { index, kind: 'unknown', error: 'each line must be a JSON object with "@type"' };
  }
  const { '@type': kind, ...rest } = value as Record<string, unknown>;
  if (typeof kind !== 'string') return { index, kind: 'unknown', error: 'missing "@type"' };
  return { index, kind, value: rest };
}
