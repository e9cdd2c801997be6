import {
  ActivityFailure, ApplicationFailure, allHandlersFinished, condition, continueAsNew, defineQuery, defineUpdate,
  setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { BegunCycle, FinishedCycle } from '../activities/index.js';
import { activities, bookkeeping } from './job-activities.js';
import { announce } from '../notifications/workflow.js';
// pure arithmetic shared with the engine, safe in workflow code
import { addCounts, emptyCounts, type CycleCounts } from '../provisioning/engine/counts.js';
import type { Cycle } from '../provisioning/engine/context.js';
import { laneDone, lanesAt, nextLanes, type Lane } from './cycle-lanes.js';
import {
  abandonsSuspendedCycle, applyCommand, cycleDue, cycleFailed, cycleFinished, cycleStarted, nextRunAt, prunesEscrows, refusal,
  type CycleKind, type JobCommand, type JobMachine, type JobStatus, type LastCycle, type Quarantine, type QuarantineReason,
} from './job-machine.js';
import { cycleKey, stateKey } from './search-attributes.js';

/**
 * One long-lived workflow per provisioning job (design.md "The job workflow"). It only
 * registers handlers, runs timers and calls activities; what a command or a cycle's outcome
 * means is decided by the pure state machine in job-machine.ts. History stays small: a cycle
 * is a few activities returning counts and a cursor, and the workflow continues as new after
 * every cycle (and mid-cycle when the server suggests it) carrying plain JSON.
 */

/** A cycle under way; carried across continue-as-new when the server asks for one mid-cycle. */
export interface RunningCycle {
  cycle: Cycle;
  /** the pages still to run (none once only the finish remains) */
  lanes: Lane[];
  startedAt: string;
  total: number;
  counts: CycleCounts;
}

export interface ProvisioningJobInput {
  jobId: string;
  machine: JobMachine;
  running?: RunningCycle | null;
}

export interface CycleProgress {
  percent: number;
  processed: number;
  total: number;
}

/** api.md's job status, less the totals the API reads from the database. */
export interface JobStatusView {
  state: JobStatus;
  /** counts are the cycle's statistics to date */
  cycle: { kind: CycleKind; id: string; startedAt: string; progress: CycleProgress; counts: CycleCounts } | null;
  lastCycle: LastCycle | null;
  quarantine: Quarantine | null;
  nextCycleAt: string | null;
  escrowsPruned: boolean;
}

export const statusQuery = defineQuery<JobStatusView>('status');
export const controlUpdate = defineUpdate<JobStatusView, [JobCommand]>('control');

export function progressOf(running: RunningCycle): CycleProgress {
  const processed = running.counts.users + running.counts.groups;
  const total = Math.max(running.total, processed);
  const percent = running.lanes.length === 0 ? 100 : total === 0 ? 0 : Math.min(99, Math.floor((processed / total) * 100));
  return { percent, processed, total };
}

/** What a failed activity means for the job: the target failing as a whole, the job gone, or anything else. */
function failureKind(error: unknown): 'target' | 'gone' | 'other' {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure && cause.type === 'JobNotFound') return 'gone';
  if (cause instanceof ApplicationFailure && cause.type === 'TargetFailure') return 'target';
  return 'other';
}

class JobGone extends Error {}

