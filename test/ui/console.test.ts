import path from 'node:path';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../../src/api/server.js';
import { createLogger } from '../../src/logger.js';
import { startFaultyScim, type FaultyScim } from '../support/faulty-scim.js';
import { ADMIN_TOKEN } from '../support/server.js';
import { createJobsWorld, type JobsWorld } from '../jobs/harness.js';
import { likeContaining } from '../../src/api/console-api.js';
import { writeLogs } from '../../src/provisioning/logs.js';

/**
 * The web console end to end: headless Chromium against a real API, a real job on the run's
 * Temporal dev server and its worker, a real directory and SCIM target. Each page's screenshot
 * goes to test-results/screenshots/ (git-ignored), or to SCREENSHOT_DIR — `SCREENSHOT_DIR=docs/screenshots`
 * refreshes the ones the README shows — so an ordinary run leaves the tree clean.
 */

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = `${path.resolve(process.env.SCREENSHOT_DIR ?? fileURLToPath(new URL('../../test-results/screenshots', import.meta.url)))}/`;
const TEMPORAL_UI = 'http://temporal-ui.example';
/** the slow job's target answers each request after this long, so its cycle is still running while the list is looked at */
const SLOW_TARGET_MS = 12_000;

// a browser step waits for the page, which waits for the API and Temporal
vi.setConfig({ testTimeout: 60_000 });

let world: JobsWorld;
let slowTarget: FaultyScim;
let brokenTarget: FaultyScim;
let server: RunningServer;
let browser: Browser;
let page: Page;
let jobId: string;
let slowJobId: string;
let brokenJobId: string;
let carolId: string;
const consoleErrors: string[] = [];

