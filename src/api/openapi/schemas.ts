import { z } from 'zod';
import { LOG_ACTIONS, LOG_STATUSES } from '../../provisioning/log-query.js';

/**
 * api.md's response shapes as zod schemas, for the OpenAPI document only: the routes build
 * their answers from typed services, and the OpenAPI test checks real answers against these.
 * Shapes other teams extend (jobs, status) stay open to added fields; the rest are closed so
 * an undocumented field fails the test.
 */

const id = z.guid();
const instant = z.iso.datetime();
const count = z.number().int().min(0);

export const problem = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string().optional(),
}).describe('RFC 9457 problem JSON');

export const createdTenant = z.object({
  id, name: z.string(), scimUrl: z.url(), token: z.string().describe('shown once'), tokenId: id,
});

export const tenantList = z.object({
  items: z.array(z.object({ id, name: z.string(), users: count, groups: count })),
});

export const issuedToken = z.object({ id, token: z.string().describe('shown once') });

export const directory = z.object({ id, name: z.string() });

export const directoryDetail = z.object({
  id, name: z.string(), watermark: z.string().regex(/^[0-9]+$/).describe('the change feed position: a 64-bit sequence number as a decimal string'),
})
  ;

export const directoryList = z.object({
  items: z.array(z.object({ id, name: z.string(), users: count, groups: count, applications: count })),
});

export const importResult = z.object({
  counts: z.record(z.string(), count),
  rejected: count,
  errors: z.array(z.object({ index: count, kind: z.string(), error: z.string() })),
  errorsTruncated: z.boolean(),
});

/** Users, groups and applications in Microsoft Graph's JSON names; unknown user attributes are kept. */
export const graphObject = z.looseObject({ id });

export const page = (item: z.ZodType) => z.object({
  items: z.array(item),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last'),
});

const cycleKind = z.enum(['initial', 'incremental']);
const jobState = z.enum(['NotRun', 'Active', 'Paused', 'Quarantine', 'AwaitingDeleteApproval', 'Disabled', 'Stopped']);

export const job = z.looseObject({
  id, name: z.string(), directoryId: id, applicationId: id,
  target: z.looseObject({ url: z.url(), dialect: z.string() }).describe('never the token'),
  scope: z.enum(['assigned', 'all']),
  skipDefaultAccess: z.boolean(),
  scopingFilters: z.array(z.array(z.looseObject({ attribute: z.string(), operator: z.string() }))),
  mappings: z.looseObject({ user: z.array(z.unknown()), group: z.array(z.unknown()) }),
  actions: z.looseObject({ create: z.boolean(), update: z.boolean(), delete: z.boolean() }),
  skipOutOfScopeDeletions: z.boolean(),
  deleteThreshold: z.number().int().nullable(),
  intervalMinutes: z.number(),
  bulk: z.boolean(),
  notificationEmail: z.string().nullable(),
  state: jobState,
  createdAt: instant,
  updatedAt: instant,
});

export const jobList = z.object({ items: z.array(job) });

const cycleCounts = z.looseObject({ created: count, updated: count, disabled: count, deleted: count, skipped: count, failed: count });

export const jobStatus = z.looseObject({
  state: jobState,
  cycle: z.looseObject({
    kind: cycleKind, id, startedAt: instant,
    progress: z.object({ percent: z.number().min(0).max(100), processed: count, total: count }),
    counts: cycleCounts.describe('statistics to date'),
  }).nullable().describe('null between cycles'),
  lastCycle: z.looseObject({
    id, kind: cycleKind, startedAt: instant, finishedAt: instant, durationMs: count, counts: cycleCounts,
  }).nullable(),
  totals: z.object({ users: count, groups: count }),
  quarantine: z.looseObject({
    reason: z.string(), currentBegan: instant, nextAttempt: instant.nullable(), seriesBegan: instant, seriesCount: count,
  }).nullable().describe('null when not quarantined'),
  nextCycleAt: instant.nullable(),
});

const identity = z.object({ id: z.string().nullable(), type: z.enum(['User', 'Group']), displayName: z.string().nullable() });

export const logEntry = z.object({
  id: z.string().regex(/^[0-9]+$/).describe('ascending with insertion'),
  at: instant,
  jobId: id,
  cycleId: id.nullable(),
  changeId: id,
  action: z.enum(LOG_ACTIONS),
  status: z.enum(LOG_STATUSES),
  sourceIdentity: identity,
  targetIdentity: identity,
  durationMs: z.number().int().nullable(),
  error: z.object({ code: z.string(), reason: z.string() }).nullable(),
  modifiedProperties: z.array(z.object({ name: z.string(), oldValue: z.string().nullable(), newValue: z.string().nullable() })),
  steps: z.array(z.object({
    name: z.enum(['import', 'scoping', 'matching', 'processing', 'referenceResolution', 'export']),
    status: z.enum(['success', 'failure', 'skipped', 'warning']),
    description: z.string(),
  })),
});

export const logPage = page(logEntry);

export const connectionTest = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

export const previewStarted = z.object({ cycleId: id });

export const anyObject = z.looseObject({});
