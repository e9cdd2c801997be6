/**
 * Cycle planning: the phases a cycle walks through and the small JSON cursor an activity
 * heartbeats. Users and groups come first, memberships after groups, references after users
 * exist (entra-provisioning.md §1). A cursor names a phase and the last key it finished, so a
 * rerun after a crash resumes at the page that was in flight.
 */
import type { CycleKind } from '../../db/provisioning.js';

export type CyclePhase =
  // initial cycle: the whole directory by id
  | 'users' | 'groups' | 'memberships' | 'references'
  // incremental cycle: the change feed since the watermark, then due escrows
  | 'userChanges' | 'userEscrows' | 'groupChanges' | 'groupEscrows'
  | 'membershipChanges' | 'memberEscrows'
  | 'referenceChanges' | 'referenceEscrows';

export interface CycleCursor {
  phase: CyclePhase;
  /** the last key done: a source id, an escrow's source id, or a change feed position */
  after: string;
}

const PHASES: Record<CycleKind, readonly CyclePhase[]> = {
  initial: ['users', 'groups', 'memberships', 'references'],
  incremental: [
    'userChanges', 'userEscrows', 'groupChanges', 'groupEscrows',
    'membershipChanges', 'memberEscrows',
    'referenceChanges', 'referenceEscrows',
  ],
};

export function phasesOf(kind: CycleKind): readonly CyclePhase[] {
  return PHASES[kind];
}

export function firstCursor(kind: CycleKind, watermarkFrom: number | null): CycleCursor {
  const phase = PHASES[kind][0]!;
  return { phase, after: startKey(phase, watermarkFrom) };
}

/** The cursor that starts the phase after `phase`, or null when the cycle's pages are done. */
export function nextPhase(kind: CycleKind, phase: CyclePhase, watermarkFrom: number | null): CycleCursor | null {
  const phases = PHASES[kind];
  const next = phases[phases.indexOf(phase) + 1];
  return next ? { phase: next, after: startKey(next, watermarkFrom) } : null;
}

function startKey(phase: CyclePhase, watermarkFrom: number | null): string {
  return isFeedPhase(phase) ? String(watermarkFrom ?? 0) : '';
}

export function isFeedPhase(phase: CyclePhase): boolean {
  return phase === 'userChanges' || phase === 'groupChanges' || phase === 'membershipChanges' || phase === 'referenceChanges';
}

/** A cursor from outside (a heartbeat, a workflow input) checked before it steers a cycle. */
export function isCycleCursor(value: unknown): value is CycleCursor {
  if (typeof value !== 'object' || value === null) return false;
  const { phase, after } = value as Record<string, unknown>;
  return typeof after === 'string' && (PHASES.initial.includes(phase as CyclePhase) || PHASES.incremental.includes(phase as CyclePhase));
}
