/**
 * `npm run bench:jobs`: provisioning jobs end to end through Temporal.
 *
 * Processes: `scimflow api` (the admin API with job control, and the SCIM target) in a
 * process of its own, a Temporal dev server (in memory), and the provisioning worker in this
 * process. For BENCH_USERS users (10,000 by default), BENCH_GROUPS groups (1,000) and two
 * memberships per user — the bench:sync directory, imported through the API — it measures:
 *
 * - the engine run directly (no Temporal) on one copy of the directory, and a job started
 *   through the REST API on an identical copy (start call → status shows the cycle finished):
 *   objects/s of both and Temporal's overhead (target ≤ 15 %);
 * - after BENCH_CHANGES (100) users change, the time from run-now to the incremental cycle
 *   finished (target < 3 s).
 *
 * Env: BENCH_USERS, BENCH_GROUPS, BENCH_CHANGES, BENCH_ROUNDS (2), BENCH_DATABASE_URL.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connect } from '../src/db/client.js';
import { freePort } from '../src/dev/embedded-postgres.js';
import { startDevTemporal } from '../src/dev/temporal.js';
import { USER_ROLE_ID } from '../src/directory/records.js';
import { startJobRuntime } from '../src/jobs/runtime.js';
import { DEFAULT_TASK_QUEUE } from '../src/jobs/temporal.js';
import type { JobStatusResponse } from '../src/jobs/service.js';
import { createLogger } from '../src/logger.js';
import { openJob, runInitialCycle } from '../src/provisioning/index.js';
import { deriveSecretsKey } from '../src/provisioning/secrets.js';
import { SEARCH_ATTRIBUTES } from '../src/workflows/search-attributes.js';
import { freshBenchDatabase } from './support/database.js';
import { startServerProcess } from './support/processes.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const env = process.env;
const int = (name: string, fallback: number) => (env[name] ? Number.parseInt(env[name], 10) : fallback);
const settings = {
  users: int('BENCH_USERS', 10_000), groups: int('BENCH_GROUPS', 1_000), changes: int('BENCH_CHANGES', 100), rounds: int('BENCH_ROUNDS', 2),
};
const TARGET = { overheadPercent: 15, runNowMs: 3_000 };
const adminToken = randomBytes(24).toString('hex');
const secretsKeyText = randomBytes(24).toString('hex');
const repoFile = (relative: string) => fileURLToPath(new URL(`../${relative}`, import.meta.url));

let apiUrl = '';
async function call<T>(method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${apiUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface Seeded {
  directoryId: string;
  applicationId: string;
  userIds: string[];
}

/** The bench:sync directory shape, through the import API: users, groups, two memberships per user, everything assigned. */
async function seedDirectory(): Promise<Seeded> {
  const { id: directoryId } = await call<{ id: string }>('POST', '/api/directories', { name: `bench-jobs-${randomUUID()}` });
  const applicationId = randomUUID();
  const users = Array.from({ length: settings.users }, (_, n) => ({
    id: randomUUID(), userPrincipalName: `user${n}@contoso.example`, mail: `user${n}@mail.contoso.example`, mailNickname: `user${n}`,
    displayName: `Bench User ${n}`, givenName: `Given${n}`, surname: `Family${n}`, jobTitle: 'Engineer', department: `Department ${n % 50}`,
    employeeId: String(n), telephoneNumber: `+1 555 ${String(n).padStart(7, '0')}`, accountEnabled: true,
  }));
  const groups = Array.from({ length: settings.groups }, (_, k) => ({ id: randomUUID(), displayName: `Bench Group ${k}`, mailNickname: `benchgroup${k}` }));
  const memberships = users.flatMap((u, n) => [
    { groupId: groups[n % settings.groups]!.id, memberId: u.id },
    { groupId: groups[(n + Math.floor(settings.groups / 2)) % settings.groups]!.id, memberId: u.id },
  ]).filter((m, i, all) => i % 2 === 0 || m.groupId !== all[i - 1]!.groupId);
  const assignments = [...users, ...groups].map((p) => ({ appId: applicationId, principalId: p.id, appRoleId: USER_ROLE_ID }));
  await call('POST', `/api/directories/${directoryId}/import`, {
    users, groups, memberships, applications: [{ id: applicationId, displayName: 'Bench App' }], appRoleAssignments: assignments,
  });
  return { directoryId, applicationId, userIds: users.map((u) => u.id) };
}

async function createJob(seeded: Seeded): Promise<string> {
  const tenant = await call<{ scimUrl: string; token: string }>('POST', '/api/tenants', { name: `bench-${randomUUID()}` });
  const job = await call<{ id: string }>('POST', '/api/jobs', {
    name: 'bench', directoryId: seeded.directoryId, applicationId: seeded.applicationId,
    target: { url: tenant.scimUrl, token: tenant.token }, deleteThreshold: null,
  });
  return job.id;
}

