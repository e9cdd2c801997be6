/**
 * The provisioning job as a state machine (entra-provisioning.md §1–§4), pure and
 * deterministic so the workflow stays a thin shell of handlers and timers around it and the
 * schedule is tested as tables. Every function takes the current time and returns a new
 * state; the state is plain JSON because it crosses continue-as-new.
 */

import type { CycleKind, JobState } from '../db/provisioning.js';
import type { CycleCounts } from '../provisioning/engine/counts.js';
import type { QuarantineReason } from '../provisioning/engine/quarantine.js';

export type { CycleKind, QuarantineReason };

/** A job's state once configured (the workflow exists from the job's creation). */
export type JobStatus = Exclude<JobState, 'NotConfigured'>;

/** Graph's synchronizationQuarantine. */
export interface Quarantine {
  reason: QuarantineReason;
  /** when quarantine was last imposed or re-imposed */
  currentBegan: string;
  /** the next automatic attempt; null when only an admin can lift it (TooManyDeletes) */
  nextAttempt: string | null;
  /** when this series of quarantines began */
  seriesBegan: string;
  /** attempts in this series that failed again and left quarantine in effect */
  seriesCount: number;
}

/** api.md's lastCycle.counts */
export type CycleSummaryCounts = Pick<CycleCounts, 'created' | 'updated' | 'disabled' | 'deleted' | 'skipped' | 'failed'>;

export interface LastCycle {
  id: string;
  kind: CycleKind;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  counts: CycleSummaryCounts;
}

export type ResetScope = 'Watermark' | 'Escrows' | 'QuarantineState' | 'ConnectorDataStore' | 'ForceDeletes' | 'Full';

