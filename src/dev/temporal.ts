import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';

/**
 * The Temporal CLI's dev server, from the wheels scripts/install-tools.sh puts in .tools/.
 * scimflow starts it itself rather than through @temporalio/testing so that it can keep its
 * state in DATA_DIR, serve the Web UI on a chosen port and take longer than the SDK's 5 s
 * start-up probe on a busy machine.
 */
const toolsBin = fileURLToPath(new URL('../../.tools/venv/bin/', import.meta.url));

export function temporalToolPath(name: 'temporal' | 'temporal-test-server'): string {
  const file = path.join(toolsBin, name);
  if (!existsSync(file)) {
    throw new Error(`${name} is not installed; run: bash scripts/install-tools.sh (npm start and npm test do this)`);
  }
  return file;
}

export interface DevTemporalOptions {
  /** SQLite file for persistence; omitted = in memory (tests) */
  dbFile?: string;
  port: number;
  /** omitted = headless */
  uiPort?: number;
  namespace: string;
  searchAttributes: Record<string, 'Keyword' | 'Int' | 'Text' | 'Datetime' | 'Bool' | 'Double' | 'KeywordList'>;
  log?: (line: string) => void;
}

export interface DevTemporal {
  address: string;
  uiUrl: string | undefined;
  stop(): Promise<void>;
}

export async function startDevTemporal(options: DevTemporalOptions): Promise<DevTemporal> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  if (options.dbFile) {
    await mkdir(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  if (options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.namespace !== 'default') args.push('--namespace', options.namespace);
  for (const [name, type] of Object.entries(options.searchAttributes)) args.push('--search-attribute', `${name}=${type}`);

  const child = spawn(temporalToolPath('temporal'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output.push(text);
    if (output.length > 50) output.shift();
    options.log?.(text);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  const address = `127.0.0.1:${options.port}`;
  try {
    await waitUntilServing(address, child, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`the Temporal dev server did not start: ${(err as Error).message}\n${output.join('')}`);
  }
  return {
    address,
    uiUrl: options.uiPort === undefined ? undefined : `http://localhost:${options.uiPort}`,
    stop: () => stopChild(child),
  };
}

async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.healthService.check({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`not serving after ${timeoutMs} ms: ${(lastError as Error | undefined)?.message ?? 'unknown'}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
