/** Entra's attribute-mapping expression language: parse when saved, evaluate per object. */
export type { ComparisonOperator, Expression } from './ast.js';
export { ExpressionEvaluationError, ExpressionSyntaxError, type SourcePosition } from './errors.js';
export { type EvaluationResult, evaluateExpression, systemContext } from './evaluate.js';
export { compileDotNetRegex, type EvaluationContext, FUNCTION_NAMES } from './functions.js';
export { MAX_EXPRESSION_LENGTH, parseExpression } from './parser.js';
export { type ExpressionValue, toText } from './values.js';
