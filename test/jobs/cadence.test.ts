import { describe, expect, it } from 'vitest';
import { useTimeSkippingJobs } from './time-skipping-harness.js';

/**
 * The 40-minute cadence (entra-provisioning.md §1) on the time-skipping server, shown by
 * skipping time rather than shortening the interval.
 */
const jobs = useTimeSkippingJobs();

describe('cadence', () => {
  it('runs an incremental cycle 40 minutes after the last one finished, with nothing asked', async () => {
    const t = jobs();
    const jobId = await t.createJob(t.world.scimToken);
    await t.jobs.control(jobId, { type: 'start' });
    await expect.poll(async () => (await t.cycles(jobId)).map((c) => c.status), { timeout: 60_000 }).toEqual(['succeeded']);
    // the run after the cycle waits 40 minutes (less the milliseconds it took to get there)
    expect(Math.round(await t.nextWait(jobId) / 60_000)).toBe(40);
    await t.world.assign(await t.world.user({ name: 'Bob Brown' }));
    await t.env.sleep(40 * 60_000);
    await expect.poll(async () => (await t.cycles(jobId)).map((c) => [c.kind, c.status]), { timeout: 60_000 })
      .toEqual([['initial', 'succeeded'], ['incremental', 'succeeded']]);
    expect((await t.cycles(jobId))[1]!.counts).toMatchObject({ created: 1 });
  }, 150_000);
});
