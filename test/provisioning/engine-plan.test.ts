import { describe, expect, it } from 'vitest';
import { firstCursor, isCycleCursor, nextPhase, phasesOf } from '../../src/provisioning/engine/plan.js';

describe('cycle planning', () => {
  it('runs users, groups, memberships, then references in an initial cycle', () => {
    expect(phasesOf('initial')).toEqual(['users', 'groups', 'memberships', 'references']);
  });

  it('puts memberships after groups and references after users in an incremental cycle', () => {
    const phases = phasesOf('incremental');
    expect(phases.indexOf('membershipChanges')).toBeGreaterThan(phases.indexOf('groupEscrows'));
    expect(phases.indexOf('referenceChanges')).toBeGreaterThan(phases.indexOf('userEscrows'));
    expect(phases.at(-1)).toBe('referenceEscrows');
  });

  it.each([
    ['initial', null, { phase: 'users', after: '' }],
    ['incremental', 41, { phase: 'userChanges', after: '41' }],
  ] as const)('starts a %s cycle at %s', (kind, watermark, cursor) => {
    expect(firstCursor(kind, watermark)).toEqual(cursor);
  });

  it.each([
    ['initial', 'users', { phase: 'groups', after: '' }],
    ['initial', 'references', null],
    ['incremental', 'userEscrows', { phase: 'groupChanges', after: '7' }],
    ['incremental', 'groupEscrows', { phase: 'membershipChanges', after: '7' }],
    ['incremental', 'referenceEscrows', null],
  ] as const)('in a %s cycle, after %s comes %j', (kind, phase, next) => {
    expect(nextPhase(kind, phase, 7)).toEqual(next);
  });

  it.each([
    [{ phase: 'users', after: '' }, true],
    [{ phase: 'memberEscrows', after: 'abc' }, true],
    [{ phase: 'users' }, false],
    [{ phase: 'everything', after: '' }, false],
    [{ phase: 'users', after: 3 }, false],
    [null, false],
    ['users', false],
  ])('accepts %j as a cursor: %s', (value, ok) => {
    expect(isCycleCursor(value)).toBe(ok);
  });
});
