import { describe, expect, it } from 'vitest';
import {
  eqFilter, memberOperations, parseRetryAfter, redactSecrets, retryDelayMs, classifyFailure, transportFailure, isTransient,
  TargetUnreachable, TargetUnauthorized, TargetNotFoundOnQuery, ObjectConflict, ObjectNotFound, ObjectRejected,
  TargetServerError, TargetTimeout, type RetryPolicy, type AttemptFailure, type ScimClientError,
} from '../../src/provisioning/scim-client.js';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('retry schedule', () => {
  it.each([
    // attempt, retryAfterMs, random, expected
    [1, undefined, 0, 50],
    [1, undefined, 1, 100],
    [2, undefined, 0, 100],
    [2, undefined, 1, 200],
    [3, undefined, 0.5, 300],
    [3, 2_000, 0.5, 1_000], // Retry-After is capped at maxDelayMs
    [2, 250, 0.9, 250], // Retry-After wins over the backoff step
    [1, 0, 0.9, 0],
    [4, undefined, 0, null], // the bound: 4 attempts made
    [4, 10, 0, null],
  ])('after attempt %i (Retry-After %s, random %s) waits %s ms', (attempt, retryAfter, random, expected) => {
    expect(retryDelayMs(attempt, policy, retryAfter, () => random)).toBe(expected);
  });

  it('never exceeds maxDelayMs however many attempts are allowed', () => {
    const long = { maxAttempts: 50, baseDelayMs: 100, maxDelayMs: 1_000 };
    for (let attempt = 1; attempt < 50; attempt++) expect(retryDelayMs(attempt, long, undefined, () => 1)).toBeLessThanOrEqual(1_000);
  });

  it('does not retry at all with maxAttempts 1', () => {
    expect(retryDelayMs(1, { ...policy, maxAttempts: 1 }, 5, () => 0)).toBeNull();
  });
});

