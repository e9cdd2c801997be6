import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import type { JobStatusResponse, JobView } from '../jobs/service.js';
import { adminClient, AdminClientError } from './admin-client.js';
import { watchJob } from './watch.js';

/** `scimflow jobs …`: clients of the job REST API (api.md "Provisioning jobs"). */

function statusLines(s: JobStatusResponse): string {
  const lines = [`state:       ${s.state}`];
  if (s.cycle) lines.push(`cycle:       ${s.cycle.kind} ${s.cycle.id}, ${s.cycle.progress.percent}% (${s.cycle.progress.processed}/${s.cycle.progress.total})`);
  if (s.lastCycle) {
    const c = s.lastCycle.counts;
    lines.push(`last cycle:  ${s.lastCycle.kind}, finished ${s.lastCycle.finishedAt} in ${s.lastCycle.durationMs} ms: `
      + `created ${c.created}, updated ${c.updated}, disabled ${c.disabled}, deleted ${c.deleted}, skipped ${c.skipped}, failed ${c.failed}`);
  }
  lines.push(`totals:      ${s.totals.users} users, ${s.totals.groups} groups`);
  if (s.quarantine) lines.push(`quarantine:  ${s.quarantine.reason} since ${s.quarantine.seriesBegan} (${s.quarantine.seriesCount} retries), next attempt ${s.quarantine.nextAttempt ?? 'none'}`);
  if (s.nextCycleAt) lines.push(`next cycle:  ${s.nextCycleAt}`);
  return lines.join('\n');
}

/** A JSON body from a file, or from stdin for `-`. */
async function jsonBody(file: string): Promise<Record<string, unknown>> {
  const text = file === '-' ? await new Promise<string>((resolve, reject) => {
    let data = '';
    process.stdin.setEncoding('utf8').on('data', (chunk) => { data += chunk; }).on('end', () => resolve(data)).on('error', reject);
  }) : await readFile(file, 'utf8');
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new AdminClientError(`${file === '-' ? 'stdin' : file} is not valid JSON`);
  }
}

const CONTROLS = ['start', 'pause', 'resume', 'stop', 'run-now', 'allow-deletes'] as const;

