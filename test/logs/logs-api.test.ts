import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisioningJobs } from '../../src/db/schema.js';
import { writeLogs, type LogEntry, type LogEntryInput } from '../../src/provisioning/logs.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/server.js';
import { parseCsv } from './csv.js';

/**
 * The provisioning log over HTTP: an operator looking for why a user was or was not
 * provisioned filters, pages and exports one job's log.
 */
let app: TestApp;
let jobId: string;
let otherJobId: string;
const CYCLE_A = '0a000000-0000-4000-8000-00000000000a';
const CYCLE_B = '0b000000-0000-4000-8000-00000000000b';
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const MINUTE = 60_000;

async function createJob(): Promise<string> {
  const [job] = await app.db.db.insert(provisioningJobs).values({
    name: 'ThousandEyes', directoryId: crypto.randomUUID(), applicationId: crypto.randomUUID(),
    targetUrl: 'https://example.com/scim/v2', targetTokenEncrypted: 'v1:x:y:z', config: {},
  }).returning();
  return job!.id;
}

function entry(i: number, overrides: Partial<LogEntryInput> = {}): LogEntryInput {
  return {
    at: new Date(T0 + i * MINUTE),
    jobId,
    cycleId: i < 200 ? CYCLE_A : CYCLE_B,
    action: 'Create',
    status: 'Success',
    sourceIdentity: { id: `src-${i}`, type: 'User', displayName: `User ${i}` },
    targetIdentity: { id: `tgt-${i}`, type: 'User', displayName: `User ${i}` },
    durationMs: 12,
    error: null,
    modifiedProperties: [{ name: 'displayName', oldValue: null, newValue: `User ${i}` }],
    steps: [{ name: 'export', status: 'success', description: `User 'User ${i}' was created` }],
    ...overrides,
  };
}

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } });

async function page(query: string): Promise<{ items: LogEntry[]; nextCursor: string | null }> {
  const res = await get(`/api/jobs/${jobId}/logs${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json() as Promise<{ items: LogEntry[]; nextCursor: string | null }>;
}

beforeAll(async () => {
  app = await startTestApp();
  jobId = await createJob();
  otherJobId = await createJob();
  const entries = Array.from({ length: 250 }, (_, i) => entry(i));
  // the ones an operator goes looking for
  entries[17] = entry(17, {
    action: 'Update', status: 'Failure',
    sourceIdentity: { id: 'alice-src', type: 'User', displayName: 'Alice O\'Hara, "Ops"\nLondon' },
    targetIdentity: { id: 'ALICE-TGT', type: 'User', displayName: 'Alice O\'Hara' },
    error: { code: 'EntryConflict', reason: 'PATCH /Users/{id} answered HTTP 409 Conflict' },
  });
  entries[230] = entry(230, { action: 'Other', status: 'Skipped', sourceIdentity: { id: 'bob', type: 'User', displayName: '100% Bob' } });
  entries[231] = entry(231, { action: 'Disable', status: 'Warning', sourceIdentity: { id: 'carol', type: 'User', displayName: '100 Carol' } });
  await writeLogs(app.db.db, entries);
  await writeLogs(app.db.db, [entry(0, { jobId: otherJobId, sourceIdentity: { id: 'alice-src', type: 'User', displayName: 'Alice elsewhere' } })]);
});

afterAll(async () => {
  await app.close();
});

describe('a page of the log', () => {
  it('holds the job\'s entries newest first, 100 by default, in api.md\'s shape', async () => {
    const { items, nextCursor } = await page('');
    expect(items).toHaveLength(100);
    expect(nextCursor).toEqual(expect.any(String));
    expect(items[0]!.sourceIdentity.id).toBe('src-249');
    expect(items.every((e) => e.jobId === jobId)).toBe(true);
    const ids = items.map((e) => BigInt(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : 1)));
    expect(items[0]).toEqual({
      id: expect.any(String), at: new Date(T0 + 249 * MINUTE).toISOString(), jobId, cycleId: CYCLE_B, changeId: expect.any(String),
      action: 'Create', status: 'Success',
      sourceIdentity: { id: 'src-249', type: 'User', displayName: 'User 249' },
      targetIdentity: { id: 'tgt-249', type: 'User', displayName: 'User 249' },
      durationMs: 12, error: null,
      modifiedProperties: [{ name: 'displayName', oldValue: null, newValue: 'User 249' }],
      steps: [{ name: 'export', status: 'success', description: 'User \'User 249\' was created' }],
    });
  });

  it('walks the whole log by cursor: every entry once, then no cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const result = await page(`?limit=60${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...result.items.map((e) => e.id));
      cursor = result.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(250);
  });
});

