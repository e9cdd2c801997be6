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

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Samples a process's RSS while `work` runs; returns the work's result and the peak seen. */
export async function withPeakRss<T>(server: ServerProcess, work: () => Promise<T>): Promise<{ result: T; peakRssMb: number }> {
  let peak = server.rssMb();
  const timer = setInterval(() => {
    peak = Math.max(peak, server.rssMb());
  }, 250);
  try {
    const result = await work();
    return { result, peakRssMb: Math.max(peak, server.rssMb()) };
  } finally {
    clearInterval(timer);
  }
}