export async function provisioningJob(input: ProvisioningJobInput): Promise<void> {
  const { jobId } = input;
  let machine = input.machine;
  let running = input.running ?? null;
  let recorded: string | null = null;

  const view = (): JobStatusView => ({
    state: machine.status,
    cycle: running ? { kind: running.cycle.kind, id: running.cycle.id, startedAt: running.startedAt, progress: progressOf(running), counts: running.counts } : null,
    lastCycle: machine.lastCycle,
    quarantine: machine.quarantine,
    nextCycleAt: nextRunAt(machine),
    escrowsPruned: machine.escrowsPruned,
  });

  /** The Web UI's view of the job: search attributes to list and filter by, details to read. */
  const publish = () => {
    upsertSearchAttributes([
      { key: stateKey, value: machine.status },
      { key: cycleKey, value: running ? running.cycle.kind : 'none' },
    ]);
    const lines = [`State: ${machine.status}`];
    if (running) {
      const p = progressOf(running);
      lines.push(`Cycle: ${running.cycle.kind} ${running.cycle.id}, ${p.percent}% (${p.processed}/${p.total})`);
    }
    if (machine.quarantine) lines.push(`Quarantine: ${machine.quarantine.reason}, next attempt ${machine.quarantine.nextAttempt ?? 'none'}`);
    const next = nextRunAt(machine);
    if (next) lines.push(`Next cycle: ${next}`);
    if (machine.lastCycle) {
      const c = machine.lastCycle.counts;
      lines.push(`Last cycle: ${machine.lastCycle.kind}, finished ${machine.lastCycle.finishedAt}: created ${c.created}, updated ${c.updated}, disabled ${c.disabled}, deleted ${c.deleted}, skipped ${c.skipped}, failed ${c.failed}`);
    }
    setCurrentDetails(lines.join('\n'));
  };

  setHandler(statusQuery, view);
  setHandler(controlUpdate, (command) => {
    machine = applyCommand(machine, command, new Date());
    publish();
    return view();
  }, {
    validator: (command) => {
      const reason = refusal(machine, command);
      if (reason) throw ApplicationFailure.create({ message: reason, type: 'CommandRefused', nonRetryable: true });
    },
  });

  /** The job row's copy of the state, written whenever it changed. */
  const record = async () => {
    const key = JSON.stringify([machine.status, machine.quarantine]);
    if (key === recorded) return;
    await bookkeeping.recordState({ jobId, state: machine.status, quarantine: machine.quarantine });
    await announce({ jobId, state: machine.status, quarantine: machine.quarantine });
    recorded = key;
  };

  const continueAsNewNow = async (): Promise<never> => {
    await condition(allHandlersFinished);
    return continueAsNew<typeof provisioningJob>({ jobId, machine, running });
  };

  const quarantineFor = (error: unknown): QuarantineReason => {
    const kind = failureKind(error);
    if (kind === 'gone') throw new JobGone();
    return kind === 'target' ? 'EncounteredQuarantineException' : 'Unknown';
  };

  /** Runs the current cycle to its end, unless it is abandoned while paused. */
  const runCycle = async (): Promise<void> => {
    while (running) {
      if (machine.status === 'Paused') {
        await condition(() => machine.status !== 'Paused');
        // stopped or restarted while paused: the rest of the cycle is not sent
        if (abandonsSuspendedCycle(machine)) {
          await bookkeeping.closeCycle({ cycleId: running.cycle.id, status: 'stopped' });
          running = null;
          return;
        }
      }
      if (running.lanes.length === 0) break;
      const { cycle } = running;
      const pages = await Promise.all(running.lanes.map((lane) => (laneDone(lane)
        ? { cursor: lane.cursor, counts: emptyCounts() }
        : activities.syncPages({ jobId, cycle, cursor: lane.cursor!, only: lane.only }))));
      running = {
        ...running,
        lanes: nextLanes(running.lanes.map((lane, i) => ({ ...lane, cursor: pages[i]!.cursor }))),
        counts: pages.reduce((sum, page) => addCounts(sum, page.counts), running.counts),
      };
      publish();
      if (workflowInfo().continueAsNewSuggested) await continueAsNewNow();
    }
    const finished: FinishedCycle = await activities.finishCycle({ jobId, cycle: running!.cycle });
    const done = running!;
    running = null;
    const { created, updated, disabled, deleted, skipped, failed } = finished.counts;
    const outcome = {
      id: done.cycle.id, kind: done.cycle.kind, startedAt: done.startedAt,
      counts: { created, updated, disabled, deleted, skipped, failed }, quarantine: finished.quarantine,
    };
    if (prunesEscrows(outcome) && machine.status !== 'Stopped') await bookkeeping.pruneEscrows({ jobId });
    machine = cycleFinished(machine, outcome, new Date());
  };

  const beginCycle = async () => {
    const release = machine.releaseDeletionsOf;
    const reset = machine.resetScope;
    machine = cycleStarted(machine);
    if (reset) await activities.resetJob({ jobId, resetScope: reset, keepDeletionsOf: release });
    if (release) await activities.releaseDeletions({ jobId, cycleId: release });
    const begun: BegunCycle = await activities.beginCycle({ jobId, dryRun: false });
    running = { cycle: begun.cycle, lanes: lanesAt(begun.cursor), startedAt: new Date().toISOString(), total: begun.total, counts: emptyCounts() };
    publish();
  };

  try {
    publish();
    for (;;) {
      if (running) {
        try {
          await runCycle();
        } catch (error) {
          if (error instanceof JobGone) throw error;
          const reason = quarantineFor(error);
          if (running) await bookkeeping.closeCycle({ cycleId: running.cycle.id, status: 'failed' });
          running = null;
          machine = cycleFailed(machine, reason, new Date());
        }
        publish();
        await record();
        await continueAsNewNow();
      }
      // taken before recording: a control arriving while the state is written still wakes the wait below
      const seen = machine;
      if (cycleDue(machine, new Date())) {
        try {
          // the row's copy of the state is written while the cycle starts, not before it
          await Promise.all([record(), beginCycle()]);
        } catch (error) {
          machine = cycleFailed(machine, quarantineFor(error), new Date());
          publish();
        }
        continue;
      }
      await record();
      if (workflowInfo().continueAsNewSuggested) await continueAsNewNow();
      const wakeAt = nextRunAt(machine);
      if (wakeAt) await condition(() => machine !== seen, Math.max(1, Date.parse(wakeAt) - Date.now()));
      else await condition(() => machine !== seen);
    }
  } catch (error) {
    // the job was deleted: its workflow has nothing left to do
    if (error instanceof JobGone || failureKind(error) === 'gone') return;
    throw error;
  }
}