async function untilCycleFinished(jobId: string, previous: string | undefined): Promise<JobStatusResponse> {
  for (;;) {
    const status = await call<JobStatusResponse>('GET', `/api/jobs/${jobId}/status`);
    if (status.lastCycle && status.lastCycle.id !== previous && status.cycle === null) return status;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

async function main(): Promise<void> {
  const dataDir = path.resolve('.data/bench-jobs');
  mkdirSync(dataDir, { recursive: true });
  const database = await freshBenchDatabase(env.BENCH_DATABASE_URL, { database: 'scimflow_bench_jobs', dataDir: '.data/bench-jobs-postgres' });
  const temporal = await startDevTemporal({ port: await freePort(), namespace: 'default', searchAttributes: SEARCH_ATTRIBUTES });
  const apiPort = await freePort();
  const api = await startServerProcess({
    name: 'scimflow api',
    args: [repoFile('bin/scimflow.js'), 'api'],
    env: {
      DATABASE_URL: database.url, ADMIN_TOKEN: adminToken, PORT: String(apiPort), LOG_LEVEL: 'warn',
      TEMPORAL_ADDRESS: temporal.address, SECRETS_KEY: secretsKeyText,
    },
    port: apiPort,
    logFile: path.join(dataDir, 'api.log'),
  });
  apiUrl = api.url;
  const handle = connect(database.url, { max: 10 });
  const secretsKey = deriveSecretsKey(secretsKeyText);
  const runtime = await startJobRuntime({
    database: handle,
    temporal: { address: temporal.address, namespace: 'default', taskQueue: DEFAULT_TASK_QUEUE },
    secretsKey,
    logger: createLogger('warn'),
  });
  console.log(`# bench:jobs — ${database.description}; Temporal dev server (in memory); target + API: scimflow api (pid ${api.pid}); worker: this process`);
  console.log(`# ${settings.users} users, ${settings.groups} groups, 2 memberships per user, default mappings, everything assigned`);
  try {
    // the machine is shared: direct and Temporal runs alternate, and each side's best round counts
    const directMs: number[] = [];
    const temporalMs: number[] = [];
    let objects = 0;
    let seeded: Seeded | undefined;
    let jobId = '';
    let initial: JobStatusResponse | undefined;
    for (let round = 0; round < settings.rounds; round++) {
      const direct = await seedDirectory();
      const ctx = await openJob({ db: handle.db, sql: handle.sql, secretsKey }, await createJob(direct));
      let started = performance.now();
      const result = await runInitialCycle(ctx);
      directMs.push(performance.now() - started);
      await ctx.close();
      objects = result.counts.users + result.counts.groups + result.counts.memberships;

      seeded = await seedDirectory();
      jobId = await createJob(seeded);
      started = performance.now();
      await call('POST', `/api/jobs/${jobId}/start`);
      initial = await untilCycleFinished(jobId, undefined);
      temporalMs.push(performance.now() - started);
    }
    const bestDirect = Math.min(...directMs);
    const bestTemporal = Math.min(...temporalMs);
    const overhead = ((bestTemporal - bestDirect) / bestDirect) * 100;
    const seconds = (ms: number[]) => ms.map((m) => (m / 1000).toFixed(1)).join(' / ');

    console.log(`\n## initial cycle, ${objects} objects (users + groups + memberships), best of ${settings.rounds} alternating rounds`);
    console.log(`  engine directly    ${(bestDirect / 1000).toFixed(1)} s   ${(objects / (bestDirect / 1000)).toFixed(0)} objects/s   (rounds: ${seconds(directMs)} s)`);
    console.log(`  through Temporal   ${(bestTemporal / 1000).toFixed(1)} s   ${(objects / (bestTemporal / 1000)).toFixed(0)} objects/s   (rounds: ${seconds(temporalMs)} s; start call → status shows it finished)`);
    console.log(`  overhead           ${overhead.toFixed(1)} %   target ≤ ${TARGET.overheadPercent} %: ${verdict(overhead <= TARGET.overheadPercent)}`);

    const changed = seeded!.userIds.slice(0, settings.changes).map((id, n) => ({
      id, userPrincipalName: `user${n}@contoso.example`, jobTitle: `Changed ${randomUUID().slice(0, 8)}`, accountEnabled: true,
    }));
    await call('POST', `/api/directories/${seeded!.directoryId}/import`, { users: changed });
    const started = performance.now();
    await call('POST', `/api/jobs/${jobId}/run-now`);
    const incremental = await untilCycleFinished(jobId, initial!.lastCycle!.id);
    const runNowMs = performance.now() - started;
    console.log(`\n## incremental cycle, ${settings.changes} changed users`);
    console.log(`  updated            ${incremental.lastCycle!.counts.updated}`);
    console.log(`  run-now → finished ${runNowMs.toFixed(0)} ms   target < ${TARGET.runNowMs} ms: ${verdict(runNowMs < TARGET.runNowMs)}`);
    console.log(`\n# machine load ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`);
  } finally {
    await runtime.stop();
    await handle.close();
    await api.stop();
    await temporal.stop();
    await database.stop();
  }
}

await main();
