import { describe, expect, it } from 'vitest';
import { eventOf, type RecordedJobState } from '../../src/notifications/events.js';
import { signature, verifySignature } from '../../src/notifications/webhook.js';
import type { Quarantine } from '../../src/workflows/job-machine.js';

const q = (reason: string, seriesBegan = '2026-01-01T00:00:00.000Z', currentBegan = seriesBegan): Quarantine =>
  ({ reason: reason as Quarantine['reason'], seriesBegan, currentBegan, nextAttempt: null, seriesCount: 0 });

describe('which event a recorded state announces', () => {
  const cases: Array<[string, RecordedJobState, { reason: string } | null, string | null]> = [
    ['an active job announces nothing', { state: 'Active', quarantine: null }, null, null],
    ['a first quarantine starts a series', { state: 'Quarantine', quarantine: q('EncounteredQuarantineException') }, null, 'QuarantineStarted:2026-01-01T00:00:00.000Z'],
    ['a retry failing for the same reason is not news', { state: 'Quarantine', quarantine: q('EncounteredQuarantineException', '2026-01-01T00:00:00.000Z', '2026-01-01T06:00:00.000Z') }, { reason: 'EncounteredQuarantineException' }, null],
    ['a retry failing for another reason is', { state: 'Quarantine', quarantine: q('EncounteredEscrowProportionThreshold', '2026-01-01T00:00:00.000Z', '2026-01-01T06:00:00.000Z') }, { reason: 'EncounteredQuarantineException' }, 'QuarantineReasonChanged:2026-01-01T00:00:00.000Z:2026-01-01T06:00:00.000Z'],
    ['held deletions are announced per hold', { state: 'AwaitingDeleteApproval', quarantine: q('TooManyDeletes', '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z') }, null, 'DeletionsHeld:2026-01-02T00:00:00.000Z'],
    ['disabling is announced once per series', { state: 'Disabled', quarantine: q('EncounteredQuarantineException') }, { reason: 'EncounteredQuarantineException' }, 'JobDisabled:2026-01-01T00:00:00.000Z'],
    ['a paused job keeping its quarantine announces nothing', { state: 'Paused', quarantine: q('EncounteredQuarantineException') }, null, null],
  ];
  it.each(cases)('%s', (_name, recorded, announced, key) => {
    expect(eventOf(recorded, announced)?.key ?? null).toBe(key);
  });
});

describe('webhook signatures', () => {
  const secret = 'a-webhook-secret-of-some-length';
  const body = '{"event":"QuarantineStarted"}';
  const now = new Date('2026-01-01T00:00:00Z');
  const ts = now.getTime() / 1000;

  it('verify over the timestamp and the exact body', () => {
    expect(verifySignature(secret, { signature: signature(secret, ts, body), timestamp: String(ts) }, body, now)).toBe(true);
    expect(verifySignature(secret, { signature: signature(secret, ts, body), timestamp: String(ts) }, `${body} `, now)).toBe(false);
    expect(verifySignature('another-secret-entirely-here', { signature: signature(secret, ts, body), timestamp: String(ts) }, body, now)).toBe(false);
  });

  it('refuse a replay older than five minutes', () => {
    const later = new Date(now.getTime() + 301_000);
    expect(verifySignature(secret, { signature: signature(secret, ts, body), timestamp: String(ts) }, body, later)).toBe(false);
  });
});
