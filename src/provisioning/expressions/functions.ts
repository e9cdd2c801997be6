import type { Expression } from './ast.js';
import {
  dateAdd,
  dateDiff,
  dateFromFileTime,
  fileTimeFromDate,
  formatDate,
  isDateInterval,
  parseDateExact,
} from './datetime.js';
import { ExpressionEvaluationError } from './errors.js';
import {
  type ComplexValue,
  type ExpressionValue,
  isNullOrEmpty,
  toBoolean,
  toDate,
  toList,
  toNumber,
  toText,
} from './values.js';

/**
 * Where the non-deterministic functions (Guid, Now, RandomString) get their clock and
 * randomness, so the engine and tests control them.
 */
export interface EvaluationContext {
  now(): Date;
  /** uniformly distributed in [0, 1) */
  random(): number;
  guid(): string;
}

/** One argument of a call, evaluated only when the function asks (IIF and Switch are lazy). */
export interface Argument {
  /** false for an argument left empty: `Replace([x], , "a", , "b", , )` */
  readonly given: boolean;
  value(): ExpressionValue;
}

export interface CallScope {
  context: EvaluationContext;
  /** Redact(): the mapped value must show as "[Redact]" in provisioning logs */
  markRedacted(): void;
}

/** Thrown by IgnoreFlowIfNullOrEmpty; the mapping's attribute is then left out entirely. */
export class FlowIgnored {}

interface SaveTimeProblem {
  reason: string;
  at: Expression;
}

export interface FunctionDefinition {
  name: string;
  /** [minimum, maximum] number of arguments, empty ones included */
  arity: readonly [number, number];
  /** checks a call can ever work (literal regexes, intervals…) when the expression is saved */
  check?(args: readonly Expression[]): SaveTimeProblem | undefined;
  evaluate(args: readonly Argument[], scope: CallScope): ExpressionValue;
}

const text = (arg: Argument | undefined): string | null => (arg ? toText(arg.value()) : null);
const literal = (node: Expression | undefined): string | undefined =>
  node?.kind === 'string' ? node.value : undefined;

const regexCache = new Map<string, RegExp>();

/**
 * Compiles a .NET pattern as a JS RegExp. The common syntax is shared; .NET's `(?'name')`
 * groups and a leading `(?i)` are translated. Without the `u` flag, so that the identity
 * escapes .NET allows (`\@`) keep working.
 */
export function compileDotNetRegex(pattern: string, flags = ''): RegExp {
  const key = `${flags}/${pattern}`;
  const cached = regexCache.get(key);
  if (cached) return cached;
  let source = pattern.replace(/\(\?'([A-Za-z_]\w*)'/g, '(?<$1>');
  let allFlags = flags;
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    allFlags += 'i';
  }
  const regex = new RegExp(source, allFlags);
  if (regexCache.size > 1000) regexCache.clear();
  regexCache.set(key, regex);
  return regex;
}

function regexProblem(node: Expression | undefined): SaveTimeProblem | undefined {
  const pattern = literal(node);
  if (pattern === undefined || !node) return undefined;
  try {
    compileDotNetRegex(pattern);
    return undefined;
  } catch (error) {
    return { reason: `invalid regular expression: ${(error as Error).message}`, at: node };
  }
}

function regex(functionName: string, pattern: string, flags: string): RegExp {
  try {
    return compileDotNetRegex(pattern, flags);
  } catch (error) {
    throw new ExpressionEvaluationError(functionName, `invalid regular expression: ${(error as Error).message}`);
  }
}

/** .NET substitutions (`${name}`, `$0`) in the JS replacement syntax. */
function dotNetReplacement(replacement: string): string {
  return replacement
    .replace(/\$\{(\d+)\}/g, '$$$1')
    .replace(/\$\{([A-Za-z_]\w*)\}/g, '$$<$1>')
    .replace(/\$0/g, '$$&');
}

function intervalProblem(node: Expression | undefined): SaveTimeProblem | undefined {
  const interval = literal(node);
  if (interval === undefined || !node || isDateInterval(interval)) return undefined;
  return { reason: `unknown interval "${interval}" (use yyyy, q, m, y, d, w, ww, h, n or s)`, at: node };
}

function interval(functionName: string, arg: Argument) {
  const value = text(arg);
  if (value === null || !isDateInterval(value)) {
    throw new ExpressionEvaluationError(functionName, `unknown interval "${value}"`);
  }
  return value;
}

function cultureProblem(node: Expression | undefined): SaveTimeProblem | undefined {
  const culture = literal(node);
  if (culture === undefined || !node || culture === '') return undefined;
  try {
    Intl.getCanonicalLocales(culture);
    return undefined;
  } catch {
    return { reason: `unknown culture "${culture}"`, at: node };
  }
}

