import {
  ObjectConflict, ObjectNotFound, ScimClientError, isJobLevel,
  type BulkOperation, type RecordedRequest, type ScimResource,
} from '../scim-client.js';
import type { Cycle, SyncContext } from './context.js';
import { addCounts, emptyCounts, type CycleCounts } from './counts.js';
import { groupsOfUsers, membersOfLinkedGroups, sendMemberChanges } from './memberships.js';
import { decide, SKIP_SENTENCES, type Decision, type ObjectType } from './decision.js';
import { escrowAfterFailure } from './escrow-policy.js';
import type { LogAction, LogEntryInput } from '../logs.js';
import { ObjectTrail, type AttributeChange } from './log-entry.js';
import {
  attributeChanges, createBody, exportHashOf, mapSource, matchesOnUniqueKeyOnly, matchingCandidates, scopeOf, uniqueKeyOf, updateOperations,
  type MappedObject,
} from './mapping.js';
import type { SourceRecord } from './source-objects.js';
import type { Escrow, Link, PendingDeletion } from './store.js';
import { allObjects } from './settle.js';

/**
 * The sync step for a page of users or groups (entra-provisioning.md §1): import → scoping →
 * matching → action, then one batch of link, escrow, pending-deletion and log writes for the
 * page. Requests of a page run concurrently; the SCIM client bounds how many are in flight.
 *
 * An initial cycle skips the matching query when the only matching attribute is the one the
 * target keeps unique (userName, group displayName): it creates first, and a 409 leads to the
 * same matching and adoption. The outcome is Entra's, at one request per new object instead
 * of two; incremental cycles and other matching configurations query first, as Entra does.
 *
 * Links of created objects are written the moment the create succeeds, so a crash right after
 * cannot make a rerun create the object again; if even that write is lost, the rerun's
 * matching finds the object and adopts it.
 */

/** An object whose action is decided; creates and updates still have to be sent. */
interface Planned {
  record: SourceRecord;
  trail: ObjectTrail;
  link: Link | undefined;
  mapped: MappedObject | undefined;
  decision: Decision;
  changes: AttributeChange[];
  /** the target object found by matching, for an adoption */
  matched: ScimResource | undefined;
}

/** An object whose planning failed at the target (matching: an ambiguous match, a 5xx). */
interface Unplanned {
  record: SourceRecord;
  trail: ObjectTrail;
  error: ScimClientError;
}

type Outcome =
  /** `newlyLinked`: created or adopted now, so its group memberships still have to be sent */
  | { kind: 'linked'; link: Link; entry: LogEntryInput; counted: 'created' | 'updated'; newlyLinked: boolean }
  | { kind: 'skipped'; entry: LogEntryInput }
  | { kind: 'pending'; deletion: PendingDeletion }
  | { kind: 'failed'; error: ScimClientError; entry: LogEntryInput };

const TYPE_NOUN: Record<ObjectType, string> = { user: 'user', group: 'group' };
const RESOURCE: Record<ObjectType, string> = { user: '/Users', group: '/Groups' };

