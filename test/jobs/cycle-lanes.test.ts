import { describe, expect, it } from 'vitest';
import { laneDone, lanesAt, nextLanes, type Lane } from '../../src/workflows/cycle-lanes.js';

describe('cycle lanes', () => {
  it('starts an initial cycle with users and groups side by side', () => {
    expect(lanesAt({ phase: 'users', after: '' })).toEqual([
      { only: 'users', cursor: { phase: 'users', after: '' } },
      { only: 'groups', cursor: { phase: 'groups', after: '' } },
    ]);
  });

  it('follows any other cursor, a resumed one included, in a single lane through every phase', () => {
    expect(lanesAt({ phase: 'userChanges', after: '41' })).toEqual([{ only: null, cursor: { phase: 'userChanges', after: '41' } }]);
    expect(lanesAt({ phase: 'users', after: 'u-9' })).toEqual([{ only: null, cursor: { phase: 'users', after: 'u-9' } }]);
  });

  const users = (after: string | null): Lane => ({ only: 'users', cursor: after === null ? { phase: 'groups', after: '' } : { phase: 'users', after } });
  const groups = (after: string | null): Lane => ({ only: 'groups', cursor: after === null ? { phase: 'memberships', after: '' } : { phase: 'groups', after } });
  const cases: [string, Lane[], Lane[]][] = [
    ['both lanes at work go on', [users('u-5'), groups('g-5')], [users('u-5'), groups('g-5')]],
    ['a finished lane waits for the other', [users('u-5'), groups(null)], [users('u-5'), groups(null)]],
    ['when both are done the cycle goes on from the last lane\'s hand-over, in one lane',
      [users(null), groups(null)], [{ only: null, cursor: { phase: 'memberships', after: '' } }]],
    ['a single lane that reached the end leaves no lanes', [{ only: null, cursor: null }], []],
    ['a single lane goes on through the phases', [{ only: null, cursor: { phase: 'references', after: 'u-1' } }],
      [{ only: null, cursor: { phase: 'references', after: 'u-1' } }]],
  ];
  for (const [name, before, after] of cases) {
    it(name, () => {
      expect(nextLanes(before)).toEqual(after);
    });
  }

  it('a side-by-side lane is done once its cursor leaves its phase; a single lane only at the end', () => {
    const lanes: Lane[] = [users('u-1'), users(null), { only: null, cursor: { phase: 'groups', after: '' } }, { only: null, cursor: null }];
    expect(lanes.map(laneDone))
      .toEqual([false, true, false, true]);
  });
});