function changeCase(functionName: string, args: readonly Argument[], upper: boolean): ExpressionValue {
  const source = text(args[0]);
  if (source === null) return null;
  const culture = text(args[1]) || undefined;
  try {
    if (!culture) return upper ? source.toUpperCase() : source.toLowerCase();
    return upper ? source.toLocaleUpperCase(culture) : source.toLocaleLowerCase(culture);
  } catch {
    throw new ExpressionEvaluationError(functionName, `unknown culture "${culture}"`);
  }
}

function requireInteger(functionName: string, arg: Argument | undefined, what: string): number {
  const n = arg ? toNumber(arg.value(), functionName) : null;
  if (n === null) throw new ExpressionEvaluationError(functionName, `${what} is required`);
  return Math.trunc(n);
}

/** Letters Entra's NormalizeDiacritics writes as two letters, or that Unicode does not decompose. */
const DIACRITIC_REPLACEMENTS: Record<string, string> = {
  æ: 'ae',
  Æ: 'AE',
  ǣ: 'ae',
  Ǣ: 'AE',
  ø: 'oe',
  Ø: 'OE',
  œ: 'oe',
  Œ: 'OE',
  ß: 'ss',
  ł: 'l',
  Ł: 'L',
  ı: 'i',
  đ: 'd',
  Đ: 'D',
};

function normalizeDiacritics(source: string): string {
  return source
    .replace(/[æÆǣǢøØœŒßłŁıđĐ]/g, (ch) => DIACRITIC_REPLACEMENTS[ch]!)
    .normalize('NFD')
    .replace(/\p{M}+/gu, '');
}

/** Proper case; by default every character that is not a letter, digit or mark separates words. */
function properCase(source: string, separators: string | null): string {
  const isSeparator = separators ? (ch: string) => separators.includes(ch) : (ch: string) => !/[\p{L}\p{N}\p{M}]/u.test(ch);
  let result = '';
  let startOfWord = true;
  for (const ch of source) {
    if (isSeparator(ch)) {
      result += ch;
      startOfWord = true;
    } else {
      result += startOfWord ? ch.toUpperCase() : ch.toLowerCase();
      startOfWord = false;
    }
  }
  return result;
}

/** Windows password-complexity character classes, which RandomString draws from. */
const CHARACTER_CLASSES = {
  digits: '0123456789',
  special: '~!@#$%^&*_-+=`|\\(){}[]:;"\'<>,.?/',
  capital: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  lower: 'abcdefghijklmnopqrstuvwxyz',
};

