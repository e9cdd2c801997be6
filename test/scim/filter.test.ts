import { describe, expect, it } from 'vitest';
import type { AttrPath, CompareOp, Filter, FilterValue } from '../../src/scim/filter-ast.js';
import { ScimError } from '../../src/scim/errors.js';
import { parseAttributeList, parseAttrPath, parseFilter, parsePatchPath } from '../../src/scim/filter.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const path = (attr: string, sub?: string, uri?: string): AttrPath =>
  ({ ...(uri ? { uri } : {}), attr, ...(sub ? { sub } : {}) });
const cmp = (attr: string | AttrPath, op: CompareOp, value: FilterValue): Filter =>
  ({ kind: 'compare', path: typeof attr === 'string' ? path(attr) : attr, op, value });
const pr = (attr: string | AttrPath): Filter =>
  ({ kind: 'present', path: typeof attr === 'string' ? path(attr) : attr });
const and = (left: Filter, right: Filter): Filter => ({ kind: 'and', left, right });
const or = (left: Filter, right: Filter): Filter => ({ kind: 'or', left, right });
const not = (filter: Filter): Filter => ({ kind: 'not', filter });
const vp = (attr: string | AttrPath, filter: Filter): Filter =>
  ({ kind: 'valuePath', path: typeof attr === 'string' ? path(attr) : attr, filter });

/** The ScimError a call throws, or a failure when it returns. */
function errorOf(call: () => unknown): ScimError {
  try {
    call();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError, got a result');
}

describe('parseFilter: operators', () => {
  it.each([
    ['userName eq "bjensen"', cmp('userName', 'eq', 'bjensen')],
    ['userName ne "bjensen"', cmp('userName', 'ne', 'bjensen')],
    ['name.familyName co "O\'Malley"', cmp(path('name', 'familyName'), 'co', "O'Malley")],
    ['userName sw "J"', cmp('userName', 'sw', 'J')],
    ['userName ew "sen"', cmp('userName', 'ew', 'sen')],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp(path('meta', 'lastModified'), 'gt', '2011-05-13T04:42:34Z')],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp(path('meta', 'lastModified'), 'ge', '2011-05-13T04:42:34Z')],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp(path('meta', 'lastModified'), 'lt', '2011-05-13T04:42:34Z')],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp(path('meta', 'lastModified'), 'le', '2011-05-13T04:42:34Z')],
    ['title pr', pr('title')],
    ['userName EQ "x"', cmp('userName', 'eq', 'x')],
    ['userName Eq "x"', cmp('userName', 'eq', 'x')],
    ['title PR', pr('title')],
    ['UserName eq "x"', cmp('UserName', 'eq', 'x')],
  ])('%s', (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });
});

describe('parseFilter: values', () => {
  it.each<[string, FilterValue]>([
    ['"plain"', 'plain'],
    ['""', ''],
    ['"say \\"hi\\""', 'say "hi"'],
    ['"back\\\\slash"', 'back\\slash'],
    ['"a\\/b"', 'a/b'],
    ['"tab\\there"', 'tab\there'],
    ['"\\b\\f\\n\\r"', '\b\f\n\r'],
    ['"caf\\u00e9"', 'café'],
    ['"\\u00C9t\\u00e9"', 'Été'],
    ['"with (parens) and [brackets] and or not"', 'with (parens) and [brackets] and or not'],
    ['"日本"', '日本'],
    ['0', 0],
    ['42', 42],
    ['-7', -7],
    ['3.25', 3.25],
    ['-0.5', -0.5],
    ['1e3', 1000],
    ['2.5E-2', 0.025],
    ['1e+2', 100],
    ['true', true],
    ['TRUE', true],
    ['False', false],
    ['null', null],
    ['NULL', null],
  ])('%s', (literal, value) => {
    expect(parseFilter(`attr eq ${literal}`)).toEqual(cmp('attr', 'eq', value));
  });
});

