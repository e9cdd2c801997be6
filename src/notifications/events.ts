import type { JobStatus, Quarantine } from '../workflows/job-machine.js';

/**
 * What an operator is told about a job (entra-provisioning.md §2, §4, §8): one announcement
 * per event, never one per cycle. An event is decided from the state the job's workflow
 * records and the last quarantine announcement of the same series; its key is what makes a
 * second announcement of the same event a duplicate (retried activity, continue-as-new).
 */

export type NotificationKind = 'QuarantineStarted' | 'QuarantineReasonChanged' | 'DeletionsHeld' | 'JobDisabled';

export interface RecordedJobState {
  state: JobStatus;
  quarantine: Quarantine | null;
}

/** The latest QuarantineStarted / QuarantineReasonChanged of the job's current quarantine series. */
export interface AnnouncedQuarantine {
  reason: string;
}

export interface NotificationEvent {
  kind: NotificationKind;
  key: string;
  /** the quarantine series (its seriesBegan) the event belongs to */
  series: string | null;
  reason: string | null;
}

export function eventOf(recorded: RecordedJobState, announced: AnnouncedQuarantine | null): NotificationEvent | null {
  const q = recorded.quarantine;
  if (!q) return null;
  const of = (kind: NotificationKind, key: string): NotificationEvent => ({ kind, key: `${kind}:${key}`, series: q.seriesBegan, reason: q.reason });
  switch (recorded.state) {
    case 'Disabled':
      return of('JobDisabled', q.seriesBegan);
    case 'AwaitingDeleteApproval':
      // each hold is its own event: the admin allows or restarts before the next one
      return of('DeletionsHeld', q.currentBegan);
    case 'Quarantine':
      if (!announced) return of('QuarantineStarted', q.seriesBegan);
      if (announced.reason !== q.reason) return of('QuarantineReasonChanged', `${q.seriesBegan}:${q.currentBegan}`);
      return null;
    default:
      return null;
  }
}

const TITLES: Record<NotificationKind, (reason: string | null) => string> = {
  QuarantineStarted: (reason) => `quarantined (${reason})`,
  QuarantineReasonChanged: (reason) => `quarantine reason changed to ${reason}`,
  DeletionsHeld: () => 'deletions held: the accidental-deletion threshold was reached',
  JobDisabled: () => 'disabled after four weeks in quarantine',
};

const ADVICE: Record<NotificationKind, string> = {
  QuarantineStarted: 'Cycles now run less often (6 h, 12 h, then every 24 h) until one succeeds. Fix the cause, or restart the job.',
  QuarantineReasonChanged: 'The job is still quarantined, for a different reason than announced before.',
  DeletionsHeld: 'The cycle\'s disables and deletes were not sent. Review them in the provisioning log (action StagedDelete), then allow the deletes or restart the job.',
  JobDisabled: 'The job no longer runs by itself. Fix the cause, then start or restart it.',
};

/** The announcement as both channels carry it (webhook body, email text). */
export interface NotificationPayload {
  id: string;
  event: NotificationKind;
  occurredAt: string;
  job: { id: string; name: string };
  state: JobStatus;
  quarantine: Quarantine | null;
  summary: string;
}

export function payloadOf(id: string, event: NotificationEvent, job: { id: string; name: string }, recorded: RecordedJobState, at: Date): NotificationPayload {
  return {
    id, event: event.kind, occurredAt: at.toISOString(), job, state: recorded.state, quarantine: recorded.quarantine,
    summary: `${job.name}: ${TITLES[event.kind](event.reason)}`,
  };
}

export function emailOf(payload: NotificationPayload): { subject: string; text: string } {
  const q = payload.quarantine;
  const lines = [
    payload.summary,
    '',
    ADVICE[payload.event],
    '',
    `Job:    ${payload.job.name} (${payload.job.id})`,
    `State:  ${payload.state}`,
  ];
  if (q) {
    lines.push(`Reason: ${q.reason}`, `Since:  ${q.seriesBegan}`, `Next attempt: ${q.nextAttempt ?? 'none until an admin acts'}`);
  }
  lines.push('', `scimflow jobs status ${payload.job.id}`);
  return { subject: `[scimflow] ${payload.summary}`, text: lines.join('\n') };
}
