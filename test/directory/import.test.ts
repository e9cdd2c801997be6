import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../support/server.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app?.close(); });

async function newDirectory(): Promise<string> {
  const res = await app.admin('POST', '/api/directories', { name: `contoso-${randomUUID()}` });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

function postNdjson(directoryId: string, body: string | ReadableStream<Uint8Array>): Promise<Response> {
  return fetch(`${app.url}/api/directories/${directoryId}/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/x-ndjson' },
    body,
    duplex: 'half',
  } as RequestInit);
}

const ndjson = (records: unknown[]) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');

async function count(table: string, directoryId: string): Promise<number> {
  const [{ n }] = await app.db.sql.unsafe(`select count(*)::int as n from ${table} where directory_id = $1`, [directoryId]) as unknown as [{ n: number }];
  return n;
}

async function json<T = Record<string, unknown>>(res: Promise<Response>): Promise<T> {
  const r = await res;
  expect(r.status).toBe(200);
  return await r.json() as T;
}

interface ImportResponse {
  counts: Record<string, number>;
  rejected: number;
  errors: Array<{ index: number; kind: string; error: string }>;
  errorsTruncated: boolean;
}

describe('import: JSON body', () => {
  it('imports every kind, reports rejected records by array index, and commits the valid ones', async () => {
    const dir = await newDirectory();
    const [alice, bob, sales, app1] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const res = await app.admin('POST', `/api/directories/${dir}/import`, {
      users: [
        { id: alice, userPrincipalName: 'alice@contoso.com', department: 'Sales', employeeType: 'Contractor' },
        { id: 'not-a-uuid', userPrincipalName: 'x@contoso.com' },
        { id: bob, userPrincipalName: 'bob@contoso.com', manager: alice, accountEnabled: false },
      ],
      groups: [{ id: sales, displayName: 'Sales' }, { id: randomUUID() }],
      memberships: [{ groupId: sales, memberId: alice }, { groupId: sales, memberId: randomUUID() }],
      applications: [{ id: app1, displayName: 'ThousandEyes', appRoles: [{ id: randomUUID(), value: 'Admin', displayName: 'Admin' }] }],
      appRoleAssignments: [
        { appId: app1, principalId: sales },
        { appId: app1, principalId: bob, appRoleId: randomUUID() },
      ],
      deleted: [{ type: 'user', id: bob }, { type: 'user', id: randomUUID(), hard: true }],
    });
    expect(res.status).toBe(200);
    const body = await res.json() as ImportResponse;
    expect(body.counts).toEqual({ users: 2, groups: 1, applications: 1, memberships: 1, appRoleAssignments: 1, deleted: 1 });
    expect(body.rejected).toBe(5);
    expect(body.errors.map(({ index, kind }) => ({ index, kind }))).toEqual(expect.arrayContaining([
      { index: 1, kind: 'user' },
      { index: 1, kind: 'group' },
      { index: 1, kind: 'membership' },
      { index: 1, kind: 'appRoleAssignment' },
      { index: 1, kind: 'deleted' },
    ]));
    expect(body.errors.find((e) => e.kind === 'user')?.error).toMatch(/^id: /);
    expect(body.errors.find((e) => e.kind === 'appRoleAssignment')?.error).toMatch(/has no app role/);

    const stored = await (await app.admin('GET', `/api/directories/${dir}/users/${alice}`)).json();
    expect(stored).toMatchObject({ id: alice, department: 'Sales', employeeType: 'Contractor', accountEnabled: true, deletedDateTime: null });
    const bobNow = await (await app.admin('GET', `/api/directories/${dir}/users/${bob}`)).json();
    expect(bobNow).toMatchObject({ manager: alice, accountEnabled: false, deletedDateTime: expect.any(String) });
    expect(await count('directory_app_role_assignments', dir)).toBe(1);
  });

  it('importing the same file again changes nothing and appends no change', async () => {
    const dir = await newDirectory();
    const [u, g] = [randomUUID(), randomUUID()];
    const file = {
      users: [{ id: u, userPrincipalName: 'same@contoso.com', officeLocation: 'HQ' }],
      groups: [{ id: g, displayName: 'Same' }],
      memberships: [{ groupId: g, memberId: u }],
    };
    await json(app.admin('POST', `/api/directories/${dir}/import`, file));
    const { watermark } = await json<{ watermark: string }>(app.admin('GET', `/api/directories/${dir}`));
    expect(watermark).not.toBe('0');
    const again = await json<ImportResponse>(app.admin('POST', `/api/directories/${dir}/import`, file));
    expect(again.counts).toMatchObject({ users: 1, groups: 1, memberships: 1 });
    expect(await json(app.admin('GET', `/api/directories/${dir}`))).toMatchObject({ watermark });
  });

  it('refuses a body that is not the import shape as a whole, changing nothing', async () => {
    const dir = await newDirectory();
    for (const body of [{ people: [] }, { users: 'alice' }, [1, 2]]) {
      const res = await app.admin('POST', `/api/directories/${dir}/import`, body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await count('directory_users', dir)).toBe(0);
  });

  it('a JSON body beyond the admin API body limit is refused with 413; the same records go through as NDJSON', async () => {
    const dir = await newDirectory();
    const users = Array.from({ length: 40_000 }, (_, i) => ({ id: randomUUID(), userPrincipalName: `user${i}@contoso.com`, displayName: `User ${i} ${'x'.repeat(200)}` }));
    const tooBig = await app.admin('POST', `/api/directories/${dir}/import`, { users });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ status: 413, title: 'Payload Too Large' });
    expect(await count('directory_users', dir)).toBe(0);
    const streamed = await postNdjson(dir, ndjson(users.map((u) => ({ '@type': 'user', ...u }))));
    expect(await streamed.json()).toMatchObject({ counts: { users: 40_000 }, rejected: 0 });
  });

  it('answers 404 for an unknown directory and 415 for a body that is neither JSON nor NDJSON', async () => {
    const missing = await app.admin('POST', `/api/directories/${randomUUID()}/import`, { users: [] });
    expect(missing.status).toBe(404);
    const dir = await newDirectory();
    const csv = await fetch(`${app.url}/api/directories/${dir}/import`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' }, body: 'id,upn\n',
    });
    expect(csv.status).toBe(415);
    expect(await csv.json()).toMatchObject({ status: 415 });
  });
});

describe('import: NDJSON', () => {
  it('reports errors by line number and commits the valid lines; references resolve within a batch', async () => {
    const dir = await newDirectory();
    const [u1, u2, g1] = [randomUUID(), randomUUID(), randomUUID()];
    const res = await postNdjson(dir, ndjson([
      { '@type': 'membership', groupId: g1, memberId: u1 },
      { '@type': 'user', id: u1, userPrincipalName: 'one@contoso.com', extensionAttribute1: 'x' },
      '',
      '{"@type":"user", "id": broken',
      { '@type': 'printer', id: randomUUID() },
      { id: u2, userPrincipalName: 'no-type@contoso.com' },
      { '@type': 'group', id: g1, displayName: 'Engineering' },
      { '@type': 'user', id: u2, userPrincipalName: 'nul\u0000@contoso.com' },
      { '@type': 'deleted', type: 'membership', groupId: g1, memberId: u2 },
      '[]',
    ]));
    expect(res.status).toBe(200);
    const body = await res.json() as ImportResponse;
    expect(body.counts).toMatchObject({ users: 1, groups: 1, memberships: 1, deleted: 0 });
    expect(body.errors.map((e) => e.index)).toEqual([4, 5, 6, 8, 9, 10]);
    expect(body.errors[0]).toEqual({ index: 4, kind: 'unknown', error: 'not valid JSON' });
    expect(body.errors[1]!.error).toMatch(/unknown @type "printer"/);
    expect(body.errors[2]!.error).toBe('missing "@type"');
    expect(body.errors[3]).toMatchObject({ kind: 'user', error: expect.stringContaining('NUL') });
    expect(body.errors[4]).toMatchObject({ kind: 'deleted', error: expect.stringContaining('not a member') });
    const members = await (await app.admin('GET', `/api/directories/${dir}/groups/${g1}/members`)).json();
    expect(members).toEqual({ items: [{ memberId: u1, memberType: 'user' }], nextCursor: null });
    expect(await (await app.admin('GET', `/api/directories/${dir}/users/${u1}`)).json()).toMatchObject({ extensionAttribute1: 'x' });
  });

  it('a reference to an object of a later batch is a per-record error, not a failed import', async () => {
    const dir = await newDirectory();
    const g = randomUUID();
    const lines = [{ '@type': 'membership', groupId: g, memberId: randomUUID() }];
    for (let i = 0; i < 1000; i++) lines.push({ '@type': 'user', id: randomUUID(), userPrincipalName: `u${i}@contoso.com` } as never);
    const res = await postNdjson(dir, ndjson(lines));
    const body = await res.json() as ImportResponse;
    expect(body.counts.users).toBe(1000);
    expect(body.errors).toEqual([{ index: 1, kind: 'membership', error: `group ${g} not found` }]);
  });

  it('a request cut off midway keeps the whole batches read before the cut, and no part of the next', async () => {
    const dir = await newDirectory();
    const url = new URL(`${app.url}/api/directories/${dir}/import`);
    const req = request({
      host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/x-ndjson' },
    });
    req.on('error', () => {});
    for (let i = 0; i < 2500; i++) req.write(`${JSON.stringify({ '@type': 'user', id: randomUUID(), userPrincipalName: `u${i}@contoso.com` })}\n`);
    await expect.poll(() => count('directory_users', dir), { timeout: 10_000 }).toBe(2000);
    req.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect(await count('directory_users', dir)).toBe(2000);
    expect(await count('directory_changes', dir)).toBe(2000);
    expect((await app.admin('GET', `/api/directories/${dir}`)).status).toBe(200);
  });

  it('streams 100,000 users in one request without holding the body in memory', async () => {
    const dir = await newDirectory();
    const total = 100_000;
    const department = 'Research and Development';
    const line = (i: number) => `${JSON.stringify({
      '@type': 'user', id: randomUUID(), userPrincipalName: `user${i}@contoso.com`, mail: `user${i}@contoso.com`,
      displayName: `User Number ${i}`, givenName: 'User', surname: `Number${i}`, department, jobTitle: 'Engineer',
      employeeId: String(100000 + i), accountEnabled: i % 10 !== 0, costCenter: `CC-${i % 97}`,
    })}\n`;
    let sent = 0;
    let bytes = 0;
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= total) { controller.close(); return; }
        let chunk = '';
        for (let n = 0; n < 200 && sent < total; n++) chunk += line(sent++);
        const encoded = encoder.encode(chunk);
        bytes += encoded.length;
        controller.enqueue(encoded);
      },
    });

    // Live heap, not garbage: collect before each sample, so the figure is what is held.
    const liveHeap = () => { collectGarbage(); return process.memoryUsage().heapUsed; };
    const baseline = liveHeap();
    let peak = baseline;
    const sampler = setInterval(() => { peak = Math.max(peak, liveHeap()); }, 200);
    const started = performance.now();
    const res = await postNdjson(dir, body);
    const result = await res.json() as ImportResponse;
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);

    expect(res.status).toBe(200);
    expect(result).toMatchObject({ counts: { users: total }, rejected: 0 });
    expect(await count('directory_users', dir)).toBe(total);
    expect(await count('directory_changes', dir)).toBe(total);
    const growth = peak - baseline;
    console.log(`import: ${total} NDJSON users (${(bytes / 2 ** 20).toFixed(1)} MiB) in ${seconds.toFixed(1)} s = ${Math.round(total / seconds)} users/s; `
      + `peak live heap growth ${(growth / 2 ** 20).toFixed(1)} MiB (client and server share this process)`);
    expect(seconds).toBeLessThan(120);
    expect(growth).toBeLessThan(bytes / 4);
  }, 180_000);
});
