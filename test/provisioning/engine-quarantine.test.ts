import { describe, expect, it } from 'vitest';
import { quarantineDecision, type EscrowCounts, type QuarantineThresholds } from '../../src/provisioning/engine/quarantine.js';

const c = (operations: number, failures: number, referenceFailures = 0): EscrowCounts => ({ operations, failures, referenceFailures });

describe('quarantine on escrow thresholds (Entra figures)', () => {
  it.each<[string, EscrowCounts, ReturnType<typeof quarantineDecision>]>([
    ['nothing failed', c(100_000, 0), null],
    ['every object failed but fewer than 5,000', c(4_999, 4_999), null],
    ['5,000 failures of 10,000 operations: above 40 %', c(10_000, 5_000), 'EncounteredEscrowProportionThreshold'],
    ['5,000 failures of 12,500 operations: exactly 40 %', c(12_500, 5_000), null],
    ['5,000 failures of 12,499 operations: just above 40 %', c(12_499, 5_000), 'EncounteredEscrowProportionThreshold'],
    ['40,000 failures of 200,000: neither', c(200_000, 40_000), null],
    ['40,001 failures of 200,000: total threshold', c(200_000, 40_001), 'EncounteredTotalEscrowThreshold'],
    ['reference failures do not count toward the proportion', c(10_000, 4_000, 30_000), null],
    ['but they count toward the absolute cap', c(1_000_000, 30_000, 30_000), 'EncounteredBaseEscrowThreshold'],
    ['59,999 failures of any kind stay under the cap', c(1_000_000, 29_999, 30_000), null],
  ])('%s', (_name, counts, reason) => {
    expect(quarantineDecision(counts)).toBe(reason);
  });

  it('takes scaled-down thresholds', () => {
    const small: QuarantineThresholds = { minimumFailures: 5, maxFailureProportion: 0.4, maxTotalFailures: 40, absoluteCap: 60 };
    expect(quarantineDecision(c(10, 4), small)).toBeNull();
    expect(quarantineDecision(c(10, 5), small)).toBe('EncounteredEscrowProportionThreshold');
    expect(quarantineDecision(c(1000, 41), small)).toBe('EncounteredTotalEscrowThreshold');
    expect(quarantineDecision(c(1000, 10, 50), small)).toBe('EncounteredBaseEscrowThreshold');
  });
});