function randomString(args: readonly Argument[], context: EvaluationContext): string {
  const fn = 'RandomString';
  const length = requireInteger(fn, args[0], 'Length');
  const minimums = [1, 2, 3, 4].map((i) => requireInteger(fn, args[i], 'every minimum'));
  const avoid = text(args[5]) ?? '';
  if (length < 1 || length > 256) throw new ExpressionEvaluationError(fn, 'Length must be between 1 and 256');
  if (minimums.some((m) => m < 0)) throw new ExpressionEvaluationError(fn, 'minimums cannot be negative');
  if (minimums.reduce((a, b) => a + b, 0) > length) {
    throw new ExpressionEvaluationError(fn, 'Length is smaller than the sum of the minimums');
  }
  const pools = Object.values(CHARACTER_CLASSES).map((chars) => [...chars].filter((ch) => !avoid.includes(ch)).join(''));
  const pick = (pool: string) => pool[Math.floor(context.random() * pool.length)]!;
  const chars: string[] = [];
  pools.forEach((pool, i) => {
    if (minimums[i]! > 0 && !pool) throw new ExpressionEvaluationError(fn, 'every character of a required class is avoided');
    for (let n = 0; n < minimums[i]!; n++) chars.push(pick(pool));
  });
  const all = pools.join('');
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = Math.floor(context.random() * (i + 1));
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

function replace(args: readonly Argument[]): ExpressionValue {
  const fn = 'Replace';
  const [source, oldValue, pattern, groupName, replacement, replacementAttribute, template] = args as [
    Argument,
    Argument,
    Argument,
    Argument,
    Argument,
    Argument,
    Argument,
  ];
  if (pattern.given) {
    const patternText = text(pattern) ?? '';
    const group = text(groupName);
    if (replacementAttribute.given) {
      const value = text(source);
      if (value) return value;
      const from = text(replacementAttribute);
      if (from === null || group === null) return null;
      return regex(fn, patternText, '').exec(from)?.groups?.[group] ?? null;
    }
    const value = text(source);
    if (value === null) return null;
    const newText = text(replacement) ?? '';
    if (!groupName.given) return value.replace(regex(fn, patternText, 'g'), dotNetReplacement(newText));
    if (group === null) return value;
    let result = '';
    let copied = 0;
    for (const match of value.matchAll(regex(fn, patternText, 'gd'))) {
      const span = match.indices?.groups?.[group];
      if (!span) continue;
      result += value.slice(copied, span[0]) + newText;
      copied = span[1];
    }
    return result + value.slice(copied);
  }
  const value = text(source);
  if (value === null) return null;
  const old = text(oldValue) ?? '';
  if (template.given) {
    const templateText = text(template);
    return templateText === null ? null : old ? templateText.split(old).join(value) : templateText;
  }
  return old ? value.split(old).join(text(replacement) ?? '') : value;
}

function replaceProblem(args: readonly Expression[]): SaveTimeProblem | undefined {
  const given = args.map((a) => a.kind !== 'empty');
  const [, oldValue, pattern, groupName, replacement, replacementAttribute, template] = given;
  const at = args[0]!;
  if (pattern) {
    if (replacementAttribute && !groupName) {
      return { reason: 'replacementAttributeName needs regexGroupName', at: args[5]! };
    }
    if (!replacementAttribute && !replacement) {
      return { reason: 'regexPattern needs replacementValue or replacementAttributeName', at: args[2]! };
    }
    return regexProblem(args[2]);
  }
  if (!oldValue) return { reason: 'give oldValue or regexPattern', at };
  if (!replacement && !template) return { reason: 'oldValue needs replacementValue or template', at: args[1]! };
  return undefined;
}

function roleAssignments(arg: Argument | undefined): ComplexValue[] {
  const isRole = (item: ExpressionValue): item is ComplexValue =>
    typeof item === 'object' && item !== null && !(item instanceof Date) && !Array.isArray(item);
  return toList(arg?.value() ?? null)
    .filter(isRole)
    .filter((role) => role.value != null);
}

const FUNCTIONS: readonly FunctionDefinition[] = [
  {
    name: 'Append',
    arity: [2, 2],
    evaluate: ([source, suffix]) => {
      const value = text(source);
      return value === null ? null : value + (text(suffix) ?? '');
    },
  },
  {
    name: 'AppRoleAssignmentsComplex',
    arity: [1, 1],
    evaluate: ([assignments]) => {
      const roles = roleAssignments(assignments).map(
        (role): ComplexValue => ({
          primary: false,
          type: 'WindowsAzureActiveDirectoryRole',
          display: role.displayName ?? role.value ?? null,
          value: role.value ?? null,
        }),
      );
      return roles.length ? roles : null;
    },
  },
  {
    name: 'BitAnd',
    arity: [2, 2],
    evaluate: ([a, b]) => {
      const x = toNumber(a!.value(), 'BitAnd');
      const y = toNumber(b!.value(), 'BitAnd');
      if (x === null || y === null) return null;
      return Number(BigInt(Math.trunc(x)) & BigInt(Math.trunc(y)));
    },
  },
  { name: 'CBool', arity: [1, 1], evaluate: ([x]) => toBoolean(x!.value(), 'CBool') },
  { name: 'CDate', arity: [1, 1], evaluate: ([x]) => toDate(x!.value(), 'CDate') },
  // Microsoft: "the first source value that isn't NULL" — an empty string is a value.
  {
    name: 'Coalesce',
    arity: [1, Infinity],
    evaluate: (args) => {
      for (const arg of args) {
        const value = arg.value();
        if (value !== null) return value;
      }
      return null;
    },
  },
  {
    name: 'ConvertToBase64',
    arity: [1, 1],
    // .NET's Encoding.Unicode: UTF-16 little-endian, as Microsoft's example shows.
    evaluate: ([x]) => {
      const value = text(x);
      return value === null ? null : Buffer.from(value, 'utf16le').toString('base64');
    },
  },
  {
    name: 'ConvertToUTF8Hex',
    arity: [1, 1],
    evaluate: ([x]) => {
      const value = text(x);
      return value === null ? null : Buffer.from(value, 'utf8').toString('hex').toUpperCase();
    },
  },
  { name: 'Count', arity: [1, 1], evaluate: ([x]) => toList(x!.value()).length },
  { name: 'CStr', arity: [1, 1], evaluate: ([x]) => text(x) },
  {
    name: 'DateAdd',
    arity: [3, 3],
    check: (args) => intervalProblem(args[0]),
    evaluate: ([unit, amount, date]) => {
      const when = toDate(date!.value(), 'DateAdd');
      const n = toNumber(amount!.value(), 'DateAdd');
      if (when === null || n === null) return null;
      return dateAdd(interval('DateAdd', unit!), n, when);
    },
  },
  {
    name: 'DateDiff',
    arity: [3, 3],
    check: (args) => intervalProblem(args[0]),
    evaluate: ([unit, from, to]) => {
      const start = toDate(from!.value(), 'DateDiff');
      const end = toDate(to!.value(), 'DateDiff');
      if (start === null || end === null) return null;
      return dateDiff(interval('DateDiff', unit!), start, end);
    },
  },
  {
    name: 'DateFromNum',
    arity: [1, 1],
    evaluate: ([x]) => {
      const value = x!.value();
      if (isNullOrEmpty(value)) return null;
      const digits = typeof value === 'number' ? String(Math.trunc(value)) : (toText(value) ?? '').trim();
      if (!/^-?\d+$/.test(digits)) throw new ExpressionEvaluationError('DateFromNum', `'${digits}' is not a number`);
      return dateFromFileTime(BigInt(digits));
    },
  },
  {
    name: 'FormatDateTime',
    arity: [4, 4],
    evaluate: ([source, , inputFormat, outputFormat]) => {
      const value = source!.value();
      if (isNullOrEmpty(value)) return null;
      const output = text(outputFormat);
      if (!output) throw new ExpressionEvaluationError('FormatDateTime', 'outputFormat is required');
      let date: Date | null;
      if (value instanceof Date) date = value;
      else {
        const input = text(inputFormat);
        const written = toText(value) ?? '';
        date = input ? parseDateExact(written, input) : toDate(value, 'FormatDateTime');
        if (!date) throw new ExpressionEvaluationError('FormatDateTime', `'${written}' does not match "${input}"`);
      }
      return formatDate(date, output);
    },
  },
  { name: 'Guid', arity: [0, 0], evaluate: (_, { context }) => context.guid() },
  {
    name: 'IgnoreFlowIfNullOrEmpty',
    arity: [1, 1],
    evaluate: ([x]) => {
      const value = x!.value();
      if (isNullOrEmpty(value)) throw new FlowIgnored();
      return value;
    },
  },
  {
    name: 'IIF',
    arity: [3, 3],
    evaluate: ([condition, ifTrue, ifFalse]) =>
      toBoolean(condition!.value(), 'IIF') ? ifTrue!.value() : ifFalse!.value(),
  },
  {
    name: 'InStr',
    arity: [2, 4],
    evaluate: ([haystack, needle, start, compare]) => {
      const value = text(haystack);
      const find = text(needle);
      if (value === null || find === null) return null;
      const from = start?.given ? requireInteger('InStr', start, 'start') : 1;
      if (from < 1) throw new ExpressionEvaluationError('InStr', 'start must be 1 or more');
      const mode = compare?.given ? text(compare) : null;
      const ignoreCase = mode === 'vbTextCompare' || mode === '1';
      const index = ignoreCase
        ? value.toLowerCase().indexOf(find.toLowerCase(), from - 1)
        : value.indexOf(find, from - 1);
      return index + 1;
    },
  },
  { name: 'IsNull', arity: [1, 1], evaluate: ([x]) => x!.value() === null },
  { name: 'IsNullOrEmpty', arity: [1, 1], evaluate: ([x]) => isNullOrEmpty(x!.value()) },
  { name: 'IsPresent', arity: [1, 1], evaluate: ([x]) => !isNullOrEmpty(x!.value()) },
  { name: 'IsString', arity: [1, 1], evaluate: ([x]) => typeof x!.value() === 'string' },
  {
    name: 'Item',
    arity: [2, 2],
    evaluate: ([list, index]) => {
      const n = toNumber(index!.value(), 'Item');
      if (n === null || n < 1) return null;
      return toList(list!.value())[Math.trunc(n) - 1] ?? null;
    },
  },
  // Microsoft's example Join(", ", "", [surname], [givenName]) = "Doe, John": empty values are skipped.
  {
    name: 'Join',
    arity: [2, Infinity],
    evaluate: ([separator, ...sources]) => {
      const parts = sources
        .flatMap((arg) => toList(arg.value()))
        .map((v) => toText(v))
        .filter((v): v is string => v !== null && v !== '');
      return parts.length ? parts.join(text(separator) ?? '') : null;
    },
  },
  {
    name: 'Left',
    arity: [2, 2],
    evaluate: ([source, count]) => {
      const value = text(source) ?? '';
      const n = requireInteger('Left', count, 'NumChars');
      return n < 0 ? value : value.slice(0, n);
    },
  },
  {
    name: 'Mid',
    arity: [3, 3],
    evaluate: ([source, start, length]) => {
      const value = text(source);
      if (value === null) return null;
      const from = Math.max(requireInteger('Mid', start, 'start'), 1);
      const n = requireInteger('Mid', length, 'length');
      return n <= 0 ? '' : value.slice(from - 1, from - 1 + n);
    },
  },
  {
    name: 'NormalizeDiacritics',
    arity: [1, 1],
    evaluate: ([x]) => {
      const value = text(x);
      return value === null ? null : normalizeDiacritics(value);
    },
  },
  // Microsoft: "If source value is True, returns False. Otherwise, returns True."
  { name: 'Not', arity: [1, 1], evaluate: ([x]) => toBoolean(x!.value(), 'Not') !== true },
  { name: 'Now', arity: [0, 0], evaluate: (_, { context }) => context.now() },
  {
    name: 'NumFromDate',
    arity: [1, 1],
    evaluate: ([x]) => {
      const date = toDate(x!.value(), 'NumFromDate');
      return date === null ? null : fileTimeFromDate(date);
    },
  },
  {
    name: 'PCase',
    arity: [1, 2],
    evaluate: ([source, separators]) => {
      const value = text(source);
      return value === null ? null : properCase(value, text(separators) || null);
    },
  },
  { name: 'RandomString', arity: [5, 6], evaluate: (args, { context }) => randomString(args, context) },
  {
    name: 'Redact',
    arity: [1, 1],
    evaluate: ([x], scope) => {
      scope.markRedacted();
      return x!.value();
    },
  },
  {
    name: 'RemoveDuplicates',
    arity: [1, 1],
    evaluate: ([x]) => {
      const value = x!.value();
      if (!Array.isArray(value)) return value;
      const seen = new Set<string>();
      return value.filter((item: ExpressionValue) => {
        const key = JSON.stringify(item);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    },
  },
  { name: 'Replace', arity: [7, 7], check: replaceProblem, evaluate: replace },
  {
    name: 'SingleAppRoleAssignment',
    arity: [1, 1],
    evaluate: ([assignments]) => roleAssignments(assignments)[0]?.value ?? null,
  },
  {
    name: 'Split',
    arity: [2, 2],
    evaluate: ([source, delimiter]) => {
      const value = text(source);
      if (value === null) return null;
      const by = text(delimiter);
      return by ? value.split(by) : [value];
    },
  },
  {
    name: 'StripSpaces',
    arity: [1, 1],
    evaluate: ([x]) => {
      const value = text(x);
      return value === null ? null : value.replaceAll(' ', '');
    },
  },
  {
    name: 'Switch',
    arity: [4, Infinity],
    check: (args) =>
      args.length % 2 === 0 ? undefined : { reason: 'keys and values must come in pairs', at: args[args.length - 1]! },
    // An absent source matches the key "" (Microsoft's advice for empty values).
    evaluate: ([source, fallback, ...pairs]) => {
      const value = text(source) ?? '';
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        if ((text(pairs[i]) ?? '') === value) return pairs[i + 1]!.value();
      }
      return fallback!.value();
    },
  },
  {
    name: 'ToLower',
    arity: [1, 2],
    check: (args) => cultureProblem(args[1]),
    evaluate: (args) => changeCase('ToLower', args, false),
  },
  {
    name: 'ToUpper',
    arity: [1, 2],
    check: (args) => cultureProblem(args[1]),
    evaluate: (args) => changeCase('ToUpper', args, true),
  },
  {
    name: 'Word',
    arity: [3, 3],
    evaluate: ([source, number, delimiters]) => {
      const value = text(source);
      const n = toNumber(number!.value(), 'Word');
      if (value === null || n === null || n < 1) return '';
      const separators = text(delimiters) ?? '';
      const words: string[] = [];
      let current = '';
      for (const ch of value) {
        if (separators.includes(ch)) {
          if (current) words.push(current);
          current = '';
        } else current += ch;
      }
      if (current) words.push(current);
      return words[Math.trunc(n) - 1] ?? '';
    },
  },
];

const BY_NAME = new Map(FUNCTIONS.map((definition) => [definition.name.toLowerCase(), definition]));

/** The function called `name`; Entra's names are matched without regard to case. */
export function lookupFunction(name: string): FunctionDefinition | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Every function name, as Microsoft spells it. */
export const FUNCTION_NAMES: readonly string[] = FUNCTIONS.map((definition) => definition.name);
