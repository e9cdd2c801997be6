import type { JobStatusResponse } from '../jobs/service.js';

/**
 * `scimflow jobs watch <id>`: Entra's progress bar in a terminal. It polls the job's status
 * and follows one cycle — the one running, or else the next to start — to its end. On a
 * terminal the bar is redrawn in place; piped, each change is a plain line. The exit code
 * says how the cycle ended: 0 fine, 1 the job needs an admin (quarantined, disabled,
 * deletions held), 3 no cycle will come by itself (paused, stopped, never started).
 */

export const EXIT_OK = 0;
export const EXIT_ATTENTION = 1;
export const EXIT_NO_CYCLE = 3;

const BAR_WIDTH = 30;
const WAITING_STATES = new Set(['Active', 'Quarantine']);
const ATTENTION_STATES = new Set(['Quarantine', 'Disabled', 'AwaitingDeleteApproval']);

export function progressBar(percent: number, width = BAR_WIDTH): string {
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

function elapsed(fromIso: string, now: Date): string {
  const s = Math.max(0, Math.floor((now.getTime() - Date.parse(fromIso)) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** One line for a running cycle: bar, percent, objects, statistics to date, time running. */
export function progressLine(cycle: NonNullable<JobStatusResponse['cycle']>, now: Date): string {
  const { percent, processed, total } = cycle.progress;
  const c = cycle.counts;
  const stats = `created ${c.created} updated ${c.updated} disabled ${c.disabled} deleted ${c.deleted} skipped ${c.skipped} failed ${c.failed}`;
  return `${progressBar(percent)} ${String(percent).padStart(3)}% ${cycle.kind} ${processed}/${total} ${stats} ${elapsed(cycle.startedAt, now)}`;
}

/** What the watch knows from the first status: the cycle it follows, or the marks a new one will move. */
export interface Watch {
  cycleId: string | null;
  lastCycleId: string | null;
  quarantineBegan: string | null;
}

export function watchOf(first: JobStatusResponse): Watch {
  return { cycleId: first.cycle?.id ?? null, lastCycleId: first.lastCycle?.id ?? null, quarantineBegan: first.quarantine?.currentBegan ?? null };
}

export type Step =
  | { kind: 'running'; watch: Watch; line: string }
  | { kind: 'waiting'; watch: Watch; line: string }
  | { kind: 'done'; code: number; line: string };

/** The next step of a watch, from what it followed so far and the status just read. */
export function step(watch: Watch, status: JobStatusResponse, now: Date): Step {
  if (status.cycle && (watch.cycleId === null || watch.cycleId === status.cycle.id)) {
    return { kind: 'running', watch: { ...watch, cycleId: status.cycle.id }, line: progressLine(status.cycle, now) };
  }
  // the cycle followed is gone, or one began and ended between two polls (its finish or its failure left a mark)
  const ended = watch.cycleId !== null
    || (status.lastCycle?.id ?? null) !== watch.lastCycleId
    || (status.quarantine?.currentBegan ?? null) !== watch.quarantineBegan;
  if (ended) return { kind: 'done', ...outcome(status) };
  if (!WAITING_STATES.has(status.state)) {
    return { kind: 'done', code: EXIT_NO_CYCLE, line: `job is ${status.state}: no cycle will run until an admin starts or resumes it` };
  }
  return { kind: 'waiting', watch, line: `waiting for the next cycle${status.nextCycleAt ? ` (due ${status.nextCycleAt})` : ''}` };
}

function outcome(status: JobStatusResponse): { code: number; line: string } {
  const last = status.lastCycle;
  const summary = last
    ? `${last.kind} cycle finished in ${(last.durationMs / 1000).toFixed(1)} s: created ${last.counts.created}, updated ${last.counts.updated}, `
      + `disabled ${last.counts.disabled}, deleted ${last.counts.deleted}, skipped ${last.counts.skipped}, failed ${last.counts.failed}`
    : 'cycle ended';
  if (!ATTENTION_STATES.has(status.state)) return { code: EXIT_OK, line: summary };
  const q = status.quarantine;
  const why = q ? `${status.state} (${q.reason}), next attempt ${q.nextAttempt ?? 'none until an admin acts'}` : status.state;
  return { code: EXIT_ATTENTION, line: `job is ${why}` };
}

export interface WatchIo {
  status(): Promise<JobStatusResponse>;
  write(text: string): void;
  /** redraw in place (a terminal) or print a line per change */
  tty: boolean;
  intervalMs: number;
  now?: () => Date;
}

export async function watchJob(io: WatchIo): Promise<number> {
  const now = io.now ?? (() => new Date());
  let status = await io.status();
  let watch = watchOf(status);
  let shown = '';
  let drawn = false;
  for (;;) {
    const s = step(watch, status, now());
    if (s.kind === 'done') {
      io.write(`${drawn ? '\n' : ''}${s.line}\n`);
      return s.code;
    }
    watch = s.watch;
    if (io.tty) {
      io.write(`\r\x1b[2K${s.line}`);
      drawn = true;
    } else if (lineKey(s.line) !== shown) {
      io.write(`${s.line}\n`);
      shown = lineKey(s.line);
    }
    await new Promise((resolve) => setTimeout(resolve, io.intervalMs));
    status = await io.status();
  }
}

/** A plain line is printed again only when more than the elapsed time changed. */
function lineKey(line: string): string {
  return line.replace(/ \d+:\d\d$/, '');
}
