import autocannon, { type SliceResult } from 'autocannon';
import { Client } from 'undici';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
}

export interface LoadFigures {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** responses outside 2xx plus socket errors and timeouts: a run with many is not a measurement */
  failures: number;
}

function headersFor(token: string | undefined, body: unknown): Record<string, string> {
  return {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
  };
}

export interface LoadOptions {
  baseUrl: string;
  token?: string;
  connections: number;
  durationSec: number;
  next: () => HttpRequest;
}

/**
 * One slice of closed-loop load on `connections` keep-alive connections for `durationSec`;
 * every request comes fresh from `next`, so each one asks for a different user and no cache
 * is flattered. Slices of one scenario add up in `mergeSlices`.
 */
export function loadSlice(options: LoadOptions): Promise<SliceResult> {
  return autocannon({
    url: options.baseUrl,
    connections: options.connections,
    duration: options.durationSec,
    skipAggregateResult: true,
    requests: [{
      setupRequest: (raw) => {
        const request = options.next();
        raw.method = request.method;
        raw.path = request.path;
        raw.headers = { ...raw.headers, ...headersFor(options.token, request.body) };
        raw.body = request.body === undefined ? '' : JSON.stringify(request.body);
        return raw;
      },
    }],
  });
}

/** The figures of several slices taken as one run: latencies merge as histograms. */
export function mergeSlices(slices: SliceResult[], options: { baseUrl: string; connections: number }): LoadFigures {
  const merged = autocannon.aggregateResult(slices, { url: options.baseUrl, connections: options.connections });
  const requests = slices.reduce((n, s) => n + s.totalCompletedRequests, 0);
  const seconds = slices.reduce((n, s) => n + s.duration, 0);
  return {
    reqPerSec: requests / seconds,
    p50Ms: merged.latency.p50,
    p99Ms: merged.latency.p99,
    requests,
    failures: merged.non2xx + merged.errors + merged.timeouts,
  };
}

export interface SequentialFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  timesMs: number[];
  failures: number;
}

/** Sends requests one after another on one keep-alive connection, timing each. */
export async function runSequential(options: {
  baseUrl: string;
  token: string;
  requests: HttpRequest[];
}): Promise<SequentialFigures> {
  const client = new Client(options.baseUrl, { pipelining: 1 });
  const timesMs: number[] = [];
  let failures = 0;
  try {
    for (const request of options.requests) {
      const body = request.body === undefined ? undefined : JSON.stringify(request.body);
      const started = process.hrtime.bigint();
      const res = await client.request({
        method: request.method,
        path: request.path,
        headers: headersFor(options.token, request.body),
        body,
      });
      await res.body.dump();
      timesMs.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (res.statusCode >= 300) failures++;
    }
  } finally {
    await client.close();
  }
  return { ...summarise(timesMs), timesMs, failures };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summarise(times: number[]): { p50Ms: number; p99Ms: number; maxMs: number } {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? Number.NaN };
}
