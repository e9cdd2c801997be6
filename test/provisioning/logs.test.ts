import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { provisioningJobs, provisioningLogs } from '../../src/db/schema.js';
import { writeLogs, logEntryFromRow, LOG_BATCH_SIZE, type LogEntryInput } from '../../src/provisioning/logs.js';

let db: TestDatabase;
let jobId: string;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.db.delete(provisioningJobs);
  const [job] = await db.db.insert(provisioningJobs).values({
    name: 'ThousandEyes', directoryId: crypto.randomUUID(), applicationId: crypto.randomUUID(),
    targetUrl: 'https://example.com/scim/v2', targetTokenEncrypted: 'v1:x:y:z', config: {},
  }).returning();
  jobId = job!.id;
});

function entry(i: number, overrides: Partial<LogEntryInput> = {}): LogEntryInput {
  return {
    jobId,
    cycleId: '00000000-0000-4000-8000-000000000001',
    action: 'Create',
    status: 'Success',
    sourceIdentity: { id: `src-${i}`, type: 'User', displayName: `User ${i}` },
    targetIdentity: { id: `tgt-${i}`, type: 'User', displayName: `User ${i}` },
    durationMs: 12.6,
    error: null,
    modifiedProperties: [{ name: 'displayName', oldValue: null, newValue: `User ${i}` }],
    steps: [{ name: 'export', status: 'success', description: `User 'User ${i}' was created` }],
    ...overrides,
  };
}

const rows = () => db.db.select().from(provisioningLogs).where(eq(provisioningLogs.jobId, jobId)).orderBy(asc(provisioningLogs.id));

describe('writeLogs', () => {
  it('stores entries that read back in the api.md shape', async () => {
    const at = new Date('2026-03-01T10:00:00.123Z');
    await writeLogs(db.db, [entry(1, {
      at, changeId: '11111111-1111-4111-8111-111111111111', status: 'Failure', action: 'Update',
      error: { code: 'EntryConflict', reason: 'PATCH /Users/{id} answered HTTP 409 Conflict' },
    })]);
    const [row] = await rows();
    expect(logEntryFromRow(row!)).toEqual({
      id: String(row!.id),
      at: '2026-03-01T10:00:00.123Z',
      jobId,
      cycleId: '00000000-0000-4000-8000-000000000001',
      changeId: '11111111-1111-4111-8111-111111111111',
      action: 'Update',
      status: 'Failure',
      sourceIdentity: { id: 'src-1', type: 'User', displayName: 'User 1' },
      targetIdentity: { id: 'tgt-1', type: 'User', displayName: 'User 1' },
      durationMs: 13,
      error: { code: 'EntryConflict', reason: 'PATCH /Users/{id} answered HTTP 409 Conflict' },
      modifiedProperties: [{ name: 'displayName', oldValue: null, newValue: 'User 1' }],
      steps: [{ name: 'export', status: 'success', description: "User 'User 1' was created" }],
    });
  });

  it('fills in the time and a fresh change id when not given', async () => {
    const before = Date.now();
    await writeLogs(db.db, [entry(1), entry(2)]);
    const stored = await rows();
    expect(new Set(stored.map((r) => r.changeId)).size).toBe(2);
    for (const r of stored) expect(r.at.getTime()).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('writes several batches in order, ids ascending with the input', async () => {
    const count = LOG_BATCH_SIZE * 2 + 17;
    await writeLogs(db.db, Array.from({ length: count }, (_, i) => entry(i)));
    const stored = await rows();
    expect(stored).toHaveLength(count);
    expect(stored.map((r) => r.sourceId)).toEqual(Array.from({ length: count }, (_, i) => `src-${i}`));
  });

  it('writes nothing when any entry is refused', async () => {
    const entries = Array.from({ length: LOG_BATCH_SIZE + 5 }, (_, i) => entry(i));
    entries[LOG_BATCH_SIZE + 2] = entry(0, { jobId: crypto.randomUUID() });
    await expect(writeLogs(db.db, entries)).rejects.toThrow();
    expect(await rows()).toHaveLength(0);
  });

  it('never stores a secret-looking property value', async () => {
    await writeLogs(db.db, [entry(1, { modifiedProperties: [
      { name: 'password', oldValue: null, newValue: 'hunter2' },
      { name: 'title', oldValue: 'A', newValue: 'B' },
    ] })]);
    const [row] = await rows();
    expect(JSON.stringify(row)).not.toContain('hunter2');
    expect(row!.modifiedProperties).toEqual([
      { name: 'password', oldValue: null, newValue: '[redacted]' },
      { name: 'title', oldValue: 'A', newValue: 'B' },
    ]);
  });

  it('does nothing for no entries', async () => {
    await writeLogs(db.db, []);
    expect(await rows()).toHaveLength(0);
  });
});
