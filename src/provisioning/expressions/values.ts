import { ENTRA_DATE_FORMAT, formatDate, parseDate } from './datetime.js';
import { ExpressionEvaluationError } from './errors.js';

/** A complex value such as a role from AppRoleAssignmentsComplex. */
export type ComplexValue = { readonly [key: string]: string | number | boolean | null };

/**
 * What an expression computes. Entra's expressions are string-typed; numbers, booleans and
 * dates appear where a function produces them and turn into Entra's text when needed.
 */
export type ExpressionValue = null | string | number | boolean | Date | ComplexValue | readonly ExpressionValue[];

/** A source attribute (JSON from the directory) as an expression value. */
export function fromSource(raw: unknown): ExpressionValue {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' || raw instanceof Date) return raw;
  if (Array.isArray(raw)) return raw.map(fromSource);
  if (typeof raw === 'object') {
    const complex: Record<string, string | number | boolean | null> = {};
    for (const [key, value] of Object.entries(raw)) {
      if (value === null || value === undefined) complex[key] = null;
      else complex[key] = typeof value === 'object' ? JSON.stringify(value) : (value as string | number | boolean);
    }
    return complex;
  }
  return String(raw);
}

export function isNullOrEmpty(value: ExpressionValue): boolean {
  return value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

/**
 * A value as Entra writes it: booleans as "True"/"False" (.NET), dates as
 * `M/d/yyyy h:mm:ss tt`, a multi-valued attribute as its first value.
 */
export function toText(value: ExpressionValue): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value instanceof Date) return formatDate(value, ENTRA_DATE_FORMAT);
  if (Array.isArray(value)) return value.length ? toText(value[0] as ExpressionValue) : null;
  return JSON.stringify(value);
}

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function toNumber(value: ExpressionValue, functionName: string): number | null {
  if (value === null) return null;
  if (typeof value === 'number') {
    // JSON from a directory never holds these; a value that does is not a number to compute with
    if (!Number.isFinite(value)) throw new ExpressionEvaluationError(functionName, `${value} is not a finite number`);
    return value;
  }
  const text = toText(value);
  if (text === null || text.trim() === '') return null;
  const trimmed = text.trim();
  if (NUMERIC.test(trimmed)) return Number(trimmed);
  const hex = /^&H([0-9A-Fa-f]+)$/.exec(trimmed);
  if (hex) return Number.parseInt(hex[1]!, 16);
  throw new ExpressionEvaluationError(functionName, `'${text}' is not a number`);
}

/** .NET's bool parsing plus numbers (non-zero is true), as CBool and IIF read conditions. */
export function toBoolean(value: ExpressionValue, functionName: string): boolean | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  const text = toText(value);
  if (text === null || text.trim() === '') return null;
  const lower = text.trim().toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (NUMERIC.test(lower)) return Number(lower) !== 0;
  throw new ExpressionEvaluationError(functionName, `'${text}' is not a boolean`);
}

export function toDate(value: ExpressionValue, functionName: string): Date | null {
  if (value === null) return null;
  if (value instanceof Date) return value;
  const text = toText(value);
  if (text === null || text.trim() === '') return null;
  const date = parseDate(text);
  if (!date) throw new ExpressionEvaluationError(functionName, `'${text}' is not a date`);
  return date;
}

export function toList(value: ExpressionValue): readonly ExpressionValue[] {
  if (value === null) return [];
  return Array.isArray(value) ? value : [value as ExpressionValue];
}
