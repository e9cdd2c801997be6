import { describe, expect, it } from 'vitest';
import type { AttrPath, Filter } from '../../src/scim/filter-ast.js';
import { ScimError } from '../../src/scim/errors.js';
import { parseFilter } from '../../src/scim/filter.js';
import {
  compileFilter,
  matchesFilter,
  type AttributeResolver,
  type AttributeType,
  type AttributeTypeInfo,
} from '../../src/scim/filter-eval.js';
import { attributeResolver, GROUP, USER } from '../../src/scim/schemas.js';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

interface Def extends AttributeTypeInfo {
  subs?: Record<string, Def>;
}
const def = (type: AttributeType, more: Partial<Def> = {}): Def =>
  ({ type, caseExact: false, multiValued: false, ...more });
const multi = (subs: Record<string, Def>): Def => def('complex', { multiValued: true, subs });

/** A small schema in the shape the real resolver has: case-insensitive, URN-aware. */
const coreAttributes: Record<string, Def> = {
  id: def('string', { caseExact: true }),
  username: def('string'),
  externalid: def('string', { caseExact: true }),
  displayname: def('string'),
  nickname: def('string'),
  title: def('string'),
  active: def('boolean'),
  logincount: def('integer'),
  score: def('decimal'),
  tags: def('string', { multiValued: true }),
  name: def('complex', { subs: { givenname: def('string'), familyname: def('string'), formatted: def('string') } }),
  emails: multi({ value: def('string'), type: def('string'), primary: def('boolean') }),
  phonenumbers: multi({ value: def('string'), type: def('string') }),
  addresses: multi({ locality: def('string'), type: def('string'), primary: def('boolean') }),
  ims: multi({ value: def('string'), type: def('string') }),
  x509certificates: multi({ value: def('binary', { caseExact: true }) }),
  members: multi({ value: def('string', { caseExact: true }), display: def('string') }),
  meta: def('complex', { subs: { created: def('dateTime'), lastmodified: def('dateTime') } }),
};
const enterpriseAttributes: Record<string, Def> = {
  employeenumber: def('string'),
  department: def('string'),
  manager: def('complex', { subs: { value: def('string', { caseExact: true }) } }),
};

function lookup(table: Record<string, Def>, path: AttrPath, extension?: string): AttributeTypeInfo | undefined {
  const attribute = table[path.attr.toLowerCase()];
  const found = path.sub === undefined ? attribute : attribute?.subs?.[path.sub.toLowerCase()];
  return found && { ...found, ...(extension ? { extension } : {}) };
}

const resolve: AttributeResolver = (path, parent) => {
  if (parent) return lookup(coreAttributes[parent.attr.toLowerCase()]?.subs ?? {}, path);
  const uri = path.uri?.toLowerCase();
  if (uri === undefined) return lookup(coreAttributes, path) ?? lookup(enterpriseAttributes, path, ENTERPRISE);
  if (uri === CORE.toLowerCase()) return lookup(coreAttributes, path);
  if (uri === ENTERPRISE.toLowerCase()) return lookup(enterpriseAttributes, path, ENTERPRISE);
  return undefined;
};

