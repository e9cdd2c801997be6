import { randomUUID } from 'node:crypto';
import type { SourceObject } from '../source.js';
import { sourceAttribute } from '../source.js';
import type { ComparisonOperator, Expression } from './ast.js';
import { parseDate } from './datetime.js';
import { type Argument, type CallScope, type EvaluationContext, FlowIgnored, lookupFunction } from './functions.js';
import { type ExpressionValue, fromSource, toText } from './values.js';

/** The real clock and randomness, for the engine outside tests. */
export const systemContext: EvaluationContext = {
  now: () => new Date(),
  random: Math.random,
  guid: randomUUID,
};

export interface EvaluationResult {
  value: ExpressionValue;
  /** IgnoreFlowIfNullOrEmpty fired: the attribute is left out of the export */
  ignored: boolean;
  /** Redact was used: logs show "[Redact]" instead of the value */
  redacted: boolean;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function compare(operator: ComparisonOperator, left: ExpressionValue, right: ExpressionValue): boolean {
  // Microsoft: "If the source attribute used within the IIF function is empty or null, the condition check fails."
  if (left === null || right === null) return false;
  let order: number;
  if (left instanceof Date || right instanceof Date) {
    const a = left instanceof Date ? left : parseDate(toText(left) ?? '');
    const b = right instanceof Date ? right : parseDate(toText(right) ?? '');
    if (!a || !b) return false;
    order = a.getTime() - b.getTime();
  } else {
    const a = toText(left);
    const b = toText(right);
    if (a === null || b === null) return false;
    order = NUMBER.test(a.trim()) && NUMBER.test(b.trim()) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0;
  }
  switch (operator) {
    case '=':
      return order === 0;
    case '<>':
      return order !== 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
  }
}

/**
 * Computes a parsed expression for one source object. Throws ExpressionEvaluationError when a
 * value cannot be computed (the object's export fails, as in Entra).
 */
export function evaluateExpression(
  expression: Expression,
  source: SourceObject,
  context: EvaluationContext = systemContext,
): EvaluationResult {
  let redacted = false;
  const scope: CallScope = { context, markRedacted: () => (redacted = true) };
  const value = (node: Expression): ExpressionValue => {
    switch (node.kind) {
      case 'string':
        return node.value;
      case 'number':
        return node.value;
      case 'boolean':
        return node.value;
      case 'name':
        return node.name;
      case 'empty':
        return null;
      case 'attribute':
        return fromSource(sourceAttribute(source, node.name));
      case 'compare':
        return compare(node.operator, value(node.left), value(node.right));
      case 'call': {
        const args = node.args.map((arg): Argument => ({ given: arg.kind !== 'empty', value: () => value(arg) }));
        return lookupFunction(node.name)!.evaluate(args, scope);
      }
    }
  };
  try {
    return { value: value(expression), ignored: false, redacted };
  } catch (error) {
    if (error instanceof FlowIgnored) return { value: null, ignored: true, redacted };
    throw error;
  }
}

