/**
 * The ceiling of our stack: a bare Express 5 + postgres.js server doing the indexed userName
 * lookup and the single-row user insert the SCIM endpoint does, with no SCIM logic (no auth,
 * no filter parsing, no schema handling, no projection). bench/scim.ts runs it next to the
 * real API under the same load and reports the API's figures as a ratio of this one's.
 *
 * Env: DATABASE_URL, PORT, TENANT_ID.
 */
import express from 'express';
import postgres from 'postgres';
import { DEFAULT_POOL_SIZE, poolOptions } from '../src/db/pool.js';

const { DATABASE_URL, PORT, TENANT_ID } = process.env;
if (!DATABASE_URL || !PORT || !TENANT_ID) throw new Error('DATABASE_URL, PORT and TENANT_ID are required');

// the same pool as the API's
const sql = postgres(DATABASE_URL, poolOptions(Number(process.env.DATABASE_POOL_SIZE ?? DEFAULT_POOL_SIZE)));
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.use(express.json({ type: ['application/json', 'application/scim+json'] }));

app.get('/healthz', (_req, res) => {
  res.json({ ok: true });
});

app.get('/Users', async (req, res) => {
  const rows = await sql`
    select id, user_name, resource, version, created_at, last_modified from scim_users
    where tenant_id = ${TENANT_ID} and lower(user_name) = lower(${String(req.query.userName)})`;
  res.json({ totalResults: rows.length, Resources: rows });
});

interface UserBody {
  userName: string;
  externalId?: string;
  displayName?: string;
  active?: boolean;
  emails?: Array<{ value: string; type?: string }>;
  name?: { formatted?: string };
}

app.post('/Users', async (req, res) => {
  const body = req.body as UserBody;
  const [row] = await sql`
    insert into scim_users (tenant_id, user_name, external_id, display_name, active, work_email, name_formatted, resource)
    values (${TENANT_ID}, ${body.userName}, ${body.externalId ?? null}, ${body.displayName ?? null}, ${body.active ?? true},
      ${body.emails?.find((e) => e.type === 'work')?.value ?? null}, ${body.name?.formatted ?? null}, ${sql.json(req.body as postgres.JSONValue)})
    returning id, version, created_at, last_modified`;
  res.status(201).json({ ...body, ...row });
});

const server = app.listen(Number(PORT), '127.0.0.1');
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void sql.end({ timeout: 5 }).then(() => process.exit(0)));
});
