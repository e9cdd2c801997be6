/**
 * `npm run bench:scim`: the SCIM endpoint under load, next to the ceiling of our stack.
 *
 * Seeds a tenant with BENCH_USERS users (default 100,000) and one group holding all of them,
 * starts `scimflow api` and bench/ceiling.ts as child processes on a fresh database, drives
 * each scenario with autocannon on loopback and prints req/s, p50/p99 latency, the API's
 * RSS, and our throughput as a ratio of the ceiling's, with PASS/FAIL against the targets of
 * issue 2. Each scenario and the ceiling doing the same kind of work take turns in short
 * slices (BENCH_SLICES of each, in ABBA order), so both see the same minutes of this shared
 * machine, whose speed drifts by a fifth from one run to the next; the ratio compares their
 * totals. CPU time per request of both servers is printed too.
 *
 * Env: BENCH_DURATION (s per side, 10), BENCH_SLICES (5), BENCH_CONNECTIONS (50),
 * BENCH_WARMUP (s, 2), BENCH_USERS, BENCH_GROUPS (1,000 small groups), BENCH_MEMBER_OPS
 * (500), BENCH_BULK_PATCHES (5), BENCH_ONLY (comma-separated: filter-username,
 * filter-email, get-by-id, filter-group, post-user, patch-user, members), BENCH_DATABASE_URL,
 * BENCH_AGAINST (another checkout's folder: pair each scenario with that checkout's API
 * instead of the ceiling, to judge a change side by side; targets then do not apply),
 * BENCH_CPU_PROF (a directory: profile the API and the ceiling with --cpu-prof into its
 * api/ and ceiling/ folders).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomInt } from 'node:crypto';
import { freePort } from '../src/dev/embedded-postgres.js';
import type { SliceResult } from 'autocannon';
import { freshBenchDatabase } from './support/database.js';
import { loadSlice, mergeSlices, runSequential, type HttpRequest, type LoadFigures } from './support/load.js';
import { observe, startServerProcess, type ServerProcess } from './support/processes.js';
import { failedTooOften, failureNote, formatTable, type Row } from './support/report.js';
import { BIG_GROUP, CORE_USER, ENTERPRISE_USER, groupName, seedTenant, userName, workEmail, type SeededTenant } from './support/seed.js';

const repoFile = (relative: string) => fileURLToPath(new URL(`../${relative}`, import.meta.url));
const env = process.env;
const int = (name: string, fallback: number) => (env[name] ? Number.parseInt(env[name], 10) : fallback);
const settings = {
  durationSec: int('BENCH_DURATION', 10),
  slices: Math.max(1, int('BENCH_SLICES', 5)),
  connections: int('BENCH_CONNECTIONS', 50),
  warmupSec: int('BENCH_WARMUP', 2),
  users: int('BENCH_USERS', 100_000),
  groups: int('BENCH_GROUPS', 1_000),
  memberOps: int('BENCH_MEMBER_OPS', 500),
  bulkPatches: int('BENCH_BULK_PATCHES', 5),
  only: env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined,
  cpuProfDir: env.BENCH_CPU_PROF,
  against: env.BENCH_AGAINST && path.resolve(env.BENCH_AGAINST),
};

const cpuProfArgs = (server: string) =>
  settings.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(settings.cpuProfDir, server)}`] : [];

const TARGET = { getRatio: 0.75, writeRatio: 0.6, memberP99Ms: 10, thousandMembersMs: 200, rssMb: 300 };
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SCIM = '/scim/v2';
const q = encodeURIComponent;
const runId = randomBytes(4).toString('hex');

type Kind = 'get' | 'write';

interface LoadScenario {
  key: string;
  title: string;
  kind: Kind;
  next: (seed: SeededTenant) => () => HttpRequest;
}

const anyUser = () => randomInt(1, settings.users + 1);

function counter(): () => number {
  let n = 0;
  return () => ++n;
}

function newUser(prefix: string, n: number): Record<string, unknown> {
  const name = `${prefix}-${runId}-${n}`;
  return {
    schemas: [CORE_USER, ENTERPRISE_USER],
    externalId: name,
    userName: `${name}@bench.example.com`,
    active: true,
    displayName: `New ${n}`,
    emails: [{ primary: true, type: 'work', value: `${name}@mail.bench.example.com` }],
    name: { formatted: `New ${n}`, familyName: `${n}`, givenName: 'New' },
    [ENTERPRISE_USER]: { department: 'Benchmarks', employeeNumber: `${n}` },
  };
}

const scenarios: LoadScenario[] = [
  {
    key: 'filter-username',
    title: 'GET /Users filter userName eq',
    kind: 'get',
    next: () => () => ({ method: 'GET', path: `${SCIM}/Users?filter=${q(`userName eq "${userName(anyUser())}"`)}` }),
  },
  {
    key: 'filter-email',
    title: 'GET /Users filter emails[type eq "work"].value eq',
    kind: 'get',
    next: () => () => ({ method: 'GET', path: `${SCIM}/Users?filter=${q(`emails[type eq "work"].value eq "${workEmail(anyUser())}"`)}` }),
  },
  {
    key: 'get-by-id',
    title: 'GET /Users/{id}',
    kind: 'get',
    next: (seed) => () => ({ method: 'GET', path: `${SCIM}/Users/${seed.userIds[anyUser()]}` }),
  },
  {
    key: 'filter-group',
    title: 'GET /Groups excludedAttributes=members filter displayName eq',
    kind: 'get',
    next: () => {
      // every tenth lookup finds the 100,000-member group, which must cost no more than the others
      const n = counter();
      return () => {
        const name = n() % 10 === 0 ? BIG_GROUP : groupName(randomInt(1, settings.groups + 1));
        return { method: 'GET', path: `${SCIM}/Groups?excludedAttributes=members&filter=${q(`displayName eq "${name}"`)}` };
      };
    },
  },
  {
    key: 'post-user',
    title: 'POST /Users',
    kind: 'write',
    next: () => {
      const n = counter();
      return () => ({ method: 'POST', path: `${SCIM}/Users`, body: newUser('api', n()) });
    },
  },
  {
    key: 'patch-user',
    title: 'PATCH /Users/{id} (Entra legacy body)',
    kind: 'write',
    next: (seed) => {
      // consecutive users, so no two connections PATCH the same user at once
      const n = counter();
      return () => {
        const i = (n() % settings.users) + 1;
        return {
          method: 'PATCH',
          path: `${SCIM}/Users/${seed.userIds[i]}`,
          body: {
            schemas: [PATCH_OP],
            Operations: [
              { op: 'Replace', path: 'displayName', value: `Bench User ${i} ${runId}` },
              { op: 'Replace', path: 'name.givenName', value: `Given${i}-${runId}` },
              { op: 'Add', path: 'title', value: 'Engineer' },
              { op: 'Replace', path: 'active', value: 'True' },
            ],
          },
        };
      };
    },
  },
];

const ceilingScenarios = {
  get: { title: 'ceiling: bare lookup by userName', next: () => ({ method: 'GET', path: `/Users?userName=${q(userName(anyUser()))}` }) as HttpRequest },
  write: (() => {
    const n = counter();
    return { title: 'ceiling: bare insert', next: () => ({ method: 'POST', path: '/Users', body: newUser('ceiling', n()) }) as HttpRequest };
  })(),
};

const selected = (key: string) => !settings.only || settings.only.has(key);

interface Measured extends LoadFigures {
  peakRssMb: number;
  /** the server's and the database's CPU time per request: far steadier than req/s on a shared machine */
  cpuUsPerRequest: number;
  dbCpuUsPerRequest: number;
}

