import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A server under test, run as a process of its own so its memory and CPU are its own. */
export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** resident set size now, in MB (VmRSS of /proc/<pid>/status) */
  rssMb(): number;
  /** CPU time used so far, user + system, in ms (/proc/<pid>/stat) */
  cpuMs(): number;
  stop(): Promise<void>;
}

export async function startServerProcess(options: {
  name: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  logFile: string;
}): Promise<ServerProcess> {
  const log = openSync(options.logFile, 'w');
  const child = spawn(process.execPath, options.args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', log, log],
  });
  const url = `http://127.0.0.1:${options.port}`;
  await waitUntilServing(child, url, options);
  const pid = child.pid!;
  return {
    name: options.name,
    url,
    pid,
    rssMb: () => readRssMb(pid),
    cpuMs: () => readCpuMs(pid),
    stop: () => stopChild(child),
  };
}

async function waitUntilServing(child: ChildProcess, url: string, options: { name: string; logFile: string }): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited with ${child.exitCode}; see ${options.logFile}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${options.name} did not answer /healthz within 60 s; see ${options.logFile}`);
}

function readRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : Number.NaN;
}

// Linux reports process times in clock ticks, USER_HZ, which is 100 on every common build.
const TICKS_PER_SECOND = 100;

/** Fields after the command name of /proc/<pid>/stat: [0] state, [1] ppid, [11] utime, [12] stime. */
function statFields(pid: number | string): string[] | undefined {
  try {
    // the command name (field 2) may contain spaces; the fields after it are fixed
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // the process has exited
  }
}

const cpuMsOf = (fields: string[]) => ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;

function readCpuMs(pid: number): number {
  const fields = statFields(pid);
  return fields ? cpuMsOf(fields) : Number.NaN;
}

/**
 * CPU time of a process and all its descendants, in ms: for PostgreSQL, the postmaster and
 * its backends. A backend that exits between two readings takes its time with it, so this
 * suits pooled connections that stay open for the whole measurement.
 */
export function processTreeCpuMs(rootPid: number): number {
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (!fields) continue;
    const pid = Number(entry);
    const ppid = Number(fields[1]);
    cpu.set(pid, cpuMsOf(fields));
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  let total = 0;
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += cpu.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs `work` while watching a server process: its peak RSS and the CPU time it spent
 * meanwhile, and that of the database's process tree when its postmaster is known.
 */
export async function observe<T>(
  server: ServerProcess,
  postmasterPid: number | undefined,
  work: () => Promise<T>,
): Promise<{ result: T; peakRssMb: number; cpuMs: number; dbCpuMs: number }> {
  let peak = server.rssMb();
  const dbCpu = () => (postmasterPid === undefined ? Number.NaN : processTreeCpuMs(postmasterPid));
  const dbCpuBefore = dbCpu();
  const cpuBefore = server.cpuMs();
  const timer = setInterval(() => {
    peak = Math.max(peak, server.rssMb());
  }, 250);
  try {
    const result = await work();
    return { result, peakRssMb: Math.max(peak, server.rssMb()), cpuMs: server.cpuMs() - cpuBefore, dbCpuMs: dbCpu() - dbCpuBefore };
  } finally {
    clearInterval(timer);
  }
}
