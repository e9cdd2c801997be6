import type { SourcePosition } from './errors.js';

export type ComparisonOperator = '=' | '<>' | '>' | '>=' | '<' | '<=';

/** The parsed form of an attribute-mapping expression. Every node knows where it starts. */
export type Expression =
  | { kind: 'call'; name: string; args: Expression[]; position: SourcePosition }
  | { kind: 'attribute'; name: string; position: SourcePosition }
  | { kind: 'string'; value: string; position: SourcePosition }
  | { kind: 'number'; value: number; position: SourcePosition }
  | { kind: 'boolean'; value: boolean; position: SourcePosition }
  /** a bare name such as `vbTextCompare` (InStr's compare type) */
  | { kind: 'name'; name: string; position: SourcePosition }
  /** an argument left out: `Switch([x], , "a", "b")` */
  | { kind: 'empty'; position: SourcePosition }
  /** `[country]="USA"` inside IIF or CBool */
  | {
      kind: 'compare';
      operator: ComparisonOperator;
      left: Expression;
      right: Expression;
      position: SourcePosition;
    };