interface Side {
  server: ServerProcess;
  token: string | undefined;
  next: () => HttpRequest;
}

/**
 * Our scenario and its reference (the ceiling, or BENCH_AGAINST's API) under the same load:
 * after a warm-up of each, they take turns in slices, the reference first in even rounds and
 * ours first in odd ones, so a machine that speeds up or slows down during the scenario
 * weighs on both alike.
 */
async function measurePair(ours: Side, reference: Side, postmasterPid: number | undefined): Promise<{ ours: Measured; reference: Measured }> {
  const sliceSec = settings.durationSec / settings.slices;
  const options = (side: Side, durationSec: number) =>
    ({ baseUrl: side.server.url, token: side.token, connections: settings.connections, durationSec, next: side.next });
  const tally = (side: Side) => ({ side, slices: [] as SliceResult[], peakRssMb: 0, cpuMs: 0, dbCpuMs: 0 });
  const sides = [tally(reference), tally(ours)];
  if (settings.warmupSec > 0) for (const { side } of sides) await loadSlice(options(side, settings.warmupSec));
  for (let round = 0; round < settings.slices; round++) {
    for (const t of round % 2 === 0 ? sides : [...sides].reverse()) {
      const { result, peakRssMb, cpuMs, dbCpuMs } = await observe(t.side.server, postmasterPid, () => loadSlice(options(t.side, sliceSec)));
      t.slices.push(result);
      t.peakRssMb = Math.max(t.peakRssMb, peakRssMb);
      t.cpuMs += cpuMs;
      t.dbCpuMs += dbCpuMs;
    }
  }
  const [r, o] = sides.map((t): Measured => {
    const figures = mergeSlices(t.slices, { baseUrl: t.side.server.url, connections: settings.connections });
    const perRequest = (ms: number) => (ms * 1000) / Math.max(1, figures.requests);
    return { ...figures, peakRssMb: t.peakRssMb, cpuUsPerRequest: perRequest(t.cpuMs), dbCpuUsPerRequest: perRequest(t.dbCpuMs) };
  });
  return { reference: r!, ours: o! };
}

