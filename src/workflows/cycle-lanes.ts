import type { CycleCursor, CyclePhase } from '../provisioning/engine/plan.js';

/**
 * A cycle's pages as lanes. A lane follows the engine's cursor page by page; phases that
 * touch disjoint objects run side by side as lanes of their own — an initial cycle's users
 * and groups, while memberships and references wait for both (entra-provisioning.md §1) —
 * so at most two page activities of a job are in flight at once. Plain JSON: lanes cross
 * continue-as-new.
 */
export interface Lane {
  /** the one phase a side-by-side lane walks; null for a lane that follows the cursor through every phase */
  only: CyclePhase | null;
  /** the next page; null once the cycle's pages are done, or a cursor of another phase once a side-by-side lane is done */
  cursor: CycleCursor | null;
}

const SIDE_BY_SIDE: Partial<Record<CyclePhase, readonly CyclePhase[]>> = { users: ['users', 'groups'] };

/** The lanes that start at `cursor`: one per phase at the start of a side-by-side group, else one. */
export function lanesAt(cursor: CycleCursor): Lane[] {
  const group = cursor.after === '' ? SIDE_BY_SIDE[cursor.phase] : undefined;
  return group ? group.map((phase) => ({ only: phase, cursor: { phase, after: '' } })) : [{ only: null, cursor }];
}

export function laneDone(lane: Lane): boolean {
  return lane.cursor === null || (lane.only !== null && lane.cursor.phase !== lane.only);
}

/**
 * The lanes after a round of pages: unchanged while any is still at work; once all are done,
 * the cycle goes on from where the last one handed over (no lanes: the pages are done).
 */
export function nextLanes(lanes: Lane[]): Lane[] {
  if (!lanes.every(laneDone)) return lanes;
  const handOver = lanes.at(-1)?.cursor ?? null;
  return handOver ? lanesAt(handOver) : [];
}