describe('parseFilter: logic, precedence and grouping', () => {
  const a = pr('a');
  const b = pr('b');
  const c = pr('c');
  const d = pr('d');
  it.each([
    ['a pr and b pr', and(a, b)],
    ['a pr or b pr', or(a, b)],
    ['a pr or b pr and c pr', or(a, and(b, c))],
    ['a pr and b pr or c pr', or(and(a, b), c)],
    ['a pr and b pr or c pr and d pr', or(and(a, b), and(c, d))],
    ['a pr and b pr and c pr', and(and(a, b), c)],
    ['a pr or b pr or c pr', or(or(a, b), c)],
    ['(a pr or b pr) and c pr', and(or(a, b), c)],
    ['a pr and (b pr or c pr)', and(a, or(b, c))],
    ['((a pr))', a],
    ['not (a pr)', not(a)],
    ['not (a pr) and b pr', and(not(a), b)],
    ['b pr or not (a pr and c pr)', or(b, not(and(a, c)))],
    ['not (not (a pr))', not(not(a))],
    ['NOT (a pr) AND b pr OR c pr', or(and(not(a), b), c)],
    ['a pr   and    b pr', and(a, b)],
    ['  a pr\tand\nb pr  ', and(a, b)],
    ['(a pr)and(b pr)', and(a, b)],
    ['not(a pr)', not(a)],
    ['userName eq "x"and b pr', and(cmp('userName', 'eq', 'x'), b)],
    // `not` and the logical words are attribute names where an operator follows them
    ['not eq "x"', cmp('not', 'eq', 'x')],
    ['and pr or or pr', or(pr('and'), pr('or'))],
    ['not[type eq "x"]', vp('not', cmp('type', 'eq', 'x'))],
  ])('%s', (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });

  it('follows the RFC example with nested groups and value filters', () => {
    expect(parseFilter(
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    )).toEqual(and(
      cmp('userType', 'eq', 'Employee'),
      or(cmp('emails', 'co', 'example.com'), cmp(path('emails', 'value'), 'co', 'example.org')),
    ));
  });
});

describe('parseFilter: attribute paths', () => {
  it.each([
    ['name.givenName pr', pr(path('name', 'givenName'))],
    [`${CORE}:userName eq "x"`, cmp(path('userName', undefined, CORE), 'eq', 'x')],
    [`${CORE}:name.givenName pr`, pr(path('name', 'givenName', CORE))],
    [`${ENTERPRISE}:manager.value eq "m1"`, cmp(path('manager', 'value', ENTERPRISE), 'eq', 'm1')],
    [`${ENTERPRISE}:employeeNumber eq "7"`, cmp(path('employeeNumber', undefined, ENTERPRISE), 'eq', '7')],
    ['URN:Example:Ext:x pr', pr(path('x', undefined, 'URN:Example:Ext'))],
    ['members.$ref pr', pr(path('members', '$ref'))],
    ['$ref pr', pr('$ref')],
    ['x-custom_attr9 pr', pr('x-custom_attr9')],
  ])('%s', (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });
});

describe('parseFilter: value paths', () => {
  it.each([
    ['emails[type eq "work"]', vp('emails', cmp('type', 'eq', 'work'))],
    ['emails[type eq "work" and value co "@example.com"]',
      vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com')))],
    ['emails[not (type eq "work")]', vp('emails', not(cmp('type', 'eq', 'work')))],
    ['emails[type eq "work" or (primary eq true and value pr)]',
      vp('emails', or(cmp('type', 'eq', 'work'), and(cmp('primary', 'eq', true), pr('value'))))],
    ['emails [ type eq "work" ]', vp('emails', cmp('type', 'eq', 'work'))],
    ['members[value eq "2819c223"]', vp('members', cmp('value', 'eq', '2819c223'))],
    [`${CORE}:emails[type eq "work"]`, vp(path('emails', undefined, CORE), cmp('type', 'eq', 'work'))],
    ['emails[type eq "work" and value co "@x"] or ims[type eq "xmpp" and value co "@foo.com"]',
      or(
        vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@x'))),
        vp('ims', and(cmp('type', 'eq', 'xmpp'), cmp('value', 'co', '@foo.com'))),
      )],
    ['not (emails[type eq "work"])', not(vp('emails', cmp('type', 'eq', 'work')))],
  ])('%s', (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });

  it.each([
    ['emails[type eq "work"].value eq "a@x"',
      vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'a@x')))],
    ['emails[type eq "work"].value pr', vp('emails', and(cmp('type', 'eq', 'work'), pr('value')))],
    ['emails[type eq "work" or type eq "home"].value sw "a"',
      vp('emails', and(or(cmp('type', 'eq', 'work'), cmp('type', 'eq', 'home')), cmp('value', 'sw', 'a')))],
    ['emails[type eq "work"].value eq "a@x" and active eq true',
      and(vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'a@x'))), cmp('active', 'eq', true))],
  ])('Entra form %s folds the trailing comparison into the element filter', (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });
});