const cpuText = (m: Measured) => `${m.cpuUsPerRequest.toFixed(0)}${Number.isNaN(m.dbCpuUsPerRequest) ? '' : ` + ${m.dbCpuUsPerRequest.toFixed(0)} db`} µs CPU/request`;

/**
 * One request before the load, so a scenario that only produces errors, or a lookup that
 * finds nothing (cheaper than finding something), says so instead of being measured.
 */
async function probe(server: ServerProcess, token: string | undefined, request: HttpRequest): Promise<string | undefined> {
  const res = await fetch(`${server.url}${request.path}`, {
    method: request.method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(request.body ? { 'content-type': 'application/scim+json' } : {}) },
    body: request.body ? JSON.stringify(request.body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) return `probe answered ${res.status}: ${text.slice(0, 200)}`;
  const found = request.method === 'GET' && (request.path.includes('filter=') || request.path.includes('?userName='))
    ? (JSON.parse(text) as { totalResults?: number }).totalResults
    : undefined;
  return found === 0 ? `probe found nothing for ${request.path}` : undefined;
}

function memberPatch(op: 'Add' | 'Remove', ids: string[]): unknown {
  return { schemas: [PATCH_OP], Operations: [{ op, path: 'members', value: ids.map((value) => ({ value })) }] };
}

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = path.resolve('.data/bench');
  mkdirSync(dataDir, { recursive: true });
  console.log(`scim benchmark: ${settings.users} users, ${settings.connections} connections × ${settings.durationSec} s per scenario, `
    + `${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const database = await freshBenchDatabase(env.BENCH_DATABASE_URL);
  const servers: ServerProcess[] = [];
  try {
    const seedStart = Date.now();
    const seed = await seedTenant(database.url, { users: settings.users, groups: settings.groups });
    console.log(`seeded ${settings.users} users, ${seed.groups} groups and ${settings.users} memberships in ${((Date.now() - seedStart) / 1000).toFixed(1)} s (${database.description})`);

    const adminToken = `bench-admin-${randomBytes(12).toString('hex')}`;
    const apiPort = await freePort();
    const api = await startServerProcess({
      name: 'scimflow api',
      args: [...cpuProfArgs('api'), repoFile('bin/scimflow.js'), 'api'],
      env: { DATABASE_URL: database.url, ADMIN_TOKEN: adminToken, PORT: String(apiPort) },
      port: apiPort,
      logFile: path.join(dataDir, 'api.log'),
    });
    servers.push(api);
    const referencePort = await freePort();
    const reference = await startServerProcess(settings.against
      ? {
          name: `scimflow api of ${settings.against}`,
          args: [...cpuProfArgs('reference'), path.join(settings.against, 'bin/scimflow.js'), 'api'],
          env: { DATABASE_URL: database.url, ADMIN_TOKEN: adminToken, PORT: String(referencePort) },
          port: referencePort,
          logFile: path.join(dataDir, 'against.log'),
        }
      : {
          name: 'ceiling',
          args: [...cpuProfArgs('ceiling'), '--import', 'tsx', repoFile('bench/ceiling.ts')],
          env: { DATABASE_URL: database.url, PORT: String(referencePort), TENANT_ID: seed.tenantId },
          port: referencePort,
          logFile: path.join(dataDir, 'ceiling.log'),
        });
    servers.push(reference);

    const rows: Row[] = [];
    let peakRss = 0;
    for (const scenario of scenarios.filter((s) => selected(s.key))) {
      const minRatio = scenario.kind === 'get' ? TARGET.getRatio : TARGET.writeRatio;
      const target = settings.against ? 'none (A/B)' : `≥ ${minRatio}× ceiling`;
      const next = scenario.next(seed);
      const bare = ceilingScenarios[scenario.kind];
      const paired: Side = settings.against
        ? { server: reference, token: seed.token, next }
        : { server: reference, token: undefined, next: bare.next };
      const problem = await probe(api, seed.token, next()) ?? await probe(reference, paired.token, paired.next());
      if (problem) {
        rows.push({ scenario: scenario.title, target, pass: false, note: problem });
        console.log(`  ${scenario.title}: skipped, ${problem}`);
        continue;
      }
      const pair = await measurePair({ server: api, token: seed.token, next }, paired, database.postmasterPid);
      const m = pair.ours;
      console.log(`  ${scenario.title}: ${m.reqPerSec.toFixed(0)} req/s, p99 ${m.p99Ms} ms, ${cpuText(m)}`);
      console.log(`    ${settings.against ? reference.name : bare.title}: ${pair.reference.reqPerSec.toFixed(0)} req/s, ${cpuText(pair.reference)}`);
      const ratio = m.reqPerSec / pair.reference.reqPerSec;
      peakRss = Math.max(peakRss, m.peakRssMb);
      rows.push({
        scenario: scenario.title, reqPerSec: m.reqPerSec, p50Ms: m.p50Ms, p99Ms: m.p99Ms, rssMb: m.peakRssMb,
        cpuUs: [m.cpuUsPerRequest, m.dbCpuUsPerRequest],
        ceilingReqPerSec: pair.reference.reqPerSec,
        ceilingCpuUs: [pair.reference.cpuUsPerRequest, pair.reference.dbCpuUsPerRequest],
        ratio, target,
        pass: settings.against ? undefined : ratio >= minRatio && !failedTooOften(m.failures, m.requests),
        note: failureNote(m.failures, m.requests),
      });
    }

    if (selected('members')) rows.push(...await memberScenarios(api, seed, (rss) => { peakRss = Math.max(peakRss, rss); }));
    if (peakRss > 0) rows.push({ scenario: 'API peak RSS over all scenarios', rssMb: peakRss, target: `≤ ${TARGET.rssMb} MB`, pass: peakRss <= TARGET.rssMb });

    console.log(`\n${formatTable(rows)}`);
    console.log(`\nfinished in ${((Date.now() - started) / 1000).toFixed(0)} s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    writeFileSync(path.join(dataDir, 'scim-last.json'), JSON.stringify({ settings: { ...settings, only: settings.only && [...settings.only] }, rows }, null, 2));
    if (rows.some((r) => r.pass === false)) process.exitCode = 1;
  } finally {
    for (const server of servers) await server.stop();
    await database.stop();
  }
}