describe('Retry-After', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it.each([
    ['3', 3_000],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 00:00:05 GMT', 5_000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0], // a date in the past means now
    ['soon', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    [undefined, undefined],
  ])('%j → %s ms', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});

describe('filters', () => {
  it.each([
    ['userName', 'alice@example.com', 'userName eq "alice@example.com"'],
    ['displayName', 'Sales "EU"', 'displayName eq "Sales \\"EU\\""'],
    ['externalId', 'a\\b', 'externalId eq "a\\\\b"'],
    ['emails[type eq "work"].value', 'a@b.c', 'emails[type eq "work"].value eq "a@b.c"'],
  ])('%s eq %j', (path, value, expected) => {
    expect(eqFilter(path, value)).toBe(expected);
  });
});

describe('member operations per dialect', () => {
  it('legacy adds several members in one capitalised op with $ref null', () => {
    expect(memberOperations('legacy', 'add', ['a', 'b'])).toEqual([
      { op: 'Add', path: 'members', value: [{ $ref: null, value: 'a' }, { $ref: null, value: 'b' }] },
    ]);
  });
  it('legacy removes with a value array', () => {
    expect(memberOperations('legacy', 'remove', ['a', 'b'])).toEqual([
      { op: 'Remove', path: 'members', value: [{ value: 'a' }, { value: 'b' }] },
    ]);
  });
  it('compliant adds in one lowercase op', () => {
    expect(memberOperations('aadOptscim062020', 'add', ['a'])).toEqual([{ op: 'add', path: 'members', value: [{ value: 'a' }] }]);
  });
  it('compliant removes one member per op with a value filter path', () => {
    expect(memberOperations('aadOptscim062020', 'remove', ['a', 'b"c'])).toEqual([
      { op: 'remove', path: 'members[value eq "a"]' },
      { op: 'remove', path: 'members[value eq "b\\"c"]' },
    ]);
  });
});

describe('redacting recorded bodies', () => {
  it('replaces secret-looking attributes and PATCH values aimed at them, nothing else', () => {
    expect(redactSecrets({
      userName: 'a', password: 'hunter2', name: { givenName: 'A' },
      urn: { apiToken: 't' },
      Operations: [
        { op: 'replace', path: 'password', value: 'hunter2' },
        { op: 'replace', path: 'displayName', value: 'B' },
        { op: 'replace', value: { password: 'x', title: 'T' } },
      ],
    })).toEqual({
      userName: 'a', password: '[redacted]', name: { givenName: 'A' },
      urn: { apiToken: '[redacted]' },
      Operations: [
        { op: 'replace', path: 'password', value: '[redacted]' },
        { op: 'replace', path: 'displayName', value: 'B' },
        { op: 'replace', value: { password: '[redacted]', title: 'T' } },
      ],
    });
  });
});

describe('error classification', () => {
  const byId = { method: 'PATCH', route: '/Users/{id}', filterQuery: false };
  const query = { method: 'GET', route: '/Users', filterQuery: true };
  const status = (s: number, detail?: string): AttemptFailure =>
    ({ kind: 'status', status: s, retryAfterMs: undefined, body: { scimType: s === 409 ? 'uniqueness' : undefined, detail } });

  it.each<[string, typeof byId, AttemptFailure, abstract new (...a: never[]) => ScimClientError, 'job' | 'object', string]>([
    ['401', byId, status(401), TargetUnauthorized, 'job', 'Unauthorized'],
    ['403', byId, status(403), TargetUnauthorized, 'job', 'InsufficientRights'],
    ['404 on a filter query', query, status(404), TargetNotFoundOnQuery, 'job', 'SystemForCrossDomainIdentityManagementServiceIncompatible'],
    ['404 by id', byId, status(404), ObjectNotFound, 'object', 'InvalidAnchor'],
    ['409', byId, status(409), ObjectConflict, 'object', 'EntryConflict'],
    ['400', byId, status(400), ObjectRejected, 'object', 'SystemForCrossDomainIdentityManagementServiceIncompatible'],
    ['405', byId, status(405), ObjectRejected, 'object', 'MethodNotAllowed'],
    ['422', byId, status(422), ObjectRejected, 'object', 'UnprocessableEntity'],
    ['429', byId, status(429), TargetServerError, 'object', 'TooManyRequests'],
    ['500', byId, status(500), TargetServerError, 'object', 'InternalServerError'],
    ['501', byId, status(501), TargetServerError, 'object', 'NotImplemented'],
    ['503', byId, status(503), TargetServerError, 'object', 'InternalServerError'],
    ['timeout', byId, { kind: 'timeout' }, TargetTimeout, 'object', 'Timeout'],
    ['reset', byId, { kind: 'reset', code: 'ECONNRESET' }, TargetServerError, 'object', 'WebExceptionProtocolError'],
    ['refused', byId, { kind: 'unreachable', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, TargetUnreachable, 'job', 'WebExceptionProtocolError'],
  ])('%s', (_name, context, failure, type, level, code) => {
    const error = classifyFailure(context, failure, 1);
    expect(error).toBeInstanceOf(type);
    expect(error.level).toBe(level);
    expect(error.code).toBe(code);
  });

  it('puts the target detail, status and scimType in the reason', () => {
    const error = classifyFailure(byId, status(409, 'userName alice is taken'), 1);
    expect(error.reason).toBe('PATCH /Users/{id} answered HTTP 409 Conflict (scimType uniqueness): userName alice is taken');
    expect(error.detail).toBe('userName alice is taken');
    expect(classifyFailure(byId, status(500), 3).reason).toContain('after 3 attempts');
  });

  it.each<[string, unknown, AttemptFailure['kind'], boolean]>([
    ['AbortSignal timeout', Object.assign(new Error('aborted'), { name: 'TimeoutError' }), 'timeout', true],
    ['headers timeout', { code: 'UND_ERR_HEADERS_TIMEOUT' }, 'timeout', true],
    ['socket closed', { name: 'SocketError', code: 'UND_ERR_SOCKET' }, 'reset', true],
    ['ECONNRESET', { code: 'ECONNRESET' }, 'reset', true],
    ['ECONNREFUSED', { code: 'ECONNREFUSED', message: 'refused' }, 'unreachable', false],
    ['DNS', { code: 'ENOTFOUND', message: 'getaddrinfo' }, 'unreachable', false],
    ['TLS', { code: 'ERR_SSL_WRONG_VERSION_NUMBER', message: 'ssl' }, 'unreachable', false],
    ['expired certificate', { code: 'CERT_HAS_EXPIRED', message: 'cert' }, 'unreachable', false],
  ])('transport error %s → %s (retried: %s)', (_name, error, kind, transient) => {
    const failure = transportFailure(error);
    expect(failure.kind).toBe(kind);
    expect(isTransient(failure)).toBe(transient);
  });

  it.each([[429, true], [500, true], [502, true], [503, true], [501, false], [400, false], [401, false], [404, false], [409, false]])(
    'status %i is retried: %s', (s, transient) => {
      expect(isTransient(status(s))).toBe(transient);
    },
  );
});
