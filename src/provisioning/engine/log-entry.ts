import type { LogAction, LogEntryInput, LogStatus, LogStep, LogStepName, ModifiedProperty } from '../logs.js';
import type { RecordedRequest } from '../scim-client.js';
import type { ObjectType } from './decision.js';

/** An attribute's old and new value as the engine sees them, before they become log text. */
export interface AttributeChange {
  name: string;
  oldValue: unknown;
  newValue: unknown;
}

function logText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function modifiedProperty(change: AttributeChange): ModifiedProperty {
  return { name: change.name, oldValue: logText(change.oldValue), newValue: logText(change.newValue) };
}

const IDENTITY_TYPE = { user: 'User', group: 'Group' } as const;

/**
 * Collects one object's steps while it is processed (api.md log entry: import, scoping,
 * matching, processing, referenceResolution, export, each with a status and a sentence),
 * then becomes its log entry, written with the rest of its page in one batch.
 */
export class ObjectTrail {
  private readonly started = performance.now();
  readonly steps: LogStep[] = [];
  readonly modifiedProperties: ModifiedProperty[] = [];
  targetId: string | null = null;

  constructor(
    readonly jobId: string,
    readonly cycleId: string | null,
    readonly type: ObjectType,
    readonly sourceId: string,
    public displayName: string | null,
  ) {}

  step(name: LogStepName, status: LogStep['status'], description: string): this {
    this.steps.push({ name, status, description });
    return this;
  }

  modified(changes: readonly AttributeChange[]): this {
    this.modifiedProperties.push(...changes.map(modifiedProperty));
    return this;
  }

  /** The export step of a preview: what would have been sent (the client already redacted secrets). */
  recorded(requests: readonly RecordedRequest[]): this {
    for (const r of requests) {
      this.step('export', 'skipped', `Preview: would send ${r.method} ${r.path}${r.body === undefined ? '' : ` ${JSON.stringify(r.body)}`}`);
    }
    return this;
  }

  entry(action: LogAction, status: LogStatus, error: { code: string; reason: string } | null = null): LogEntryInput {
    const type = IDENTITY_TYPE[this.type];
    return {
      jobId: this.jobId,
      cycleId: this.cycleId,
      action,
      status,
      sourceIdentity: { id: this.sourceId, type, displayName: this.displayName },
      targetIdentity: { id: this.targetId, type, displayName: this.displayName },
      durationMs: Math.round(performance.now() - this.started),
      error,
      modifiedProperties: this.modifiedProperties,
      steps: this.steps,
    };
  }
}
