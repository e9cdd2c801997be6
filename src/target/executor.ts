import type { Database } from '../db/client.js';

/** The database or an open transaction: repositories run their statements on either. */
export type Executor = Pick<Database, 'execute'>;
