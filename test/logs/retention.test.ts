import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { LogRetentionResult } from '../../src/activities/log-retention.js';
import { provisioningJobs } from '../../src/db/schema.js';
import { ensureLogRetentionSchedule, LOG_RETENTION_SCHEDULE_ID } from '../../src/jobs/log-retention-schedule.js';
import { startJobRuntime, type JobRuntime } from '../../src/jobs/runtime.js';
import { createLogger } from '../../src/logger.js';
import { deriveSecretsKey } from '../../src/provisioning/secrets.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * Retention on the run's Temporal dev server: a worker start leaves the schedule in place, and
 * a run of it deletes entries older than the retention and keeps the rest.
 */
Runtime.install({ logger: new DefaultLogger('ERROR') });

const OLD = 12_000; // more than two delete batches
const RECENT = 300;
let db: TestDatabase;
let runtime: JobRuntime;
let connection: Connection;
let client: Client;
const taskQueue = `retention-test-${randomUUID()}`;

async function seedJob(): Promise<string> {
  const [job] = await db.db.insert(provisioningJobs).values({
    name: 'ThousandEyes', directoryId: randomUUID(), applicationId: randomUUID(),
    targetUrl: 'https://example.com/scim/v2', targetTokenEncrypted: 'v1:x:y:z', config: {},
  }).returning();
  return job!.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const [jobA, jobB] = [await seedJob(), await seedJob()];
  // written in time order, as the engine writes them: 40 to 31 days old, then 29 days old up to now
  await db.sql`
    insert into provisioning_logs (at, job_id, action, status, source_id)
    select now() - interval '40 days' + g * (interval '9 days' / ${OLD}), case when g % 2 = 0 then ${jobA}::uuid else ${jobB}::uuid end,
      'Create', 'Success', 'old-' || g
    from generate_series(1, ${OLD}) g`;
  await db.sql`
    insert into provisioning_logs (at, job_id, action, status, source_id)
    select now() - interval '29 days' + g * (interval '29 days' / ${RECENT}), ${jobA}, 'Update', 'Success', 'recent-' || g
    from generate_series(0, ${RECENT - 1}) g`;
  const address = inject('temporalAddress');
  runtime = await startJobRuntime({
    database: db,
    temporal: { address, namespace: 'default', taskQueue },
    secretsKey: deriveSecretsKey('retention-test-secrets-key'),
    logger: createLogger('silent'),
    logRetentionDays: 30,
  });
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace: 'default' });
});

afterAll(async () => {
  await client?.schedule.getHandle(LOG_RETENTION_SCHEDULE_ID).delete().catch(() => {});
  await connection?.close();
  await runtime?.stop();
  await db?.drop();
});

describe('the log retention schedule', () => {
  it('exists once the worker has started, hourly, on the worker\'s task queue with the configured retention', async () => {
    const schedule = await client.schedule.getHandle(LOG_RETENTION_SCHEDULE_ID).describe();
    expect(schedule.spec.intervals).toMatchObject([{ every: 3_600_000 }]);
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'logRetention', taskQueue, args: [{ retentionDays: 30 }] });
    expect(schedule.state.paused).toBe(false);
  });

  it('a run deletes entries older than the retention and keeps newer ones', async () => {
    const handle = client.schedule.getHandle(LOG_RETENTION_SCHEDULE_ID);
    await handle.trigger();
    let workflowId: string | undefined;
    let runId: string | undefined;
    const deadline = Date.now() + 20_000;
    while (!workflowId && Date.now() < deadline) {
      const started = (await handle.describe()).info.recentActions.at(-1)?.action;
      workflowId = started?.workflow.workflowId;
      runId = started?.workflow.firstExecutionRunId;
      if (!workflowId) await new Promise((r) => setTimeout(r, 200));
    }
    expect(workflowId).toBeDefined();
    const result = await client.workflow.getHandle<() => Promise<LogRetentionResult>>(workflowId!, runId).result();
    expect(result.deleted).toBe(OLD);
    const [left] = await db.sql<{ old: number; recent: number }[]>`
      select count(*) filter (where source_id like 'old-%')::int as old, count(*) filter (where source_id like 'recent-%')::int as recent
      from provisioning_logs`;
    expect(left).toEqual({ old: 0, recent: RECENT });
  }, 60_000);

  it('a later start with another retention updates the schedule in place', async () => {
    await ensureLogRetentionSchedule(client, { taskQueue, retentionDays: 7 }, createLogger('silent'));
    const schedules: string[] = [];
    for await (const s of client.schedule.list()) if (s.scheduleId === LOG_RETENTION_SCHEDULE_ID) schedules.push(s.scheduleId);
    const schedule = await client.schedule.getHandle(LOG_RETENTION_SCHEDULE_ID).describe();
    expect(schedule.action).toMatchObject({ taskQueue, args: [{ retentionDays: 7 }] });
    expect(schedules.length).toBeLessThanOrEqual(1);
  });
});
