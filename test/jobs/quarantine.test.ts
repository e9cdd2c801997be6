import { describe, expect, it } from 'vitest';
import { hoursBetween, useTimeSkippingJobs } from './time-skipping-harness.js';

/**
 * Quarantine (entra-provisioning.md §2) on the time-skipping server: attempts after 6 h, 12 h,
 * 24 h, then daily, and Disabled after 28 days, shown by skipping time.
 */
const jobs = useTimeSkippingJobs();

describe('quarantine', () => {
  it('a target answering 401 quarantines the job; attempts come 6 h, 12 h, 24 h, then daily; a fixed target lifts it', async () => {
    const t = jobs();
    const jobId = await t.createJob('not-the-right-token');
    await t.jobs.control(jobId, { type: 'start' });
    const first = await t.until(jobId, (s) => s.state === 'Quarantine');
    expect(first.quarantine).toMatchObject({ reason: 'EncounteredQuarantineException', seriesCount: 0 });
    expect(first.quarantine!.seriesBegan).toBe(first.quarantine!.currentBegan);
    expect(hoursBetween(first.quarantine!.currentBegan, first.quarantine!.nextAttempt!)).toBe(6);

    const gaps: number[] = [];
    let previous = first;
    for (let attempt = 1; attempt <= 4; attempt++) {
      await t.env.sleep(Date.parse(previous.quarantine!.nextAttempt!) - Date.parse(previous.quarantine!.currentBegan));
      const next = await t.until(jobId, (s) => s.quarantine !== null && s.quarantine.seriesCount === attempt);
      gaps.push(hoursBetween(previous.quarantine!.currentBegan, next.quarantine!.currentBegan));
      expect(next.quarantine!.seriesBegan).toBe(first.quarantine!.seriesBegan);
      previous = next;
    }
    expect(gaps).toEqual([6, 12, 24, 24]);
    expect(await t.world.targetUsers()).toEqual([]);

    await t.jobs.update(jobId, (current) => current, t.world.scimToken);
    await t.env.sleep(Date.parse(previous.quarantine!.nextAttempt!) - Date.parse(previous.quarantine!.currentBegan));
    const lifted = await t.until(jobId, (s) => s.state === 'Active');
    expect(lifted.quarantine).toBeNull();
    expect((await t.cycles(jobId)).at(-1)).toMatchObject({ kind: 'initial', status: 'succeeded', counts: { created: 1 } });
    expect((await t.world.targetUsers()).map((u) => u.userName)).toEqual(['alice.adams@contoso.com']);
    // its 40-minute cycles would otherwise run all through the other tests' skipped weeks; stopped
    // rather than deleted, since the test server stops skipping time for good when a workflow is
    // terminated with an activity in flight
    await t.jobs.control(jobId, { type: 'stop' });
    await t.until(jobId, (s) => s.state === 'Stopped');
  }, 120_000);

  it('disables a job still failing 28 days after its quarantine began', async () => {
    const t = jobs();
    const jobId = await t.createJob('still-not-the-right-token');
    await t.jobs.control(jobId, { type: 'start' });
    const first = await t.until(jobId, (s) => s.state === 'Quarantine');
    // attempt by attempt, as the first test does: each skip ends at the next attempt's timer
    let current = first;
    while (current.state === 'Quarantine') {
      const { seriesCount, nextAttempt, currentBegan } = current.quarantine!;
      await t.env.sleep(Date.parse(nextAttempt!) - Date.parse(currentBegan));
      current = await t.until(jobId, (s) => s.state === 'Disabled' || s.quarantine!.seriesCount > seriesCount);
    }
    const disabled = current;
    expect(disabled.state).toBe('Disabled');
    expect(disabled.quarantine).toMatchObject({ seriesBegan: first.quarantine!.seriesBegan, nextAttempt: null });
    const days = hoursBetween(first.quarantine!.seriesBegan, disabled.quarantine!.currentBegan) / 24;
    expect(days).toBeGreaterThanOrEqual(28);
    expect(days).toBeLessThan(29);
  }, 180_000);
});
