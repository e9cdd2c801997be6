/**
 * The per-object decision of a sync step (entra-provisioning.md §1, §5): given where the
 * source object stands and what the target already holds for it, which single action the
 * engine takes. Pure: the pipeline gathers the facts, this says what to do and why.
 */
export type ObjectType = 'user' | 'group';

/** Where the source object stands, scope aside. */
export type SourceState = 'active' | 'disabled' | 'softDeleted' | 'hardDeleted';

export interface TargetActions {
  create: boolean;
  update: boolean;
  delete: boolean;
}

export interface DecisionFacts {
  objectType: ObjectType;
  state: SourceState;
  /** assignment scope and scoping filters (false for a deleted object) */
  inScope: boolean;
  /**
   * What the target holds: 'none' (no link and no match), 'linked' (we provisioned it),
   * 'linkedDisabled' (we provisioned it and later disabled it), 'matched' (found by the
   * matching attributes, not yet linked: it will be adopted).
   */
  target: 'none' | 'linked' | 'linkedDisabled' | 'matched';
  /** attributes that differ from what was last exported (or all, for an adoption) */
  changedAttributes: number;
  actions: TargetActions;
  skipOutOfScopeDeletions: boolean;
}

export type Decision =
  | { action: 'create' }
  | { action: 'update'; adopt: boolean }
  | { action: 'disable' }
  | { action: 'delete' }
  | { action: 'skip'; reason: SkipReason };

export type SkipReason =
  | 'notInScope'
  | 'disabledNotCreated'
  | 'noChange'
  | 'alreadyDisabled'
  | 'createDisabled'
  | 'updateDisabled'
  | 'deleteDisabled'
  | 'outOfScopeDeletionsSkipped'
  | 'neverProvisioned';

/** Sentences for the provisioning log, in Entra's tone. */
export const SKIP_SENTENCES: Record<SkipReason, string> = {
  notInScope: 'The object is not in scope and was never provisioned; nothing to do.',
  disabledNotCreated: 'The user is disabled in the source and does not exist in the target; disabled users are not created.',
  noChange: 'The target already holds every mapped value; no change was sent.',
  alreadyDisabled: 'The object left scope and is already disabled in the target.',
  createDisabled: 'The object would be created, but the Create action is switched off for this job.',
  updateDisabled: 'The object would be updated, but the Update action is switched off for this job.',
  deleteDisabled: 'The object would be disabled or deleted, but the Delete action is switched off for this job.',
  outOfScopeDeletionsSkipped: 'The object left scope, but SkipOutOfScopeDeletions is set; the target object is left as it is.',
  neverProvisioned: 'The object was deleted in the source and was never provisioned; nothing to do.',
};

function leavesTarget(facts: DecisionFacts): Decision {
  const exists = facts.target === 'linked' || facts.target === 'linkedDisabled';
  if (!exists) return { action: 'skip', reason: facts.state === 'hardDeleted' ? 'neverProvisioned' : 'notInScope' };
  if (!facts.actions.delete) return { action: 'skip', reason: 'deleteDisabled' };
  // a hard delete is final, so Entra deletes; groups have no `active` to switch off
  if (facts.state === 'hardDeleted' || facts.objectType === 'group') return { action: 'delete' };
  if (facts.skipOutOfScopeDeletions) return { action: 'skip', reason: 'outOfScopeDeletionsSkipped' };
  if (facts.target === 'linkedDisabled') return { action: 'skip', reason: 'alreadyDisabled' };
  return { action: 'disable' };
}

export function decide(facts: DecisionFacts): Decision {
  const present = facts.state === 'active' && facts.inScope;
  if (!present) {
    // a disabled user that was never provisioned is simply not created
    if (facts.state === 'disabled' && facts.inScope && (facts.target === 'none' || facts.target === 'matched')) {
      return { action: 'skip', reason: 'disabledNotCreated' };
    }
    if (facts.target === 'matched') return { action: 'skip', reason: 'notInScope' };
    return leavesTarget(facts);
  }
  if (facts.target === 'none') return facts.actions.create ? { action: 'create' } : { action: 'skip', reason: 'createDisabled' };
  if (facts.changedAttributes === 0) return { action: 'skip', reason: 'noChange' };
  if (!facts.actions.update) return { action: 'skip', reason: 'updateDisabled' };
  return { action: 'update', adopt: facts.target === 'matched' };
}