describe('filters', () => {
  it.each([
    ['status', '?status=Failure', ['alice-src']],
    ['several statuses, comma-separated', '?status=Skipped,Warning', ['carol', 'bob']],
    ['several statuses, repeated', '?status=Skipped&status=Warning', ['carol', 'bob']],
    ['action', '?action=Disable', ['carol']],
    ['status and action together', '?status=Failure&action=Create', []],
    ['source id, exactly', '?sourceId=alice-src', ['alice-src']],
    ['q on a display name, any case', '?q=o%27HARA', ['alice-src']],
    ['q on a target id', '?q=alice-tgt', ['alice-src']],
    ['q with a literal percent sign', '?q=100%25', ['bob']],
    ['q and status', '?q=100&status=Warning', ['carol']],
    ['time window: since inclusive, until exclusive',
      `?since=${new Date(T0 + 10 * MINUTE).toISOString()}&until=${new Date(T0 + 13 * MINUTE).toISOString()}`, ['src-12', 'src-11', 'src-10']],
    ['a time with an offset', `?since=2026-03-01T15:08:00%2B01:00&until=2026-03-01T15:10:00%2B01:00`, ['src-249', 'src-248']],
  ])('%s', async (_name, query, sourceIds) => {
    const { items } = await page(query);
    expect(items.map((e) => e.sourceIdentity.id)).toEqual(sourceIds);
  });

  it('cycleId keeps to one cycle', async () => {
    const { items } = await page(`?cycleId=${CYCLE_B}&limit=1000`);
    expect(items).toHaveLength(50);
    expect(items.every((e) => e.cycleId === CYCLE_B)).toBe(true);
  });

  it('a filtered walk pages within the filter', async () => {
    const first = await page(`?cycleId=${CYCLE_A}&limit=150`);
    const second = await page(`?cycleId=${CYCLE_A}&limit=150&cursor=${first.nextCursor}`);
    expect(first.items).toHaveLength(150);
    expect(second.items).toHaveLength(50);
    expect(second.nextCursor).toBeNull();
    expect(second.items.every((e) => e.cycleId === CYCLE_A)).toBe(true);
  });
});

describe('refusals', () => {
  it.each([
    ['an unknown status', '?status=Failed', 'status'],
    ['a limit over 1000', '?limit=1001', 'limit'],
    ['a limit of 0', '?limit=0', 'limit'],
    ['a cursor it did not hand out', '?cursor=bm9wZQ', 'cursor'],
    ['a time without a zone', '?since=2026-03-01T10:00:00', 'since'],
    ['since after until', '?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z', 'since'],
    ['a misspelt filter', '?statuses=Failure', 'statuses'],
    ['a cycle id that is not a UUID', '?cycleId=42', 'cycleId'],
    ['an unknown format', '?format=xml', 'format'],
  ])('%s is a 400 problem naming it', async (_name, query, field) => {
    const res = await get(`/api/jobs/${jobId}/logs${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const body = await res.json() as { title: string; detail: string };
    expect(body.title).toBe('Bad Request');
    expect(body.detail).toContain(field);
  });

  it('an unknown job is a 404 problem', async () => {
    const res = await get(`/api/jobs/${crypto.randomUUID()}/logs`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('without the admin token nothing is read', async () => {
    const res = await fetch(`${app.url}/api/jobs/${jobId}/logs?format=csv`);
    expect(res.status).toBe(401);
  });
});

describe('export', () => {
  it('?format=csv is the whole filtered log as an RFC 4180 attachment', async () => {
    const res = await get(`/api/jobs/${jobId}/logs?format=csv&cycleId=${CYCLE_A}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="scimflow-logs-${jobId}.csv"`);
    const [header, ...records] = parseCsv(await res.text());
    expect(header).toEqual(['id', 'at', 'jobId', 'cycleId', 'changeId', 'action', 'status', 'sourceType', 'sourceId',
      'sourceDisplayName', 'targetId', 'targetDisplayName', 'durationMs', 'errorCode', 'errorReason', 'modifiedProperties', 'steps']);
    expect(records).toHaveLength(200);
    const column = (name: string) => header!.indexOf(name);
    const alice = records.find((r) => r[column('sourceId')] === 'alice-src')!;
    expect(alice[column('sourceDisplayName')]).toBe('Alice O\'Hara, "Ops"\nLondon');
    expect(alice[column('errorReason')]).toBe('PATCH /Users/{id} answered HTTP 409 Conflict');
    expect(JSON.parse(alice[column('modifiedProperties')]!)).toEqual([{ name: 'displayName', oldValue: null, newValue: 'User 17' }]);
    expect(JSON.parse(alice[column('steps')]!)).toEqual([{ name: 'export', status: 'success', description: 'User \'User 17\' was created' }]);
  });

  it('Accept: text/csv exports too, ignoring the page size', async () => {
    const res = await get(`/api/jobs/${jobId}/logs?limit=5`, { accept: 'text/csv' });
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(parseCsv(await res.text())).toHaveLength(251);
  });

  it('?format=ndjson holds the same entries as the pages, one per line', async () => {
    const res = await get(`/api/jobs/${jobId}/logs?format=ndjson&status=Skipped,Warning,Failure`);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as LogEntry);
    const { items } = await page('?status=Skipped,Warning,Failure');
    expect(lines).toEqual(items);
  });

  it('an export of nothing is a CSV header alone', async () => {
    const res = await get(`/api/jobs/${jobId}/logs?format=csv&sourceId=nobody`);
    expect(parseCsv(await res.text())).toHaveLength(1);
  });
});
