import { randomUUID } from 'node:crypto';

/**
 * Preview mode's record of a mutating request that was not sent. A preview's log entries show
 * these, so anything that looks like a credential in the body is replaced first.
 */
export interface RecordedRequest {
  method: string;
  /** path relative to the target's base URL, with the real ids (e.g. `/Users/6f1c…`) */
  path: string;
  body: unknown;
}

export const DRY_RUN_ID_PREFIX = 'dry-run:';

/** A stand-in id for an object a preview "created", so later steps can refer to it. */
export function dryRunId(): string {
  return `${DRY_RUN_ID_PREFIX}${randomUUID()}`;
}

const SECRET_NAME = /password|secret|token|credential/i;
const REDACTED = '[redacted]';

/**
 * A copy of a SCIM body with secret values replaced: attributes named like a secret, and the
 * values of PATCH operations whose path names one (`{"op":"replace","path":"password",…}`).
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const secretPath = typeof object.path === 'string' && SECRET_NAME.test(object.path);
  return Object.fromEntries(Object.entries(object).map(([key, v]) => {
    if (SECRET_NAME.test(key) || (secretPath && key === 'value')) return [key, REDACTED];
    return [key, redactSecrets(v)];
  }));
}
