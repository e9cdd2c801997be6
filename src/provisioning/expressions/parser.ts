import type { Expression } from './ast.js';
import { ExpressionSyntaxError, positionAt } from './errors.js';
import { lookupFunction } from './functions.js';
import { type Token, tokenize } from './lexer.js';

/** Entra's limit on an attribute-mapping expression. */
export const MAX_EXPRESSION_LENGTH = 10_000;

/** Bare names an expression may use without brackets or quotes. */
const BARE_NAMES = new Set(['vbTextCompare', 'vbBinaryCompare']);

/**
 * Parses an attribute-mapping expression and checks every function name and argument count,
 * so that a bad expression is rejected when a job is saved with the position of the mistake.
 * Throws ExpressionSyntaxError.
 */
export function parseExpression(text: string): Expression {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionSyntaxError(
      `Expression is longer than ${MAX_EXPRESSION_LENGTH} characters`,
      positionAt(text, MAX_EXPRESSION_LENGTH),
    );
  }
  const tokens = tokenize(text);
  let next = 0;
  const peek = (): Token => tokens[next]!;
  const take = (): Token => tokens[next++]!;
  const where = (token: Token) => positionAt(text, token.index);
  const fail = (token: Token, reason: string): never => {
    throw new ExpressionSyntaxError(reason, where(token));
  };
  const describe = (token: Token): string => {
    switch (token.type) {
      case 'end':
        return 'end of expression';
      case 'name':
      case 'attribute':
      case 'operator':
        return `'${token.text}'`;
      case 'string':
        return 'a string';
      case 'number':
        return `'${token.value}'`;
      default:
        return `'${token.type}'`;
    }
  };

  const operand = (): Expression => {
    const token = take();
    const position = where(token);
    switch (token.type) {
      case 'attribute':
        return { kind: 'attribute', name: token.text, position };
      case 'string':
        return { kind: 'string', value: token.text, position };
      case 'number':
        return { kind: 'number', value: token.value, position };
      case 'name': {
        if (peek().type === '(') return call(token.text, token);
        const lower = token.text.toLowerCase();
        if (lower === 'true' || lower === 'false') return { kind: 'boolean', value: lower === 'true', position };
        const bare = [...BARE_NAMES].find((n) => n.toLowerCase() === lower);
        if (bare) return { kind: 'name', name: bare, position };
        return fail(token, `Unknown name '${token.text}' (attributes are written in brackets: [${token.text}])`);
      }
      default:
        return fail(token, `Expected a function, attribute or value but found ${describe(token)}`);
    }
  };

  const expression = (): Expression => {
    const left = operand();
    const token = peek();
    if (token.type !== 'operator') return left;
    take();
    const right = operand();
    return { kind: 'compare', operator: token.text, left, right, position: left.position };
  };

  const call = (written: string, nameToken: Token): Expression => {
    const definition = lookupFunction(written);
    if (!definition) return fail(nameToken, `Unknown function '${written}'`);
    take();
    const args: Expression[] = [];
    if (peek().type === ')') {
      take();
    } else {
      for (;;) {
        const token = peek();
        args.push(
          token.type === ',' || token.type === ')' ? { kind: 'empty', position: where(token) } : expression(),
        );
        const separator = take();
        if (separator.type === ')') break;
        if (separator.type !== ',') fail(separator, `Expected ',' or ')' but found ${describe(separator)}`);
      }
    }
    const [min, max] = definition.arity;
    if (args.length < min || args.length > max) {
      const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      const plural = expected.endsWith(' 1') || expected === '1' ? '' : 's';
      fail(nameToken, `${definition.name} takes ${expected} argument${plural}, not ${args.length}`);
    }
    const problem = definition.check?.(args);
    if (problem) throw new ExpressionSyntaxError(`${definition.name}: ${problem.reason}`, problem.at.position);
    return { kind: 'call', name: definition.name, args, position: where(nameToken) };
  };

  const result = expression();
  const rest = peek();
  if (rest.type !== 'end') fail(rest, `Unexpected ${describe(rest)} after the end of the expression`);
  return result;
}
