import { Column, getTableName, Name, Placeholder, SQL, StringChunk } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';

/**
 * A drizzle `sql` tree → statement text and parameters, as PgDialect.sqlToQuery renders it.
 *
 * drizzle's renderer tests every chunk against a dozen entity kinds by walking prototype
 * chains, copies its config and merges arrays at every level of nesting; for the nested
 * statements the SCIM filter compiler builds, rendering cost more than parsing and compiling
 * the filter (about 16 µs of a 26 µs work-email filter). The statements of the SCIM target
 * use only a few kinds of chunk — text, nested sql, identifiers, columns of our unaliased
 * tables, values and placeholders — and those are rendered here in one pass; a statement
 * holding anything else is handed to drizzle whole, so the text is always drizzle's.
 */

const dialect = new PgDialect();

export interface Query {
  sql: string;
  params: unknown[];
}

class Unsupported extends Error {}

export function toQuery(statement: SQL): Query {
  const out = { text: [] as string[], params: [] as unknown[] };
  try {
    render(statement, out);
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
    const { sql, params } = dialect.sqlToQuery(statement);
    return { sql, params };
  }
  return { sql: out.text.join(''), params: out.params };
}

const escapeName = (name: string) => `"${name.replace(/"/g, '""')}"`;
const TABLE_SCHEMA = Symbol.for('drizzle:Schema');
const TABLE_IS_ALIAS = Symbol.for('drizzle:IsAlias');

function render(statement: SQL, out: { text: string[]; params: unknown[] }): void {
  // an inlineParams() statement writes values as literals: drizzle's business
  if ((statement as unknown as { shouldInlineParams: boolean }).shouldInlineParams) throw new Unsupported();
  for (const chunk of statement.queryChunks) {
    if (chunk instanceof StringChunk) out.text.push(chunk.value.join(''));
    else if (chunk instanceof SQL) render(chunk, out);
    else if (chunk instanceof Name) out.text.push(escapeName(chunk.value));
    else if (chunk instanceof Column) {
      const table = chunk.table as unknown as Record<symbol, unknown>;
      if (table[TABLE_SCHEMA] !== undefined || table[TABLE_IS_ALIAS] || chunk.keyAsName) throw new Unsupported();
      out.text.push(`${escapeName(getTableName(chunk.table))}.${escapeName(chunk.name)}`);
    } else if (chunk instanceof Placeholder) param(chunk, out);
    else if (chunk === undefined) continue;
    else if (chunk === null || typeof chunk !== 'object') param(chunk, out);
    else throw new Unsupported(); // Param (encoders), tables, views, subqueries, arrays (lists)
  }
}

function param(value: unknown, out: { text: string[]; params: unknown[] }): void {
  out.params.push(value);
  out.text.push(`$${out.params.length}`);
}