describe('parseFilter: errors', () => {
  it.each([
    ['', 'expected a filter', 1],
    ['   ', 'expected a filter', 4],
    ['userName eq', 'expected a value after \'eq\'', 12],
    ['userName eq and b pr', 'expected a value after \'eq\'', 13],
    ['userName eq bjensen', 'expected a value after \'eq\'', 13],
    ['userName eq "bjensen', 'unterminated string', 13],
    ['userName eq "bad \\x escape"', 'invalid escape \'\\x\'', 18],
    ['userName eq "\\u12G4"', 'expected four hex digits', 14],
    ['userName eq "trailing\\', 'unterminated string', 13],
    ['userName like "x"', 'expected an operator', 10],
    ['userName = "x"', 'expected an operator', 10],
    ['userName', 'expected an operator', 9],
    ['title pr "x"', '\'pr\' takes no value', 10],
    ['title pr true', '\'pr\' takes no value', 10],
    ['a pr and', 'expected an attribute name', 9],
    ['a pr or or', 'expected an operator', 11],
    ['and a pr', 'expected an operator', 5],
    ['(a pr', 'to close the \'(\' at position 1', 6],
    ['a pr)', 'expected \'and\', \'or\' or the end of the filter', 5],
    ['((a pr)', 'to close the \'(\' at position 1', 8],
    ['emails[type eq "work"', 'to close the \'[\' at position 7', 22],
    ['emails type eq "work"]', 'expected an operator', 8],
    ['emails[type eq "work"]]', 'expected \'and\', \'or\' or the end', 23],
    ['emails[]', 'expected an attribute name', 8],
    ['emails[type eq "w"].', 'expected a sub-attribute name', 21],
    ['emails[type eq "w"].value', 'expected an operator', 26],
    ['emails[value[type eq "w"]]', 'value filters do not nest', 13],
    ['emails[name.givenName eq "w"]', 'expected a sub-attribute name inside', 8],
    [`emails[${CORE}:type eq "w"]`, 'expected a sub-attribute name inside', 8],
    ['name.givenName[x pr]', '\'[\' cannot follow the sub-attribute', 15],
    ['not a pr', 'expected \'(\' after \'not\'', 5],
    ['1abc eq "x"', 'expected an attribute name', 1],
    ['-x pr', 'invalid number \'-\'', 1],
    ['foo:bar pr', 'a schema prefix must start with \'urn:\'', 1],
    ['_name pr', 'expected an attribute name', 1],
    ['na!me pr', 'expected an operator', 3],
    ['a.b.c pr', 'invalid sub-attribute name \'b.c\'', 3],
    ['a..b pr', 'invalid sub-attribute name \'.b\'', 3],
    ['urn:x:y: pr', 'expected an attribute name after the schema URN', 9],
    ['urn:x:9a pr', 'invalid attribute name \'9a\'', 7],
    ['userName eq "x" userName eq "y"', 'expected \'and\', \'or\' or the end', 17],
    ['userName eq 01', 'invalid number \'01\'', 13],
    ['userName eq 1.', 'invalid number \'1.\'', 13],
    ['userName eq 1e999', 'invalid number \'1e999\'', 13],
    ['userName eq "x" @', 'found \'@\'', 17],
  ])('%j → %s (position %i)', (text, message, position) => {
    const error = errorOf(() => parseFilter(text));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toContain(message);
    expect(error.detail).toContain(`at position ${position} `);
    expect(error.detail).toContain(`in filter '${text}'`);
  });

  it('shows a window of a long filter around the error', () => {
    const text = `${'a pr and '.repeat(50)}b eq`;
    const detail = errorOf(() => parseFilter(text)).detail;
    expect(detail).toContain(`at position ${text.length + 1}`);
    expect(detail).toMatch(/in filter '….{120}'$/);
    expect(detail.endsWith("b eq'")).toBe(true);
  });

  it('refuses filters longer than 10,000 characters', () => {
    const text = `userName eq "${'x'.repeat(10_000)}"`;
    const error = errorOf(() => parseFilter(text));
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toContain('at most 10000');
    expect(error.detail.length).toBeLessThan(200);
  });

  it.each([
    ['parentheses', (n: number) => `${'('.repeat(n)}a pr${')'.repeat(n)}`],
    ['not', (n: number) => `${'not ('.repeat(n)}a pr${')'.repeat(n)}`],
  ])('accepts 64 levels of %s and refuses 65', (_kind, nest) => {
    expect(() => parseFilter(nest(64))).not.toThrow();
    const error = errorOf(() => parseFilter(nest(65)));
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toContain('nesting deeper than 64 levels');
  });

  it('refuses 5,000 open parentheses quickly, without overflowing the stack', () => {
    const started = performance.now();
    const error = errorOf(() => parseFilter('('.repeat(5_000)));
    expect(error.detail).toContain('at position 65 ');
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('parses a long flat chain of conditions', () => {
    const text = Array.from({ length: 700 }, (_, i) => `a eq ${i}`).join(' or ');
    let filter = parseFilter(text);
    let count = 1;
    while (filter.kind === 'or') {
      count++;
      filter = filter.left;
    }
    expect(count).toBe(700);
  });
});

describe('parsePatchPath', () => {
  it.each([
    ['members', { path: path('members') }],
    ['displayName', { path: path('displayName') }],
    ['name.givenName', { path: path('name', 'givenName') }],
    ['name.FamilyName', { path: path('name', 'FamilyName') }],
    ['  active  ', { path: path('active') }],
    [`${ENTERPRISE}:manager`, { path: path('manager', undefined, ENTERPRISE) }],
    [`${ENTERPRISE}:manager.value`, { path: path('manager', 'value', ENTERPRISE) }],
    [`${CORE}:userName`, { path: path('userName', undefined, CORE) }],
    ['members[value eq "2819c223-7f76-453a-919d-413861904646"]',
      { path: path('members'), filter: cmp('value', 'eq', '2819c223-7f76-453a-919d-413861904646') }],
    ['members[value eq "a" or value eq "b"]',
      { path: path('members'), filter: or(cmp('value', 'eq', 'a'), cmp('value', 'eq', 'b')) }],
    ['emails[type eq "work"].value',
      { path: path('emails'), filter: cmp('type', 'eq', 'work'), valueSub: 'value' }],
    ['addresses[type eq "work"].streetAddress',
      { path: path('addresses'), filter: cmp('type', 'eq', 'work'), valueSub: 'streetAddress' }],
    ['emails[type eq "work" and primary eq true]',
      { path: path('emails'), filter: and(cmp('type', 'eq', 'work'), cmp('primary', 'eq', true)) }],
    [`${CORE}:emails[type eq "work"].value`,
      { path: path('emails', undefined, CORE), filter: cmp('type', 'eq', 'work'), valueSub: 'value' }],
  ])('%s', (text, expected) => {
    expect(parsePatchPath(text)).toEqual(expected);
  });

  // Malformed paths are invalidPath; a malformed filter inside `[…]` is invalidFilter,
  // which RFC 7644 §3.12 lists for "PATCH (Path Filter)".
  it.each([
    ['', 'invalidPath', 'expected an attribute path', 1],
    ['name.', 'invalidPath', 'expected \'[\' or the end of the path', 5],
    ['name givenName', 'invalidPath', 'expected \'[\' or the end of the path', 6],
    ['name.given.Name', 'invalidPath', 'invalid sub-attribute name \'given.Name\'', 6],
    ['9lives', 'invalidPath', 'expected an attribute name', 1],
    ['foo:bar', 'invalidPath', 'must start with \'urn:\'', 1],
    [`${ENTERPRISE}:`, 'invalidPath', 'expected an attribute name after the schema URN', ENTERPRISE.length + 2],
    ['members[value eq "x"', 'invalidFilter', 'to close the \'[\' at position 8', 21],
    ['members[value eq]', 'invalidFilter', 'expected a value after \'eq\'', 17],
    ['members[value xx "x"]', 'invalidFilter', 'expected an operator', 15],
    ['members[]', 'invalidFilter', 'expected an attribute name', 9],
    ['emails[type eq "work"].', 'invalidPath', 'expected a sub-attribute name', 24],
    ['emails[type eq "work"].value eq "x"', 'invalidPath', 'expected the end of the path', 30],
    ['emails[type eq "work"].value.x', 'invalidPath', 'expected a sub-attribute name, found \'value.x\'', 24],
    ['emails[type eq "work"] x', 'invalidPath', 'expected \'.\' and a sub-attribute, or the end of the path', 24],
    ['name.givenName[x pr]', 'invalidPath', '\'[\' cannot follow the sub-attribute', 15],
    ['members]', 'invalidPath', 'found \']\'', 8],
  ])('%j → %s: %s (position %i)', (text, scimType, message, position) => {
    const error = errorOf(() => parsePatchPath(text));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe(scimType);
    expect(error.detail).toContain(message);
    expect(error.detail).toContain(`at position ${position} `);
    expect(error.detail).toContain(`in path '${text}'`);
  });
});

describe('parseAttributeList and parseAttrPath', () => {
  it.each([
    ['', []],
    ['  ', []],
    ['userName', [path('userName')]],
    ['userName,displayName', [path('userName'), path('displayName')]],
    ['userName , name.givenName ,emails', [path('userName'), path('name', 'givenName'), path('emails')]],
    ['members', [path('members')]],
    [`${ENTERPRISE}:manager,${CORE}:name.familyName,${ENTERPRISE}`,
      [path('manager', undefined, ENTERPRISE), path('name', 'familyName', CORE),
        path('User', undefined, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0')]],
  ])('attributes=%s', (text, expected) => {
    expect(parseAttributeList(text)).toEqual(expected);
  });

  it.each([
    ['userName', path('userName')],
    ['name.familyName', path('name', 'familyName')],
    [' meta.lastModified ', path('meta', 'lastModified')],
    [`${ENTERPRISE}:employeeNumber`, path('employeeNumber', undefined, ENTERPRISE)],
  ])('sortBy=%s', (text, expected) => {
    expect(parseAttrPath(text)).toEqual(expected);
  });

  it.each([
    [() => parseAttributeList('userName,'), 'expected an attribute name', 10],
    [() => parseAttributeList(',userName'), 'expected an attribute name', 1],
    [() => parseAttributeList('userName,,emails'), 'expected an attribute name', 10],
    [() => parseAttributeList('userName emails'), 'expected \',\' or the end of the attribute list', 10],
    [() => parseAttributeList('emails[type eq "work"]'), 'expected \',\' or the end of the attribute list', 7],
    [() => parseAttributeList('name.given.name'), 'invalid sub-attribute name', 6],
    [() => parseAttrPath(''), 'expected an attribute name', 1],
    [() => parseAttrPath('userName,emails'), 'expected the end of the attribute path', 9],
    [() => parseAttrPath('user name'), 'expected the end of the attribute path', 6],
  ])('error %#: %s at position %i', (call, message, position) => {
    const error = errorOf(call);
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toContain(message);
    expect(error.detail).toContain(`at position ${position} `);
  });
});
