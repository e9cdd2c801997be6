import { describe, expect, it } from 'vitest';
import {
  abandonsSuspendedCycle, applyCommand, cycleDue, cycleFailed, cycleFinished, cycleStarted, newJobMachine, nextRunAt, quarantineBackoffMs, refusal,
  type CycleOutcome, type JobCommand, type JobMachine, type JobStatus,
} from '../../src/workflows/job-machine.js';

const T0 = new Date('2026-01-05T08:00:00.000Z');
const HOUR = 3_600_000;
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);
const counts = { created: 1, updated: 0, disabled: 0, deleted: 0, skipped: 0, failed: 0 };

function outcome(over: Partial<CycleOutcome> = {}): CycleOutcome {
  return { id: 'c1', kind: 'incremental', startedAt: T0.toISOString(), counts, quarantine: null, ...over };
}

function inState(status: JobStatus, over: Partial<JobMachine> = {}): JobMachine {
  return { ...newJobMachine(40), status, ...over };
}

describe('which controls apply in which state', () => {
  const commands: JobCommand[] = [
    { type: 'start' }, { type: 'pause' }, { type: 'resume' }, { type: 'stop' }, { type: 'runNow' },
    { type: 'quarantine' }, { type: 'allowDeletes' }, { type: 'restart', resetScope: [] },
  ];
  // rows: state; columns in the order of `commands` (✓ accepted, · refused)
  const table: [JobStatus, string][] = [
    ['NotRun', '✓✓·✓···✓'],
    ['Active', '✓✓·✓✓✓·✓'],
    ['Paused', '✓·✓✓·✓·✓'],
    ['Quarantine', '✓✓·✓✓··✓'],
    ['AwaitingDeleteApproval', '···✓··✓✓'],
    ['Disabled', '✓··✓···✓'],
    ['Stopped', '✓······✓'],
  ];
  for (const [status, row] of table) {
    it(`in ${status}`, () => {
      expect(commands.map((c) => (refusal(inState(status), c) === null ? '✓' : '·')).join('')).toBe(row);
    });
  }

  it('refuses run-now on a paused or stopped job with a reason that says what to do', () => {
    expect(refusal(inState('Paused'), { type: 'runNow' })).toBe('a job in state Paused cannot run now; resume it first');
    expect(refusal(inState('Stopped'), { type: 'runNow' })).toBe('a job in state Stopped cannot run now; start it first');
  });
});

