import { describe, expect, it } from 'vitest';
import { escrowAfterFailure, retryDelayMinutes, DEFAULT_ESCROW_POLICY } from '../../src/provisioning/engine/escrow-policy.js';

const now = new Date('2026-01-10T12:00:00Z');
const minutes = (m: number) => new Date(now.getTime() + m * 60_000);
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);

describe('the escrow schedule', () => {
  it.each([
    [1, 0],
    [2, 80],
    [3, 160],
    [4, 320],
    [5, 640],
    [6, 1280],
    [7, 1440],
    [20, 1440],
  ])('after failure %i the object waits %i minutes', (attempts, delay) => {
    expect(retryDelayMinutes(attempts)).toBe(delay);
  });

  it('a first failure is retried by the next cycle', () => {
    expect(escrowAfterFailure(undefined, now)).toEqual({ attempts: 1, firstFailedAt: now, nextRetryAt: now });
  });

  it('a repeated failure keeps its first failure time and waits longer', () => {
    expect(escrowAfterFailure({ attempts: 2, firstFailedAt: daysAgo(1) }, now)).toEqual({
      attempts: 3, firstFailedAt: daysAgo(1), nextRetryAt: minutes(160),
    });
  });

  it.each([[27.9, false], [28, true], [40, true]])('an object failing since %f days is dropped: %s', (days, dropped) => {
    expect(escrowAfterFailure({ attempts: 30, firstFailedAt: daysAgo(days) }, now) === null).toBe(dropped);
  });

  it('follows the job interval', () => {
    expect(retryDelayMinutes(2, { ...DEFAULT_ESCROW_POLICY, intervalMinutes: 10 })).toBe(20);
  });
});
