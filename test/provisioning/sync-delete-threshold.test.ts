import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from './sync-fixture.js';
import { executeDeletions, runIncrementalCycle, runInitialCycle, type CycleResult } from '../../src/provisioning/index.js';

describe('the accidental-deletion threshold', () => {
  let world: World;
  let jobId: string;
  let held: CycleResult;
  const users: string[] = [];

  beforeAll(async () => {
    world = await createWorld();
    for (const name of ['Ann One', 'Ben Two', 'Cat Three', 'Dee Four']) {
      const id = await world.user({ name });
      await world.assign(id);
      users.push(id);
    }
    jobId = await world.createJob({ deleteThreshold: 3 });
    const ctx = await world.open(jobId);
    try {
      const initial = await runInitialCycle(ctx);
      for (const id of users.slice(0, 3)) await world.unassign(id);
      held = await runIncrementalCycle(ctx, initial.watermark);
    } finally {
      await ctx.close();
    }
  });
  afterAll(() => world.close());

  it('holds the disables when a cycle reaches the threshold, and says so', async () => {
    expect(held.heldDeletions).toBe(3);
    expect(held.quarantine).toBe('TooManyDeletes');
    expect(held.counts).toMatchObject({ disabled: 0, staged: 3 });
    expect((await world.targetUsers()).every((u) => u.active)).toBe(true);
  });

  it('logs each held deletion as StagedDelete', async () => {
    const staged = (await world.logs(jobId)).filter((l) => l.action === 'StagedDelete');
    expect(staged.map((l) => l.source_id).sort()).toEqual(users.slice(0, 3).sort());
  });

  it('sends them when deletes are allowed', async () => {
    const ctx = await world.open(jobId);
    try {
      const counts = await executeDeletions(ctx, { id: held.cycleId });
      expect(counts.disabled).toBe(3);
    } finally {
      await ctx.close();
    }
    expect((await world.targetUsers()).map((u) => u.active)).toEqual([false, false, false, true]);
  });

  it('lets a cycle under the threshold through', async () => {
    await world.unassign(users[3]!);
    const ctx = await world.open(jobId);
    try {
      const result = await runIncrementalCycle(ctx, held.watermark);
      expect(result).toMatchObject({ heldDeletions: 0, quarantine: null });
      expect(result.counts.disabled).toBe(1);
    } finally {
      await ctx.close();
    }
  });
});
