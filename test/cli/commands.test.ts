import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/dev/embedded-postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ADMIN_TOKEN } from '../support/server.js';

/**
 * The command line as a user runs it (bin/scimflow.js as a child process): every command
 * loads its implementation only when it runs, so these check that each still starts, stops
 * and reports a bad environment the way it did.
 */

const bin = fileURLToPath(new URL('../../bin/scimflow.js', import.meta.url));
// only what a child needs from this process, so nothing of the test run's own settings leaks in
const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function scimflow(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...baseEnv, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** `scimflow api` until /healthz answers, then SIGTERM; what it served meanwhile comes from `whileUp`. */
async function apiSession(env: Record<string, string>, whileUp: (url: string) => Promise<void>): Promise<Run> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [bin, 'api'], { env: { ...baseEnv, ADMIN_TOKEN, PORT: String(port), LOG_LEVEL: 'warn', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`scimflow api exited with ${child.exitCode}: ${stdout}${stderr}`);
      if (Date.now() > deadline) throw new Error(`scimflow api never answered /healthz: ${stdout}${stderr}`);
      if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await whileUp(url);
  } finally {
    child.kill('SIGTERM');
  }
  return { code: await exited, stdout, stderr };
}

const jobsStatus = (url: string) => fetch(`${url}/api/jobs`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).then((r) => r.status);

describe('scimflow command line', () => {
  let database: TestDatabase;
  beforeAll(async () => { database = await createTestDatabase(); });
  afterAll(async () => { await database?.drop(); });

  it('lists every command in its help', async () => {
    const run = await scimflow(['--help'], {});
    expect(run.code).toBe(0);
    for (const command of ['migrate', 'api', 'worker', 'build-workflows', 'dev', 'tenants', 'jobs']) {
      expect(run.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('exits 2 with the reason when the environment is invalid or incomplete', async () => {
    const invalid = await scimflow(['api'], { ADMIN_TOKEN: 'short' });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('scimflow: invalid environment:\n  ADMIN_TOKEN: ADMIN_TOKEN must be at least 16 characters');

    const noDatabase = await scimflow(['api'], { ADMIN_TOKEN });
    expect(noDatabase.code).toBe(2);
    expect(noDatabase.stderr).toContain('scimflow: DATABASE_URL is required');

    const noToken = await scimflow(['tenants', 'list'], {});
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('scimflow: ADMIN_TOKEN is required for admin commands');
  });

  it('serves the API without job control when Temporal is not configured, and exits 0 on SIGTERM', async () => {
    const run = await apiSession({ DATABASE_URL: database.url }, async (url) => {
      expect(await jobsStatus(url)).toBe(404);
    });
    expect(run.code).toBe(0);
    expect(run.stderr + run.stdout).toContain('TEMPORAL_ADDRESS or SECRETS_KEY unset');
  });

  it('serves job control when Temporal and SECRETS_KEY are set, and exits 0 on SIGTERM', async () => {
    const run = await apiSession(
      { DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), SECRETS_KEY: 'test-secrets-key-0123456789' },
      async (url) => {
        expect(await jobsStatus(url)).toBe(200);
      },
    );
    expect(run.code).toBe(0);
  });
});
