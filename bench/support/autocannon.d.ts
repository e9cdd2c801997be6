// autocannon ships no types; this covers the part of its programmatic API the benchmark uses.
declare module 'autocannon' {
  interface RawRequest {
    method: string;
    path: string;
    headers: Record<string, string>;
    body?: string | Buffer;
  }

  interface RequestSpec {
    setupRequest?: (req: RawRequest, context: Record<string, unknown>) => RawRequest;
  }

  interface Histogram {
    average: number;
    p50: number;
    p99: number;
    max: number;
  }

  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    requests?: RequestSpec[];
    skipAggregateResult?: boolean;
  }

  interface Result {
    requests: Histogram & { total: number };
    latency: Histogram;
    non2xx: number;
    errors: number;
    timeouts: number;
    duration: number;
  }

  /** A run with `skipAggregateResult`: raw counts and encoded histograms, to merge later. */
  export interface SliceResult {
    totalCompletedRequests: number;
    /** seconds */
    duration: number;
  }

  function autocannon(options: Options & { skipAggregateResult: true }): Promise<SliceResult>;
  function autocannon(options: Options): Promise<Result>;
  namespace autocannon {
    function aggregateResult(results: SliceResult[], options: { url: string; connections?: number }): Result;
  }
  export default autocannon;
}
