/**
 * Every way a SCIM call can fail, decided in this one module (style.md item 5).
 *
 * Two levels, as Entra has them:
 * - job-level errors mean the target as a whole cannot be worked with (unreachable, bad
 *   credentials, a filter query answered 404); the cycle stops and the job is quarantined;
 * - object-level errors concern one object; it is escrowed and retried in a later cycle.
 *
 * `code` is the error code shown in the provisioning log, taken from Entra's provisioning-log
 * error codes so admins can look them up in Microsoft's documentation. `reason` is the human
 * sentence, including the target's own SCIM `detail`. Neither ever contains the bearer token.
 */

export type ErrorLevel = 'job' | 'object';

/** What the client was doing when it failed: enough to explain the failure, never the token. */
export interface RequestContext {
  method: string;
  /** route template, e.g. `/Users/{id}` */
  route: string;
  /** a `GET ?filter=` query, where Entra expects a list and reads 404 as a broken endpoint */
  filterQuery: boolean;
}

export interface ScimErrorDetails {
  status: number | null;
  scimType: string | undefined;
  detail: string | undefined;
}

export abstract class ScimClientError extends Error {
  abstract readonly level: ErrorLevel;
  /** Entra-style provisioning-log error code */
  abstract readonly code: string;
  /** whether a later attempt (a Temporal activity retry, an escrow retry) can succeed unchanged */
  abstract readonly retryable: boolean;
  readonly status: number | null;
  readonly scimType: string | undefined;
  readonly detail: string | undefined;
  readonly method: string;
  readonly route: string;

  constructor(readonly reason: string, context: RequestContext, details: ScimErrorDetails) {
    super(reason);
    this.name = new.target.name;
    this.status = details.status;
    this.scimType = details.scimType;
    this.detail = details.detail;
    this.method = context.method;
    this.route = context.route;
  }

  /** Plain data for logs and activity failures (`code` is a getter on some classes). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name, level: this.level, code: this.code, retryable: this.retryable, reason: this.reason,
      status: this.status, scimType: this.scimType, detail: this.detail, method: this.method, route: this.route,
    };
  }
}

abstract class JobLevelError extends ScimClientError {
  readonly level = 'job' as const;
}

abstract class ObjectLevelError extends ScimClientError {
  readonly level = 'object' as const;
}

/** Connection refused, DNS failure, TLS failure: nothing reached a SCIM server. */
export class TargetUnreachable extends JobLevelError {
  readonly code = 'WebExceptionProtocolError';
  readonly retryable = true;
}

/** 401 or 403: the token is wrong, expired or lacks rights. */
export class TargetUnauthorized extends JobLevelError {
  readonly retryable = false;
  get code(): string {
    return this.status === 403 ? 'InsufficientRights' : 'Unauthorized';
  }
}

/** 404 where a list was expected (`GET /Users?filter=…`): wrong tenant URL or no such resource type. */
export class TargetNotFoundOnQuery extends JobLevelError {
  readonly code = 'SystemForCrossDomainIdentityManagementServiceIncompatible';
  readonly retryable = false;
}

/** 409: the object (or one with the same unique attribute) already exists. */
export class ObjectConflict extends ObjectLevelError {
  readonly code = 'EntryConflict';
  readonly retryable = false;
}

/** 404 on a read, update or delete by id: the linked target object is gone. */
export class ObjectNotFound extends ObjectLevelError {
  readonly code = 'InvalidAnchor';
  readonly retryable = false;
}

/** Any other 4xx: the target refused this object's request. */
export class ObjectRejected extends ObjectLevelError {
  readonly retryable = false;
  get code(): string {
    if (this.status === 405) return 'MethodNotAllowed';
    if (this.status === 422) return 'UnprocessableEntity';
    return 'SystemForCrossDomainIdentityManagementServiceIncompatible';
  }
}

/** More than one target object matched: Entra refuses to guess which one is meant. */
export class AmbiguousMatch extends ObjectLevelError {
  readonly code = 'DuplicateTargetEntries';
  readonly retryable = false;
}

/** A 2xx answer that is not the SCIM document the request calls for. */
export class TargetResponseInvalid extends ObjectLevelError {
  readonly code = 'SystemForCrossDomainIdentityManagementServiceIncompatible';
  readonly retryable = false;
}

/** 5xx, 429 or a dropped connection that outlasted the client's own retries. */
export class TargetServerError extends ObjectLevelError {
  readonly retryable = true;
  get code(): string {
    if (this.status === 429) return 'TooManyRequests';
    if (this.status === 501) return 'NotImplemented';
    if (this.status === null) return 'WebExceptionProtocolError';
    return 'InternalServerError';
  }
}

/** No complete answer within the per-request timeout, after the client's own retries. */
export class TargetTimeout extends ObjectLevelError {
  readonly code = 'Timeout';
  readonly retryable = true;
}

export function isJobLevel(error: unknown): error is ScimClientError {
  return error instanceof ScimClientError && error.level === 'job';
}

/** One attempt's outcome, before retries are decided. */
export type AttemptFailure =
  | { kind: 'status'; status: number; retryAfterMs: number | undefined; body: ScimErrorBody }
  | { kind: 'timeout' }
  | { kind: 'reset'; code: string }
  | { kind: 'unreachable'; code: string; message: string };

export interface ScimErrorBody {
  scimType: string | undefined;
  detail: string | undefined;
}

const NO_DETAIL: ScimErrorDetails = { status: null, scimType: undefined, detail: undefined };

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Sorts a thrown transport error (undici, node:net, AbortSignal.timeout) into an attempt failure. */
export function transportFailure(error: unknown): AttemptFailure {
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string } } | null;
  const code = e?.code ?? e?.cause?.code ?? '';
  if (e?.name === 'TimeoutError' || TIMEOUT_CODES.has(code)) return { kind: 'timeout' };
  if (RESET_CODES.has(code)) return { kind: 'reset', code };
  if (UNREACHABLE_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) {
    return { kind: 'unreachable', code, message: e?.message ?? code };
  }
  // Anything else the transport throws also means no SCIM answer was had; treating it as a
  // dropped connection retries it and, if it persists, escrows the object instead of hiding it.
  return { kind: 'reset', code: code || (e?.name ?? 'unknown') };
}