/** One connection: single-member add/remove on the 100k group, then 1,000-member PATCHes. */
async function memberScenarios(api: ServerProcess, seed: SeededTenant, onRss: (mb: number) => void): Promise<Row[]> {
  const groupPath = `${SCIM}/Groups/${seed.bigGroupId}`;
  const one = (op: 'Add' | 'Remove') => Array.from({ length: settings.memberOps }, (_, i) => ({
    method: 'PATCH' as const, path: groupPath, body: memberPatch(op, [seed.userIds[i + 1]!]),
  }));
  const batch = (r: number) => seed.userIds.slice(settings.memberOps + 1 + r * 1000, settings.memberOps + 1 + (r + 1) * 1000);
  const thousand = Array.from({ length: settings.bulkPatches }, (_, r) => [
    { method: 'PATCH' as const, path: groupPath, body: memberPatch('Remove', batch(r)) },
    { method: 'PATCH' as const, path: groupPath, body: memberPatch('Add', batch(r)) },
  ]).flat();

  const run = async (requests: HttpRequest[]) => {
    const { result, peakRssMb } = await observe(api, undefined, () => runSequential({ baseUrl: api.url, token: seed.token, requests }));
    onRss(peakRssMb);
    return { ...result, peakRssMb };
  };
  const removed = await run(one('Remove'));
  const added = await run(one('Add'));
  const bulk = await run(thousand);
  const addTimes = bulk.timesMs.filter((_, i) => i % 2 === 1);
  const removeTimes = bulk.timesMs.filter((_, i) => i % 2 === 0);
  const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  const ms = (xs: number[]) => Math.max(...xs);
  const failures = (f: number, n: number) => failureNote(f, n);
  return [
    { scenario: `PATCH remove 1 member, ${settings.users / 1000}k group (${settings.memberOps}×)`, p50Ms: removed.p50Ms, p99Ms: removed.p99Ms, rssMb: removed.peakRssMb,
      target: `p99 ≤ ${TARGET.memberP99Ms} ms`, pass: removed.p99Ms <= TARGET.memberP99Ms && removed.failures === 0, note: failures(removed.failures, settings.memberOps) },
    { scenario: `PATCH add 1 member, ${settings.users / 1000}k group (${settings.memberOps}×)`, p50Ms: added.p50Ms, p99Ms: added.p99Ms, rssMb: added.peakRssMb,
      target: `p99 ≤ ${TARGET.memberP99Ms} ms`, pass: added.p99Ms <= TARGET.memberP99Ms && added.failures === 0, note: failures(added.failures, settings.memberOps) },
    { scenario: `PATCH add 1,000 members, ${settings.users / 1000}k group`, rssMb: bulk.peakRssMb, target: `≤ ${TARGET.thousandMembersMs} ms each`,
      pass: ms(addTimes) <= TARGET.thousandMembersMs && bulk.failures === 0, note: `ms: ${list(addTimes)}${bulk.failures ? `; ${bulk.failures} failed` : ''}` },
    { scenario: `PATCH remove 1,000 members, ${settings.users / 1000}k group`, rssMb: bulk.peakRssMb, note: `ms: ${list(removeTimes)}` },
  ];
}

await main();
