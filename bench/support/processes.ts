import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
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

function readCpuMs(pid: number): number {
  // the command name (field 2) may contain spaces; the fields after it are fixed
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Runs `work` while watching a process: its peak RSS and the CPU time it spent meanwhile. */
export async function observe<T>(server: ServerProcess, work: () => Promise<T>): Promise<{ result: T; peakRssMb: number; cpuMs: number }> {
  let peak = server.rssMb();
  const cpuBefore = server.cpuMs();
  const timer = setInterval(() => {
    peak = Math.max(peak, server.rssMb());
  }, 250);
  try {
    const result = await work();
    return { result, peakRssMb: Math.max(peak, server.rssMb()), cpuMs: server.cpuMs() - cpuBefore };
  } finally {
    clearInterval(timer);
  }
}
