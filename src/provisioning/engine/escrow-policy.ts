/**
 * Escrows (entra-provisioning.md §3): a failed object is retried in the next cycle, then less
 * and less often, and forgotten after 28 days. Pure, so the schedule is tested as a table.
 */
export interface EscrowPolicy {
  /** the job's cycle interval: the first retry is simply the next cycle */
  intervalMinutes: number;
  /** the longest wait between two attempts */
  maxDelayMinutes: number;
  /** an object still failing this long after its first failure is dropped */
  maxAgeDays: number;
}

export const DEFAULT_ESCROW_POLICY: EscrowPolicy = { intervalMinutes: 40, maxDelayMinutes: 24 * 60, maxAgeDays: 28 };

export interface EscrowSchedule {
  attempts: number;
  firstFailedAt: Date;
  nextRetryAt: Date;
}

const MINUTE = 60_000;

/**
 * The wait after the `attempts`-th failure: none after the first (the next cycle picks it up),
 * then the interval doubling from two intervals up to the cap.
 */
export function retryDelayMinutes(attempts: number, policy: EscrowPolicy = DEFAULT_ESCROW_POLICY): number {
  if (attempts <= 1) return 0;
  return Math.min(policy.intervalMinutes * 2 ** (attempts - 1), policy.maxDelayMinutes);
}

/** The schedule after one more failure, or null when the object has failed for too long and is dropped. */
export function escrowAfterFailure(
  previous: Pick<EscrowSchedule, 'attempts' | 'firstFailedAt'> | undefined,
  now: Date,
  policy: EscrowPolicy = DEFAULT_ESCROW_POLICY,
): EscrowSchedule | null {
  const firstFailedAt = previous?.firstFailedAt ?? now;
  if (now.getTime() - firstFailedAt.getTime() >= policy.maxAgeDays * 24 * 60 * MINUTE) return null;
  const attempts = (previous?.attempts ?? 0) + 1;
  return { attempts, firstFailedAt, nextRetryAt: new Date(now.getTime() + retryDelayMinutes(attempts, policy) * MINUTE) };
}