/** Whether the client should try the same request again (subject to the retry bound). */
export function isTransient(failure: AttemptFailure): boolean {
  switch (failure.kind) {
    case 'timeout':
    case 'reset':
      return true;
    case 'unreachable':
      return false;
    case 'status':
      return failure.status === 429 || (failure.status >= 500 && failure.status !== 501);
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 412: 'Precondition Failed', 413: 'Payload Too Large', 422: 'Unprocessable Entity',
  429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway',
  503: 'Service Unavailable', 504: 'Gateway Timeout',
};

function describeStatus(context: RequestContext, status: number, body: ScimErrorBody): string {
  const text = STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : '';
  const scimType = body.scimType ? ` (scimType ${body.scimType})` : '';
  const detail = body.detail ? `: ${body.detail}` : '';
  return `${context.method} ${context.route} answered HTTP ${status}${text}${scimType}${detail}`;
}

/** The final error for a failed request; `attempts` is how many times it was sent. */
export function classifyFailure(context: RequestContext, failure: AttemptFailure, attempts: number): ScimClientError {
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  switch (failure.kind) {
    case 'timeout':
      return new TargetTimeout(`${context.method} ${context.route} got no complete answer in time${tries}`, context, NO_DETAIL);
    case 'reset':
      return new TargetServerError(`${context.method} ${context.route}: the connection was dropped (${failure.code})${tries}`, context, NO_DETAIL);
    case 'unreachable':
      return new TargetUnreachable(`cannot reach the SCIM endpoint (${failure.code}): ${failure.message}`, context, NO_DETAIL);
    case 'status': {
      const { status, body } = failure;
      const details = { status, scimType: body.scimType, detail: body.detail };
      const reason = describeStatus(context, status, body) + tries;
      if (status === 401 || status === 403) return new TargetUnauthorized(reason, context, details);
      if (status === 404) {
        return context.filterQuery
          ? new TargetNotFoundOnQuery(`${reason}; a filter query must answer 200 with an empty list when nothing matches`, context, details)
          : new ObjectNotFound(reason, context, details);
      }
      if (status === 409) return new ObjectConflict(reason, context, details);
      if (status === 429 || status >= 500) return new TargetServerError(reason, context, details);
      return new ObjectRejected(reason, context, details);
    }
  }
}

/** For 2xx answers that are not what the request calls for (no `id` on a create, not a ListResponse). */
export function invalidResponse(context: RequestContext, status: number, what: string): TargetResponseInvalid {
  return new TargetResponseInvalid(
    `${context.method} ${context.route} answered HTTP ${status} but ${what}`,
    context,
    { status, scimType: undefined, detail: undefined },
  );
}

/** More than one resource for a matching query. */
export function ambiguousMatch(context: RequestContext, filter: string, count: number): AmbiguousMatch {
  return new AmbiguousMatch(
    `${count} target objects match ${filter}; matching needs exactly one`,
    context,
    { status: 200, scimType: undefined, detail: undefined },
  );
}
