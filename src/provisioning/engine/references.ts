import { ScimClientError, isJobLevel } from '../scim-client.js';
import type { Cycle, SyncContext } from './context.js';
import { emptyCounts, type CycleCounts } from './counts.js';
import { escrowAfterFailure } from './escrow-policy.js';
import type { LogEntryInput } from '../logs.js';
import { ObjectTrail } from './log-entry.js';
import { exportHashOf, mapSource, scopeOf, updateOperations } from './mapping.js';
import type { SourceRecord } from './source-objects.js';
import type { Escrow, Link } from './store.js';
import { allObjects } from './settle.js';

/**
 * Reference resolution (manager), once every user of the cycle exists in the target: the
 * referenced source object's link gives its target id, which is sent only when it differs
 * from what was last exported. A reference to an object not (yet) in the target is a
 * reference failure: escrowed apart from object failures and retried by later cycles.
 */
export async function resolveReferences(ctx: SyncContext, cycle: Cycle | null, records: readonly SourceRecord[]): Promise<CycleCounts> {
  const counts = emptyCounts();
  const wanted = records.flatMap((record) => {
    if (!record.object || record.state !== 'active' || !scopeOf(ctx.job, record).inScope) return [];
    const references = Object.entries(mapSource(ctx.job, record.object, 'update').references);
    return references.length > 0 ? [{ record, references }] : [];
  });
  if (wanted.length === 0) return counts;
  const ids = wanted.map((w) => w.record.id);
  const [links, referenced, escrows] = await Promise.all([
    ctx.store.links('user', ids),
    ctx.store.links('user', [...new Set(wanted.flatMap((w) => w.references.map(([, id]) => id)))]),
    ctx.store.escrows('user', ids, true),
  ]);
  const saved: Link[] = [];
  const failed: Escrow[] = [];
  const resolved: string[] = [];
  const entries: LogEntryInput[] = [];
  await allObjects(wanted.map(async ({ record, references }) => {
    const link = links.get(record.id);
    if (!link || link.state !== 'provisioned') return;
    const trail = new ObjectTrail(ctx.job.id, cycle?.id ?? null, 'user', record.id, record.displayName);
    trail.targetId = link.targetId;
    const changes = [];
    const missing: string[] = [];
    for (const [path, sourceId] of references) {
      const target = referenced.get(sourceId)?.targetId;
      if (!target) missing.push(`${path} → ${sourceId}`);
      else if (link.exported[path] !== target) changes.push({ name: path, oldValue: link.exported[path] ?? null, newValue: target });
    }
    try {
      if (missing.length > 0) {
        throw new ReferenceMissing(`Referenced object(s) not provisioned in the target: ${missing.join(', ')}.`);
      }
      if (changes.length === 0) {
        resolved.push(record.id);
        return;
      }
      trail.step('referenceResolution', 'success', `Resolved ${changes.map((c) => c.name).join(', ')} to target id(s).`);
      trail.modified(changes);
      const { recorded } = await ctx.client.patchUser(link.targetId, updateOperations(changes, ctx.client.dialect));
      const exported = { ...link.exported, ...Object.fromEntries(changes.map((c) => [c.name, c.newValue])) };
      saved.push({ ...link, exported, exportHash: exportHashOf(exported) });
      resolved.push(record.id);
      counts.updated++;
      if (recorded.length > 0) entries.push(trail.recorded(recorded).entry('Update', 'Skipped'));
      else entries.push(trail.step('export', 'success', `PATCH /Users/${link.targetId} with ${changes.map((c) => c.name).join(', ')}.`).entry('Update', 'Success'));
    } catch (error) {
      if (isJobLevel(error) || !(error instanceof ScimClientError || error instanceof ReferenceMissing)) throw error;
      const code = error instanceof ScimClientError ? error.code : 'ReferenceNotProvisioned';
      const reason = error instanceof ScimClientError ? error.reason : error.message;
      counts.referenceFailures++;
      trail.step('referenceResolution', error instanceof ReferenceMissing ? 'warning' : 'failure', reason);
      entries.push(trail.entry('Update', error instanceof ReferenceMissing ? 'Warning' : 'Failure', { code, reason }));
      const schedule = escrowAfterFailure(escrows.get(record.id), ctx.now(), ctx.escrowPolicy);
      if (schedule) failed.push({ ...schedule, objectType: 'user', sourceId: record.id, errorCode: code, errorReason: reason, referenceFailure: true });
    }
  }));
  await Promise.all([
    ctx.store.saveLinks(saved),
    ctx.store.saveEscrows(failed),
    ctx.store.clearEscrows('user', resolved.filter((id) => escrows.has(id)), true),
    ctx.writeLogs(entries),
  ]);
  return counts;
}

class ReferenceMissing extends Error {}
