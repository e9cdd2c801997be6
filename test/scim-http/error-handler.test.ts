import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express, { type ErrorRequestHandler } from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendScimError } from '../../src/api/scim/errors.js';
import { ERROR_SCHEMA } from './client.js';

/**
 * What no client input can trigger in the real routes: an unexpected failure. A route that
 * throws one, behind the SCIM error handler, on a real server.
 */
const logLines: string[] = [];
let url: string;
let close: () => void;

beforeAll(async () => {
  const logger = pino(new Writable({ write(chunk, _encoding, done) { logLines.push(String(chunk)); done(); } }));
  const app = express();
  app.get('/boom', () => {
    throw new Error('connection to 10.0.0.7:5432 refused');
  });
  app.use(((err, req, res, _next) => sendScimError(err, req, res, logger)) as ErrorRequestHandler);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close?.());

describe('the SCIM error handler', () => {
  it('answers an unexpected error with a bare 500 SCIM error and logs the cause', async () => {
    const res = await fetch(`${url}/boom?filter=x`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ schemas: [ERROR_SCHEMA], status: '500' });
    expect(text).not.toMatch(/10\.0\.0\.7|refused|at .*\.ts/);
    expect(logLines.join('')).toContain('connection to 10.0.0.7:5432 refused');
    expect(logLines.join('')).toContain('"path":"/boom"');
  });
});