export async function syncObjects(ctx: SyncContext, cycle: Cycle | null, records: readonly SourceRecord[]): Promise<CycleCounts> {
  if (records.length === 0) return emptyCounts();
  const type = records[0]!.type;
  const ids = records.map((r) => r.id);
  const [links, escrows] = await Promise.all([ctx.store.links(type, ids), ctx.store.escrows(type, ids, false)]);
  // a preview's creates are not sent, so no 409 would reveal an existing object: it matches first
  const createFirst = cycle?.kind === 'initial' && ctx.client.mode === 'live' && matchesOnUniqueKeyOnly(ctx.job, type);

  const planned = await allObjects(records.map(async (record): Promise<Planned | Unplanned> => {
    const link = links.get(record.id);
    const trail = new ObjectTrail(ctx.job.id, cycle?.id ?? null, record.type, record.id, record.displayName ?? (link?.exported.displayName as string | undefined) ?? null);
    trail.targetId = link?.targetId ?? null;
    try {
      return await plan(ctx, record, link, trail, createFirst);
    } catch (error) {
      // a job-level failure stops the page and the cycle; any other concerns this object alone
      if (isJobLevel(error) || !(error instanceof ScimClientError)) throw error;
      return { record, trail, error };
    }
  }));
  const outcomes = await execute(ctx, planned);

  const now = ctx.now();
  const saved: Link[] = [];
  const failed: Escrow[] = [];
  const cleared: string[] = [];
  const dropped: string[] = [];
  const pending: PendingDeletion[] = [];
  const entries: LogEntryInput[] = [];
  const newlyLinked: string[] = [];
  let counts = emptyCounts();
  counts[type === 'user' ? 'users' : 'groups'] = records.length;
  for (const [index, outcome] of outcomes.entries()) {
    const id = records[index]!.id;
    switch (outcome.kind) {
      case 'linked':
        // a create's link is already written (saveCreatedLink)
        if (outcome.counted === 'updated') saved.push(outcome.link);
        if (outcome.newlyLinked) newlyLinked.push(id);
        entries.push(outcome.entry);
        cleared.push(id);
        counts[outcome.counted]++;
        break;
      case 'skipped':
        entries.push(outcome.entry);
        cleared.push(id);
        counts.skipped++;
        break;
      case 'pending':
        pending.push(outcome.deletion);
        break;
      case 'failed': {
        entries.push(outcome.entry);
        counts.failed++;
        const schedule = escrowAfterFailure(escrows.get(id), now, ctx.escrowPolicy);
        if (schedule) {
          failed.push({ ...schedule, objectType: type, sourceId: id, errorCode: outcome.error.code, errorReason: outcome.error.reason, referenceFailure: false });
        } else {
          dropped.push(id);
        }
        break;
      }
    }
  }
  const retried = cleared.filter((id) => escrows.has(id)).concat(dropped);
  await Promise.all([
    ctx.store.saveLinks(saved),
    ctx.store.saveEscrows(failed),
    ctx.store.clearEscrows(type, retried, false),
    cycle ? ctx.store.addPendingDeletions(cycle.id, pending) : Promise.resolve(),
    ctx.writeLogs(entries),
  ]);
  if (cycle?.kind === 'incremental' && newlyLinked.length > 0) {
    counts = addCounts(counts, await sendMemberChanges(ctx, cycle, await membershipsOfNewlyLinked(ctx, type, newlyLinked)));
  }
  return counts;
}

/**
 * An object an incremental cycle creates or adopts joins the target's copies of its groups
 * at once: the groups already linked (users come before groups in a cycle, so a group linked
 * now finds every linked member). An initial cycle has its own membership phase instead.
 */
function membershipsOfNewlyLinked(ctx: SyncContext, type: ObjectType, ids: readonly string[]) {
  return type === 'user' ? groupsOfUsers(ctx, ids) : membersOfLinkedGroups(ctx, { ids });
}

async function plan(ctx: SyncContext, record: SourceRecord, link: Link | undefined, trail: ObjectTrail, createFirst: boolean): Promise<Planned> {
  const noun = TYPE_NOUN[record.type];
  trail.step('import', 'success', record.object
    ? `Retrieved ${noun} ${record.displayName ?? record.id} (${record.id}) from the source directory.`
    : `The ${noun} ${record.id} was permanently deleted from the source directory.`);

  const scope = scopeOf(ctx.job, record);
  trail.step('scoping', scope.inScope ? 'success' : 'skipped', scope.sentence);
  const present = record.state === 'active' && scope.inScope;

  let mapped: MappedObject | undefined;
  if (record.object && present) mapped = mapSource(ctx.job, record.object, link ? 'update' : 'create');

  let matched: ScimResource | undefined;
  let target: 'none' | 'linked' | 'linkedDisabled' | 'matched' = 'none';
  if (link) {
    target = link.state === 'disabled' ? 'linkedDisabled' : 'linked';
    trail.step('matching', 'success', `Linked to target ${noun} ${link.targetId} by an earlier cycle.`);
  } else if (mapped && createFirst) {
    trail.step('matching', 'skipped',
      `Not looked up: an initial cycle creates first. The target refuses a second object with the same ${uniqueKeyOf(record.type)} (409), which is then matched and adopted.`);
  } else if (mapped) {
    matched = await match(ctx, record.type, mapped, trail);
    if (matched) {
      target = 'matched';
      trail.targetId = matched.id;
    }
  } else {
    trail.step('matching', 'skipped', `Not looked up in the target: the ${noun} is not to be provisioned and was never linked.`);
  }

  const changes = mapped ? attributeChanges(target === 'matched' ? undefined : link?.exported, mapped.attributes) : [];
  const decision = decide({
    objectType: record.type,
    state: record.state,
    inScope: scope.inScope,
    target,
    changedAttributes: changes.length,
    actions: ctx.job.config.actions,
    skipOutOfScopeDeletions: ctx.job.config.skipOutOfScopeDeletions,
  });
  return { record, trail, link, mapped, decision, changes, matched };
}

