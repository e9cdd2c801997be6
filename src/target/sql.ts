import { Column, getTableName, Table } from 'drizzle-orm';

/**
 * SQL fragments for the SCIM target's statements: a tagged template with drizzle's shape
 * (`sql`, `sql.raw`, `sql.join`, `sql.identifier`, `sql.placeholder`, drizzle columns and
 * tables interpolated by name), rendered to text and parameters in one pass.
 *
 * The SCIM hot paths build a statement per request — a filter compiles to dozens of nested
 * fragments — and drizzle's `sql` checks every chunk against its entity kinds by walking
 * prototype chains, both when a fragment is made and when it is rendered: for Entra's
 * work-email lookup that was ~25 µs of CPU and much of the request's garbage. Everything
 * else (schema, migrations, the other repositories) stays on drizzle.
 */

export class Fragment {
  /** as a template literal has them: texts[i] comes before values[i], one more text than values */
  constructor(readonly texts: readonly string[], readonly values: readonly unknown[]) {}
}

/** A name quoted as an identifier. */
class Identifier {
  constructor(readonly name: string) {}
}

/** A value bound when a prepared Statement runs (executor.ts). */
export class Placeholder {
  constructor(readonly name: string) {}
}

/** A value sent as a parameter even when it is an array (drizzle would make it a list). */
class Param {
  constructor(readonly value: unknown) {}
}

export function sql(texts: TemplateStringsArray, ...values: unknown[]): Fragment {
  return new Fragment(texts, values);
}

sql.raw = (text: string): Fragment => new Fragment([text], []);
sql.identifier = (name: string): Identifier => new Identifier(name);
sql.placeholder = (name: string): Placeholder => new Placeholder(name);
sql.param = (value: unknown): Param => new Param(value);
sql.join = (fragments: readonly Fragment[], separator: Fragment): Fragment => {
  const texts = [''];
  const values: unknown[] = [];
  fragments.forEach((fragment, i) => {
    if (i > 0) {
      values.push(separator);
      texts.push('');
    }
    values.push(fragment);
    texts.push('');
  });
  return new Fragment(texts, values);
};

export interface RenderedStatement {
  text: string;
  /** values, and Placeholders where a prepared statement binds its values */
  params: unknown[];
}

export function render(fragment: Fragment): RenderedStatement {
  const out: RenderedStatement = { text: '', params: [] };
  append(fragment, out);
  return out;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** drizzle columns and tables by their quoted names, computed once per object */
const names = new WeakMap<object, string>();

function nameOf(entity: Column | Table): string {
  let name = names.get(entity);
  if (name === undefined) {
    name = entity instanceof Column ? `${quote(getTableName(entity.table))}.${quote(entity.name)}` : quote(getTableName(entity));
    names.set(entity, name);
  }
  return name;
}

function append(fragment: Fragment, out: RenderedStatement): void {
  const { texts, values } = fragment;
  out.text += texts[0];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value instanceof Fragment) append(value, out);
    else if (value instanceof Identifier) out.text += quote(value.name);
    else if (value instanceof Column || value instanceof Table) out.text += nameOf(value);
    else if (value instanceof Param) bind(value.value, out);
    else if (value !== undefined) bind(value, out);
    out.text += texts[i + 1];
  }
}

function bind(value: unknown, out: RenderedStatement): void {
  out.params.push(value);
  out.text += `$${out.params.length}`;
}
