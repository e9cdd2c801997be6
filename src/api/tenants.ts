import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { createTenant, getTenant, issueToken, listTenants, revokeToken, TenantNameTaken } from '../target/tenants.js';
import { conflict, notFound } from './problem.js';
import { parseInput } from './validate.js';
import { scimBaseUrl } from './urls.js';

const createTenantBody = z.object({ name: z.string().trim().min(1).max(200) });
const id = z.string().uuid();

export function tenantsRouter(db: Database, publicUrl: string | undefined): Router {
  const router = Router();

  router.post('/tenants', async (req, res) => {
    const { name } = parseInput(createTenantBody, req.body);
    try {
      const { tenant, token } = await createTenant(db, name);
      res.status(201).json({ ...tenant, scimUrl: scimBaseUrl(req, publicUrl), token: token.token, tokenId: token.id });
    } catch (err) {
      if (err instanceof TenantNameTaken) throw conflict(err.message);
      throw err;
    }
  });

  router.get('/tenants', async (_req, res) => {
    res.json({ items: await listTenants(db) });
  });

  router.post('/tenants/:id/tokens', async (req, res) => {
    const tenantId = parseInput(id, req.params.id);
    if (!(await getTenant(db, tenantId))) throw notFound(`tenant ${tenantId} not found`);
    res.status(201).json(await issueToken(db, tenantId));
  });

  router.delete('/tenants/:id/tokens/:tokenId', async (req, res) => {
    const tenantId = parseInput(id, req.params.id);
    const tokenId = parseInput(id, req.params.tokenId);
    if (!(await revokeToken(db, tenantId, tokenId))) throw notFound(`token ${tokenId} not found for tenant ${tenantId}`);
    res.status(204).end();
  });

  return router;
}
