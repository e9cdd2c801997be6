import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestIdOf, requestLog } from '../../src/api/request-log.js';
import { startServer, type RunningServer } from '../../src/api/server.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ADMIN_TOKEN } from '../support/server.js';

/** The server's own log: JSON lines, a request id on each, one access line per request, no secrets. */
interface Line { msg: string; reqId?: string; method?: string; route?: string | null; path?: string; status?: number; ms?: number; [k: string]: unknown }

const lines: Line[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
    done();
  },
});
const logger = pino({ level: 'info' }, sink);

let db: TestDatabase;
let server: RunningServer;
let scimToken: string;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startServer({ db: db.db, adminToken: ADMIN_TOKEN, publicUrl: undefined, logger }, 0, '127.0.0.1');
  const res = await fetch(`${server.url}/api/tenants`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"name":"acme"}',
  });
  scimToken = ((await res.json()) as { token: string }).token;
});

afterAll(async () => {
  await server.close();
  await db.drop();
});

/** The access line of the request that answered with this id (written when the response closes). */
async function accessLine(reqId: string): Promise<Line> {
  for (let i = 0; i < 50; i++) {
    const found = lines.filter((l) => l.msg === 'request' && l.reqId === reqId);
    if (found.length) {
      expect(found).toHaveLength(1);
      return found[0]!;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no access line for ${reqId}`);
}

describe('request ids', () => {
  it('a request without one gets a fresh UUID in the response', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the caller\'s X-Request-Id is echoed and logged', async () => {
    const res = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'lb-7f3a.42' } });
    expect(res.headers.get('x-request-id')).toBe('lb-7f3a.42');
    expect((await accessLine('lb-7f3a.42')).path).toBe('/healthz');
  });

  it.each([
    ['empty', ''],
    ['with a space and a quote', 'a b"c'],
    ['with a line break', 'a\nb'],
    ['too long', 'x'.repeat(129)],
  ])('one that is %s is replaced', (_name, header) => {
    expect(requestIdOf(header)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('the access log', () => {
  it('has one line per SCIM request with its route, status and time, and no query string or token', async () => {
    const res = await fetch(`${server.url}/scim/v2/Users?filter=${encodeURIComponent('userName eq "alice.secret@contoso.com"')}`, {
      headers: { authorization: `Bearer ${scimToken}` },
    });
    expect(res.status).toBe(200);
    const line = await accessLine(res.headers.get('x-request-id')!);
    expect(line).toMatchObject({ method: 'GET', path: '/scim/v2/Users', status: 200, level: 30 });
    expect(line.route).toMatch(/^\/scim\/v2\/?.*Users/);
    expect(line.ms).toBeGreaterThan(0);
    const all = JSON.stringify(lines);
    expect(all).not.toContain('alice.secret');
    expect(all).not.toContain(scimToken);
    expect(all).not.toContain(ADMIN_TOKEN);
  });

  it('names the route template of the admin API, and the status of a refusal', async () => {
    const id = crypto.randomUUID();
    const ok = await fetch(`${server.url}/api/tenants/${id}/tokens`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(ok.status).toBe(404);
    expect(await accessLine(ok.headers.get('x-request-id')!)).toMatchObject({
      method: 'POST', route: '/api/tenants/:id/tokens', path: `/api/tenants/${id}/tokens`, status: 404,
    });
    const refused = await fetch(`${server.url}/api/tenants?token=${ADMIN_TOKEN}`);
    expect(refused.status).toBe(401);
    expect(await accessLine(refused.headers.get('x-request-id')!)).toMatchObject({ path: '/api/tenants', status: 401, route: null });
    expect(JSON.stringify(lines)).not.toContain(ADMIN_TOKEN);
  });
});

describe('a handler\'s own log lines', () => {
  it('carry the request id, errors included, and a server error\'s access line is at error level', async () => {
    const app = express();
    app.use(requestLog(logger));
    app.get('/boom', (req) => {
      req.log!.warn({ step: 1 }, 'about to fail');
      throw new Error('boom');
    });
    app.use(((err, req, res, _next) => {
      req.log!.error({ err }, 'unexpected');
      res.status(500).end();
    }) as express.ErrorRequestHandler);
    const running = await new Promise<import('node:http').Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const { port } = running.address() as import('node:net').AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/boom`, { headers: { 'x-request-id': 'trace-boom' } });
      expect(res.status).toBe(500);
      expect((await accessLine('trace-boom')).level).toBe(50);
      expect(lines.filter((l) => l.reqId === 'trace-boom').map((l) => l.msg)).toEqual(['about to fail', 'unexpected', 'request']);
    } finally {
      await new Promise((r) => running.close(r));
    }
  });
});