async function match(ctx: SyncContext, type: ObjectType, mapped: MappedObject, trail: ObjectTrail): Promise<ScimResource | undefined> {
  const candidates = matchingCandidates(ctx.job, type, mapped.attributes);
  for (const { path, value } of candidates) {
    const found = type === 'user' ? await ctx.client.findUser(path, value) : await ctx.client.findGroup(path, value);
    if (found) {
      trail.step('matching', 'success', `Matched target ${TYPE_NOUN[type]} ${found.id} by ${path} eq "${value}"; it is adopted, not created again.`);
      return found;
    }
  }
  const tried = candidates.map((c) => `${c.path} eq "${c.value}"`).join(', then ') || 'no matching attribute has a value';
  trail.step('matching', 'success', `No target ${TYPE_NOUN[type]} matches (${tried}).`);
  return undefined;
}

async function execute(ctx: SyncContext, planned: ReadonlyArray<Planned | Unplanned>): Promise<Outcome[]> {
  const bulkable = ctx.bulk
    ? planned.filter((p): p is Planned => 'decision' in p && (p.decision.action === 'create' || (p.decision.action === 'update' && !p.decision.adopt)))
    : [];
  const bulkOutcomes = bulkable.length > 1 ? await executeBulk(ctx, bulkable) : new Map<Planned, Outcome>();
  return allObjects(planned.map(async (p) => {
    if (!('decision' in p)) return failedPlan(p);
    const fromBulk = bulkOutcomes.get(p);
    if (fromBulk) return fromBulk;
    try {
      return await act(ctx, p);
    } catch (error) {
      if (isJobLevel(error) || !(error instanceof ScimClientError)) throw error;
      return failure(p, error);
    }
  }));
}

function failedPlan({ trail, error }: Unplanned): Outcome {
  trail.step('matching', 'failure', error.reason);
  return { kind: 'failed', error, entry: trail.entry('Other', 'Failure', { code: error.code, reason: error.reason }) };
}

function failure(p: Planned, error: ScimClientError): Outcome {
  p.trail.step('export', 'failure', error.reason);
  const action: LogAction = p.decision.action === 'create' ? 'Create' : p.decision.action === 'update' ? 'Update' : 'Other';
  return { kind: 'failed', error, entry: p.trail.entry(action, 'Failure', { code: error.code, reason: error.reason }) };
}

async function act(ctx: SyncContext, p: Planned): Promise<Outcome> {
  const { decision, trail, record } = p;
  switch (decision.action) {
    case 'skip':
      trail.step('processing', 'skipped', SKIP_SENTENCES[decision.reason]);
      return { kind: 'skipped', entry: trail.entry('Other', 'Skipped') };
    case 'disable':
    case 'delete':
      trail.step('processing', 'success', `Queued to be ${decision.action}d at the end of the cycle, after the deletion threshold check.`);
      return {
        kind: 'pending',
        deletion: { objectType: record.type, sourceId: record.id, targetId: p.link!.targetId, sourceDisplayName: trail.displayName, action: decision.action },
      };
    case 'create':
      return create(ctx, p);
    case 'update':
      return update(ctx, p, decision.adopt ? p.matched!.id : p.link!.targetId, decision.adopt);
  }
}

async function create(ctx: SyncContext, p: Planned): Promise<Outcome> {
  const { record, trail } = p;
  const attributes = p.mapped!.attributes;
  trail.step('processing', 'success', `The ${TYPE_NOUN[record.type]} is in scope and absent from the target: it is created.`);
  try {
    const body = createBody(record.type, attributes, ctx.client.dialect);
    const result = record.type === 'user' ? await ctx.client.createUser(body) : await ctx.client.createGroup(body);
    return await created(ctx, p, result.id, result.recorded);
  } catch (error) {
    if (!(error instanceof ObjectConflict)) throw error;
    // a create that reached the target before (a retried POST, a rerun that lost its link) or
    // an object made outside scimflow: matching finds it and it is adopted
    trail.step('export', 'warning', `The target answered 409 (${error.reason}); matching again to adopt the existing object.`);
    const found = await match(ctx, record.type, p.mapped!, trail);
    if (!found) throw error;
    p.matched = found;
    p.changes = attributeChanges(undefined, attributes);
    return update(ctx, p, found.id, true);
  }
}

async function created(ctx: SyncContext, p: Planned, targetId: string, recorded: readonly RecordedRequest[]): Promise<Outcome> {
  const { record, trail } = p;
  const attributes = p.mapped!.attributes;
  const link: Link = { objectType: record.type, sourceId: record.id, targetId, exported: attributes, exportHash: exportHashOf(attributes), state: 'provisioned' };
  await ctx.store.saveCreatedLink(link);
  trail.targetId = targetId;
  trail.modified(attributeChanges(undefined, attributes));
  if (recorded.length > 0) {
    trail.recorded(recorded);
    return { kind: 'skipped', entry: trail.entry('Create', 'Skipped') };
  }
  trail.step('export', 'success', `POST ${RESOURCE[record.type]} created target ${TYPE_NOUN[record.type]} ${targetId}.`);
  return { kind: 'linked', link, entry: trail.entry('Create', 'Success'), counted: 'created', newlyLinked: true };
}

