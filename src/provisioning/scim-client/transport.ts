import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { classifyFailure, transportFailure, isTransient, type AttemptFailure, type RequestContext, type ScimErrorBody } from './errors.js';
import { parseRetryAfter, retryDelayMs, type RetryPolicy } from './retry.js';
import { dryRunId, redactSecrets, type RecordedRequest } from './dry-run.js';

/**
 * The one place a SCIM request leaves the process: keep-alive pool, bounded concurrency,
 * per-request timeout, retries, the `onRequest` hook, and the preview switch.
 */

export type ClientMode = 'live' | 'dryRun';

/** Reported once per attempt (and once per recorded request in preview). No token, no body. */
export interface RequestEvent {
  method: string;
  /** route template, e.g. `/Users/{id}` */
  route: string;
  /** HTTP status, or null when no answer came (timeout, dropped connection, unreachable) */
  status: number | null;
  durationMs: number;
  /** 1 for the first try */
  attempt: number;
  /** the request was recorded instead of sent (preview mode) */
  dryRun: boolean;
  /** for failures without a status: `timeout`, `reset` or `unreachable` */
  failure?: AttemptFailure['kind'];
}

export interface TransportOptions {
  baseUrl: string;
  token: string;
  concurrency: number;
  timeoutMs: number;
  retry: RetryPolicy;
  mode: ClientMode;
  onRequest?: ((event: RequestEvent) => void) | undefined;
  /** injectable for tests of jitter; Math.random otherwise */
  random?: () => number;
}

export interface ScimRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  route: string;
  /** path below the base URL, ids filled in */
  path: string;
  query?: ReadonlyArray<readonly [string, string]>;
  body?: unknown;
  /** statuses that count as success; anything else is a failure to classify */
  accept: readonly number[];
  filterQuery?: boolean;
  /**
   * What preview mode answers instead of sending (mutating requests only). By default a POST
   * answers 201 with its body and a `dry-run:` id, anything else 204.
   */
  dryRunAnswer?: (body: unknown) => { status: number; body: unknown };
}

export interface ScimResponse {
  status: number;
  /** the parsed JSON body; undefined when empty or not JSON */
  body: unknown;
  /** set in preview mode when the request was recorded instead of sent */
  recorded: RecordedRequest | null;
}

const SCIM_JSON = 'application/scim+json';
const MAX_DETAIL_CHARS = 500;

class Semaphore {
  private readonly waiters: Array<() => void> = [];
  private active = 0;

  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Hands the slot straight to the next waiter, so a burst cannot overtake the queue. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }
}

export interface Transport {
  send(request: ScimRequest): Promise<ScimResponse>;
  close(): Promise<void>;
}

export function createTransport(options: TransportOptions): Transport {
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  // Kept raw: Entra's `?aadOptscim062020` has no `=`, and re-encoding it would add one.
  const baseQuery = base.search.replace(/^\?/, '');
  const pool = new Pool(base.origin, {
    connections: options.concurrency,
    keepAliveTimeout: 30_000,
    connect: { timeout: options.timeoutMs },
  });
  const slots = new Semaphore(options.concurrency);
  const random = options.random ?? Math.random;
  const redactToken = (text: string) => (options.token ? text.split(options.token).join('[redacted]') : text);

  function pathAndQuery(request: ScimRequest, withBaseQuery = true): string {
    const query = [
      ...(baseQuery && withBaseQuery ? [baseQuery] : []),
      ...(request.query ?? []).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
    ].join('&');
    return `${request.path}${query ? `?${query}` : ''}`;
  }

  function record(request: ScimRequest): ScimResponse {
    const recorded: RecordedRequest = { method: request.method, path: pathAndQuery(request, false), body: redactSecrets(request.body) };
    const answer = request.dryRunAnswer?.(request.body) ?? defaultDryRunAnswer(request);
    options.onRequest?.({ method: request.method, route: request.route, status: answer.status, durationMs: 0, attempt: 1, dryRun: true });
    return { status: answer.status, body: answer.body, recorded };
  }

  async function attempt(request: ScimRequest, attemptNo: number): Promise<ScimResponse | AttemptFailure> {
    await slots.acquire();
    const started = performance.now();
    const outcome = await exchange(request).finally(() => slots.release());
    options.onRequest?.({
      method: request.method, route: request.route, status: statusOf(outcome),
      durationMs: performance.now() - started, attempt: attemptNo, dryRun: false,
      ...('kind' in outcome && outcome.kind !== 'status' ? { failure: outcome.kind } : {}),
    });
    return outcome;
  }

  /** One request and its answer, with every failure turned into a value. */
  async function exchange(request: ScimRequest): Promise<ScimResponse | AttemptFailure> {
    try {
      const response = await pool.request({
        method: request.method,
        path: basePath + pathAndQuery(request),
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: SCIM_JSON,
          ...(request.body === undefined ? {} : { 'content-type': SCIM_JSON }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const text = await response.body.text();
      const status = response.statusCode;
      if (request.accept.includes(status)) return { status, body: parseJson(text), recorded: null };
      const retryAfter = headerValue(response.headers['retry-after']);
      return { kind: 'status', status, retryAfterMs: parseRetryAfter(retryAfter, new Date()), body: errorBody(text, redactToken) };
    } catch (error) {
      return transportFailure(error);
    }
  }

  return {
    async send(request) {
      if (options.mode === 'dryRun' && request.method !== 'GET') return record(request);
      const context: RequestContext = { method: request.method, route: request.route, filterQuery: request.filterQuery ?? false };
      for (let attemptNo = 1; ; attemptNo++) {
        const outcome = await attempt(request, attemptNo);
        if (!('kind' in outcome)) return outcome;
        const delay = isTransient(outcome)
          ? retryDelayMs(attemptNo, options.retry, outcome.kind === 'status' ? outcome.retryAfterMs : undefined, random)
          : null;
        if (delay === null) throw classifyFailure(context, outcome, attemptNo);
        await sleep(delay);
      }
    },
    close: () => pool.close(),
  };
}

function defaultDryRunAnswer(request: ScimRequest): { status: number; body: unknown } {
  if (request.method !== 'POST') return { status: 204, body: undefined };
  const body = request.body !== null && typeof request.body === 'object' ? request.body : {};
  return { status: 201, body: { ...body, id: dryRunId() } };
}

function statusOf(outcome: ScimResponse | AttemptFailure): number | null {
  if (!('kind' in outcome) || outcome.kind === 'status') return outcome.status;
  return null;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The SCIM error schema's `scimType` and `detail`, or a trimmed excerpt of a non-SCIM body. */
function errorBody(text: string, redact: (s: string) => string): ScimErrorBody {
  const parsed = parseJson(text) as { scimType?: unknown; detail?: unknown } | undefined;
  if (parsed && typeof parsed === 'object') {
    return {
      scimType: typeof parsed.scimType === 'string' ? redact(parsed.scimType) : undefined,
      detail: typeof parsed.detail === 'string' ? redact(parsed.detail).slice(0, MAX_DETAIL_CHARS) : undefined,
    };
  }
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, MAX_DETAIL_CHARS);
  return { scimType: undefined, detail: excerpt ? redact(excerpt) : undefined };
}
