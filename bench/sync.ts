/**
 * `npm run bench:sync`: the sync engine against scimflow's own SCIM target running as a
 * separate process (`scimflow api`) on the same machine.
 *
 * For each directory size (10,000 and 100,000 users by default; BENCH_USERS picks one) a
 * directory is seeded set-based with that many users, BENCH_GROUPS groups (1,000) and two
 * group memberships per user (~200,000 for 100k users), every user and group assigned to the
 * application, default mappings. The engine runs an initial cycle in this process and prints
 * objects/s (users + groups + memberships, as Entra counts them), users/s, SCIM requests per
 * user, the total time and the engine's peak RSS. On the largest directory an incremental
 * cycle follows with BENCH_CHANGES (100) changed users: its time and SCIM requests. When the
 * target advertises Bulk, the initial cycle is repeated with `"bulk": true` on a fresh tenant.
 *
 * Env: BENCH_USERS (one size instead of both), BENCH_GROUPS, BENCH_CHANGES,
 * BENCH_CONCURRENCY (SCIM requests in flight, 16), BENCH_PAGE (source objects per page, 500),
 * BENCH_BULK (0 to skip the Bulk run), BENCH_DATABASE_URL (a PostgreSQL server to use instead
 * of an embedded one).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type DbHandle } from '../src/db/client.js';
import { provisioningJobs } from '../src/db/provisioning.js';
import { freePort } from '../src/dev/embedded-postgres.js';
import { writeDirectory } from '../src/directory/changes.js';
import { getUser, upsertUsers } from '../src/directory/objects.js';
import { BUILT_IN_APP_ROLES, USER_ROLE_ID } from '../src/directory/records.js';
import {
  openJob, runIncrementalCycle, runInitialCycle, type CycleResult, type EngineDeps,
} from '../src/provisioning/index.js';
import { deriveSecretsKey, encryptSecret } from '../src/provisioning/secrets.js';
import { freshBenchDatabase } from './support/database.js';
import { startServerProcess } from './support/processes.js';

const env = process.env;
const int = (name: string, fallback: number) => (env[name] ? Number.parseInt(env[name], 10) : fallback);
const settings = {
  sizes: env.BENCH_USERS ? [int('BENCH_USERS', 0)] : [10_000, 100_000],
  groups: int('BENCH_GROUPS', 1_000),
  changes: int('BENCH_CHANGES', 100),
  concurrency: int('BENCH_CONCURRENCY', 16),
  pageSize: int('BENCH_PAGE', 500),
  bulk: env.BENCH_BULK !== '0',
};
const TARGET = { objectsPerSec: 1_000, incrementalMs: 2_000, incrementalRequests: 110, rssMb: 400 };
// Entra's published initial-cycle times (entra-provisioning.md §1)
const ENTRA_MIN_PER_OBJECT = { fast: 0.01, slow: 0.08 };

const repoFile = (relative: string) => fileURLToPath(new URL(`../${relative}`, import.meta.url));
const secretsKey = deriveSecretsKey(randomBytes(24).toString('hex'));
const adminToken = randomBytes(24).toString('hex');

interface Directory {
  directoryId: string;
  applicationId: string;
  users: number;
}

/** Users, groups, two memberships per user and every assignment, in a handful of set-based statements. */
async function seedDirectory(handle: DbHandle, users: number, groups: number): Promise<Directory> {
  const { sql } = handle;
  const applicationId = randomUUID();
  const [dir] = await sql<{ id: string }[]>`insert into directories (name) values (${`bench-${users}-${randomUUID()}`}) returning id`;
  const directoryId = dir!.id;
  await sql`
    insert into directory_applications (directory_id, id, display_name, app_roles)
    values (${directoryId}, ${applicationId}, 'Bench App', ${JSON.stringify(BUILT_IN_APP_ROLES)}::jsonb)`;
  await sql`
    insert into directory_users (directory_id, id, user_principal_name, mail, mail_nickname, display_name, given_name,
      surname, job_title, department, employee_id, telephone_number, account_enabled)
    select ${directoryId}::uuid, gen_random_uuid(), 'user' || n || '@contoso.example', 'user' || n || '@mail.contoso.example',
      'user' || n, 'Bench User ' || n, 'Given' || n, 'Family' || n, 'Engineer', 'Department ' || (n % 50), n::text,
      '+1 555 ' || lpad(n::text, 7, '0'), true
    from generate_series(1, ${users}::int) n`;
  await sql`
    insert into directory_groups (directory_id, id, display_name, mail_nickname)
    select ${directoryId}::uuid, gen_random_uuid(), 'Bench Group ' || n, 'benchgroup' || n from generate_series(1, ${groups}::int) n`;
  await sql`
    with u as (select id, row_number() over (order by id) as n from directory_users where directory_id = ${directoryId}),
      g as (select id, row_number() over (order by id) as k from directory_groups where directory_id = ${directoryId})
    insert into directory_memberships (directory_id, group_id, member_id, member_type)
    select ${directoryId}::uuid, g.id, u.id, 'user' from u
    join g on g.k = u.n % ${groups} + 1 or g.k = (u.n + ${Math.floor(groups / 2)}) % ${groups} + 1`;
  await sql`
    insert into directory_app_role_assignments (directory_id, app_id, principal_id, principal_type, app_role_id)
    select ${directoryId}::uuid, ${applicationId}::uuid, id, 'user', ${USER_ROLE_ID}::uuid from directory_users where directory_id = ${directoryId}
    union all
    select ${directoryId}::uuid, ${applicationId}::uuid, id, 'group', ${USER_ROLE_ID}::uuid from directory_groups where directory_id = ${directoryId}`;
  await sql`analyze`;
  return { directoryId, applicationId, users };
}

