import { describe, expect, it } from 'vitest';
import { buildLogQuery, decodeCursor, encodeCursor, likePattern, pageOf } from '../../src/provisioning/log-query.js';
import { csvField, csvRecord, CSV_HEADER } from '../../src/provisioning/log-export.js';
import type { LogEntry } from '../../src/provisioning/logs.js';

const JOB = '6f1c1a52-2f43-4b4e-9d1e-0a4d5c6b7e8f';

describe('buildLogQuery', () => {
  it.each([
    ['no filter: the job only, newest first', {}, {}, ['job_id = $1::uuid'], [JOB]],
    ['statuses and actions as arrays', { statuses: ['Failure', 'Skipped'], actions: ['Create'] }, {},
      ['status = any($2::text[])', 'action = any($3::text[])'], [JOB, ['Failure', 'Skipped'], ['Create']]],
    ['an empty list filters nothing', { statuses: [] }, {}, ['job_id = $1::uuid'], [JOB]],
    ['time window: since inclusive, until exclusive',
      { since: new Date('2026-01-01T00:00:00Z'), until: new Date('2026-01-02T00:00:00Z') }, {},
      ['at >= $2::timestamptz', 'at < $3::timestamptz'], [JOB, '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z']],
    ['free text over the indexed identity text', { q: 'ali' }, {}, ['ilike $2::text'], [JOB, '%ali%']],
    ['a cursor is a keyset bound and the limit a parameter', { cycleId: JOB, sourceId: 'u1' }, { beforeId: '42', limit: 101 },
      ['cycle_id = $2::uuid', 'source_id = $3::text', 'id < $4::bigint', 'limit $5::int'], [JOB, JOB, 'u1', '42', 101]],
  ] as const)('%s', (_name, filter, page, fragments, params) => {
    const statement = buildLogQuery({ jobId: JOB, ...filter }, page);
    for (const fragment of fragments) expect(statement.text).toContain(fragment);
    expect(statement.text).toMatch(/order by id desc/);
    expect(statement.text).not.toMatch(/offset/i);
    expect(statement.params).toEqual(params);
  });

  it('without a limit reads everything (an export)', () => {
    expect(buildLogQuery({ jobId: JOB }).text).not.toMatch(/limit/);
  });
});

describe('likePattern', () => {
  it.each([
    ['alice', '%alice%'],
    ['100%', '%100\\%%'],
    ['a_b', '%a\\_b%'],
    ['back\\slash', '%back\\\\slash%'],
  ])('%s → %s', (q, pattern) => {
    expect(likePattern(q)).toBe(pattern);
  });
});

describe('cursors', () => {
  it('round-trip an id', () => {
    expect(decodeCursor(encodeCursor('123456789012'))).toBe('123456789012');
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['someone else\'s prefix', Buffer.from('x:12').toString('base64url')],
    ['not a number', Buffer.from('log:12; drop table').toString('base64url')],
    ['zero', Buffer.from('log:0').toString('base64url')],
    ['beyond bigint', Buffer.from(`log:${'9'.repeat(20)}`).toString('base64url')],
  ])('refuse %s', (_name, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });

  it('a page with one row too many has a cursor at its last item', () => {
    const rows = [{ id: '5' }, { id: '4' }, { id: '3' }];
    const page = pageOf(rows, 2);
    expect(page.items).toEqual([{ id: '5' }, { id: '4' }]);
    expect(decodeCursor(page.nextCursor!)).toBe('4');
    expect(pageOf(rows, 3).nextCursor).toBeNull();
  });
});

describe('CSV', () => {
  it.each([
    [null, ''],
    [12, '12'],
    ['plain', 'plain'],
    ['Doe, Jane', '"Doe, Jane"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\r\nlines', '"two\r\nlines"'],
    ['=HYPERLINK("https://evil.example","x")', '"\'=HYPERLINK(""https://evil.example"",""x"")"'],
    ['+1 555 0100', "'+1 555 0100"],
    ['-x', "'-x"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    [-5, '-5'],
    ['a=b', 'a=b'],
  ])('field %j → %j', (value, field) => {
    expect(csvField(value)).toBe(field);
  });

  it('a record has a field per header column, nested parts as JSON', () => {
    const entry: LogEntry = {
      id: '7', at: '2026-01-01T00:00:00.000Z', jobId: JOB, cycleId: null, changeId: JOB, action: 'Update', status: 'Failure',
      sourceIdentity: { id: 's', type: 'User', displayName: 'Doe, Jane' },
      targetIdentity: { id: null, type: 'User', displayName: null },
      durationMs: 3, error: { code: 'EntryConflict', reason: 'HTTP 409' },
      modifiedProperties: [{ name: 'title', oldValue: 'a', newValue: 'b' }], steps: [],
    };
    expect(CSV_HEADER.split(',')).toHaveLength(17);
    expect(csvRecord(entry)).toBe(
      `7,2026-01-01T00:00:00.000Z,${JOB},,${JOB},Update,Failure,User,s,"Doe, Jane",,,3,EntryConflict,HTTP 409,`
      + '"[{""name"":""title"",""oldValue"":""a"",""newValue"":""b""}]",[]\r\n',
    );
  });
});