describe('commands', () => {
  it('start makes a new job active and asks for a cycle at once', () => {
    const m = applyCommand(newJobMachine(40), { type: 'start' }, T0);
    expect(m).toMatchObject({ status: 'Active', runRequested: true });
    expect(cycleDue(m, T0)).toBe(true);
  });

  it('pause keeps the schedule and resume continues it rather than running at once', () => {
    const active = inState('Active', { nextCycleAt: at(0.5).toISOString() });
    const paused = applyCommand(active, { type: 'pause' }, T0);
    expect(cycleDue(paused, at(1))).toBe(false);
    const resumed = applyCommand(paused, { type: 'resume' }, at(0.25));
    expect(resumed).toMatchObject({ status: 'Active', nextCycleAt: at(0.5).toISOString() });
    expect(cycleDue(resumed, at(0.25))).toBe(false);
    expect(cycleDue(resumed, at(0.5))).toBe(true);
  });

  it('resuming a quarantined job that was paused returns it to quarantine', () => {
    const quarantined = cycleFailed(inState('Active'), 'EncounteredQuarantineException', T0);
    const resumed = applyCommand(applyCommand(quarantined, { type: 'pause' }, T0), { type: 'resume' }, at(1));
    expect(resumed.status).toBe('Quarantine');
    expect(nextRunAt(resumed)).toBe(at(6).toISOString());
  });

  it('a job paused before its first cycle ended runs one as soon as it is resumed', () => {
    const paused = applyCommand(cycleStarted(applyCommand(newJobMachine(40), { type: 'start' }, T0)), { type: 'pause' }, at(0.1));
    expect(cycleDue(applyCommand(paused, { type: 'resume' }, at(2)), at(2))).toBe(true);
  });

  it('a cycle suspended by pause is dropped when the job is stopped or restarted, kept when resumed', () => {
    const paused = applyCommand(inState('Active'), { type: 'pause' }, T0);
    expect(abandonsSuspendedCycle(applyCommand(paused, { type: 'resume' }, T0))).toBe(false);
    expect(abandonsSuspendedCycle(applyCommand(paused, { type: 'stop' }, T0))).toBe(true);
    expect(abandonsSuspendedCycle(applyCommand(paused, { type: 'restart', resetScope: [] }, T0))).toBe(true);
  });

  it('stop clears the schedule; a stopped job runs nothing until started', () => {
    const stopped = applyCommand(inState('Active', { nextCycleAt: T0.toISOString() }), { type: 'stop' }, T0);
    expect(cycleDue(stopped, at(100))).toBe(false);
    expect(applyCommand(stopped, { type: 'start' }, T0)).toMatchObject({ status: 'Active', runRequested: true });
  });

  it('quarantine on demand sets QuarantinedOnDemand with the first attempt 6 h later', () => {
    const m = applyCommand(inState('Active'), { type: 'quarantine' }, T0);
    expect(m.quarantine).toEqual({
      reason: 'QuarantinedOnDemand', currentBegan: T0.toISOString(), nextAttempt: at(6).toISOString(),
      seriesBegan: T0.toISOString(), seriesCount: 0,
    });
  });

  it('restart lifts quarantine and runs at once; ForceDeletes releases held deletions, otherwise they are dropped', () => {
    const held = cycleFinished(inState('Active'), outcome({ id: 'held', quarantine: 'TooManyDeletes' }), T0);
    expect(applyCommand(held, { type: 'restart', resetScope: ['ForceDeletes'] }, T0))
      .toMatchObject({ status: 'Active', quarantine: null, runRequested: true, releaseDeletionsOf: 'held', heldDeletionsCycleId: null, resetScope: ['ForceDeletes'] });
    expect(applyCommand(held, { type: 'restart', resetScope: ['Watermark'] }, T0))
      .toMatchObject({ releaseDeletionsOf: null, heldDeletionsCycleId: null });
  });

  it('allow-deletes releases the held cycle and the release is consumed when the next cycle starts', () => {
    const held = cycleFinished(inState('Active'), outcome({ id: 'held', quarantine: 'TooManyDeletes' }), T0);
    const allowed = applyCommand(held, { type: 'allowDeletes' }, T0);
    expect(allowed).toMatchObject({ status: 'Active', releaseDeletionsOf: 'held', runRequested: true, quarantine: null });
    expect(cycleStarted(allowed)).toMatchObject({ releaseDeletionsOf: null, runRequested: false });
  });

  it('configure changes the interval used from the next cycle on', () => {
    const m = applyCommand(inState('Active'), { type: 'configure', intervalMinutes: 60 }, T0);
    expect(cycleFinished(m, outcome(), T0).nextCycleAt).toBe(at(1).toISOString());
  });
});

