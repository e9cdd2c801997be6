import type { Database, Sql } from '../db/client.js';
import { Placeholder, render, type Fragment } from './sql.js';

/**
 * Statements of the SCIM hot paths, built as fragments (sql.ts) and sent by postgres.js as
 * prepared statements: a named statement runs in one round trip, where postgres.js sends
 * an unnamed one as describe-then-execute.
 */

/** The connection pool or an open transaction. */
export type Executor = Pick<Sql, 'unsafe'>;

/**
 * Every distinct statement text is prepared once per pooled connection and kept there, and
 * filters can be written in endless shapes; past this many distinct texts new ones run
 * unprepared, so a client cannot grow the server's memory without bound.
 */
const MAX_PREPARED_TEXTS = 256;
const prepared = new Set<string>();

function send<T>(executor: Executor, text: string, params: unknown[]): Promise<T[]> {
  if (!prepared.has(text) && prepared.size < MAX_PREPARED_TEXTS) prepared.add(text);
  return executor.unsafe(text, params as never[], { prepare: prepared.has(text) }) as unknown as Promise<T[]>;
}

export async function query<T extends object>(executor: Executor, statement: Fragment): Promise<T[]> {
  const { text, params } = render(statement);
  return await send<T>(executor, text, params);
}

/**
 * A statement of fixed shape, rendered to text once; each run only binds its values, named
 * by `sql.placeholder(...)`: the by-id statements of the store are built this way.
 */
export class Statement<V extends Record<string, unknown>> {
  private readonly text: string;
  /** per parameter: the placeholder it takes its value from, or its constant value */
  private readonly slots: Array<{ placeholder: string } | { value: unknown }>;

  constructor(statement: Fragment) {
    const { text, params } = render(statement);
    this.text = text;
    this.slots = params.map((p) => (p instanceof Placeholder ? { placeholder: p.name } : { value: p }));
  }

  async run<T extends object>(executor: Executor, values: V): Promise<T[]> {
    const params = this.slots.map((slot) => ('placeholder' in slot ? values[slot.placeholder] : slot.value));
    return await send<T>(executor, this.text, params);
  }
}

/** The postgres.js client under a drizzle database (drizzle keeps it as `$client`). */
export function clientOf(db: Database): Sql {
  return (db as Database & { $client: Sql }).$client;
}