const screenshot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
// browser-side expressions as strings: the test's TypeScript has no DOM types
const TOKEN_KEY = 'scimflow.adminToken';
const storedToken = `sessionStorage.getItem('${TOKEN_KEY}')`;
/** the page changes after API calls and Temporal updates; a loaded machine may take seconds */
const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 });
const stateBadge = () => page.locator('.title-row [data-state]');

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; run: bash scripts/install-tools.sh --with-browser (npm test does)`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  world = await createJobsWorld();
  await world.startWorker();
  // the console's own server: the harness's plus the Temporal Web UI link
  server = await startServer({
    db: world.app.db.db, adminToken: ADMIN_TOKEN, publicUrl: undefined, logger: createLogger('silent'), jobs: world.service,
    temporalUi: { url: TEMPORAL_UI, namespace: 'default' },
  }, 0, '127.0.0.1');

  const alice = await world.user({ name: 'Alice Archer', jobTitle: 'Account Executive', department: 'Sales' });
  const bob = await world.user({ name: 'Bob Baker', jobTitle: 'Engineer', department: 'R&D' });
  // markup in a name must reach the page as text
  const dana = await world.user({
    name: 'Dana <img src=x onerror="window.__injected=1">', userPrincipalName: 'dana.doe@contoso.com', mail: 'dana.doe@contoso.com',
    mailNickname: 'danadoe',
  });
  for (const id of [alice, bob, dana]) await world.assign(id);
  jobId = await world.createJobViaApi();
  await world.call('POST', `/api/jobs/${jobId}/start`);
  const first = await world.waitForStatus(jobId, (s) => s.lastCycle !== null && s.cycle === null);

  // an incremental cycle with an update, so the log has modified properties to show
  await world.updateUser(alice, { jobTitle: 'Sales Lead' });
  await world.call('POST', `/api/jobs/${jobId}/run-now`);
  await world.waitForStatus(jobId, (s) => s.lastCycle !== null && s.lastCycle.id !== first.lastCycle!.id && s.cycle === null);

  // assigned after the last cycle: only provisioning on demand will send her before the next one
  carolId = await world.user({ name: 'Carol Cruz', department: 'Sales' });
  await world.assign(carolId);

  // a second job whose initial cycle is under way while the jobs list is looked at
  slowTarget = await startFaultyScim({ latencyMs: SLOW_TARGET_MS });
  const slowRes = await world.call<{ id: string }>('POST', '/api/jobs', {
    name: 'Slow Wiki', directoryId: world.directoryId, applicationId: world.applicationId,
    target: { url: slowTarget.url, token: slowTarget.token },
  });
  slowJobId = slowRes.body.id;
  await world.call('POST', `/api/jobs/${slowJobId}/start`);
  await world.waitForStatus(slowJobId, (s) => s.cycle !== null);

  // and a third whose target refuses its token: quarantined at its first cycle
  brokenTarget = await startFaultyScim();
  brokenTarget.fault({ fault: { status: 401, body: { detail: 'token expired' } } });
  brokenJobId = await world.createJobViaApi({ name: 'Broken CRM' }, { url: brokenTarget.url, token: brokenTarget.token });
  await world.call('POST', `/api/jobs/${brokenJobId}/start`);
  await world.waitForStatus(brokenJobId, (s) => s.state === 'Quarantine');

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (message) => {
    // refused requests are logged by the browser itself; the tests below provoke some on purpose
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  // the slow job's workflow goes with it; its activity stops at the next heartbeat
  if (slowJobId) await world.call('DELETE', `/api/jobs/${slowJobId}`);
  await server?.close();
  await world?.close();
  await slowTarget?.close();
  await brokenTarget?.close();
}, 120_000);

describe('signing in', () => {
  it('asks for the admin token, refuses a wrong one and keeps the right one for the tab', async () => {
    await page.goto(`${server.url}/ui`);
    await eventually(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    expect(new URL(page.url()).pathname).toBe('/ui/');
    await screenshot('login');

    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await eventually(() => page.getByRole('alert').textContent()).toContain('refused');

    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Provisioning jobs' }).waitFor();
    expect(await page.evaluate(storedToken)).toBe(ADMIN_TOKEN);

    await page.reload();
    await page.getByRole('heading', { name: 'Provisioning jobs' }).waitFor();
  });
});

describe('the jobs list', () => {
  it('shows each job with its state, the running cycle\'s progress, the next cycle and the last cycle', async () => {
    const row = page.locator(`tr[data-job-id="${jobId}"]`);
    await row.waitFor();
    expect(await row.getByRole('link').textContent()).toBe('ThousandEyes');
    expect(await row.locator('[data-state]').textContent()).toBe('Active');
    expect(await row.textContent()).toContain('incremental');
    expect(await row.textContent()).toContain('1 updated');
    expect(await row.locator('time').count()).toBeGreaterThanOrEqual(2);

    const slow = page.locator(`tr[data-job-id="${slowJobId}"]`);
    await slow.locator('progress').waitFor();
    expect(await slow.textContent()).toMatch(/\d+% · \d+ of \d+/);
    expect(await slow.textContent()).toContain('initial cycle');
    expect(await page.locator(`tr[data-job-id="${brokenJobId}"] [data-state]`).textContent()).toBe('Quarantine');
    await screenshot('jobs');
  });
});

describe('the job page', () => {
  it('shows the job\'s state, its cycles and a link to its workflow in the Temporal Web UI', async () => {
    await page.getByRole('link', { name: 'ThousandEyes' }).click();
    await page.getByRole('heading', { name: 'ThousandEyes' }).waitFor();
    await eventually(() => stateBadge().textContent()).toBe('Active');
    const link = page.getByRole('link', { name: /in the Temporal Web UI/ });
    expect(await link.getAttribute('href')).toBe(`${TEMPORAL_UI}/namespaces/default/workflows/provisioning-job-${jobId}`);
    const cycles = page.locator('table.cycles tbody tr');
    await eventually(() => cycles.count()).toBe(2);
    expect(await cycles.nth(0).textContent()).toContain('incremental');
    expect(await cycles.nth(1).textContent()).toContain('initial');
  });

  it('filters the log to one user and expands an entry to its steps and modified properties', async () => {
    await page.getByLabel('Identity contains').fill('alice');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const entries = page.locator('tr.log-entry');
    // her Create and her Update, and no one else's
    await eventually(async () => {
      const texts = await entries.allTextContents();
      return texts.length >= 2 && texts.every((text) => text.includes('Alice Archer'));
    }).toBe(true);

    await page.getByLabel('Action', { exact: true }).selectOption('Update');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await eventually(() => entries.count()).toBe(1);
    const toggle = page.getByRole('button', { name: 'Details of Update Alice Archer' });
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const detail = page.locator('tr.log-detail:not([hidden])');
    const steps = await detail.locator('.step-name').allTextContents();
    expect(steps).toEqual(expect.arrayContaining(['import', 'scoping', 'matching', 'export']));
    const title = detail.locator('table.properties tr', { hasText: 'title' });
    expect(await title.locator('td.old').textContent()).toBe('Account Executive');
    expect(await title.locator('td.new').textContent()).toBe('Sales Lead');
    await screenshot('job-log');
  });

  it('shows names with markup as text', async () => {
    await page.getByLabel('Action', { exact: true }).selectOption('');
    await page.getByLabel('Identity contains').fill('dana');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await eventually(() => page.locator('tr.log-entry').first().textContent()).toContain('Dana <img src=x onerror="window.__injected=1">');
    expect(await page.locator('tr.log-entry img').count()).toBe(0);
    expect(await page.evaluate('window.__injected')).toBeUndefined();
  });

  it('pages through a long log with "Load more" and exports the filtered log as CSV', async () => {
    // more entries for one identity than a page holds
    await writeLogs(world.app.db.db, Array.from({ length: 60 }, (_, i) => ({
      jobId, cycleId: null, action: 'Other' as const, status: 'Skipped' as const,
      sourceIdentity: { id: `pat-${i}`, type: 'User' as const, displayName: 'Paging Pat' },
      targetIdentity: { id: null, type: 'User' as const, displayName: null },
      durationMs: 1, error: null, modifiedProperties: [], steps: [],
    })));
    await page.getByLabel('Identity contains').fill('paging pat');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const entries = page.locator('tr.log-entry');
    await eventually(() => entries.count()).toBe(50);
    await page.getByRole('button', { name: 'Load more' }).click();
    await eventually(() => entries.count()).toBe(60);
    expect(await page.getByRole('button', { name: 'Load more' }).isHidden()).toBe(true);
    const ids = await page.locator('tr.log-entry').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-entry-id')));
    expect(new Set(ids).size).toBe(60);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`provisioning-log-${jobId}.csv`);
    const csv = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
    expect(csv).toHaveLength(61);
    expect(csv.slice(1).every((line) => line.includes('Paging Pat'))).toBe(true);
  });

  it('shows one cycle\'s log from the cycle history', async () => {
    await page.getByLabel('Identity contains').fill('');
    await page.locator('table.cycles tbody tr', { hasText: 'initial' }).getByRole('button', { name: 'Show log' }).click();
    const entries = page.locator('tr.log-entry');
    await eventually(async () => (await entries.allTextContents()).every((t) => t.includes('Create')) && (await entries.count()) === 3).toBe(true);
  });

  it('pauses and resumes the job', async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    await eventually(() => stateBadge().textContent()).toBe('Paused');
    expect((await world.status(jobId)).state).toBe('Paused');
    expect(await page.getByRole('button', { name: 'Run now' }).isDisabled()).toBe(true);

    await page.getByRole('button', { name: 'Resume' }).click();
    await eventually(() => stateBadge().textContent()).toBe('Active');
    expect((await world.status(jobId)).state).toBe('Active');
    expect(await page.getByRole('button', { name: 'Resume' }).isDisabled()).toBe(true);
  });

  it('provisions on demand a user picked by name, showing each step', async () => {
    expect(await world.targetUser('carol.cruz@contoso.com')).toBeUndefined();
    await page.getByLabel('User name').fill('carol');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('button', { name: 'Provision Carol Cruz' }).click();
    const outcome = page.locator('.on-demand-entry');
    await outcome.waitFor();
    expect(await outcome.textContent()).toContain('Create');
    expect(await outcome.textContent()).toContain('Success');
    expect(await outcome.locator('.step-name').allTextContents()).toEqual(expect.arrayContaining(['import', 'scoping', 'matching', 'export']));
    expect(await world.targetUser('carol.cruz@contoso.com')).toBeDefined();
    await outcome.scrollIntoViewIfNeeded();
    await screenshot('job');
  });
});

describe('restarting', () => {
  it('restarts with the reset scopes ticked: the watermark reset makes the next cycle a full one', async () => {
    await page.getByText('Restart with reset scopes…').click();
    expect(await page.getByRole('checkbox', { name: /^Watermark/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Restart' }).click();
    await eventually(() => page.locator('.card', { hasText: 'Controls' }).getByRole('status').textContent()).toBe('Done: the job is Active.');
    const cycles = page.locator('table.cycles tbody tr');
    await eventually(() => cycles.count()).toBe(3);
    expect(await cycles.first().textContent()).toContain('initial');
  });
});

describe('a quarantined job', () => {
  it('shows why and when the next attempt is', async () => {
    await page.goto(`${server.url}/ui/#/jobs/${brokenJobId}`);
    const section = page.getByRole('region', { name: 'Quarantine' });
    await section.waitFor();
    const status = await world.status(brokenJobId);
    expect(await section.textContent()).toContain(status.quarantine!.reason);
    expect(await section.locator('time').nth(1).getAttribute('datetime')).toBe(status.quarantine!.nextAttempt);
    expect(await section.getByText('Attempts in this series').isVisible()).toBe(true);
    expect(await stateBadge().textContent()).toBe('Quarantine');
    await screenshot('quarantine');
  });
});

