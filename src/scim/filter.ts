/**
 * Parsers for the SCIM query and PATCH grammars (RFC 7644 §3.4.2.2, §3.5.2) into the shapes of
 * filter-ast.ts. Hand-written lexer + recursive descent, so every error can name what was
 * expected and where (1-based position), which clients otherwise have to guess.
 */
import type { AttrPath, CompareOp, Filter, FilterValue, PatchPath } from './filter-ast.js';
import { ScimError, type ScimType } from './errors.js';

/** Longer input is refused before parsing; keeps work per request bounded. */
export const MAX_FILTER_LENGTH = 10_000;
/** Deeper nesting of `(`, `not (` and `[` is refused; the parser recurses once per level. */
export const MAX_FILTER_DEPTH = 64;

const COMPARE_OPS: ReadonlySet<string> = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const OPERATOR_LIST = 'eq, ne, co, sw, ew, gt, ge, lt, le or pr';
const ATTR_NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/;
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const QUOTE_LIMIT = 120;

type Token =
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'string'; value: string; text: string; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: '(' | ')' | '[' | ']' | '.' | ','; text: string; pos: number }
  | { kind: 'bad'; text: string; pos: number }
  | { kind: 'eof'; text: ''; pos: number };

const isWordStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '$';
const isWordChar = (c: string) =>
  isWordStart(c) || (c >= '0' && c <= '9') || c === '_' || c === '-' || c === ':' || c === '.';
const isNumberStart = (c: string) => (c >= '0' && c <= '9') || c === '-';
const isNumberChar = (c: string) =>
  (c >= '0' && c <= '9') || c === '.' || c === 'e' || c === 'E' || c === '+' || c === '-';
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const PUNCTUATION = new Set(['(', ')', '[', ']', '.', ',']);
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** What the input is called in error details, and which scimType a syntax error carries. */
interface Subject {
  noun: 'filter' | 'path' | 'attribute list' | 'attribute path';
  scimType: ScimType;
}

class Parser {
  private offset = 0;
  private lookahead: Token | undefined;
  private depth = 0;
  /** Inside `[…]` of a PATCH path the text is a filter, and RFC 7644 §3.12 lists
   *  invalidFilter for "PATCH (Path Filter)"; the rest of a path is invalidPath. */
  private inElementFilter = false;

  constructor(
    private readonly text: string,
    private readonly subject: Subject,
  ) {
    if (text.length > MAX_FILTER_LENGTH) {
      throw new ScimError(400, subject.scimType,
        `${subject.noun} is ${text.length} characters long; at most ${MAX_FILTER_LENGTH} are accepted`);
    }
  }

  // ---- errors -------------------------------------------------------------------------

  fail(message: string, pos: number): never {
    const scimType = this.inElementFilter ? 'invalidFilter' : this.subject.scimType;
    throw new ScimError(400, scimType,
      `${message} at position ${pos + 1} in ${this.subject.noun} '${quote(this.text, pos)}'`);
  }

  expected(what: string, token: Token): never {
    return this.fail(`expected ${what}, found ${describe(token)}`, token.pos);
  }

  // ---- lexer --------------------------------------------------------------------------

  peek(): Token {
    this.lookahead ??= this.lex();
    return this.lookahead;
  }

  next(): Token {
    const token = this.peek();
    this.lookahead = undefined;
    return token;
  }

  private lex(): Token {
    const { text } = this;
    while (this.offset < text.length && isSpace(text[this.offset]!)) this.offset++;
    const pos = this.offset;
    if (pos >= text.length) return { kind: 'eof', text: '', pos };
    const c = text[pos]!;
    if (PUNCTUATION.has(c)) {
      this.offset++;
      return { kind: c as '(' | ')' | '[' | ']' | '.' | ',', text: c, pos };
    }
    if (c === '"') return this.lexString(pos);
    if (isNumberStart(c)) return this.lexNumber(pos);
    if (isWordStart(c)) {
      let end = pos + 1;
      while (end < text.length && isWordChar(text[end]!)) end++;
      // A word never ends in '.', so `emails[…].value` and `a.` keep their dot as a token.
      while (text[end - 1] === '.') end--;
      this.offset = end;
      return { kind: 'word', text: text.slice(pos, end), pos };
    }
    this.offset++;
    return { kind: 'bad', text: c, pos };
  }