async function createTenant(apiUrl: string): Promise<{ scimUrl: string; token: string }> {
  const res = await fetch(`${apiUrl}/api/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `bench-${randomUUID()}` }),
  });
  if (res.status !== 201) throw new Error(`creating a tenant: ${res.status} ${await res.text()}`);
  return (await res.json()) as { scimUrl: string; token: string };
}

async function createJob(handle: DbHandle, directory: Directory, tenant: { scimUrl: string; token: string }, bulk: boolean): Promise<string> {
  const [job] = await handle.db.insert(provisioningJobs).values({
    name: 'bench',
    directoryId: directory.directoryId,
    applicationId: directory.applicationId,
    targetUrl: tenant.scimUrl,
    targetTokenEncrypted: encryptSecret(tenant.token, secretsKey),
    config: { bulk, deleteThreshold: null },
  }).returning({ id: provisioningJobs.id });
  return job!.id;
}

interface Measured {
  result: CycleResult;
  ms: number;
  requests: number;
  peakRssMb: number;
  /** CPU time of this (the engine's) process during the cycle */
  engineCpuMs: number;
}

async function measure(deps: EngineDeps, jobId: string, run: (ctx: Awaited<ReturnType<typeof openJob>>) => Promise<CycleResult>): Promise<Measured> {
  let requests = 0;
  const ctx = await openJob(deps, jobId, {
    concurrency: settings.concurrency,
    pageSize: settings.pageSize,
    onRequest: (event) => {
      if (event.attempt === 1) requests++;
    },
  });
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    const result = await run(ctx);
    const used = process.cpuUsage(cpu);
    return {
      result,
      ms: performance.now() - started,
      requests,
      peakRssMb: Math.max(peak, process.memoryUsage().rss) / 2 ** 20,
      engineCpuMs: (used.user + used.system) / 1000,
    };
  } finally {
    clearInterval(timer);
    await ctx.close();
  }
}

const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

function reportInitial(label: string, m: Measured): void {
  const { counts } = m.result;
  const objects = counts.users + counts.groups + counts.memberships;
  const seconds = m.ms / 1000;
  const objectsPerSec = objects / seconds;
  const entraMinutes = [objects * ENTRA_MIN_PER_OBJECT.fast, objects * ENTRA_MIN_PER_OBJECT.slow];
  console.log(`\n## ${label}: initial cycle`);
  console.log(`  objects            ${objects} (${counts.users} users, ${counts.groups} groups, ${counts.memberships} memberships)`);
  console.log(`  created / failed   ${counts.created} / ${counts.failed}`);
  console.log(`  total time         ${seconds.toFixed(1)} s   (Entra: ${entraMinutes[0]!.toFixed(0)}–${entraMinutes[1]!.toFixed(0)} min)`);
  console.log(`  objects/s          ${objectsPerSec.toFixed(0)}   target ≥ ${TARGET.objectsPerSec}: ${verdict(objectsPerSec >= TARGET.objectsPerSec)}`);
  console.log(`  users/s            ${(counts.users / seconds).toFixed(0)}`);
  console.log(`  SCIM requests      ${m.requests} (${(m.requests / counts.users).toFixed(2)} per user)`);
  console.log(`  engine peak RSS    ${m.peakRssMb.toFixed(0)} MB   target ≤ ${TARGET.rssMb}: ${verdict(m.peakRssMb <= TARGET.rssMb)}`);
  console.log(`  engine CPU         ${(m.engineCpuMs / 1000).toFixed(1)} s (${((m.engineCpuMs / m.ms) * 100).toFixed(0)} % of one core); machine load ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`);
}

/** Changes `count` users (job title) through the directory's own write path, so the change feed records them. */
async function changeUsers(handle: DbHandle, directory: Directory, count: number): Promise<void> {
  const ids = await handle.sql<{ id: string }[]>`
    select id from directory_users where directory_id = ${directory.directoryId} order by random() limit ${count}`;
  const users = await Promise.all(ids.map(async (r) => (await getUser(handle.db, directory.directoryId, r.id))!));
  await writeDirectory(handle.db, directory.directoryId, (w) => upsertUsers(w, users.map((u) => ({
    id: u.id, attributes: { ...u.attributes, jobTitle: `Changed ${randomUUID().slice(0, 8)}` }, extra: u.extra,
  }))));
}

async function main(): Promise<void> {
  const dataDir = path.resolve('.data/bench-sync');
  mkdirSync(dataDir, { recursive: true });
  const database = await freshBenchDatabase(env.BENCH_DATABASE_URL, { database: 'scimflow_bench_sync', dataDir: '.data/bench-sync-postgres' });
  const apiPort = await freePort();
  const api = await startServerProcess({
    name: 'scimflow api',
    args: [repoFile('bin/scimflow.js'), 'api'],
    env: { DATABASE_URL: database.url, ADMIN_TOKEN: adminToken, PORT: String(apiPort), LOG_LEVEL: 'warn' },
    port: apiPort,
    logFile: path.join(dataDir, 'api.log'),
  });
  const handle = connect(database.url, { max: 10 });
  const deps: EngineDeps = { db: handle.db, sql: handle.sql, secretsKey };
  console.log(`# bench:sync — ${database.description}; target: scimflow api (pid ${api.pid}); engine: this process`);
  console.log(`# concurrency ${settings.concurrency}, page ${settings.pageSize}, groups ${settings.groups}, default mappings, everything assigned`);
  try {
    for (const users of settings.sizes) {
      const directory = await seedDirectory(handle, users, settings.groups);
      const jobId = await createJob(handle, directory, await createTenant(api.url), false);
      const initial = await measure(deps, jobId, (ctx) => runInitialCycle(ctx));
      reportInitial(`${users} users`, initial);
      console.log(`  target RSS now     ${api.rssMb().toFixed(0)} MB`);

      if (users === Math.max(...settings.sizes)) {
        await changeUsers(handle, directory, settings.changes);
        const incremental = await measure(deps, jobId, (ctx) => runIncrementalCycle(ctx, initial.result.watermark));
        console.log(`\n## ${users} users: incremental cycle with ${settings.changes} changed users`);
        console.log(`  updated            ${incremental.result.counts.updated}`);
        console.log(`  time               ${incremental.ms.toFixed(0)} ms   target < ${TARGET.incrementalMs}: ${verdict(incremental.ms < TARGET.incrementalMs)}`);
        console.log(`  SCIM requests      ${incremental.requests}   target ≤ ${TARGET.incrementalRequests}: ${verdict(incremental.requests <= TARGET.incrementalRequests)}`);
      }

      if (settings.bulk) {
        const tenant = await createTenant(api.url);
        const bulkJob = await createJob(handle, directory, tenant, true);
        const probe = await openJob(deps, bulkJob);
        const supported = probe.bulk;
        await probe.close();
        if (!supported) {
          console.log(`\n## ${users} users with "bulk": true — skipped: the target does not advertise /Bulk`);
        } else {
          reportInitial(`${users} users with "bulk": true`, await measure(deps, bulkJob, (ctx) => runInitialCycle(ctx)));
        }
      }
    }
  } finally {
    await handle.close();
    await api.stop();
    await database.stop();
  }
}

await main();