describe('the session', () => {
  it('returns to the login screen when the token stops being accepted', async () => {
    await page.evaluate(`sessionStorage.setItem('${TOKEN_KEY}', 'a-token-that-was-revoked')`);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('refused');
    expect(await page.evaluate(storedToken)).toBeNull();
    expect((await world.status(brokenJobId)).state).toBe('Quarantine');
  });

  it('logged no script errors on the way', () => {
    expect(consoleErrors).toEqual([]);
  });
});

describe('the console\'s read-only API', () => {
  it('lists a job\'s cycles newest first with their counts and durations', async () => {
    const res = await world.call<{ items: Array<{ kind: string; status: string; durationMs: number; counts: Record<string, number> }> }>(
      'GET', `/api/jobs/${jobId}/cycles`);
    expect(res.status).toBe(200);
    // the restart's full cycle, the incremental one with Alice's update, the first one
    expect(res.body.items.map((c) => c.kind)).toEqual(['initial', 'incremental', 'initial']);
    expect(res.body.items[1]).toMatchObject({ status: 'succeeded', counts: { updated: 1 } });
    expect(res.body.items[1]!.durationMs).toBeGreaterThan(0);
    expect((await world.call<{ items: unknown[] }>('GET', `/api/jobs/${jobId}/cycles?limit=1`)).body.items).toHaveLength(1);
    expect((await world.call('GET', `/api/jobs/${jobId}/cycles?limit=0`)).status).toBe(400);
  });

  it('finds the job\'s directory users by any part of their name, case-insensitively and literally', async () => {
    const found = (search: string) => world.call<{ items: Array<{ displayName: string }> }>(
      'GET', `/api/jobs/${jobId}/users?search=${encodeURIComponent(search)}`).then((r) => r.body.items.map((u) => u.displayName));
    expect(await found('ARCH')).toEqual(['Alice Archer']);
    expect(await found('contoso.com')).toHaveLength(4);
    expect(await found('%')).toEqual([]);
    expect(await found('Al_ce')).toEqual([]);
    expect((await world.call('GET', `/api/jobs/${jobId}/users`)).status).toBe(400);
  });

  it('answers problem JSON for an unknown job and a malformed id', async () => {
    const unknown = await world.call<{ status: number; detail: string }>('GET', '/api/jobs/8b0f5a1e-5d1c-4b7e-9f0a-1c2d3e4f5a6b/cycles');
    expect(unknown).toMatchObject({ status: 404, body: { status: 404 } });
    expect((await world.call('GET', '/api/jobs/not-a-uuid/users?search=a')).status).toBe(400);
  });

  it('names the job\'s workflow, and links the Web UI only when its URL is configured', async () => {
    const res = await world.call('GET', `/api/jobs/${jobId}/workflow`);
    expect(res).toEqual({ status: 200, body: { workflowId: `provisioning-job-${jobId}`, webUiUrl: null } });
  });

  it('serves the console\'s assets without a token, under a policy that lets only its own scripts run', async () => {
    const res = await fetch(`${server.url}/ui/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<script type="module" src="app.js">');
    expect((await fetch(`${server.url}/ui/missing.js`)).status).toBe(404);
  });
});

describe('likeContaining', () => {
  it.each([
    ['alice', '%alice%'],
    ['50%', '%50\\%%'],
    ['a_b', '%a\\_b%'],
    ['back\\slash', '%back\\\\slash%'],
  ])('%s becomes %s', (search, pattern) => {
    expect(likeContaining(search)).toBe(pattern);
  });
});