export interface JobMachine {
  status: JobStatus;
  intervalMinutes: number;
  /** when the next regular cycle is due (Active); kept while paused so resume continues the schedule */
  nextCycleAt: string | null;
  /** a cycle was asked for now (start, run-now, restart, allow-deletes) */
  runRequested: boolean;
  quarantine: Quarantine | null;
  /** the cycle whose disables and deletes wait for an admin (AwaitingDeleteApproval) */
  heldDeletionsCycleId: string | null;
  /** held deletions an admin allowed: sent before the next cycle */
  releaseDeletionsOf: string | null;
  /** a restart's scopes, applied before the next cycle (null when no restart is pending) */
  resetScope: ResetScope[] | null;
  /** the initial cycle hit the escrow threshold: its errors were cleared and the job paused (§2) */
  escrowsPruned: boolean;
  lastCycle: LastCycle | null;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** §2: retries after 6 h, then 12 h, then 24 h, then every 24 h */
const QUARANTINE_BACKOFF_HOURS = [6, 12, 24] as const;
/** §2: four weeks in quarantine disable the job */
export const QUARANTINE_DISABLES_AFTER_MS = 28 * DAY;

export function newJobMachine(intervalMinutes: number): JobMachine {
  return {
    status: 'NotRun', intervalMinutes, nextCycleAt: null, runRequested: false, quarantine: null,
    heldDeletionsCycleId: null, releaseDeletionsOf: null, resetScope: null, escrowsPruned: false, lastCycle: null,
  };
}

/** The wait before the attempt that follows the `seriesCount`-th failed retry. */
export function quarantineBackoffMs(seriesCount: number): number {
  return (QUARANTINE_BACKOFF_HOURS[seriesCount] ?? 24) * HOUR;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A control an admin sends; each names the states it applies in, and is refused elsewhere. */
export type JobCommand =
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'runNow' }
  | { type: 'quarantine' }
  | { type: 'allowDeletes' }
  | { type: 'restart'; resetScope: ResetScope[] }
  | { type: 'configure'; intervalMinutes: number };

const ALLOWED: Record<JobCommand['type'], readonly JobStatus[]> = {
  start: ['NotRun', 'Active', 'Paused', 'Quarantine', 'Stopped', 'Disabled'],
  pause: ['NotRun', 'Active', 'Quarantine'],
  resume: ['Paused'],
  stop: ['NotRun', 'Active', 'Paused', 'Quarantine', 'AwaitingDeleteApproval', 'Disabled'],
  runNow: ['Active', 'Quarantine'],
  quarantine: ['Active', 'Paused'],
  allowDeletes: ['AwaitingDeleteApproval'],
  restart: ['NotRun', 'Active', 'Paused', 'Quarantine', 'AwaitingDeleteApproval', 'Disabled', 'Stopped'],
  configure: ['NotRun', 'Active', 'Paused', 'Quarantine', 'AwaitingDeleteApproval', 'Disabled', 'Stopped'],
};

/** Why a command does not apply in the job's state, or null when it does (an update validator's question). */
export function refusal(machine: JobMachine, command: JobCommand): string | null {
  if (ALLOWED[command.type].includes(machine.status)) return null;
  const hint = command.type === 'runNow' && machine.status === 'Paused' ? '; resume it first'
    : command.type === 'runNow' && (machine.status === 'Stopped' || machine.status === 'NotRun') ? '; start it first'
      : machine.status === 'AwaitingDeleteApproval' ? '; allow the deletes or restart it'
        : '';
  return `a job in state ${machine.status} cannot ${VERBS[command.type]}${hint}`;
}

const VERBS: Record<JobCommand['type'], string> = {
  start: 'be started', pause: 'be paused', resume: 'be resumed', stop: 'be stopped', runNow: 'run now',
  quarantine: 'be quarantined', allowDeletes: 'allow deletes', restart: 'be restarted', configure: 'be configured',
};

/** Applies a command that `refusal` accepted. */
export function applyCommand(machine: JobMachine, command: JobCommand, now: Date): JobMachine {
  const at = now.getTime();
  switch (command.type) {
    case 'start':
      // a quarantined job keeps its series: start only brings the next attempt forward
      if (machine.status === 'Quarantine') return { ...machine, runRequested: true };
      return { ...machine, status: 'Active', quarantine: machine.status === 'Disabled' ? null : machine.quarantine, runRequested: true };
    case 'pause':
      // a job paused before its first cycle ends gets a schedule, so resuming it runs one
      return { ...machine, status: 'Paused', runRequested: false, nextCycleAt: machine.nextCycleAt ?? iso(at) };
    case 'resume':
      return { ...machine, status: machine.quarantine ? 'Quarantine' : 'Active', escrowsPruned: false };
    case 'stop':
      return { ...machine, status: 'Stopped', runRequested: false, nextCycleAt: null };
    case 'runNow':
      return { ...machine, runRequested: true };
    case 'quarantine':
      return {
        ...machine,
        status: 'Quarantine',
        runRequested: false,
        quarantine: { reason: 'QuarantinedOnDemand', currentBegan: iso(at), nextAttempt: iso(at + quarantineBackoffMs(0)), seriesBegan: iso(at), seriesCount: 0 },
      };
    case 'allowDeletes':
      return {
        ...machine, status: 'Active', quarantine: null, runRequested: true,
        heldDeletionsCycleId: null, releaseDeletionsOf: machine.heldDeletionsCycleId,
      };
    case 'restart': {
      const force = command.resetScope.includes('ForceDeletes') || command.resetScope.includes('Full');
      return {
        ...machine, status: 'Active', quarantine: null, runRequested: true, escrowsPruned: false,
        heldDeletionsCycleId: null, releaseDeletionsOf: force ? machine.heldDeletionsCycleId : null, resetScope: command.resetScope,
      };
    }
    case 'configure':
      return { ...machine, intervalMinutes: command.intervalMinutes };
  }
}

/** When the job next runs a cycle by itself; null when only a command can make it run. */
export function nextRunAt(machine: JobMachine): string | null {
  if (machine.status === 'Active') return machine.nextCycleAt;
  if (machine.status === 'Quarantine') return machine.quarantine?.nextAttempt ?? null;
  return null;
}

export function cycleDue(machine: JobMachine, now: Date): boolean {
  if (machine.status !== 'Active' && machine.status !== 'Quarantine') return false;
  if (machine.runRequested) return true;
  const at = nextRunAt(machine);
  return at !== null && Date.parse(at) <= now.getTime();
}

/** A cycle begins: the request that caused it, and the restart or release before it, are consumed. */
export function cycleStarted(machine: JobMachine): JobMachine {
  return { ...machine, runRequested: false, releaseDeletionsOf: null, resetScope: null };
}

/** A cycle suspended by pause is dropped, not resumed, when the job was stopped or restarted meanwhile. */
export function abandonsSuspendedCycle(machine: JobMachine): boolean {
  return machine.status === 'Stopped' || machine.resetScope !== null;
}

/** What a finished cycle means for the job (the engine's `finishCycle` outcome, counts only). */
export interface CycleOutcome {
  id: string;
  kind: CycleKind;
  startedAt: string;
  counts: CycleSummaryCounts;
  /** the engine's threshold decision, TooManyDeletes when it held deletions */
  quarantine: QuarantineReason | null;
}

function lastCycleOf(outcome: CycleOutcome, now: Date): LastCycle {
  return {
    id: outcome.id, kind: outcome.kind, startedAt: outcome.startedAt, finishedAt: now.toISOString(),
    durationMs: Math.max(0, now.getTime() - Date.parse(outcome.startedAt)), counts: outcome.counts,
  };
}

/** Whether an initial cycle that hit the escrow threshold should prune its escrows and pause instead of quarantining (§2). */
export function prunesEscrows(outcome: CycleOutcome): boolean {
  return outcome.kind === 'initial' && outcome.quarantine !== null && outcome.quarantine !== 'TooManyDeletes';
}

export function cycleFinished(machine: JobMachine, outcome: CycleOutcome, now: Date): JobMachine {
  const next = { ...machine, lastCycle: lastCycleOf(outcome, now) };
  // stop lets a running cycle finish and keeps the job stopped whatever it found
  if (machine.status === 'Stopped') return next;
  if (outcome.quarantine === 'TooManyDeletes') {
    return {
      ...next,
      status: 'AwaitingDeleteApproval',
      heldDeletionsCycleId: outcome.id,
      nextCycleAt: null,
      quarantine: { reason: 'TooManyDeletes', currentBegan: now.toISOString(), nextAttempt: null, seriesBegan: machine.quarantine?.seriesBegan ?? now.toISOString(), seriesCount: machine.quarantine ? machine.quarantine.seriesCount + 1 : 0 },
    };
  }
  if (prunesEscrows(outcome)) {
    return { ...next, status: 'Paused', escrowsPruned: true, nextCycleAt: iso(now.getTime() + machine.intervalMinutes * 60_000) };
  }
  if (outcome.quarantine) return quarantined(next, outcome.quarantine, now);
  return { ...next, status: 'Active', quarantine: null, nextCycleAt: iso(now.getTime() + machine.intervalMinutes * 60_000) };
}

/**
 * The cycle could not go on: EncounteredQuarantineException when the target failed as a whole
 * (auth, connection, 404 on a query), Unknown for anything else that outlasted its retries.
 */
export function cycleFailed(machine: JobMachine, reason: QuarantineReason, now: Date): JobMachine {
  if (machine.status === 'Stopped') return machine;
  return quarantined(machine, reason, now);
}

function quarantined(machine: JobMachine, reason: QuarantineReason, now: Date): JobMachine {
  const at = now.getTime();
  const previous = machine.quarantine;
  if (!previous) {
    return {
      ...machine, status: 'Quarantine', nextCycleAt: null,
      quarantine: { reason, currentBegan: iso(at), nextAttempt: iso(at + quarantineBackoffMs(0)), seriesBegan: iso(at), seriesCount: 0 },
    };
  }
  const seriesCount = previous.seriesCount + 1;
  const quarantine = { reason, currentBegan: iso(at), seriesBegan: previous.seriesBegan, seriesCount };
  if (at - Date.parse(previous.seriesBegan) >= QUARANTINE_DISABLES_AFTER_MS) {
    return { ...machine, status: 'Disabled', nextCycleAt: null, quarantine: { ...quarantine, nextAttempt: null } };
  }
  return { ...machine, status: 'Quarantine', nextCycleAt: null, quarantine: { ...quarantine, nextAttempt: iso(at + quarantineBackoffMs(seriesCount)) } };
}
