/**
 * What a page, a phase and a cycle did, summed as they go. Keys are api.md's lastCycle.counts
 * plus what the quarantine decision and the benchmark need.
 */
export interface CycleCounts {
  created: number;
  updated: number;
  disabled: number;
  deleted: number;
  skipped: number;
  failed: number;
  /** failed manager / member references (left out of the quarantine proportion) */
  referenceFailures: number;
  /** disables and deletes held by the accidental-deletion threshold */
  staged: number;
  /** objects in Entra's sense: users, groups and memberships looked at */
  users: number;
  groups: number;
  memberships: number;
}

export function emptyCounts(): CycleCounts {
  return { created: 0, updated: 0, disabled: 0, deleted: 0, skipped: 0, failed: 0, referenceFailures: 0, staged: 0, users: 0, groups: 0, memberships: 0 };
}

export function addCounts(a: CycleCounts, b: Partial<CycleCounts>): CycleCounts {
  const sum = { ...a };
  for (const [key, value] of Object.entries(b) as [keyof CycleCounts, number][]) sum[key] = (sum[key] ?? 0) + value;
  return sum;
}

/** Objects whose operation was attempted, for the failure proportion of §2. */
export function operationsOf(c: CycleCounts): number {
  return c.created + c.updated + c.disabled + c.deleted + c.failed;
}