async function update(ctx: SyncContext, p: Planned, targetId: string, adopt: boolean): Promise<Outcome> {
  const { record, trail, changes } = p;
  trail.targetId = targetId;
  if (!adopt) trail.step('processing', 'success', `${changes.length} mapped attribute(s) changed since the last export: only those are sent.`);
  else trail.step('processing', 'success', `The matched ${TYPE_NOUN[record.type]} is linked and updated with the mapped attributes.`);
  const operations = updateOperations(changes, ctx.client.dialect);
  let recorded: readonly RecordedRequest[];
  try {
    recorded = (record.type === 'user' ? await ctx.client.patchUser(targetId, operations) : await ctx.client.patchGroup(targetId, operations)).recorded;
  } catch (error) {
    if (!(error instanceof ObjectNotFound) || adopt) throw error;
    // the linked object was deleted in the target behind our back: provision it again
    trail.step('export', 'warning', `Target ${TYPE_NOUN[record.type]} ${targetId} no longer exists; it is created again.`);
    p.mapped = mapSource(ctx.job, record.object!, 'create');
    return create(ctx, p);
  }
  return updated(p, targetId, operations.length > 0, recorded);
}

function updated(p: Planned, targetId: string, sent: boolean, recorded: readonly RecordedRequest[]): Outcome {
  const { record, trail, changes } = p;
  const exported = { ...(p.link?.exported ?? {}), ...p.mapped!.attributes };
  const link: Link = { objectType: record.type, sourceId: record.id, targetId, exported, exportHash: exportHashOf(exported), state: 'provisioned' };
  trail.modified(changes);
  if (recorded.length > 0) {
    trail.recorded(recorded);
    return { kind: 'skipped', entry: trail.entry('Update', 'Skipped') };
  }
  trail.step('export', 'success', sent
    ? `PATCH ${RESOURCE[record.type]}/${targetId} with ${changes.map((c) => c.name).join(', ')}.`
    : `Linked target ${TYPE_NOUN[record.type]} ${targetId}; it already holds every mapped value.`);
  return { kind: 'linked', link, entry: trail.entry('Update', 'Success'), counted: 'updated', newlyLinked: !p.link };
}

/**
 * Bulk mode (beyond Entra): the page's creates and updates go in Bulk requests, each object
 * keeping its own outcome and log entry. A create the target refuses with 409 goes the
 * single-request way, through matching and adoption.
 */
async function executeBulk(ctx: SyncContext, planned: readonly Planned[]): Promise<Map<Planned, Outcome>> {
  const operations: BulkOperation[] = planned.map((p) => {
    const resource = RESOURCE[p.record.type];
    if (p.decision.action === 'create') {
      return { method: 'POST', path: resource, bulkId: p.record.id, data: createBody(p.record.type, p.mapped!.attributes, ctx.client.dialect) };
    }
    return {
      method: 'PATCH',
      path: `${resource}/${p.link!.targetId}`,
      data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: updateOperations(p.changes, ctx.client.dialect) },
    };
  });
  const result = await ctx.client.bulk(operations);
  // in preview the whole Bulk request was recorded; each object's entry shows its own operation
  const recordedOf = (operation: BulkOperation): RecordedRequest[] =>
    (result.recorded.length > 0 ? [{ method: operation.method, path: operation.path, body: operation.data }] : []);
  const outcomes = new Map<Planned, Outcome>();
  await allObjects(planned.map(async (p, index) => {
    const outcome = result.outcomes[index]!;
    const isCreate = p.decision.action === 'create';
    if (outcome.error) {
      if (isCreate && outcome.error instanceof ObjectConflict) return;
      p.trail.step('processing', 'success', isCreate ? 'Created through a Bulk request.' : 'Updated through a Bulk request.');
      outcomes.set(p, failure(p, outcome.error));
      return;
    }
    if (isCreate) {
      p.trail.step('processing', 'success', `The ${TYPE_NOUN[p.record.type]} is in scope and absent from the target: it is created (Bulk).`);
      outcomes.set(p, await created(ctx, p, outcome.id!, recordedOf(outcome.operation)));
    } else {
      p.trail.step('processing', 'success', `${p.changes.length} mapped attribute(s) changed since the last export: only those are sent (Bulk).`);
      outcomes.set(p, updated(p, p.link!.targetId, true, recordedOf(outcome.operation)));
    }
  }));
  return outcomes;
}
