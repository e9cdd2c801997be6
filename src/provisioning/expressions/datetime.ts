/**
 * The slice of .NET date handling Entra's expressions expose: custom format strings
 * (FormatDateTime), the strings CDate accepts, DateAdd/DateDiff intervals with Visual
 * Basic's counting rules, and Active Directory FileTime numbers. All dates are UTC, as in
 * Entra ("the returned string is always in UTC").
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MS_PER_DAY = 86_400_000;

/** Entra's output format for Now, CDate and DateAdd. */
export const ENTRA_DATE_FORMAT = 'M/d/yyyy h:mm:ss tt';

/** .NET standard format strings (one letter) as their invariant-culture custom patterns. */
const STANDARD_FORMATS: Record<string, string> = {
  d: 'MM/dd/yyyy',
  D: 'dddd, dd MMMM yyyy',
  f: 'dddd, dd MMMM yyyy HH:mm',
  F: 'dddd, dd MMMM yyyy HH:mm:ss',
  g: 'MM/dd/yyyy HH:mm',
  G: 'MM/dd/yyyy HH:mm:ss',
  M: 'MMMM dd',
  m: 'MMMM dd',
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  t: 'HH:mm',
  T: 'HH:mm:ss',
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
  y: 'yyyy MMMM',
  Y: 'yyyy MMMM',
};

type FormatPart = { kind: 'field'; letter: string; count: number } | { kind: 'literal'; text: string };

const FIELD_LETTERS = new Set(['d', 'f', 'F', 'g', 'h', 'H', 'K', 'm', 'M', 's', 't', 'y', 'z']);

/** Splits a .NET custom date format into fields (`yyyy`, `MM`, `tt`…) and literal text. */
function splitFormat(format: string): FormatPart[] {
  const pattern = format.length === 1 ? (STANDARD_FORMATS[format] ?? format) : format;
  const parts: FormatPart[] = [];
  const literal = (text: string) => {
    const last = parts[parts.length - 1];
    if (last?.kind === 'literal') last.text += text;
    else parts.push({ kind: 'literal', text });
  };
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern[i]!;
    if (ch === "'" || ch === '"') {
      const end = pattern.indexOf(ch, i + 1);
      const stop = end < 0 ? pattern.length : end;
      literal(pattern.slice(i + 1, stop));
      i = stop + 1;
    } else if (ch === '\\') {
      literal(pattern[i + 1] ?? '');
      i += 2;
    } else if (ch === '%') {
      i++;
    } else if (FIELD_LETTERS.has(ch)) {
      let count = 1;
      while (pattern[i + count] === ch) count++;
      parts.push({ kind: 'field', letter: ch, count });
      i += count;
    } else {
      literal(ch);
      i++;
    }
  }
  return parts;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Formats a UTC date with a .NET custom (or one-letter standard) format string. */
export function formatDate(date: Date, format: string): string {
  const hours = date.getUTCHours();
  const fraction = pad(date.getUTCMilliseconds(), 3) + '0000';
  return splitFormat(format)
    .map((part) => {
      if (part.kind === 'literal') return part.text;
      const { letter, count } = part;
      switch (letter) {
        case 'y': {
          const year = date.getUTCFullYear();
          if (count <= 2) return count === 1 ? String(year % 100) : pad(year % 100, 2);
          return pad(year, count);
        }
        case 'M': {
          const month = date.getUTCMonth();
          if (count >= 4) return MONTHS[month]!;
          if (count === 3) return MONTHS[month]!.slice(0, 3);
          return pad(month + 1, count);
        }
        case 'd': {
          if (count >= 4) return DAYS[date.getUTCDay()]!;
          if (count === 3) return DAYS[date.getUTCDay()]!.slice(0, 3);
          return pad(date.getUTCDate(), count);
        }
        case 'h':
          return pad(hours % 12 === 0 ? 12 : hours % 12, Math.min(count, 2));
        case 'H':
          return pad(hours, Math.min(count, 2));
        case 'm':
          return pad(date.getUTCMinutes(), Math.min(count, 2));
        case 's':
          return pad(date.getUTCSeconds(), Math.min(count, 2));
        case 'f':
          return fraction.slice(0, Math.min(count, 7));
        case 'F':
          return fraction.slice(0, Math.min(count, 7)).replace(/0+$/, '');
        case 't':
          return (hours < 12 ? 'AM' : 'PM').slice(0, count === 1 ? 1 : 2);
        case 'z':
          return count === 1 ? '+0' : count === 2 ? '+00' : '+00:00';
        case 'K':
          return 'Z';
        default:
          return 'A.D.';
      }
    })
    .join('');
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface DateFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** minutes east of UTC, when the text said */
  offset?: number;
  /** from an AM/PM designator; applied after the hour, whichever came first */
  pm?: boolean;
}

