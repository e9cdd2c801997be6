import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Sql } from '../db/client.js';
import type { JobState } from '../db/provisioning.js';
import type { CycleCounts } from '../provisioning/engine/counts.js';
import type { RequestEvent } from '../provisioning/scim-client/transport.js';

/**
 * scimflow's Prometheus instruments (prom-client), one registry per process. Request
 * counts come with the histograms (`_count`), so there is no separate counter for them.
 * Jobs by state and escrows are read from the database when scraped: they are facts about
 * the jobs, not about this process, and any replica answers them alike.
 */

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// cycles run from seconds (an incremental with a few changes) to hours (a first full cycle)
const CYCLE_BUCKETS = [1, 5, 15, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600];

const JOB_STATES: readonly JobState[] = ['NotConfigured', 'NotRun', 'Active', 'Paused', 'Quarantine', 'AwaitingDeleteApproval', 'Disabled', 'Stopped'];

/** §8's actions and statuses as the cycle counts carry them; failures are counted without their action. */
const OBJECT_SERIES: ReadonlyArray<[keyof CycleCounts, string, string]> = [
  ['created', 'Create', 'Success'],
  ['updated', 'Update', 'Success'],
  ['disabled', 'Disable', 'Success'],
  ['deleted', 'Delete', 'Success'],
  ['staged', 'StagedDelete', 'Skipped'],
  ['skipped', 'Other', 'Skipped'],
  ['failed', 'Any', 'Failure'],
];

export interface Metrics {
  registry: Registry;
  /** a request this process answered on /scim/v2 */
  observeScimRequest(request: { method: string; route: string; status: number; seconds: number }): void;
  /** a request attempt the engine sent to a target (the SCIM client's onRequest) */
  observeTargetRequest(event: RequestEvent): void;
  observeObjects(counts: Partial<CycleCounts>): void;
  observeCycle(cycle: { kind: string; seconds: number; quarantined: boolean }): void;
}

export function createMetrics(sql: Sql): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'scimflow_' });

  const requestHistogram = (name: string, help: string) =>
    new Histogram({ name, help, labelNames: ['route', 'method', 'status'] as const, buckets: LATENCY_BUCKETS, registers: [registry] });
  const scimRequests = requestHistogram('scimflow_scim_requests_duration_seconds',
    'Requests answered by the SCIM service provider (/scim/v2), by route template, method and status');
  const targetRequests = requestHistogram('scimflow_target_requests_duration_seconds',
    'Request attempts the provisioning engine sent to SCIM targets, by route template, method and status (none: no answer)');
  const objects = new Counter({
    name: 'scimflow_engine_objects_total',
    help: 'Objects the provisioning engine processed, by provisioning-log action and status (failures are not split by action)',
    labelNames: ['action', 'status'] as const,
    registers: [registry],
  });
  const cycles = new Histogram({
    name: 'scimflow_cycle_duration_seconds',
    help: 'Provisioning cycles finished, by kind and outcome (ok, quarantined)',
    labelNames: ['kind', 'outcome'] as const,
    buckets: CYCLE_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'scimflow_jobs',
    help: 'Provisioning jobs by state (the jobs table\'s copy of each workflow\'s state)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const rows = await sql<{ state: JobState; n: string }[]>`select state, count(*) as n from provisioning_jobs group by state`;
      for (const state of JOB_STATES) this.set({ state }, Number(rows.find((r) => r.state === state)?.n ?? 0));
    },
  });
  new Gauge({
    name: 'scimflow_escrows',
    help: 'Objects waiting in escrow for a retry, by job',
    labelNames: ['job_id'] as const,
    registers: [registry],
    async collect() {
      const rows = await sql<{ job_id: string; n: string }[]>`
        select j.id as job_id, count(e.job_id) as n from provisioning_jobs j left join provisioning_escrows e on e.job_id = j.id group by j.id`;
      // a deleted job's series disappears rather than staying at its last value
      this.reset();
      for (const row of rows) this.set({ job_id: row.job_id }, Number(row.n));
    },
  });

  return {
    registry,
    observeScimRequest(r) {
      scimRequests.observe({ route: r.route, method: r.method, status: String(r.status) }, r.seconds);
    },
    observeTargetRequest(event) {
      if (event.dryRun) return;
      targetRequests.observe({ route: event.route, method: event.method, status: event.status === null ? 'none' : String(event.status) }, event.durationMs / 1000);
    },
    observeObjects(counts) {
      for (const [key, action, status] of OBJECT_SERIES) {
        const n = counts[key] ?? 0;
        if (n > 0) objects.inc({ action, status }, n);
      }
    },
    observeCycle(cycle) {
      cycles.observe({ kind: cycle.kind, outcome: cycle.quarantined ? 'quarantined' : 'ok' }, cycle.seconds);
    },
  };
}

/**
 * The route template of a request under /scim/v2, so a resource id never becomes a label
 * value: `/Users/{id}`, `/Groups`, `/Bulk`, `/.search`; anything unknown is `other`.
 */
export function scimRouteOf(path: string): string {
  const [first, second, ...rest] = path.split('?')[0]!.split('/').filter(Boolean);
  if (!first) return '/';
  const known = ['Users', 'Groups', 'Schemas', 'ResourceTypes', 'ServiceProviderConfig', 'Bulk', '.search', 'Me'];
  if (!known.includes(first)) return 'other';
  if (second === undefined) return `/${first}`;
  if (second === '.search' && rest.length === 0) return `/${first}/.search`;
  return rest.length === 0 ? `/${first}/{id}` : 'other';
}
