/** One line of the benchmark table, and the verdict against the issue's targets. */
export interface Row {
  scenario: string;
  reqPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** server CPU time per request */
  cpuUs?: number;
  rssMb?: number;
  ceilingReqPerSec?: number;
  ceilingCpuUs?: number;
  /** our req/s over the ceiling's */
  ratio?: number;
  target?: string;
  pass?: boolean;
  note?: string;
}

const fmt = (v: number | undefined, digits = 0) => (v === undefined || Number.isNaN(v) ? '' : v.toFixed(digits));

export function formatTable(rows: Row[]): string {
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'RSS MB', 'ceiling req/s', 'ceiling CPU µs/req', 'ratio', 'target', 'result', 'note'];
  const textColumns = new Set([0, 9, 10, 11]);
  const lines = rows.map((r) => [
    r.scenario,
    fmt(r.reqPerSec),
    fmt(r.p50Ms, 1),
    fmt(r.p99Ms, 1),
    fmt(r.cpuUs),
    fmt(r.rssMb),
    fmt(r.ceilingReqPerSec),
    fmt(r.ceilingCpuUs),
    fmt(r.ratio, 2),
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
