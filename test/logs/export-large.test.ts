import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisioningJobs } from '../../src/db/schema.js';
import { buildLogQuery } from '../../src/provisioning/log-query.js';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/server.js';

/**
 * A large job's log: 200,000 entries exported in one call arrive complete while the server's
 * heap stays far below the export's size, and pages and searches keep to their indexes.
 */
const ROWS = 200_000;
let app: TestApp;
let jobId: string;

beforeAll(async () => {
  app = await startTestApp();
  const [job] = await app.db.db.insert(provisioningJobs).values({
    name: 'ThousandEyes', directoryId: crypto.randomUUID(), applicationId: crypto.randomUUID(),
    targetUrl: 'https://example.com/scim/v2', targetTokenEncrypted: 'v1:x:y:z', config: {},
  }).returning();
  jobId = job!.id;
  await app.db.sql`
    insert into provisioning_logs (at, job_id, cycle_id, action, status, source_type, source_id, source_display_name,
      target_id, target_display_name, duration_ms, error_code, error_reason, modified_properties, steps)
    select now() - (${ROWS} - g) * interval '1 second', ${jobId}, gen_random_uuid(), 'Update',
      case when g % 50 = 0 then 'Failure' else 'Success' end, 'User', 'src-' || g, 'Person ' || g, 'tgt-' || g, 'Person ' || g,
      g % 100, case when g % 50 = 0 then 'EntryConflict' end, case when g % 50 = 0 then 'HTTP 409, "conflict"' end,
      jsonb_build_array(jsonb_build_object('name', 'title', 'oldValue', 'Engineer ' || g, 'newValue', 'Senior, "Lead" ' || g)),
      jsonb_build_array(
        jsonb_build_object('name', 'import', 'status', 'success', 'description', 'Retrieved Person ' || g || ' from the source'),
        jsonb_build_object('name', 'matching', 'status', 'success', 'description', 'Matched on userName'),
        jsonb_build_object('name', 'export', 'status', 'success', 'description', 'Updated title'))
    from generate_series(1, ${ROWS}) g`;
  await app.db.sql`analyze provisioning_logs`;
}, 180_000);

afterAll(async () => {
  await app?.close();
});

const exportUrl = (format: string) => `${app.url}/api/jobs/${jobId}/logs?format=${format}`;
const authorization = { authorization: `Bearer ${ADMIN_TOKEN}` };

interface Streamed { bytes: number; records: number; firstId: bigint; lastId: bigint; decreasing: boolean; peakHeapGrowth: number; ms: number }

// a collection before each sample measures what is held, not garbage V8 has yet to collect
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const liveHeap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

/** Reads an export as it arrives, keeping nothing but counts, and samples this process's live heap meanwhile. */
async function streamExport(format: 'csv' | 'ndjson'): Promise<Streamed> {
  const baseline = liveHeap();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, liveHeap());
  }, 1_000);
  const started = performance.now();
  const res = await fetch(exportUrl(format), { headers: authorization });
  expect(res.status).toBe(200);
  const decoder = new TextDecoder();
  const separator = format === 'csv' ? '\r\n' : '\n';
  let rest = '';
  let bytes = 0;
  let lines = 0;
  let firstId = 0n;
  let lastId = 0n;
  let decreasing = true;
  for await (const chunk of res.body!) {
    bytes += chunk.byteLength;
    const parts = (rest + decoder.decode(chunk, { stream: true })).split(separator);
    rest = parts.pop()!;
    for (const line of parts) {
      lines++;
      if (format === 'csv' && lines === 1) continue;
      const id = BigInt(format === 'csv' ? line.slice(0, line.indexOf(',')) : (JSON.parse(line) as { id: string }).id);
      if (firstId === 0n) firstId = id;
      else if (id >= lastId) decreasing = false;
      lastId = id;
    }
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  expect(rest).toBe('');
  return { bytes, records: format === 'csv' ? lines - 1 : lines, firstId, lastId, decreasing, peakHeapGrowth: peak - baseline, ms };
}

describe('exporting 200,000 entries', () => {
  it.each(['csv', 'ndjson'] as const)('%s arrives whole, in order, without the server holding it', async (format) => {
    const result = await streamExport(format);
    // ids are dense from the one insert: strictly decreasing from max to min means every entry exactly once
    expect(result.records).toBe(ROWS);
    expect(result.decreasing).toBe(true);
    expect(result.firstId - result.lastId).toBe(BigInt(ROWS - 1));
    expect(result.bytes).toBeGreaterThan(50 * 1024 * 1024);
    // server and reader share this process: a buffered export alone would exceed the whole budget
    expect(result.peakHeapGrowth).toBeLessThan(result.bytes / 4);
    console.log(`${format} export: ${ROWS} rows, ${(result.bytes / 1048576).toFixed(1)} MiB in ${(result.ms / 1000).toFixed(2)} s`
      + ` = ${Math.round(ROWS / (result.ms / 1000))} rows/s; peak heap growth ${(result.peakHeapGrowth / 1048576).toFixed(1)} MiB`);
  }, 120_000);

  it('a client that hangs up mid-export frees the database connection', async () => {
    const controller = new AbortController();
    const res = await fetch(exportUrl('csv'), { headers: authorization, signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const deadline = Date.now() + 10_000;
    let running = 1;
    while (Date.now() < deadline) {
      const [row] = await app.db.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle' and query like '%from provisioning_logs%'`;
      running = row!.n;
      if (running === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(running).toBe(0);
    const after = await fetch(`${app.url}/api/jobs/${jobId}/logs?limit=1`, { headers: authorization });
    expect(after.status).toBe(200);
  }, 30_000);
});

describe('plans on a large log', () => {
  const plan = async (statement: { text: string; params: unknown[] }) => {
    const rows = await app.db.sql.unsafe(`explain ${statement.text}`, statement.params as never[]);
    return rows.map((r) => r['QUERY PLAN'] as string).join('\n');
  };

  it('a page after a cursor is an index range read, with no sort and no offset', async () => {
    const text = await plan(buildLogQuery({ jobId }, { beforeId: '100000', limit: 101 }));
    // the job's index, or the primary key backwards when one job holds the whole table: either reads 101 rows
    expect(text).toMatch(/Index Scan (Backward )?using provisioning_logs_(job_id_idx|pkey)/);
    expect(text).not.toMatch(/Sort|Seq Scan/);
  });

  it('free text goes through the trigram index', async () => {
    const text = await plan(buildLogQuery({ jobId, q: 'person 123456' }, { limit: 101 }));
    expect(text).toMatch(/provisioning_logs_identity_trgm_idx/);
    expect(text).not.toMatch(/Seq Scan/);
  });
});
