import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateExpression,
  ExpressionEvaluationError,
  parseExpression,
  toText,
} from '../../src/provisioning/expressions/index.js';
import { fixedContext, user } from './helpers.js';

/** Evaluates `expression` for a user with `attributes`, as the text Entra would send. */
function run(expression: string, attributes: Record<string, unknown> = {}, isSoftDeleted = false) {
  const result = evaluateExpression(parseExpression(expression), user(attributes, { isSoftDeleted }), fixedContext());
  if (result.ignored) return 'IGNORED';
  return Array.isArray(result.value) ? result.value : toText(result.value);
}

type Row = [expression: string, attributes: Record<string, unknown>, expected: unknown];

describe('expression functions, with the examples of Microsoft\'s reference page', () => {
  const rows: Row[] = [
    // Append
    ['Append([userPrincipalName], ".test")', { userPrincipalName: 'John.Doe@contoso.com' }, 'John.Doe@contoso.com.test'],
    ['Append([userPrincipalName], ".test")', {}, null],
    ['Append([userPrincipalName], [missing])', { userPrincipalName: 'a' }, 'a'],
    // BitAnd (hex literals as in the doc)
    ['BitAnd(&HF, &HF7)', {}, '7'],
    ['BitAnd([userAccountControl], 2)', { userAccountControl: 514 }, '2'],
    ['BitAnd([userAccountControl], 2)', { userAccountControl: '512' }, '0'],
    ['BitAnd([missing], 2)', {}, null],
    // CBool
    ['CBool([a] = [b])', { a: 'x', b: 'x' }, 'True'],
    ['CBool([a] = [b])', { a: 'x', b: 'X' }, 'False'],
    ['CBool(5)', {}, 'True'],
    ['CBool("0")', {}, 'False'],
    ['CBool("false")', {}, 'False'],
    ['CBool([missing])', {}, null],
    // CDate: UTC, Entra's M/d/yyyy h:mm:ss tt
    ['CDate([StatusHireDate])', { StatusHireDate: '2020-03-16-07:00' }, '3/16/2020 7:00:00 AM'],
    ['CDate("2021-06-30+08:00")', {}, '6/29/2021 4:00:00 PM'],
    ['CDate("2009-06-15T01:45:30-07:00")', {}, '6/15/2009 8:45:30 AM'],
    ['CDate("8/25/2021 5:41:18 PM")', {}, '8/25/2021 5:41:18 PM'],
    ['CDate([missing])', {}, null],
    // Coalesce
    ['Coalesce([mail],[userPrincipalName])', { userPrincipalName: 'John.Doe@contoso.com' }, 'John.Doe@contoso.com'],
    ['Coalesce([mail],[userPrincipalName])', { mail: 'j@contoso.com', userPrincipalName: 'x' }, 'j@contoso.com'],
    ['Coalesce([mail],[upn],"none")', {}, 'none'],
    ['Coalesce([mail],[upn])', {}, null],
    // ConvertToBase64 (UTF-16LE) and ConvertToUTF8Hex
    ['ConvertToBase64("Hello world!")', {}, 'SABlAGwAbABvACAAdwBvAHIAbABkACEA'],
    ['ConvertToBase64([missing])', {}, null],
    ['ConvertToUTF8Hex("Hello world!")', {}, '48656C6C6F20776F726C6421'],
    ['ConvertToUTF8Hex("é")', {}, 'C3A9'],
    // Count
    ['Count([proxyAddresses])', { proxyAddresses: ['a', 'b', 'c'] }, '3'],
    ['Count([proxyAddresses])', {}, '0'],
    // CStr
    ['CStr([dn])', { dn: 'cn=Joe,dc=contoso,dc=com' }, 'cn=Joe,dc=contoso,dc=com'],
    ['CStr([accountEnabled])', { accountEnabled: true }, 'True'],
    ['CStr([employeeNumber])', { employeeNumber: 42 }, '42'],
    ['CStr([missing])', {}, null],
    // DateAdd: the doc's table
    ['DateAdd("d", 7, CDate([StatusHireDate]))', { StatusHireDate: '2012-03-16-07:00' }, '3/23/2012 7:00:00 AM'],
    ['DateAdd("d", -10, CDate([StatusHireDate]))', { StatusHireDate: '2012-03-16-07:00' }, '3/6/2012 7:00:00 AM'],
    ['DateAdd("ww", 2, CDate([StatusHireDate]))', { StatusHireDate: '2012-03-16-07:00' }, '3/30/2012 7:00:00 AM'],
    ['DateAdd("m", 10, CDate([StatusHireDate]))', { StatusHireDate: '2012-03-16-07:00' }, '1/16/2013 7:00:00 AM'],
    ['DateAdd("yyyy", 2, CDate([StatusHireDate]))', { StatusHireDate: '2012-03-16-07:00' }, '3/16/2014 7:00:00 AM'],
    ['DateAdd("m", 1, CDate("2021-01-31"))', {}, '2/28/2021 12:00:00 AM'],
    ['DateAdd("q", 1, CDate("2021-01-15"))', {}, '4/15/2021 12:00:00 AM'],
    ['DateAdd("h", 25, CDate("2021-01-15"))', {}, '1/16/2021 1:00:00 AM'],
    ['DateAdd("n", 90, CDate("2021-01-15"))', {}, '1/15/2021 1:30:00 AM'],
    ['DateAdd("s", 61, CDate("2021-01-15"))', {}, '1/15/2021 12:01:01 AM'],
    ['DateAdd("d", 1, [missing])', {}, null],
    // DateDiff: the doc's table
    ['DateDiff("d", CDate("2021-08-18+08:00"), CDate("2021-08-31+08:00"))', {}, '13'],
    ['DateDiff("d", CDate("8/25/2021 5:41:18 PM"), CDate("2012-03-16-07:00"))', {}, '-3449'],
    ['DateDiff("ww", CDate("8/25/2021 5:41:18 PM"), CDate("2012-03-16-07:00"))', {}, '-493'],
    ['DateDiff("m", CDate("8/25/2021 5:41:18 PM"), CDate("2012-03-16-07:00"))', {}, '-113'],
    ['DateDiff("yyyy", CDate("8/25/2021 5:41:18 PM"), CDate("2012-03-16-07:00"))', {}, '-9'],
    ['DateDiff("d", CDate("2021-08-31+08:00"), CDate("2021-08-31+08:00"))', {}, '0'],
    ['DateDiff("h", CDate("2021-08-24"), CDate("2021-08-25"))', {}, '24'],
    ['DateDiff("n", CDate("2021-08-24"), CDate("2021-08-25"))', {}, '1440'],
    ['DateDiff("s", CDate("2021-08-24"), CDate("2021-08-25"))', {}, '86400'],
    ['DateDiff("d", Now(), CDate("2021-07-12T15:33:38Z"))', {}, '10'],
    ['DateDiff("d", [missing], Now())', {}, null],
    // DateFromNum: AD FileTime
    ['DateFromNum(129699324000000000)', {}, '1/1/2012 11:00:00 PM'],
    ['DateFromNum([lastLogonTimestamp])', { lastLogonTimestamp: '129699324000000000' }, '1/1/2012 11:00:00 PM'],
    ['DateFromNum([missing])', {}, null],
    // FormatDateTime with .NET formats
    ['FormatDateTime([extensionAttribute1], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")', { extensionAttribute1: '20150123105347.1Z' }, '2015-01-23'],
    ['FormatDateTime([d], , "yyyy-MM-ddzzz", "yyyy-MM-dd")', { d: '2020-12-31-08:00' }, '2020-12-31'],
    ['FormatDateTime([d], , "M/d/yyyy hh:mm:ss tt", "yyyy-MM-dd HH:mm")', { d: '12/31/2020 01:05:00 PM' }, '2020-12-31 13:05'],
    ['FormatDateTime([d], , "yyyy-MM-dd", "dddd, MMMM d, yy")', { d: '2021-07-02' }, 'Friday, July 2, 21'],
    ['FormatDateTime([d], , "yyyyMMddHHmmss.fZ", "yyyy-MM-ddTHH:mm:ss.fffK")', { d: '20150123105347.1Z' }, '2015-01-23T10:53:47.100Z'],
    ['FormatDateTime([d], , "dd.MM.yyyy", "o")', { d: '02.07.2021' }, '2021-07-02T00:00:00.0000000Z'],
    ['FormatDateTime(CDate("2021-07-02T15:04:05Z"), , , "h:m:s t \'at\' HH\\\\hmm")', {}, '3:4:5 P at 15h04'],
    ['FormatDateTime([missing], , "yyyy", "yyyy")', {}, null],
    // Guid, Now: from the injected context
    ['Guid()', {}, '00aa00aa-bb11-cc22-dd33-44ee44ee44ee'],
    ['Now()', {}, '7/2/2021 3:33:38 PM'],
    // IgnoreFlowIfNullOrEmpty
    ['IgnoreFlowIfNullOrEmpty([department])', {}, 'IGNORED'],
    ['IgnoreFlowIfNullOrEmpty([department])', { department: '' }, 'IGNORED'],
    ['IgnoreFlowIfNullOrEmpty([department])', { department: 'Sales' }, 'Sales'],
    ['IgnoreFlowIfNullOrEmpty(Switch([prefix], "", "3443", "Dr.", "3444", "Prof."))', { prefix: '9' }, 'IGNORED'],
    ['IgnoreFlowIfNullOrEmpty(Switch([prefix], "", "3443", "Dr.", "3444", "Prof."))', { prefix: '3443' }, 'Dr.'],
    // IIF with comparison operators
    ['IIF([country]="USA",[country],[department])', { country: 'USA', department: 'Sales' }, 'USA'],
    ['IIF([country]="USA",[country],[department])', { country: 'FR', department: 'Sales' }, 'Sales'],
    ['IIF([country]="USA",IIF([state]="CA","True","False"),"False")', { country: 'USA', state: 'CA' }, 'True'],
    ['IIF([country]="USA","True",IIF([state]="CA","True","False"))', { country: 'DE', state: 'CA' }, 'True'],
    ['IIF([n] > 5, "big", "small")', { n: '10' }, 'big'],
    ['IIF([n] >= 10, "big", "small")', { n: 10 }, 'big'],
    ['IIF([n] < 9, "small", "big")', { n: '10' }, 'big'],
    ['IIF([n] <= 10, "small", "big")', { n: '10' }, 'small'],
    ['IIF(CDate([hire]) > Now(), "future", "past")', { hire: '2022-01-01' }, 'future'],
    ['IIF(CDate([hire]) < "2021-01-01T00:00:00Z", "before", "after")', { hire: '2020-06-01' }, 'before'],
    ['IIF([a] <> "x", "differs", "same")', { a: 'X' }, 'differs'],
    ['IIF([country]="USA","yes","no")', {}, 'no'],
    ['IIF(IsPresent([mail]), [mail], [userPrincipalName])', { userPrincipalName: 'u@x' }, 'u@x'],
    ['IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True")', { StatusHireDate: '2021-07-20' }, 'False'],
    // InStr
    ['InStr("The quick brown fox","quick")', {}, '5'],
    ['InStr("repEated","e",3,vbBinaryCompare)', {}, '7'],
    ['InStr("repEated","e",3,vbTextCompare)', {}, '4'],
    ['InStr("abc","z")', {}, '0'],
    ['InStr([missing],"z")', {}, null],
    // IsNull / IsNullOrEmpty / IsPresent / IsString
    ['IsNull([displayName])', {}, 'True'],
    ['IsNull([displayName])', { displayName: '' }, 'False'],
    ['IsNullOrEmpty([displayName])', { displayName: '' }, 'True'],
    ['IsNullOrEmpty([displayName])', { displayName: 'x' }, 'False'],
    ['IsPresent([displayName])', { displayName: 'x' }, 'True'],
    ['IsPresent([displayName])', {}, 'False'],
    ['IsString([displayName])', { displayName: 'x' }, 'True'],
    ['IsString([accountEnabled])', { accountEnabled: true }, 'False'],
    ['IsString([missing])', {}, 'False'],
    // Item (1-based)
    ['Item([proxyAddresses], 1)', { proxyAddresses: ['SMTP:a@x', 'smtp:b@x'] }, 'SMTP:a@x'],
    ['Item([proxyAddresses], 2)', { proxyAddresses: ['SMTP:a@x', 'smtp:b@x'] }, 'smtp:b@x'],
    ['Item([proxyAddresses], 3)', { proxyAddresses: ['SMTP:a@x'] }, null],
    ['Item([proxyAddresses], 0)', { proxyAddresses: ['SMTP:a@x'] }, null],
    ['Item([missing], 1)', {}, null],
    // Join: flattens multi-valued arguments, skips empty ones
    ['Join(", ", "", [surname], [givenName])', { givenName: 'John', surname: 'Doe' }, 'Doe, John'],
    ['Join(" ", [givenName], [surname])', { givenName: 'John' }, 'John'],
    ['Join(";", [proxyAddresses], "x")', { proxyAddresses: ['a', 'b'] }, 'a;b;x'],
    ['Join("", 1000, "7")', {}, '10007'],
    ['Join(" ", [givenName], [surname])', {}, null],
    // Left
    ['Left("John Doe", 3)', {}, 'Joh'],
    ['Left("John Doe", 0)', {}, ''],
    ['Left("John Doe", -1)', {}, 'John Doe'],
    ['Left("Jo", 5)', {}, 'Jo'],
    ['Left([missing], 3)', {}, ''],
    // Mid (1-based)
    ['Append(Mid([givenName], 1, 3), Mid([surname], 1, 5))', { givenName: 'John', surname: 'Doe' }, 'JohDoe'],
    ['Mid("abcdef", 3, 2)', {}, 'cd'],
    ['Mid("abcdef", 5, 10)', {}, 'ef'],
    ['Mid("abcdef", 9, 2)', {}, ''],
    ['Mid([missing], 1, 2)', {}, null],
    // NormalizeDiacritics
    ['NormalizeDiacritics([givenName])', { givenName: 'Zoë' }, 'Zoe'],
    ['NormalizeDiacritics("Ærøskøbing Straße Łódź Ångström Ş İ")', {}, 'AEroeskoebing Strasse Lodz Angstrom S I'],
    ['NormalizeDiacritics([missing])', {}, null],
    // Not
    ['Not([IsSoftDeleted])', {}, 'True'],
    ['Not("True")', {}, 'False'],
    ['Not("False")', {}, 'True'],
    ['Not([missing])', {}, 'True'],
    // NumFromDate: ISO date to AD FileTime
    ['NumFromDate("2012-01-01T23:00:00Z")', {}, '129699324000000000'],
    ['NumFromDate(Join("", FormatDateTime([ContractEndDate], ,"yyyy-MM-ddzzz", "yyyy-MM-dd"), " 23:59:59-08:00"))', { ContractEndDate: '2020-12-31-08:00' }, '132539615990000000'],
    ['NumFromDate([missing])', {}, null],
    // PCase
    ['PCase([firstName])', { firstName: 'PABLO GONSALVES (SECOND)' }, 'Pablo Gonsalves (Second)'],
    ['PCase([lastName]," \'-")', { lastName: "PINTO-DE'SILVA" }, "Pinto-De'Silva"],
    ['PCase(Join(" ",[firstName],[lastName]))', { firstName: 'GREGORY', lastName: 'JAMES' }, 'Gregory James'],
    ['PCase("a_b", " ")', {}, 'A_b'],
    ['PCase([missing])', {}, null],
    // Redact returns the value (logs hide it)
    ['Redact([userPrincipalName])', { userPrincipalName: 'u@x' }, 'u@x'],
    // RemoveDuplicates
    ['RemoveDuplicates([proxyAddresses])', { proxyAddresses: ['a', 'b', 'a'] }, ['a', 'b']],
    ['RemoveDuplicates([missing])', {}, null],
    // Replace, every form
    ['Replace([BusinessTitle],"Product Developer", , , "Software Engineer", , )', { BusinessTitle: 'Product Developer' }, 'Software Engineer'],
    ['Replace([UserID],"<username>", , , , , "<username>@contoso.com")', { UserID: 'jsmith' }, 'jsmith@contoso.com'],
    ['Replace([telephoneNumber], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", , "${phoneNumber}", , )', { telephoneNumber: '+91 9998887777' }, '9998887777'],
    ['Replace([mobile], , "[()\\\\s-]+", , "", , )', { mobile: '+1 (999) 888-7777' }, '+19998887777'],
    ['Replace([AddressLineData], ,"(?<streetNumber>^\\\\d*)","streetNumber", "888", , )', { AddressLineData: '545 Tremont Street' }, '888 Tremont Street'],
    ['Replace([userPrincipalName], , "(?<Suffix>@(.)*)", "Suffix", "", , )', { userPrincipalName: 'jsmith@contoso.com' }, 'jsmith'],
    ['Replace([telephoneNumber], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", "phoneNumber" , , [mobile], )', { telephoneNumber: '', mobile: '+91 8887779999' }, '8887779999'],
    ['Replace([telephoneNumber], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", "phoneNumber" , , [mobile], )', { telephoneNumber: '+1 5550001111', mobile: '+91 8887779999' }, '+1 5550001111'],
    ['Replace([mailNickname], , "[a-zA-Z_]*", , "", , )', { mailNickname: 'john_doe72' }, '72'],
    ['Replace([mail], "@contoso.com", , ,"", ,)', { mail: 'john.doe@contoso.com' }, 'john.doe'],
    ['Replace([mail], "a", , , "b", , )', { mail: 'Aaa' }, 'Abb'],
    ['Replace([mail], "@contoso.com", , ,"", ,)', {}, null],
    // SingleAppRoleAssignment / AppRoleAssignmentsComplex: see their own test below
    // Split
    ['Split([extensionAttribute5], ",")', { extensionAttribute5: 'PermissionSetOne,PermissionSetTwo' }, ['PermissionSetOne', 'PermissionSetTwo']],
    ['Split([missing], ",")', {}, null],
    // StripSpaces
    ['StripSpaces("a b  c")', {}, 'abc'],
    ['StripSpaces([missing])', {}, null],
    // Switch: case-sensitive keys, absent source matches ""
    ['Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney","QLD", "Australia/Brisbane", "SA", "Australia/Adelaide")', { state: 'QLD' }, 'Australia/Brisbane'],
    ['Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney","QLD", "Australia/Brisbane")', { state: 'qld' }, 'Australia/Sydney'],
    ['Switch([statusFlag], "Default Value", "true", "1", "", "0")', {}, '0'],
    ['Switch(ToLower([statusFlag]), "0", "true", "1", "false", "0")', { statusFlag: 'TRUE' }, '1'],
    ['Switch([IsSoftDeleted], , "False", "True", "True", "False")', {}, 'True'],
    ['Switch([x], , "a", "1")', { x: 'b' }, null],
    // ToLower / ToUpper with cultures
    ['ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".",  [PreferredFirstName], [PreferredLastName]))), "contoso.com"))', { PreferredFirstName: 'John', PreferredLastName: 'Smith' }, 'john.smith@contoso.com'],
    ['ToUpper("istanbul")', {}, 'ISTANBUL'],
    ['ToUpper("istanbul", "tr-TR")', {}, 'İSTANBUL'],
    ['ToLower([missing])', {}, null],
    // Word
    ['Word("The quick brown fox",3," ")', {}, 'brown'],
    ['Word("This,string!has&many separators",3,",!&#")', {}, 'has'],
    ['Word("a b",3," ")', {}, ''],
    ['Word("a b",0," ")', {}, ''],
    ['Word([missing],1," ")', {}, ''],
    // computed attributes
    ['[IsSoftDeleted]', {}, 'False'],
    ['[objectId]', {}, '5d3c9a1e-0000-4000-8000-000000000001'],
    ['[extension_abc123_costCenter]', { extension_abc123_costCenter: 'CC-7' }, 'CC-7'],
    ['[DISPLAYNAME]', { displayName: 'Case' }, 'Case'],
    // string escapes
    ['"Company name: \\"Contoso\\""', {}, 'Company name: "Contoso"'],
    ['"back\\\\slash"', {}, 'back\\slash'],
  ];

  it.each(rows)('%s with %j → %j', (expression, attributes, expected) => {
    expect(run(expression, attributes)).toEqual(expected);
  });

  it('every expression, on any attribute values, gives a value or an ExpressionEvaluationError', () => {
    const attributeValue = fc.oneof(
      fc.string(),
      fc.constantFrom('', 'True', '2021-02-30', '12/31/2020 1:05:00 PM', '129699324000000000', '+91 9998887777'),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
    );
    const names = [...new Set(rows.flatMap(([expression]) => [...expression.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!)))];
    fc.assert(
      fc.property(fc.constantFrom(...rows.map(([expression]) => expression)), fc.array(attributeValue, { minLength: names.length, maxLength: names.length }), (expression, values) => {
        const attributes = Object.fromEntries(names.map((name, i) => [name, values[i]]));
        try {
          run(expression, attributes);
        } catch (error) {
          expect(error).toBeInstanceOf(ExpressionEvaluationError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('IsSoftDeleted reflects the object and drives the default active mapping', () => {
    expect(run('Switch([IsSoftDeleted], , "False", "True", "True", "False")', {}, true)).toBe('False');
    expect(run('[IsSoftDeleted]', {}, true)).toBe('True');
  });
});

describe('app role functions', () => {
  const assignments = [
    { appRoleId: 'r0', value: null, displayName: 'Default Access' },
    { appRoleId: 'r1', value: 'Admin', displayName: 'Administrator' },
    { appRoleId: 'r2', value: 'Reader', displayName: 'Read only' },
  ];
  const source = user({}, { appRoleAssignments: assignments });

  it('SingleAppRoleAssignment gives the value of the role that has one', () => {
    const { value } = evaluateExpression(parseExpression('SingleAppRoleAssignment([appRoleAssignments])'), source);
    expect(value).toBe('Admin');
  });

  it('AppRoleAssignmentsComplex gives every role as a non-primary SCIM role', () => {
    const { value } = evaluateExpression(parseExpression('AppRoleAssignmentsComplex([appRoleAssignments])'), source);
    expect(value).toEqual([
      { primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'Administrator', value: 'Admin' },
      { primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'Read only', value: 'Reader' },
    ]);
  });

  it('without assignments both give nothing', () => {
    for (const fn of ['SingleAppRoleAssignment', 'AppRoleAssignmentsComplex']) {
      expect(evaluateExpression(parseExpression(`${fn}([appRoleAssignments])`), user({})).value).toBeNull();
    }
  });
});

describe('Redact', () => {
  it('marks the result so logs can hide it, without changing the value', () => {
    const result = evaluateExpression(parseExpression('Redact([upn])'), user({ upn: 'u@x' }));
    expect(result).toEqual({ value: 'u@x', ignored: false, redacted: true });
    expect(evaluateExpression(parseExpression('[upn]'), user({ upn: 'u@x' })).redacted).toBe(false);
  });
});

describe('RandomString', () => {
  type Minimums = { digits?: number; special?: number; capital?: number; lower?: number };
  it.each<[string, number, Minimums]>([
    ['RandomString(6,3,0,0,3)', 6, { digits: 3, lower: 3 }],
    ['RandomString(10,2,2,2,1,"?,")', 10, { digits: 2, special: 2, capital: 2, lower: 1 }],
    ['RandomString(256,0,0,0,0)', 256, {}],
  ])('%s meets its minimums', (expression, length, minimums) => {
    const context = fixedContext();
    for (let i = 0; i < 20; i++) {
      const value = evaluateExpression(parseExpression(expression), user({}), context).value as string;
      expect(value).toHaveLength(length);
      expect((value.match(/\d/g) ?? []).length).toBeGreaterThanOrEqual(minimums.digits ?? 0);
      expect((value.match(/[A-Z]/g) ?? []).length).toBeGreaterThanOrEqual(minimums.capital ?? 0);
      expect((value.match(/[a-z]/g) ?? []).length).toBeGreaterThanOrEqual(minimums.lower ?? 0);
      expect((value.match(/[^A-Za-z0-9]/g) ?? []).length).toBeGreaterThanOrEqual(minimums.special ?? 0);
      if (expression.includes('"?,"')) expect(value).not.toMatch(/[?,]/);
    }
  });

  it('is repeatable under the same injected randomness', () => {
    const a = evaluateExpression(parseExpression('RandomString(12,1,1,1,1)'), user({}), fixedContext()).value;
    const b = evaluateExpression(parseExpression('RandomString(12,1,1,1,1)'), user({}), fixedContext()).value;
    expect(a).toBe(b);
  });
});

describe('values that cannot be computed fail the object, naming the function', () => {
  it.each([
    ['CDate([d])', { d: 'banana' }, /CDate: 'banana' is not a date/],
    ['CBool([d])', { d: 'maybe' }, /CBool: 'maybe' is not a boolean/],
    ['BitAnd([d], 1)', { d: 'x' }, /BitAnd: 'x' is not a number/],
    ['BitAnd([d], 2)', { d: Number.POSITIVE_INFINITY }, /BitAnd: Infinity is not a finite number/],
    ['BitAnd([d], 2)', { d: Number.NaN }, /BitAnd: NaN is not a finite number/],
    ['FormatDateTime([d], , "yyyy-MM-dd", "yyyy")', { d: '2021/01/01' }, /FormatDateTime: '2021\/01\/01' does not match "yyyy-MM-dd"/],
    ['FormatDateTime([d], , "yyyy-MM-dd", "yyyy")', { d: '2021-02-30' }, /does not match/],
    ['RandomString(3,2,2,0,0)', {}, /smaller than the sum/],
    ['DateAdd([unit], 1, Now())', { unit: 'fortnight' }, /DateAdd: unknown interval "fortnight"/],
    ['Replace([a], , [pattern], , "x", , )', { a: 'a', pattern: '(' }, /Replace: invalid regular expression/],
    ['ToLower([a], [culture])', { a: 'a', culture: 'not a culture!' }, /ToLower: unknown culture/],
  ])('%s with %j', (expression, attributes, message) => {
    expect(() => run(expression, attributes)).toThrow(ExpressionEvaluationError);
    expect(() => run(expression, attributes)).toThrow(message);
  });
});
