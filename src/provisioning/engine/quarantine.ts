/**
 * When too many objects fail, Entra quarantines the job (entra-provisioning.md §2). The
 * decision is pure so the workflow can take it from a cycle's counts and tests can scale the
 * thresholds down instead of failing 5,000 objects.
 */
export type QuarantineReason =
  | 'EncounteredBaseEscrowThreshold'
  | 'EncounteredTotalEscrowThreshold'
  | 'EncounteredEscrowProportionThreshold'
  | 'EncounteredQuarantineException'
  | 'QuarantinedOnDemand'
  | 'TooManyDeletes'
  | 'Unknown';

export interface EscrowCounts {
  /** objects attempted (succeeded + failed), reference operations excluded */
  operations: number;
  /** objects whose operation failed, reference failures excluded */
  failures: number;
  /** failed manager / group-member references */
  referenceFailures: number;
}

export interface QuarantineThresholds {
  /** failures before the proportion is looked at at all */
  minimumFailures: number;
  /** failure share of operations strictly above which the job is quarantined */
  maxFailureProportion: number;
  /** failures (references excluded) strictly above which the job is quarantined */
  maxTotalFailures: number;
  /** failures of any kind, references included, at which the job is quarantined */
  absoluteCap: number;
}

export const ENTRA_QUARANTINE_THRESHOLDS: QuarantineThresholds = {
  minimumFailures: 5_000,
  maxFailureProportion: 0.4,
  maxTotalFailures: 40_000,
  absoluteCap: 60_000,
};

export function quarantineDecision(
  counts: EscrowCounts,
  thresholds: QuarantineThresholds = ENTRA_QUARANTINE_THRESHOLDS,
): QuarantineReason | null {
  if (counts.failures + counts.referenceFailures >= thresholds.absoluteCap) return 'EncounteredBaseEscrowThreshold';
  if (counts.failures < thresholds.minimumFailures) return null;
  if (counts.failures > thresholds.maxTotalFailures) return 'EncounteredTotalEscrowThreshold';
  if (counts.operations > 0 && counts.failures / counts.operations > thresholds.maxFailureProportion) {
    return 'EncounteredEscrowProportionThreshold';
  }
  return null;
}
