/** One line of the benchmark table, and the verdict against the issue's targets. */
export interface Row {
  scenario: string;
  reqPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** CPU time per request of the server and of the database (NaN when not measurable) */
  cpuUs?: [number, number];
  rssMb?: number;
  ceilingReqPerSec?: number;
  ceilingCpuUs?: [number, number];
  /** our req/s over the ceiling's */
  ratio?: number;
  target?: string;
  pass?: boolean;
  note?: string;
}

const fmt = (v: number | undefined, digits = 0) => (v === undefined || Number.isNaN(v) ? '' : v.toFixed(digits));

const cpu = (v: [number, number] | undefined) => (v ? `${fmt(v[0])}${Number.isNaN(v[1]) ? '' : ` + ${fmt(v[1])}`}` : '');

/**
 * The ceiling's CPU cost per request over ours, server and database together: what the
 * throughput ratio would be on a machine of our own, where CPU is the limit for both.
 */
export function cpuRatio(row: Row): number | undefined {
  if (!row.cpuUs || !row.ceilingCpuUs) return undefined;
  const total = ([server, db]: [number, number]) => server + (Number.isNaN(db) ? 0 : db);
  return total(row.ceilingCpuUs) / total(row.cpuUs);
}

export function formatTable(rows: Row[]): string {
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'RSS MB', 'CPU µs/req server+db', 'ceiling req/s', 'ceiling CPU µs/req', 'ratio', 'CPU ratio', 'target', 'result', 'note'];
  const textColumns = new Set([0, 10, 11, 12]);
  const lines = rows.map((r) => [
    r.scenario,
    fmt(r.reqPerSec),
    fmt(r.p50Ms, 1),
    fmt(r.p99Ms, 1),
    fmt(r.rssMb),
    cpu(r.cpuUs),
    fmt(r.ceilingReqPerSec),
    cpu(r.ceilingCpuUs),
    fmt(r.ratio, 2),
    fmt(cpuRatio(r), 2),
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'PASS' : 'FAIL',
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) => `| ${cells.map((c, i) => (textColumns.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (textColumns.has(i) ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [render(header), rule, ...lines.map(render)].join('\n');
}

/** Loaded requests that failed: a run where more than 0.1 % failed measured errors, not work. */
export function failureNote(failures: number, requests: number): string | undefined {
  if (failures === 0) return undefined;
  return `${failures} of ${requests} requests failed`;
}

export const failedTooOften = (failures: number, requests: number) => requests === 0 || failures / requests > 0.001;
