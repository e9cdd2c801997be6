import { Router } from 'express';
import { and, asc, desc, eq, ilike, isNull, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { directoryUsers } from '../db/directory.js';
import { provisioningCycles, provisioningJobs } from '../db/provisioning.js';
import { objectId } from '../directory/records.js';
import { jobWorkflowId } from '../workflows/ids.js';
import { notFound } from './problem.js';
import { parseInput } from './validate.js';

/**
 * Read-only views the web console needs beyond the job API (api.md "Web console"):
 * a job's cycle history, its directory's users found by name (for provision on demand),
 * and where its workflow is in the Temporal Web UI.
 */

export interface TemporalUi {
  url: string;
  namespace: string;
}

export interface CycleView {
  id: string;
  kind: 'initial' | 'incremental';
  dryRun: boolean;
  status: 'running' | 'succeeded' | 'failed' | 'stopped';
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  counts: Record<string, number>;
}

export const cyclesQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) });
export const usersQuery = z.object({
  search: z.string().trim().min(1).max(200).describe('text within the display name, userPrincipalName or mail; case-insensitive'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** `search` matched literally: LIKE's wildcards in a name are characters, not patterns. */
export function likeContaining(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function consoleApiRouter(db: Database, temporalUi: TemporalUi | undefined): Router {
  const router = Router();

  async function jobOf(id: unknown): Promise<{ id: string; directoryId: string }> {
    const jobId = parseInput(objectId, id);
    const [job] = await db.select({ id: provisioningJobs.id, directoryId: provisioningJobs.directoryId })
      .from(provisioningJobs).where(eq(provisioningJobs.id, jobId));
    if (!job) throw notFound(`job ${jobId} not found`);
    return job;
  }

  router.get('/jobs/:id/cycles', async (req, res) => {
    const job = await jobOf(req.params.id);
    const { limit } = parseInput(cyclesQuery, req.query);
    const rows = await db.select().from(provisioningCycles).where(eq(provisioningCycles.jobId, job.id))
      .orderBy(desc(provisioningCycles.startedAt), desc(provisioningCycles.id)).limit(limit);
    const items: CycleView[] = rows.map((c) => ({
      id: c.id,
      kind: c.kind,
      dryRun: c.dryRun,
      status: c.status,
      startedAt: c.startedAt.toISOString(),
      finishedAt: c.finishedAt?.toISOString() ?? null,
      durationMs: c.finishedAt ? c.finishedAt.getTime() - c.startedAt.getTime() : null,
      counts: c.counts,
    }));
    res.json({ items });
  });

  router.get('/jobs/:id/users', async (req, res) => {
    const job = await jobOf(req.params.id);
    const { search, limit } = parseInput(usersQuery, req.query);
    const pattern = likeContaining(search);
    const items = await db.select({
      id: directoryUsers.id,
      displayName: directoryUsers.displayName,
      userPrincipalName: directoryUsers.userPrincipalName,
      mail: directoryUsers.mail,
    }).from(directoryUsers)
      .where(and(
        eq(directoryUsers.directoryId, job.directoryId),
        isNull(directoryUsers.deletedAt),
        or(ilike(directoryUsers.displayName, pattern), ilike(directoryUsers.userPrincipalName, pattern), ilike(directoryUsers.mail, pattern)),
      ))
      .orderBy(asc(directoryUsers.displayName), asc(directoryUsers.id))
      .limit(limit);
    res.json({ items });
  });

  router.get('/jobs/:id/workflow', async (req, res) => {
    const job = await jobOf(req.params.id);
    const workflowId = jobWorkflowId(job.id);
    const webUiUrl = temporalUi
      ? `${temporalUi.url}/namespaces/${encodeURIComponent(temporalUi.namespace)}/workflows/${encodeURIComponent(workflowId)}`
      : null;
    res.json({ workflowId, webUiUrl });
  });

  return router;
}
