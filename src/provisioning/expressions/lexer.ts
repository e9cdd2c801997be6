import type { ComparisonOperator } from './ast.js';
import { ExpressionSyntaxError, positionAt } from './errors.js';

export type Token =
  | { type: 'name'; text: string; index: number }
  | { type: 'attribute'; text: string; index: number }
  | { type: 'string'; text: string; index: number }
  | { type: 'number'; value: number; index: number }
  | { type: 'operator'; text: ComparisonOperator; index: number }
  | { type: '(' | ')' | ','; index: number }
  | { type: 'end'; index: number };

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const DECIMAL = /-?\d+(?:\.\d+)?/y;
const HEX = /&H([0-9A-Fa-f]+)/y;
const OPERATOR = /<>|>=|<=|=|>|</y;
const SPACE = /\s+/y;

function fail(text: string, index: number, reason: string): never {
  throw new ExpressionSyntaxError(reason, positionAt(text, index));
}

/**
 * Splits an expression into tokens. Strings follow Entra's rule that only `\"` and `\\` are
 * escapes; any other backslash is kept as written, so regex patterns such as `"\d{3}"` still
 * reach the regex engine intact.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const at = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = i;
    return re.exec(text);
  };
  while (i < text.length) {
    const ch = text[i]!;
    const space = at(SPACE);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ type: ch, index: i });
      i++;
      continue;
    }
    if (ch === '[') {
      const close = text.indexOf(']', i + 1);
      const newline = text.indexOf('\n', i + 1);
      if (close < 0 || (newline >= 0 && newline < close)) fail(text, i, 'Unterminated attribute reference');
      const name = text.slice(i + 1, close).trim();
      if (!name) fail(text, i, 'Empty attribute reference');
      tokens.push({ type: 'attribute', text: name, index: i });
      i = close + 1;
      continue;
    }
    if (ch === '"') {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) fail(text, start, 'Unterminated string');
        const c = text[i]!;
        if (c === '"') break;
        if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      tokens.push({ type: 'string', text: value, index: start });
      i++;
      continue;
    }
    const hex = at(HEX);
    if (hex) {
      tokens.push({ type: 'number', value: Number.parseInt(hex[1]!, 16), index: i });
      i += hex[0].length;
      continue;
    }
    const number = at(DECIMAL);
    if (number) {
      tokens.push({ type: 'number', value: Number(number[0]), index: i });
      i += number[0].length;
      continue;
    }
    const operator = at(OPERATOR);
    if (operator) {
      tokens.push({ type: 'operator', text: operator[0] as ComparisonOperator, index: i });
      i += operator[0].length;
      continue;
    }
    const name = at(NAME);
    if (name) {
      tokens.push({ type: 'name', text: name[0], index: i });
      i += name[0].length;
      continue;
    }
    fail(text, i, `Unexpected character '${ch}'`);
  }
  tokens.push({ type: 'end', index: text.length });
  return tokens;
}