describe('after a cycle', () => {
  const cases: [string, JobMachine, CycleOutcome, Partial<JobMachine>][] = [
    ['success schedules the next cycle one interval later', inState('Active'), outcome(),
      { status: 'Active', nextCycleAt: at(40 / 60).toISOString(), quarantine: null }],
    ['held deletions await approval, quarantined with TooManyDeletes and no automatic attempt', inState('Active'), outcome({ quarantine: 'TooManyDeletes' }),
      { status: 'AwaitingDeleteApproval', heldDeletionsCycleId: 'c1', nextCycleAt: null }],
    ['the escrow threshold in an initial cycle prunes escrows and pauses', inState('Active'), outcome({ kind: 'initial', quarantine: 'EncounteredEscrowProportionThreshold' }),
      { status: 'Paused', escrowsPruned: true, quarantine: null }],
    ['the escrow threshold in an incremental cycle quarantines', inState('Active'), outcome({ quarantine: 'EncounteredEscrowProportionThreshold' }),
      { status: 'Quarantine' }],
    ['a stopped job stays stopped whatever the cycle found', inState('Stopped'), outcome({ quarantine: 'EncounteredTotalEscrowThreshold' }),
      { status: 'Stopped', quarantine: null }],
    ['a successful attempt lifts quarantine', cycleFailed(inState('Active'), 'EncounteredQuarantineException', at(-6)), outcome(),
      { status: 'Active', quarantine: null }],
  ];
  for (const [name, before, result, expected] of cases) {
    it(name, () => {
      const after = cycleFinished(before, result, T0);
      expect(after).toMatchObject(expected);
      expect(after.lastCycle).toMatchObject({ id: 'c1', finishedAt: T0.toISOString(), counts });
    });
  }

  it('records the quarantine reason of the threshold', () => {
    expect(cycleFinished(inState('Active'), outcome({ quarantine: 'EncounteredEscrowProportionThreshold' }), T0).quarantine)
      .toMatchObject({ reason: 'EncounteredEscrowProportionThreshold', nextAttempt: at(6).toISOString(), seriesCount: 0 });
  });
});

describe('quarantine schedule (§2)', () => {
  it('backs off 6 h, 12 h, 24 h, then daily', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => quarantineBackoffMs(n) / HOUR)).toEqual([6, 12, 24, 24, 24, 24]);
  });

  it('attempts at +6 h, +18 h, +42 h, then daily, and disables the job at the first failure 28 days after the series began', () => {
    let m = cycleFailed(inState('Active'), 'EncounteredQuarantineException', T0);
    const attempts: number[] = [];
    while (m.status === 'Quarantine') {
      const next = new Date(nextRunAt(m)!);
      expect(cycleDue(m, new Date(next.getTime() - 1))).toBe(false);
      expect(cycleDue(m, next)).toBe(true);
      attempts.push((next.getTime() - T0.getTime()) / HOUR);
      m = cycleFailed(cycleStarted(m), 'EncounteredQuarantineException', next);
    }
    expect(attempts.slice(0, 5)).toEqual([6, 18, 42, 66, 90]);
    expect(m.status).toBe('Disabled');
    const disabledAt = attempts.at(-1)!;
    expect(disabledAt).toBeGreaterThanOrEqual(28 * 24);
    expect(attempts.at(-2)!).toBeLessThan(28 * 24);
    expect(m.quarantine).toMatchObject({ seriesBegan: T0.toISOString(), seriesCount: attempts.length, nextAttempt: null });
    expect(cycleDue(m, at(10_000))).toBe(false);
  });

  it('a repeated failure keeps the series start and counts it', () => {
    const first = cycleFailed(inState('Active'), 'EncounteredQuarantineException', T0);
    const second = cycleFailed(first, 'EncounteredQuarantineException', at(6));
    expect(second.quarantine).toEqual({
      reason: 'EncounteredQuarantineException', currentBegan: at(6).toISOString(), nextAttempt: at(18).toISOString(),
      seriesBegan: T0.toISOString(), seriesCount: 1,
    });
  });

  it('run-now in quarantine brings the attempt forward without resetting the series', () => {
    const m = applyCommand(cycleFailed(inState('Active'), 'EncounteredQuarantineException', T0), { type: 'runNow' }, at(1));
    expect(cycleDue(m, at(1))).toBe(true);
    expect(cycleFailed(cycleStarted(m), 'Unknown', at(1)).quarantine).toMatchObject({ seriesCount: 1, seriesBegan: T0.toISOString() });
  });
});
