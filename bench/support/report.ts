/** One line of the benchmark table, and the verdict against the issue's targets. */
export interface Row {
  scenario: string;
  reqPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  rssMb?: number;
  /** our req/s over the ceiling's */
  ratio?: number;
  target?: string;
  pass?: boolean;
  note?: string;
}

const fmt = (v: number | undefined, digits = 0) => (v === undefined || Number.isNaN(v) ? '' : v.toFixed(digits));

export function formatTable(rows: Row[]): string {
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'RSS MB', 'ratio', 'target', 'result', 'note'];
  const lines = rows.map((r) => [
    r.scenario,
    fmt(r.reqPerSec),
    fmt(r.p50Ms, 1),
    fmt(r.p99Ms, 1),
    fmt(r.rssMb),
    fmt(r.ratio, 2),
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'PASS' : 'FAIL',
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 || i >= 6 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [render(header), `|${widths.map((w, i) => (i === 0 || i >= 6 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...lines.map(render)].join('\n');
}

/** Loaded requests that failed: a run where more than 0.1 % failed measured errors, not work. */
export function failureNote(failures: number, requests: number): string | undefined {
  if (failures === 0) return undefined;
  return `${failures} of ${requests} requests failed`;
}

export const failedTooOften = (failures: number, requests: number) => requests === 0 || failures / requests > 0.001;