  private lexString(pos: number): Token {
    const { text } = this;
    let value = '';
    let i = pos + 1;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        this.offset = i + 1;
        return { kind: 'string', value, text: text.slice(pos, i + 1), pos };
      }
      if (c !== '\\') {
        value += c;
        i++;
        continue;
      }
      const e = text[i + 1];
      if (e === undefined) break;
      if (e === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) this.fail('expected four hex digits after \\u in string', i);
        value += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      const decoded = ESCAPES[e];
      if (decoded === undefined) {
        this.fail(`invalid escape '\\${e}' in string (allowed: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`, i);
      }
      value += decoded;
      i += 2;
    }
    return this.fail('unterminated string (missing closing \'"\')', pos);
  }

  private lexNumber(pos: number): Token {
    const { text } = this;
    let end = pos + 1;
    while (end < text.length && isNumberChar(text[end]!)) end++;
    const raw = text.slice(pos, end);
    const value = Number(raw);
    if (!JSON_NUMBER.test(raw) || !Number.isFinite(value)) this.fail(`invalid number ${excerpt(raw)}`, pos);
    this.offset = end;
    return { kind: 'number', value, text: raw, pos };
  }

  // ---- grammar ------------------------------------------------------------------------

  /** FILTER = orExpr; `or` binds loosest, then `and`, then `not`. */
  filter(): Filter {
    let left = this.conjunction();
    while (isKeyword(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Filter {
    let left = this.factor();
    while (isKeyword(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.factor() };
    }
    return left;
  }

  private factor(): Filter {
    const token = this.peek();
    if (token.kind === '(') {
      this.next();
      return this.nested(token, () => this.group(token));
    }
    if (token.kind !== 'word') return this.expected('an attribute name, \'(\' or \'not\'', token);
    this.next();
    if (token.text.toLowerCase() === 'not' && !this.continuesAttribute()) {
      const open = this.next();
      if (open.kind !== '(') return this.expected('\'(\' after \'not\'', open);
      return this.nested(open, () => ({ kind: 'not', filter: this.group(open) }));
    }
    const path = this.attrPath(token);
    if (this.peek().kind === '[') return this.valuePath(path, token);
    return this.attrExp(path, token.text);
  }

  /** `not` is also a legal attribute name; it is one when an operator or `[` follows it. */
  private continuesAttribute(): boolean {
    const token = this.peek();
    if (token.kind === '[') return true;
    if (token.kind !== 'word') return false;
    const word = token.text.toLowerCase();
    return COMPARE_OPS.has(word) || word === 'pr';
  }

  private group(open: Token): Filter {
    const inner = this.filter();
    const close = this.next();
    if (close.kind !== ')') {
      return this.expected(`'and', 'or' or ')' to close the '(' at position ${open.pos + 1}`, close);
    }
    return inner;
  }

  private nested<T>(open: Token, parse: () => T): T {
    if (++this.depth > MAX_FILTER_DEPTH) {
      this.fail(`nesting deeper than ${MAX_FILTER_DEPTH} levels`, open.pos);
    }
    const result = parse();
    this.depth--;
    return result;
  }

  /** attrExp = attrPath SP "pr" / attrPath SP compareOp SP compValue */
  private attrExp(path: AttrPath, name: string): Filter {
    const opToken = this.next();
    const op = opToken.kind === 'word' ? opToken.text.toLowerCase() : '';
    if (op === 'pr') {
      const after = this.peek();
      if (after.kind === 'string' || after.kind === 'number' || isValueWord(after)) {
        this.fail('\'pr\' takes no value', after.pos);
      }
      return { kind: 'present', path };
    }
    if (!COMPARE_OPS.has(op)) {
      return this.expected(`an operator (${OPERATOR_LIST}) after ${excerpt(name)}`, opToken);
    }
    return { kind: 'compare', path, op: op as CompareOp, value: this.compValue(op) };
  }

  private compValue(op: string): FilterValue {
    const token = this.next();
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'word') {
      const word = token.text.toLowerCase();
      if (word === 'true') return true;
      if (word === 'false') return false;
      if (word === 'null') return null;
    }
    return this.expected(`a value after '${op}' (a "quoted string", a number, true, false or null)`, token);
  }

  /**
   * valuePath = attrPath "[" valFilter "]", plus Entra's trailing sub-attribute comparison
   * (`emails[type eq "work"].value eq "a@x"`), folded into the element filter as
   * filter-ast.ts documents.
   */
  private valuePath(path: AttrPath, nameToken: Token): Filter {
    if (path.sub !== undefined) this.fail(`'[' cannot follow the sub-attribute ${excerpt(path.sub)}`, this.peek().pos);
    const filter = this.elementFilter();
    if (this.peek().kind !== '.') return { kind: 'valuePath', path, filter };
    this.next();
    const sub = this.subAttrName(this.next());
    const trailing = this.attrExp({ attr: sub }, `${nameToken.text}[…].${sub}`);
    return { kind: 'valuePath', path, filter: { kind: 'and', left: filter, right: trailing } };
  }

  /**
   * "[" valFilter "]", whose attribute names are sub-attributes of the enclosing path.
   * Callers have peeked the '['.
   */
  elementFilter(): Filter {
    const open = this.next();
    if (this.inElementFilter) this.fail('\'[\' inside \'[…]\' (value filters do not nest)', open.pos);
    this.inElementFilter = true;
    const filter = this.nested(open, () => this.filter());
    const close = this.next();
    if (close.kind !== ']') {
      return this.expected(`'and', 'or' or ']' to close the '[' at position ${open.pos + 1}`, close);
    }
    this.inElementFilter = false;
    return filter;
  }

  subAttrName(token: Token): string {
    if (token.kind !== 'word' || !ATTR_NAME.test(token.text)) {
      return this.expected('a sub-attribute name', token);
    }
    return token.text;
  }

  /**
   * ATTRPATH = [URI ":"] ATTRNAME ["." subAttr]. The URI is everything before the last ':'
   * (schema URNs contain dots, as in `2.0`). Inside `[…]` only a bare sub-attribute name is
   * meaningful, so URIs and dotted names are refused there.
   */
  attrPath(token: Token): AttrPath {
    if (token.kind !== 'word') return this.expected('an attribute name', token);
    const { text, pos } = token;
    const colon = text.lastIndexOf(':');
    let uri: string | undefined;
    let rest = text;
    let restPos = pos;
    if (colon >= 0) {
      if (!/^urn:/i.test(text)) this.fail(`invalid attribute name ${excerpt(text)} (a schema prefix must start with 'urn:')`, pos);
      if (this.inElementFilter) this.fail(`expected a sub-attribute name inside '[…]', found ${excerpt(text)}`, pos);
      uri = text.slice(0, colon);
      rest = text.slice(colon + 1);
      restPos = pos + colon + 1;
      if (rest === '') this.fail(`expected an attribute name after the schema URN ${excerpt(uri)}`, restPos);
    }
    const dot = rest.indexOf('.');
    const attr = dot < 0 ? rest : rest.slice(0, dot);
    if (!ATTR_NAME.test(attr)) this.fail(`invalid attribute name ${excerpt(attr)}`, restPos);
    if (dot < 0) return uri === undefined ? { attr } : { uri, attr };
    if (this.inElementFilter) this.fail(`expected a sub-attribute name inside '[…]', found ${excerpt(text)}`, pos);
    const sub = rest.slice(dot + 1);
    if (!ATTR_NAME.test(sub)) this.fail(`invalid sub-attribute name ${excerpt(sub)}`, restPos + dot + 1);
    return uri === undefined ? { attr, sub } : { uri, attr, sub };
  }

  end(what: string): void {
    const token = this.peek();
    if (token.kind !== 'eof') this.expected(what, token);
  }
}

const isKeyword = (token: Token, word: string) => token.kind === 'word' && token.text.toLowerCase() === word;

const isValueWord = (token: Token) =>
  token.kind === 'word' && ['true', 'false', 'null'].includes(token.text.toLowerCase());

function describe(token: Token): string {
  return token.kind === 'eof' ? 'the end of input' : excerpt(token.text);
}

/** A piece of the input quoted in a message, cut short so details stay readable. */
function excerpt(piece: string): string {
  return `'${piece.length > 60 ? `${piece.slice(0, 60)}…` : piece}'`;
}

/** The whole input when short, else a window around the error so the detail stays readable. */
function quote(text: string, pos: number): string {
  if (text.length <= QUOTE_LIMIT) return text;
  const half = QUOTE_LIMIT / 2;
  const start = Math.max(0, Math.min(pos - half, text.length - QUOTE_LIMIT));
  const end = start + QUOTE_LIMIT;
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}

const FILTER: Subject = { noun: 'filter', scimType: 'invalidFilter' };
const PATH: Subject = { noun: 'path', scimType: 'invalidPath' };
/**
 * RFC 7644 names no error for `attributes`, `excludedAttributes` or `sortBy`; their entries
 * follow the same ATTRPATH grammar as a PATCH path, whose malformed form is invalidPath.
 */
const ATTRIBUTE_LIST: Subject = { noun: 'attribute list', scimType: 'invalidPath' };
const ATTRIBUTE_PATH: Subject = { noun: 'attribute path', scimType: 'invalidPath' };

/** Parses a `filter` query parameter (RFC 7644 §3.4.2.2). Throws ScimError 400 invalidFilter. */
export function parseFilter(text: string): Filter {
  const parser = new Parser(text, FILTER);
  if (parser.peek().kind === 'eof') parser.fail('expected a filter, found nothing', parser.peek().pos);
  const filter = parser.filter();
  parser.end('\'and\', \'or\' or the end of the filter');
  return filter;
}

/**
 * Parses a PATCH operation's `path` (RFC 7644 §3.5.2): `attrPath` or
 * `valuePath ["." subAttr]`. Throws ScimError 400 invalidPath, or invalidFilter for a
 * malformed filter inside `[…]` (RFC 7644 §3.12 lists invalidFilter for path filters).
 */
export function parsePatchPath(text: string): PatchPath {
  const parser = new Parser(text, PATH);
  const first = parser.next();
  if (first.kind === 'eof') parser.fail('expected an attribute path, found nothing', first.pos);
  const path = parser.attrPath(first);
  if (parser.peek().kind !== '[') {
    parser.end('\'[\' or the end of the path');
    return { path };
  }
  if (path.sub !== undefined) parser.fail(`'[' cannot follow the sub-attribute ${excerpt(path.sub)}`, parser.peek().pos);
  const filter = parser.elementFilter();
  if (parser.peek().kind !== '.') {
    parser.end('\'.\' and a sub-attribute, or the end of the path');
    return { path, filter };
  }
  parser.next();
  const valueSub = parser.subAttrName(parser.next());
  parser.end('the end of the path');
  return { path, filter, valueSub };
}

/** Parses one attribute path, as in `sortBy`. Throws ScimError 400 invalidPath. */
export function parseAttrPath(text: string): AttrPath {
  const parser = new Parser(text, ATTRIBUTE_PATH);
  const path = parser.attrPath(parser.next());
  parser.end('the end of the attribute path');
  return path;
}

/**
 * Parses `attributes` / `excludedAttributes`: comma-separated attribute paths, spaces
 * around commas tolerated. Blank text is an empty list. A bare schema URN (the whole
 * enterprise extension) comes back split at its last ':' like any URN path
 * (`{ uri: 'urn:…:enterprise:2.0', attr: 'User' }`); the consumer, which knows the
 * schemas, recognises it. Throws ScimError 400 invalidPath.
 */
export function parseAttributeList(text: string): AttrPath[] {
  const parser = new Parser(text, ATTRIBUTE_LIST);
  if (parser.peek().kind === 'eof') return [];
  const paths = [parser.attrPath(parser.next())];
  while (parser.peek().kind === ',') {
    parser.next();
    paths.push(parser.attrPath(parser.next()));
  }
  parser.end('\',\' or the end of the attribute list');
  return paths;
}
