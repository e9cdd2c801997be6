/**
 * The client's own retry schedule for transient failures (429, 5xx, timeouts, dropped
 * connections). Pure: the caller supplies the clock and the random source, so the schedule is
 * tested as a table. Retries across cycles (escrows) are the engine's business, not this one's.
 */

export interface RetryPolicy {
  /** attempts in total, the first one included; 1 disables retrying */
  maxAttempts: number;
  /** the backoff before the second attempt, doubled for each further one */
  baseDelayMs: number;
  /** no wait is longer than this, a target's Retry-After included */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 10_000 };

/**
 * The wait before the next attempt after `attempt` attempts failed, or null when the bound is
 * reached. A target's Retry-After is honoured as given (it knows its own load) up to
 * `maxDelayMs`; otherwise exponential backoff with "equal jitter": half the step is fixed so
 * retries never come too soon, half is random so many clients do not retry in lockstep.
 */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | null {
  if (attempt >= policy.maxAttempts) return null;
  if (retryAfterMs !== undefined) return Math.min(Math.max(retryAfterMs, 0), policy.maxDelayMs);
  const step = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date. Returns milliseconds from
 * `now`, or undefined when absent or unreadable (the backoff schedule then applies).
 */
export function parseRetryAfter(header: string | undefined, now: Date): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(at - now.getTime(), 0);
}
