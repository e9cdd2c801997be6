import { describe, expect, it } from 'vitest';
import { decide, type DecisionFacts } from '../../src/provisioning/engine/decision.js';

const base: DecisionFacts = {
  objectType: 'user',
  state: 'active',
  inScope: true,
  target: 'none',
  changedAttributes: 3,
  actions: { create: true, update: true, delete: true },
  skipOutOfScopeDeletions: false,
};

describe('the per-object decision', () => {
  it.each<[string, Partial<DecisionFacts>, ReturnType<typeof decide>]>([
    ['an assigned user absent from the target is created', {}, { action: 'create' }],
    ['with Create switched off it is left alone', { actions: { create: false, update: true, delete: true } }, { action: 'skip', reason: 'createDisabled' }],
    ['a linked user with changes is updated', { target: 'linked' }, { action: 'update', adopt: false }],
    ['a linked user without changes gets no request', { target: 'linked', changedAttributes: 0 }, { action: 'skip', reason: 'noChange' }],
    ['with Update switched off a changed user is left alone', { target: 'linked', actions: { create: true, update: false, delete: true } }, { action: 'skip', reason: 'updateDisabled' }],
    ['a matched pre-existing user is adopted', { target: 'matched' }, { action: 'update', adopt: true }],
    ['a disabled user absent from the target is not created', { state: 'disabled' }, { action: 'skip', reason: 'disabledNotCreated' }],
    ['a disabled user found by matching is not adopted', { state: 'disabled', target: 'matched' }, { action: 'skip', reason: 'disabledNotCreated' }],
    ['a linked user disabled in the source is disabled', { state: 'disabled', target: 'linked' }, { action: 'disable' }],
    ['a linked user leaving scope is disabled', { inScope: false, target: 'linked' }, { action: 'disable' }],
    ['a soft-deleted linked user is disabled', { state: 'softDeleted', inScope: false, target: 'linked' }, { action: 'disable' }],
    ['a hard-deleted linked user is deleted', { state: 'hardDeleted', inScope: false, target: 'linked' }, { action: 'delete' }],
    ['a hard-deleted user that was disabled is still deleted', { state: 'hardDeleted', inScope: false, target: 'linkedDisabled' }, { action: 'delete' }],
    ['a hard-deleted user never provisioned needs nothing', { state: 'hardDeleted', inScope: false }, { action: 'skip', reason: 'neverProvisioned' }],
    ['an out-of-scope user never provisioned needs nothing', { inScope: false }, { action: 'skip', reason: 'notInScope' }],
    ['an out-of-scope user found by matching is not adopted', { inScope: false, target: 'matched' }, { action: 'skip', reason: 'notInScope' }],
    ['an already disabled user is not disabled twice', { inScope: false, target: 'linkedDisabled' }, { action: 'skip', reason: 'alreadyDisabled' }],
    ['SkipOutOfScopeDeletions keeps a user leaving scope', { inScope: false, target: 'linked', skipOutOfScopeDeletions: true }, { action: 'skip', reason: 'outOfScopeDeletionsSkipped' }],
    ['SkipOutOfScopeDeletions does not stop a hard delete', { state: 'hardDeleted', inScope: false, target: 'linked', skipOutOfScopeDeletions: true }, { action: 'delete' }],
    ['with Delete switched off a leaving user is kept', { inScope: false, target: 'linked', actions: { create: true, update: true, delete: false } }, { action: 'skip', reason: 'deleteDisabled' }],
    ['a disabled user coming back in scope is re-enabled by an update', { target: 'linkedDisabled' }, { action: 'update', adopt: false }],
    ['a group leaving scope is deleted', { objectType: 'group', inScope: false, target: 'linked' }, { action: 'delete' }],
    ['a soft-deleted group is deleted', { objectType: 'group', state: 'softDeleted', inScope: false, target: 'linked' }, { action: 'delete' }],
  ])('%s', (_name, facts, expected) => {
    expect(decide({ ...base, ...facts })).toEqual(expected);
  });
});