const user = {
  schemas: [CORE, ENTERPRISE],
  id: '2819c223-7f76-453a-919d-413861904646',
  userName: 'BJensen',
  externalId: 'Ext-1',
  displayName: 'Babs Jensen',
  nickName: '',
  title: null,
  active: true,
  loginCount: 42,
  score: 3.5,
  tags: ['alpha', 'Beta'],
  name: { givenName: 'Barbara', familyName: 'Jensen', formatted: '' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  phoneNumbers: [],
  ims: [{}],
  x509Certificates: [{ value: 'TUlJREFE' }],
  meta: { created: '2011-08-01T18:29:49.793Z', lastModified: '2011-08-01T21:32:44.882Z' },
  [ENTERPRISE]: { employeeNumber: '701984', department: '', manager: { value: 'Mgr-1' } },
};

const matches = (text: string) => matchesFilter(parseFilter(text), user, resolve, { coreSchema: CORE });

function errorOf(call: () => unknown): ScimError {
  try {
    call();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError, got a result');
}

describe('matchesFilter: strings', () => {
  it.each([
    // userName is not caseExact
    ['userName eq "bjensen"', true],
    ['userName eq "BJENSEN"', true],
    ['userName eq "bjense"', false],
    ['userName ne "bjensen"', false],
    ['userName ne "someone"', true],
    ['userName co "JENS"', true],
    ['userName co "xyz"', false],
    ['userName sw "bj"', true],
    ['userName sw "jensen"', false],
    ['userName ew "SEN"', true],
    ['userName ew "bj"', false],
    ['userName gt "a"', true],
    ['userName gt "c"', false],
    ['userName ge "BJENSEN"', true],
    ['userName lt "c"', true],
    ['userName lt "bjensen"', false],
    ['userName le "bjensen"', true],
    // externalId is caseExact
    ['externalId eq "Ext-1"', true],
    ['externalId eq "ext-1"', false],
    ['externalId co "xt-"', true],
    ['externalId co "XT-"', false],
    ['externalId sw "ext"', false],
    ['externalId gt "Ext-0"', true],
    ['externalId gt "ext-0"', false],
    ['name.givenName eq "barbara"', true],
    ['name.familyName sw "Jen"', true],
    ['displayName co " "', true],
  ])('%s → %s', (text, expected) => {
    expect(matches(text)).toBe(expected);
  });
});

describe('matchesFilter: numbers, booleans, dates', () => {
  it.each([
    ['loginCount eq 42', true],
    ['loginCount eq 42.0', true],
    ['loginCount eq "42"', true],
    ['loginCount ne 42', false],
    ['loginCount gt 41', true],
    ['loginCount gt 42', false],
    ['loginCount ge 42', true],
    ['loginCount lt 43', true],
    ['loginCount le 41', false],
    ['loginCount gt -1e3', true],
    ['score gt 3.4', true],
    ['score eq 3.5', true],
    ['score lt 3.5', false],
    ['score eq 35e-1', true],
    ['active eq true', true],
    ['active eq false', false],
    ['active ne false', true],
    ['active eq "True"', true],
    ['active eq "FALSE"', false],
    ['meta.lastModified gt "2011-08-01T20:00:00Z"', true],
    ['meta.lastModified gt "2011-08-01T21:32:44.882Z"', false],
    ['meta.lastModified ge "2011-08-01T21:32:44.882Z"', true],
    ['meta.created lt "2011-08-01T18:29:49.794Z"', true],
    ['meta.created le "2011-08-01"', false],
    // the same instant written with an offset: equal as dates, not as strings
    ['meta.created eq "2011-08-01T20:29:49.793+02:00"', true],
    ['meta.created gt "2011-08-01T19:00:00+02:00"', true],
    ['meta.created lt "2011-08-01T19:00:00+02:00"', false],
  ])('%s → %s', (text, expected) => {
    expect(matches(text)).toBe(expected);
  });
});

describe('matchesFilter: multi-valued attributes and value paths', () => {
  it.each([
    ['emails.value ew "@jensen.org"', true],
    ['emails.type eq "home"', true],
    ['emails.type eq "other"', false],
    // a complex multi-valued attribute without a sub-attribute compares its `value`
    ['emails co "example.com"', true],
    ['emails eq "babs@jensen.org"', true],
    ['emails eq "work"', false],
    // `ne` is the negation of `eq`: some email equals it, so `ne` fails
    ['emails.value ne "bjensen@example.com"', false],
    ['emails.value ne "nobody@example.com"', true],
    ['tags eq "beta"', true],
    ['tags sw "AL"', true],
    ['tags eq "gamma"', false],
    ['emails[type eq "work"]', true],
    ['emails[type eq "work" and value co "@example.com"]', true],
    // both conditions hold, but on different elements
    ['emails[type eq "home" and value co "@example.com"]', false],
    ['emails[type eq "work"].value eq "bjensen@example.com"', true],
    ['emails[type eq "home"].value eq "bjensen@example.com"', false],
    ['emails[type eq "WORK"].value pr', true],
    ['emails[not (type eq "work")]', true],
    ['emails[not (type eq "work") and primary eq true]', false],
    ['emails[primary eq true]', true],
    ['emails[primary pr and type eq "home"]', false],
    ['emails[type eq "work" or type eq "other"]', true],
    ['phoneNumbers[type eq "work"]', false],
    ['addresses[type eq "work"]', false],
    ['name[givenName eq "Barbara"]', true],
    ['not (emails[type eq "other"])', true],
    ['x509Certificates.value eq "TUlJREFE"', true],
    ['x509Certificates.value eq "tuljrefe"', false],
  ])('%s → %s', (text, expected) => {
    expect(matches(text)).toBe(expected);
  });
});

describe('matchesFilter: presence and absence', () => {
  it.each([
    ['userName pr', true],
    ['emails pr', true],
    ['name pr', true],
    ['x509Certificates pr', true],
    ['loginCount pr', true],
    ['title pr', false],
    ['nickName pr', false],
    ['name.formatted pr', false],
    ['phoneNumbers pr', false],
    ['ims pr', false],
    ['addresses pr', false],
    ['addresses.locality pr', false],
    [`${ENTERPRISE}:department pr`, false],
    [`${ENTERPRISE}:manager pr`, true],
    ['nonsense pr', false],
    ['nonsense eq "x"', false],
    ['nonsense ne "x"', true],
    ['nonsense gt 5', false],
    ['addresses.locality eq "Paris"', false],
    ['addresses.locality ne "Paris"', true],
    ['title eq null', true],
    ['title ne null', false],
    ['nickName eq null', true],
    ['userName eq null', false],
    ['userName ne null', true],
    ['nonsense eq null', true],
    ['emails eq null', false],
    ['phoneNumbers eq null', true],
  ])('%s → %s', (text, expected) => {
    expect(matches(text)).toBe(expected);
  });
});

describe('matchesFilter: names, URNs and logic', () => {
  it.each([
    ['USERNAME eq "bjensen"', true],
    ['Name.GivenName eq "Barbara"', true],
    ['EMAILS[TYPE eq "work"].VALUE sw "bjensen"', true],
    [`${CORE}:userName eq "bjensen"`, true],
    [`${CORE.toUpperCase()}:userName eq "bjensen"`, true],
    [`${CORE}:name.givenName eq "Barbara"`, true],
    [`${ENTERPRISE}:employeeNumber eq "701984"`, true],
    [`${ENTERPRISE.toLowerCase()}:EmployeeNumber eq "701984"`, true],
    ['employeeNumber eq "701984"', true],
    [`${ENTERPRISE}:manager.value eq "Mgr-1"`, true],
    [`${ENTERPRISE}:manager.value eq "mgr-1"`, false],
    [`${ENTERPRISE}:userName eq "bjensen"`, false],
    ['urn:example:other:1.0:User:userName eq "bjensen"', false],
    ['userName eq "bjensen" and active eq true', true],
    ['userName eq "bjensen" and active eq false', false],
    ['userName eq "x" or active eq true', true],
    ['userName eq "x" or active eq false', false],
    ['not (active eq false)', true],
    ['not (userName eq "bjensen")', false],
    ['userName eq "x" or userName eq "y" and active eq true', false],
    ['(userName eq "x" or userName eq "bjensen") and active eq true', true],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', false],
    ['displayName sw "Babs" and (emails co "example.com" or emails.value co "example.org")', true],
  ])('%s → %s', (text, expected) => {
    expect(matches(text)).toBe(expected);
  });

  it('looks for URN-qualified core paths inside an extension object when no core schema is named', () => {
    const filter = parseFilter(`${CORE}:userName eq "bjensen"`);
    expect(matchesFilter(filter, user, resolve)).toBe(false);
    expect(matchesFilter(filter, user, resolve, { coreSchema: CORE })).toBe(true);
  });
});

describe('matchesFilter: one element of a multi-valued attribute (PATCH element filters)', () => {
  const [work, home] = user.emails;
  const members = [{ value: 'id-1', display: 'Ann' }, { value: 'id-2', display: 'Bob' }];
  it.each([
    ['type eq "work"', work, true],
    ['type eq "WORK"', work, true],
    ['type eq "work"', home, false],
    ['value co "@jensen" and not (primary eq true)', home, true],
    ['primary pr', home, false],
  ])('emails element: %s', (text, element, expected) => {
    expect(matchesFilter(parseFilter(text), element!, resolve, { parent: { attr: 'emails' } })).toBe(expected);
  });

  it('selects members by value, case-exactly, compiling the filter once', () => {
    const byValue = compileFilter(parseFilter('value eq "id-2" or value eq "ID-1"'), resolve, { parent: { attr: 'members' } });
    expect(members.filter(byValue)).toEqual([members[1]]);
  });
});

describe('matchesFilter: comparisons the attribute type does not allow', () => {
  const nestedValuePath: Filter = {
    kind: 'valuePath',
    path: { attr: 'emails' },
    filter: { kind: 'valuePath', path: { attr: 'value' }, filter: { kind: 'present', path: { attr: 'x' } } },
  };
  it.each([
    ['active gt true', '"gt" cannot compare boolean attribute active'],
    ['active co "t"', '"co" cannot compare boolean attribute active'],
    ['emails[primary ge false]', '"ge" cannot compare boolean attribute primary'],
    ['x509Certificates.value sw "TU"', '"sw" cannot compare binary attribute x509Certificates.value'],
    ['name eq "Barbara"', 'name is complex'],
    ['meta gt "2011-01-01"', 'meta is complex'],
    ['active eq "yes"', 'active is a boolean; "yes" is not'],
    ['loginCount gt "many"', 'loginCount is a number; "many" is not'],
    ['loginCount eq true', 'loginCount is a number; true is not'],
    ['meta.created gt "yesterday"', 'meta.created is a dateTime'],
    ['meta.created gt 5', 'meta.created is a dateTime'],
    ['userName gt null', '"gt null" is not a valid comparison'],
    ['userName co null', '"co null" is not a valid comparison'],
    ['userName[value eq "x"]', 'userName is not a complex attribute'],
    // the user has no addresses: the filter is still refused, whatever the data
    ['addresses[primary gt true]', '"gt" cannot compare boolean attribute primary'],
    ['userName eq "x" and active lt false', '"lt" cannot compare boolean attribute active'],
  ])('%s', (text, message) => {
    const error = errorOf(() => matches(text));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toContain(message);
  });

  it('refuses a value filter nested in another', () => {
    const error = errorOf(() => matchesFilter(nestedValuePath, user, resolve));
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toContain('value filters do not nest');
  });
});

describe('matchesFilter with the real User and Group schemas', () => {
  const entraUser = {
    schemas: [CORE, ENTERPRISE],
    userName: 'Ann@Contoso.com',
    externalId: 'ann',
    active: false,
    emails: [{ value: 'ann@contoso.com', type: 'work', primary: true }],
    name: { givenName: 'Ann', familyName: 'Lee' },
    meta: { lastModified: '2026-01-02T03:04:05Z' },
    [ENTERPRISE]: { employeeNumber: '7', manager: { value: 'boss' } },
  };
  const userMatches = (text: string) =>
    matchesFilter(parseFilter(text), entraUser, attributeResolver(USER), { coreSchema: USER.schema.id });
  it.each([
    ['userName eq "ann@contoso.com"', true],
    ['externalId eq "ANN"', false],
    ['active eq "False"', true],
    ['emails[type eq "work"].value eq "ANN@contoso.com"', true],
    ['emails co "contoso"', true],
    ['name.familyName eq "lee"', true],
    ['meta.lastModified gt "2026-01-01T00:00:00Z"', true],
    ['employeeNumber eq "7"', true],
    [`${ENTERPRISE}:manager.value eq "boss"`, true],
    [`${CORE}:userName sw "ann"`, true],
    ['title pr', false],
  ])('%s → %s', (text, expected) => {
    expect(userMatches(text)).toBe(expected);
  });

  it('selects group members by value', () => {
    const select = compileFilter(parseFilter('value eq "u2"'), attributeResolver(GROUP), { parent: { attr: 'members' } });
    expect([{ value: 'u1' }, { value: 'u2' }].filter(select)).toEqual([{ value: 'u2' }]);
  });
});
