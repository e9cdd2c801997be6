import { describe, expect, it } from 'vitest';
import { ndjsonRecords, type RawRecord } from '../../src/directory/import.js';
import { applicationRecord, assignmentRecord, deletionRecord, groupRecord, userRecord } from '../../src/directory/records.js';

const ID = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11';
const id = ID.toLowerCase();

async function read(chunks: string[] | Buffer[], maxLineLength?: number): Promise<RawRecord[]> {
  async function* source() { yield* chunks; }
  const out: RawRecord[] = [];
  for await (const r of ndjsonRecords(source(), maxLineLength)) out.push(r);
  return out;
}

describe('ndjsonRecords: lines as they arrive', () => {
  const user = { '@type': 'user', id, userPrincipalName: 'a@contoso.com' };
  const line = JSON.stringify(user);
  const cases: Array<{ name: string; chunks: string[]; expected: RawRecord[]; max?: number }> = [
    { name: 'one line per record, numbered from 1', chunks: [`${line}\n${line}\n`], expected: [
      { index: 1, kind: 'user', value: { id, userPrincipalName: 'a@contoso.com' } },
      { index: 2, kind: 'user', value: { id, userPrincipalName: 'a@contoso.com' } },
    ] },
    { name: 'a record split across chunks; no final newline', chunks: [line.slice(0, 10), line.slice(10)], expected: [
      { index: 1, kind: 'user', value: { id, userPrincipalName: 'a@contoso.com' } },
    ] },
    { name: 'blank lines and CRLF are skipped but counted', chunks: [`\r\n\n${line}\r\n`], expected: [
      { index: 3, kind: 'user', value: { id, userPrincipalName: 'a@contoso.com' } },
    ] },
    { name: 'bad JSON', chunks: ['{"@type":\n'], expected: [{ index: 1, kind: 'unknown', error: 'not valid JSON' }] },
    { name: 'not an object', chunks: ['42\n["user"]\n'], expected: [
      { index: 1, kind: 'unknown', error: 'each line must be a JSON object with "@type"' },
      { index: 2, kind: 'unknown', error: 'each line must be a JSON object with "@type"' },
    ] },
    { name: 'no @type', chunks: ['{"id":"x"}\n'], expected: [{ index: 1, kind: 'unknown', error: 'missing "@type"' }] },
    { name: 'an over-long line is rejected and skipped, the next one read', chunks: [`{"@type":"user","x":"${'a'.repeat(50)}`, `${'b'.repeat(50)}"}\n${line}\n`], max: 40, expected: [
      { index: 1, kind: 'unknown', error: 'line longer than 40 characters' },
      { index: 2, kind: 'user', value: { id, userPrincipalName: 'a@contoso.com' } },
    ] },
  ];
  for (const c of cases) {
    it(c.name, async () => { expect(await read(c.chunks, c.max)).toEqual(c.expected); });
  }

  it('decodes UTF-8 split inside a character', async () => {
    const bytes = Buffer.from(`${JSON.stringify({ '@type': 'group', displayName: 'Ünïcødé' })}\n`);
    const cut = bytes.indexOf(0xc3) + 1;
    expect(await read([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual([{ index: 1, kind: 'group', value: { displayName: 'Ünïcødé' } }]);
  });
});

describe('records: Graph JSON in, columns and extras out', () => {
  it('a user keeps unknown attributes apart, defaults accountEnabled, lowercases ids', () => {
    expect(userRecord.parse({
      id: ID, userPrincipalName: ' a@contoso.com ', manager: ID, extensionAttribute1: { x: [1] }, deletedDateTime: 'ignored',
      '@odata.type': '#microsoft.graph.user',
    })).toEqual({
      id,
      attributes: {
        userPrincipalName: 'a@contoso.com', mail: null, mailNickname: null, displayName: null, givenName: null, surname: null,
        jobTitle: null, department: null, employeeId: null, telephoneNumber: null, mobile: null, accountEnabled: true, manager: id,
      },
      extra: { extensionAttribute1: { x: [1] } },
    });
  });

  it('a manager may come in Graph\'s expanded form', () => {
    expect(userRecord.parse({ id, userPrincipalName: 'a', manager: { id: ID, displayName: 'Boss' } }).attributes.manager).toBe(id);
  });

  const invalid: Array<[string, typeof userRecord | typeof groupRecord | typeof applicationRecord | typeof assignmentRecord | typeof deletionRecord, unknown, RegExp]> = [
    ['user without userPrincipalName', userRecord, { id }, /userPrincipalName/],
    ['user with a non-UUID id', userRecord, { id: '42', userPrincipalName: 'a' }, /^id: /],
    ['user with a string accountEnabled', userRecord, { id, userPrincipalName: 'a', accountEnabled: 'true' }, /accountEnabled/],
    ['user with NUL in an extra attribute', userRecord, { id, userPrincipalName: 'a', note: 'x\u0000' }, /NUL/],
    ['user with an over-long attribute', userRecord, { id, userPrincipalName: 'a', department: 'x'.repeat(1025) }, /department/],
    ['group without displayName', groupRecord, { id }, /displayName/],
    ['application with duplicate role ids', applicationRecord, { id, displayName: 'A', appRoles: [{ id, displayName: 'R' }, { id, displayName: 'S' }] }, /unique/],
    ['assignment without principal', assignmentRecord, { appId: id }, /principalId/],
    ['deletion of an unknown type', deletionRecord, { type: 'printer', id }, /type/],
  ];
  for (const [name, schema, input, message] of invalid) {
    it(`rejects ${name}`, () => {
      const result = schema.safeParse(input);
      expect(result.success).toBe(false);
      expect(result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')).toMatch(message);
    });
  }

  it('an assignment without a role is Default Access; a deletion is soft unless hard', () => {
    expect(assignmentRecord.parse({ appId: id, principalId: id })).toMatchObject({ appRoleId: '00000000-0000-0000-0000-000000000000' });
    expect(deletionRecord.parse({ type: 'user', id })).toEqual({ type: 'user', id, hard: false });
  });
});
