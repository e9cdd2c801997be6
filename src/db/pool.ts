/**
 * Connections each process keeps to PostgreSQL (DATABASE_POOL_SIZE). More connections than
 * the database has cores to run them only queue inside PostgreSQL, where they cost context
 * switches: on the 2-core benchmark machine 8–10 served ~10 % more SCIM requests per second
 * than 20, for scimflow and for the bare ceiling alike.
 */
export const DEFAULT_POOL_SIZE = 10;