function parseOffset(text: string): number | undefined {
  if (!text || text === 'Z' || text === 'z') return text ? 0 : undefined;
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(text);
  if (!m) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

function toUtc(fields: DateFields): Date | null {
  const { year, month, day, minute, second, millisecond, pm } = fields;
  const hour = pm === undefined ? fields.hour : (fields.hour % 12) + (pm ? 12 : 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month - 1)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const local = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millisecond));
  local.setUTCFullYear(year);
  const result = new Date(local.getTime() - (fields.offset ?? 0) * 60_000);
  return Number.isNaN(result.getTime()) ? null : result;
}

/**
 * Parses `text` exactly as .NET's ParseExact would with `format`, allowing leading and
 * trailing white space (Entra's default DateTimeStyles). Text without an offset is UTC.
 */
export function parseDateExact(text: string, format: string): Date | null {
  const readers: Array<(value: string, fields: DateFields) => void> = [];
  let source = '';
  for (const part of splitFormat(format)) {
    if (part.kind === 'literal') {
      source += escapeRegExp(part.text);
      continue;
    }
    const { letter, count } = part;
    const group = (re: string, read: (value: string, fields: DateFields) => void) => {
      source += `(${re})`;
      readers.push(read);
    };
    switch (letter) {
      case 'y':
        if (count === 2) group('\\d{2}', (v, f) => (f.year = Number(v) + (Number(v) <= 49 ? 2000 : 1900)));
        else group(count === 1 ? '\\d{1,4}' : `\\d{${count}}`, (v, f) => (f.year = Number(v)));
        break;
      case 'M':
        if (count >= 3) {
          const names = MONTHS.map((m) => (count === 3 ? m.slice(0, 3) : m));
          group(names.join('|'), (v, f) => (f.month = names.findIndex((n) => n.toLowerCase() === v.toLowerCase()) + 1));
        } else group(count === 1 ? '\\d{1,2}' : '\\d{2}', (v, f) => (f.month = Number(v)));
        break;
      case 'd':
        if (count >= 3) group(DAYS.map((d) => (count === 3 ? d.slice(0, 3) : d)).join('|'), () => {});
        else group(count === 1 ? '\\d{1,2}' : '\\d{2}', (v, f) => (f.day = Number(v)));
        break;
      case 'h':
      case 'H':
        group(count === 1 ? '\\d{1,2}' : '\\d{2}', (v, f) => (f.hour = Number(v)));
        break;
      case 'm':
        group(count === 1 ? '\\d{1,2}' : '\\d{2}', (v, f) => (f.minute = Number(v)));
        break;
      case 's':
        group(count === 1 ? '\\d{1,2}' : '\\d{2}', (v, f) => (f.second = Number(v)));
        break;
      case 'f':
      case 'F':
        group(letter === 'f' ? `\\d{${count}}` : `\\d{0,${count}}`, (v, f) => (f.millisecond = Math.round(Number(`0.${v || '0'}`) * 1000)));
        break;
      case 't':
        group(count === 1 ? '[AaPp]' : '[AaPp][Mm]', (v, f) => (f.pm = /^p/i.test(v)));
        break;
      case 'z':
      case 'K':
        group(letter === 'K' ? 'Z|[+-]\\d{2}:\\d{2}|' : '[+-]\\d{1,2}(?::?\\d{2})?', (v, f) => {
          const offset = parseOffset(v);
          if (offset !== undefined) f.offset = offset;
        });
        break;
      default:
        group('A\\.D\\.|AD', () => {});
    }
  }
  const match = new RegExp(`^${source}$`, 'i').exec(text.trim());
  if (!match) return null;
  const fields: DateFields = { year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, millisecond: 0 };
  readers.forEach((read, i) => read(match[i + 1] ?? '', fields));
  return toUtc(fields);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * The date strings CDate and the date functions accept: ISO 8601 (with or without time and
 * offset, including Workday's `2020-03-16-07:00`) and Entra's own `M/d/yyyy h:mm:ss tt`.
 */
export function parseDate(text: string): Date | null {
  const trimmed = text.trim();
  const iso = ISO.exec(trimmed);
  if (iso) {
    const [, y, mo, d, h, mi, s, frac, zone] = iso;
    return toUtc({
      year: Number(y),
      month: Number(mo),
      day: Number(d),
      hour: Number(h ?? 0),
      minute: Number(mi ?? 0),
      second: Number(s ?? 0),
      millisecond: frac ? Math.round(Number(`0.${frac}`) * 1000) : 0,
      offset: parseOffset(zone ?? ''),
    });
  }
  const us = US.exec(trimmed);
  if (us) {
    const [, mo, d, y, h, mi, s, ampm, zone] = us;
    return toUtc({
      year: Number(y),
      month: Number(mo),
      day: Number(d),
      hour: Number(h ?? 0),
      ...(ampm ? { pm: /^p/i.test(ampm) } : {}),
      minute: Number(mi ?? 0),
      second: Number(s ?? 0),
      millisecond: 0,
      offset: parseOffset(zone ?? ''),
    });
  }
  return null;
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/** Adds months the .NET way: the day is clamped to the end of a shorter month. */
function addMonths(date: Date, months: number): Date {
  const total = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const result = new Date(date.getTime());
  result.setUTCFullYear(year, month, Math.min(date.getUTCDate(), daysInMonth(year, month)));
  return result;
}

/** Interval names of DateAdd and DateDiff (Visual Basic's). */
export const DATE_INTERVALS = ['yyyy', 'q', 'm', 'y', 'd', 'w', 'ww', 'h', 'n', 's'] as const;
export type DateInterval = (typeof DATE_INTERVALS)[number];

export function isDateInterval(text: string): text is DateInterval {
  return (DATE_INTERVALS as readonly string[]).includes(text);
}

export function dateAdd(interval: DateInterval, amount: number, date: Date): Date {
  const n = Math.trunc(amount);
  switch (interval) {
    case 'yyyy':
      return addMonths(date, 12 * n);
    case 'q':
      return addMonths(date, 3 * n);
    case 'm':
      return addMonths(date, n);
    case 'y':
    case 'd':
    case 'w':
      return new Date(date.getTime() + n * MS_PER_DAY);
    case 'ww':
      return new Date(date.getTime() + 7 * n * MS_PER_DAY);
    case 'h':
      return new Date(date.getTime() + n * 3_600_000);
    case 'n':
      return new Date(date.getTime() + n * 60_000);
    case 's':
      return new Date(date.getTime() + n * 1000);
  }
}

/**
 * Visual Basic's DateDiff: years, quarters and months count calendar boundaries crossed;
 * calendar weeks ("ww") count Sundays; the other intervals truncate the elapsed time.
 */
export function dateDiff(interval: DateInterval, from: Date, to: Date): number {
  const elapsed = to.getTime() - from.getTime();
  const months = (d: Date) => d.getUTCFullYear() * 12 + d.getUTCMonth();
  const startOfWeek = (d: Date) => d.getTime() - d.getUTCDay() * MS_PER_DAY;
  const whole = (n: number) => Math.trunc(n) || 0;
  switch (interval) {
    case 'yyyy':
      return to.getUTCFullYear() - from.getUTCFullYear();
    case 'q':
      return Math.floor(months(to) / 3) - Math.floor(months(from) / 3);
    case 'm':
      return months(to) - months(from);
    case 'y':
    case 'd':
      return whole(elapsed / MS_PER_DAY);
    case 'w':
      return whole(elapsed / (7 * MS_PER_DAY));
    case 'ww':
      return whole((startOfWeek(to) - startOfWeek(from)) / (7 * MS_PER_DAY));
    case 'h':
      return whole(elapsed / 3_600_000);
    case 'n':
      return whole(elapsed / 60_000);
    case 's':
      return whole(elapsed / 1000);
  }
}

/** Milliseconds between 1601-01-01 (FileTime's epoch) and 1970-01-01. */
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;

/** Active Directory's date numbers (100 ns ticks since 1601, UTC) to a date. */
export function dateFromFileTime(ticks: bigint): Date {
  return new Date(Number(ticks / 10_000n - FILETIME_EPOCH_OFFSET_MS));
}

/** A date to Active Directory's FileTime, as decimal digits: it exceeds 2^53. */
export function fileTimeFromDate(date: Date): string {
  return ((BigInt(date.getTime()) + FILETIME_EPOCH_OFFSET_MS) * 10_000n).toString();
}
