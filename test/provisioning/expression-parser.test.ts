import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ExpressionSyntaxError,
  FUNCTION_NAMES,
  MAX_EXPRESSION_LENGTH,
  parseExpression,
} from '../../src/provisioning/expressions/index.js';

function syntaxError(expression: string): ExpressionSyntaxError {
  try {
    parseExpression(expression);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${expression} to be rejected`);
}

describe('parsing', () => {
  it('builds a tree with positions, empty arguments and comparisons', () => {
    expect(parseExpression('Switch([x], , "a", IIF([n]>=2, True, 1.5))')).toMatchObject({
      kind: 'call',
      name: 'Switch',
      position: { offset: 1, line: 1, column: 1 },
      args: [
        { kind: 'attribute', name: 'x', position: { column: 8 } },
        { kind: 'empty', position: { column: 13 } },
        { kind: 'string', value: 'a' },
        {
          kind: 'call',
          name: 'IIF',
          args: [
            { kind: 'compare', operator: '>=', left: { kind: 'attribute', name: 'n' }, right: { kind: 'number', value: 2 } },
            { kind: 'boolean', value: true },
            { kind: 'number', value: 1.5 },
          ],
        },
      ],
    });
  });

  it('accepts multi-line expressions and function names in any case', () => {
    const expression = 'Switch([Active], ,\n  "1", iif(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True"),\n  "0", "False")';
    expect(parseExpression(expression)).toMatchObject({ kind: 'call', name: 'Switch' });
    expect(parseExpression('join(" ", [a], [b])')).toMatchObject({ name: 'Join' });
  });

  it('knows every function of the reference page', () => {
    expect(FUNCTION_NAMES).toEqual(
      expect.arrayContaining([
        'Append', 'AppRoleAssignmentsComplex', 'BitAnd', 'CBool', 'CDate', 'Coalesce', 'ConvertToBase64',
        'ConvertToUTF8Hex', 'Count', 'CStr', 'DateAdd', 'DateDiff', 'DateFromNum', 'FormatDateTime', 'Guid',
        'IgnoreFlowIfNullOrEmpty', 'IIF', 'InStr', 'IsNull', 'IsNullOrEmpty', 'IsPresent', 'IsString', 'Item',
        'Join', 'Left', 'Mid', 'NormalizeDiacritics', 'Not', 'Now', 'NumFromDate', 'PCase', 'RandomString',
        'Redact', 'RemoveDuplicates', 'Replace', 'SingleAppRoleAssignment', 'Split', 'StripSpaces', 'Switch',
        'ToLower', 'ToUpper', 'Word',
      ]),
    );
  });

  it(`accepts ${MAX_EXPRESSION_LENGTH} characters and refuses one more`, () => {
    const fits = `Append([a], "${'x'.repeat(MAX_EXPRESSION_LENGTH - 15)}")`;
    expect(fits).toHaveLength(MAX_EXPRESSION_LENGTH);
    expect(() => parseExpression(fits)).not.toThrow();
    const error = syntaxError(`${fits} `);
    expect(error.reason).toMatch(/longer than 10000 characters/);
    expect(error.position.offset).toBe(MAX_EXPRESSION_LENGTH + 1);
  });
});

describe('a bad expression is rejected with the position of the mistake', () => {
  it.each([
    ['Foo([a])', 'Unknown function \'Foo\'', 1, 1],
    ['Join(" ", Bar())', 'Unknown function \'Bar\'', 1, 11],
    ['Append([a])', 'Append takes 2 arguments, not 1', 1, 1],
    ['Append([a], "b", "c")', 'Append takes 2 arguments, not 3', 1, 1],
    ['Left("abc")', 'Left takes 2 arguments, not 1', 1, 1],
    ['Mid("abc", 1)', 'Mid takes 3 arguments, not 2', 1, 1],
    ['Guid(1)', 'Guid takes 0 arguments, not 1', 1, 1],
    ['Now( , )', 'Now takes 0 arguments, not 2', 1, 1],
    ['IIF([a]="b", "c")', 'IIF takes 3 arguments, not 2', 1, 1],
    ['InStr("a")', 'InStr takes 2 to 4 arguments, not 1', 1, 1],
    ['Join(",")', 'Join takes at least 2 arguments, not 1', 1, 1],
    ['Coalesce()', 'Coalesce takes at least 1 argument, not 0', 1, 1],
    ['Replace([a], "b", , , "c")', 'Replace takes 7 arguments, not 5', 1, 1],
    ['RandomString(1,2,3,4)', 'RandomString takes 5 to 6 arguments, not 4', 1, 1],
    ['Switch([a], "d", "k")', 'Switch takes at least 4 arguments, not 3', 1, 1],
    ['Switch([a], "d", "k", "v", "k2")', 'Switch: keys and values must come in pairs', 1, 28],
    ['Replace([a], , "(", , "x", , )', 'Replace: invalid regular expression', 1, 16],
    ['Replace([a], , , , "x", , )', 'Replace: give oldValue or regexPattern', 1, 9],
    ['Replace([a], "b", , , , , )', 'Replace: oldValue needs replacementValue or template', 1, 14],
    ['Replace([a], , "b", , , , )', 'Replace: regexPattern needs replacementValue or replacementAttributeName', 1, 16],
    ['Replace([a], , "b", , , [c], )', 'Replace: replacementAttributeName needs regexGroupName', 1, 25],
    ['DateAdd("days", 1, Now())', 'DateAdd: unknown interval "days"', 1, 9],
    ['DateDiff("x", Now(), Now())', 'DateDiff: unknown interval "x"', 1, 10],
    ['ToLower([a], "xx-!!")', 'ToLower: unknown culture "xx-!!"', 1, 14],
    ['Append([a], "b"', "Expected ',' or ')' but found end of expression", 1, 16],
    ['Append([a] "b")', "Expected ',' or ')' but found a string", 1, 12],
    ['Append([a], "b")) ', "Unexpected ')' after the end of the expression", 1, 17],
    ['Append([a], "b', 'Unterminated string', 1, 13],
    ['Append([a, "b")', 'Unterminated attribute reference', 1, 8],
    ['Append([ ], "b")', 'Empty attribute reference', 1, 8],
    ['Append(displayName, "b")', "Unknown name 'displayName' (attributes are written in brackets: [displayName])", 1, 8],
    ['Append([a], "b") = ', 'Expected a function, attribute or value but found end of expression', 1, 20],
    ['Append([a]; "b")', "Unexpected character ';'", 1, 11],
    ['', 'Expected a function, attribute or value but found end of expression', 1, 1],
    ['Switch([a], ,\n  "k", "v",\n  "k2", Oops())', "Unknown function 'Oops'", 3, 9],
  ])('%j → %s (line %i, column %i)', (expression, reason, line, column) => {
    const error = syntaxError(expression);
    expect(error.reason).toContain(reason);
    expect(error.position).toMatchObject({ line, column });
    expect(error.message).toContain(`at line ${line}, column ${column}`);
  });
});

describe('any text', () => {
  const pieces = fc.constantFrom('Join(', 'IIF(', 'Switch(', 'Replace(', '[a]', '"x"', '"\\"', ',', ')', '(', ' ', '\n', '=', '<>', '1', '-2', '&HF', 'True', 'vbTextCompare', ']', '[', '"');
  const expressionLike = fc.array(pieces, { maxLength: 30 }).map((parts) => parts.join(''));

  it('either parses or is refused with a position inside the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), expressionLike), (text) => {
        try {
          parseExpression(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ExpressionSyntaxError);
          const { offset } = (error as ExpressionSyntaxError).position;
          expect(offset).toBeGreaterThanOrEqual(1);
          expect(offset).toBeLessThanOrEqual(text.length + 1);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
