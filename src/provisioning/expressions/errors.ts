/** Where something is in an expression's text; all 1-based, as an admin counts. */
export interface SourcePosition {
  /** character index from 1 */
  offset: number;
  line: number;
  column: number;
}

export function positionAt(text: string, index: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset: index + 1, line, column: index - lineStart + 1 };
}

/** A bad expression, found when a configuration is saved (never mid-cycle). */
export class ExpressionSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: SourcePosition,
  ) {
    super(`${reason} at line ${position.line}, column ${position.column}`);
    this.name = 'ExpressionSyntaxError';
  }
}

/**
 * A well-formed expression that cannot be computed for one object (e.g. CDate of "banana").
 * The engine fails that object's export, like Entra, instead of sending a wrong value.
 */
export class ExpressionEvaluationError extends Error {
  constructor(
    readonly functionName: string,
    reason: string,
  ) {
    super(`${functionName}: ${reason}`);
    this.name = 'ExpressionEvaluationError';
  }
}