export function jobCommands(program: Command): void {
  const jobs = program.command('jobs').description('provisioning jobs')
    .option('--api-url <url>', 'scimflow API base URL (default SCIMFLOW_API_URL or http://127.0.0.1:$PORT)');
  const client = () => adminClient(loadConfig(), jobs.opts<{ apiUrl?: string }>().apiUrl);
  const out = (value: unknown, json: boolean | undefined, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());
  const path = (id: string, rest = '') => `/api/jobs/${encodeURIComponent(id)}${rest}`;

  jobs.command('list').option('--json', 'print JSON').action(async (opts: { json?: boolean }) => {
    const r = await client().call<{ items: JobView[] }>('GET', '/api/jobs');
    out(r, opts.json, () => r.items.map((j) => `${j.id}  ${j.state.padEnd(22)} ${j.name}`).join('\n') || 'no jobs');
  });

  jobs.command('get <id>').action(async (id: string) => {
    console.log(JSON.stringify(await client().call('GET', path(id)), null, 2));
  });

  jobs.command('create')
    .description('create a job; the body is api.md\'s job JSON (the target token is sent, never shown again)')
    .option('--file <path>', 'job JSON, or - for stdin')
    .option('--name <name>').option('--directory <id>').option('--application <id>').option('--target-url <url>')
    .option('--target-token-env <var>', 'read the target token from this environment variable', 'SCIMFLOW_TARGET_TOKEN')
    .option('--json', 'print JSON')
    .action(async (opts: { file?: string; name?: string; directory?: string; application?: string; targetUrl?: string; targetTokenEnv: string; json?: boolean }) => {
      const body = opts.file ? await jsonBody(opts.file) : {};
      const target = { ...(body.target as Record<string, unknown> | undefined) };
      if (opts.targetUrl) target.url = opts.targetUrl;
      if (process.env[opts.targetTokenEnv]) target.token = process.env[opts.targetTokenEnv];
      const job = await client().call<JobView>('POST', '/api/jobs', {
        ...body,
        ...(opts.name ? { name: opts.name } : {}),
        ...(opts.directory ? { directoryId: opts.directory } : {}),
        ...(opts.application ? { applicationId: opts.application } : {}),
        target,
      });
      out(job, opts.json, () => `job ${job.name} (${job.id}) created: ${job.state}; start it with: scimflow jobs start ${job.id}`);
    });

  jobs.command('update <id>').requiredOption('--file <path>', 'the settings to change, as JSON, or - for stdin')
    .action(async (id: string, opts: { file: string }) => {
      console.log(JSON.stringify(await client().call('PATCH', path(id), await jsonBody(opts.file)), null, 2));
    });

  jobs.command('delete <id>').action(async (id: string) => {
    await client().call('DELETE', path(id));
    console.log(`job ${id} deleted`);
  });

  jobs.command('status <id>').option('--json', 'print JSON').action(async (id: string, opts: { json?: boolean }) => {
    const s = await client().call<JobStatusResponse>('GET', path(id, '/status'));
    out(s, opts.json, () => statusLines(s));
  });

  jobs.command('watch <id>')
    .description('a live progress bar of the running (or next) cycle until it ends; exit 1 if the job then needs an admin, 3 if no cycle will come')
    .option('--interval <ms>', 'milliseconds between polls', '500')
    .action(async (id: string, opts: { interval: string }) => {
      // exit explicitly: under tsx's loader hooks a process.exitCode set this late is lost
      process.exit(await watchJob({
        status: () => client().call<JobStatusResponse>('GET', path(id, '/status')),
        write: (text) => process.stdout.write(text),
        tty: process.stdout.isTTY === true,
        intervalMs: Math.max(100, Number(opts.interval) || 500),
      }));
    });

  for (const control of CONTROLS) {
    jobs.command(`${control} <id>`).action(async (id: string) => {
      console.log(statusLines(await client().call<JobStatusResponse>('POST', path(id, `/${control}`))));
    });
  }

  jobs.command('quarantine <id>').option('--reason <text>').action(async (id: string, opts: { reason?: string }) => {
    console.log(statusLines(await client().call<JobStatusResponse>('POST', path(id, '/quarantine'), opts.reason ? { reason: opts.reason } : {})));
  });

  jobs.command('restart <id>')
    .option('--scope <scopes...>', 'Watermark Escrows QuarantineState ConnectorDataStore ForceDeletes Full', ['Watermark'])
    .action(async (id: string, opts: { scope: string[] }) => {
      console.log(statusLines(await client().call<JobStatusResponse>('POST', path(id, '/restart'), { resetScope: opts.scope })));
    });

  jobs.command('preview <id>').description('a dry-run full cycle; its log entries carry the printed cycle id').action(async (id: string) => {
    const r = await client().call<{ cycleId: string }>('POST', path(id, '/preview'));
    console.log(`preview cycle ${r.cycleId} started`);
  });

  jobs.command('test-connection <id>').action(async (id: string) => {
    const r = await client().call<{ ok: boolean; error?: string }>('POST', path(id, '/test-connection'));
    console.log(r.ok ? 'connection ok' : `connection failed: ${r.error}`);
    // exit explicitly, as watch does: a late process.exitCode is lost under tsx's loader hooks
    if (!r.ok) process.exit(1);
  });

  jobs.command('provision <id>').description('provision one user or group on demand')
    .option('--user <id>').option('--group <id>')
    .action(async (id: string, opts: { user?: string; group?: string }) => {
      const body = opts.user ? { userId: opts.user } : { groupId: opts.group };
      console.log(JSON.stringify(await client().call('POST', path(id, '/provision-on-demand'), body), null, 2));
    });
}
