import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import {
  addAssignments, getApplication, listApplications, readAssignments, removeAssignments, upsertApplications,
} from '../directory/applications.js';
import { changesSince, currentWatermark, writeDirectory, type DirectoryWrite, type Queryable } from '../directory/changes.js';
import { createDirectory, DirectoryNameTaken, getDirectory, listDirectories } from '../directory/directories.js';
import { importRecords, jsonBodyRecords, jsonImportBody, ndjsonRecords, type RawRecord } from '../directory/import.js';
import { addMemberships, readGroupMembers, removeMemberships } from '../directory/memberships.js';
import {
  getGroup, getUser, hardDeleteGroups, hardDeleteUsers, readGroups, readUsers, restoreGroups, restoreUsers,
  softDeleteGroups, softDeleteUsers, upsertGroups, upsertUsers,
} from '../directory/objects.js';
import {
  applicationRecord, assignmentRecord, groupRecord, objectId, toGraphJson, userRecord,
  type DirectoryObject, type ObjectRecord, type Rejection,
} from '../directory/records.js';
import { badRequest, conflict, notFound, Problem } from './problem.js';
import { parseInput } from './validate.js';

const createDirectoryBody = z.object({ name: z.string().trim().min(1).max(200) });
const page = z.object({
  after: objectId.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const deleteQuery = z.object({ hard: z.enum(['true', 'false']).optional() });
const changesQuery = z.object({
  since: z.string().regex(/^\d{1,19}$/, 'a watermark is a change sequence number').default('0'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
/** `<principalId>_<appRoleId>` of the last assignment seen */
const assignmentCursor = z.string()
  .transform((c) => { const [principalId, appRoleId] = c.split('_'); return { principalId, appRoleId }; })
  .pipe(z.object({ principalId: objectId, appRoleId: objectId }));
const assignmentsQuery = z.object({ cursor: assignmentCursor.optional(), limit: page.shape.limit });
const assignmentRemovalQuery = z.object({ principalId: objectId, appRoleId: objectId.optional() });
const object = z.record(z.string(), z.unknown());

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];

/** A write refused for its one record becomes the matching problem. */
function throwRejection(rejections: Rejection[]): void {
  const [first] = rejections;
  if (!first) return;
  if (first.reason === 'notFound') throw notFound(first.error);
  if (first.reason === 'conflict') throw conflict(first.error);
  throw badRequest(first.error);
}

/** The cursor of a full page's last item, where the next page starts; null after the last page. */
function nextCursor<T>(items: T[], limit: number, key: (item: T) => string): string | null {
  const last = items.at(-1);
  return items.length === limit && last ? key(last) : null;
}

/**
 * Users and groups differ in their record schema and cascade, not in their routes: the same
 * GET / PUT (upsert) / PATCH (merge) / DELETE (soft, or hard with ?hard=true) / restore.
 */
interface ObjectRoutes<A extends object> {
  path: 'users' | 'groups';
  noun: string;
  schema: z.ZodType<ObjectRecord<A>>;
  get(db: Queryable, directoryId: string, id: string): Promise<DirectoryObject<A> | undefined>;
  read(db: Queryable, directoryId: string, afterId: string | null, limit: number): Promise<DirectoryObject<A>[]>;
  upsert(w: DirectoryWrite, records: ObjectRecord<A>[]): Promise<string[]>;
  softDelete(w: DirectoryWrite, ids: string[]): Promise<Rejection[]>;
  restore(w: DirectoryWrite, ids: string[]): Promise<Rejection[]>;
  hardDelete(w: DirectoryWrite, ids: string[]): Promise<Rejection[]>;
}

export function directoriesRouter(db: Database): Router {
  const router = Router();

  /** The directory named in the path; an unknown one is 404 for every route below it. */
  async function directoryOf(req: Request): Promise<string> {
    const id = parseInput(objectId, req.params.id);
    if (!(await getDirectory(db, id))) throw notFound(`directory ${id} not found`);
    return id;
  }

  router.post('/directories', async (req, res) => {
    const { name } = parseInput(createDirectoryBody, req.body);
    try {
      res.status(201).json(await createDirectory(db, name));
    } catch (err) {
      if (err instanceof DirectoryNameTaken) throw conflict(err.message);
      throw err;
    }
  });

  router.get('/directories', async (_req, res) => {
    res.json({ items: await listDirectories(db) });
  });

  router.get('/directories/:id', async (req, res) => {
    const directoryId = await directoryOf(req);
    res.json({ ...(await getDirectory(db, directoryId)), watermark: await currentWatermark(db, directoryId) });
  });

  router.get('/directories/:id/changes', async (req, res) => {
    const directoryId = await directoryOf(req);
    const { since, limit } = parseInput(changesQuery, req.query);
    const items = await changesSince(db, directoryId, since, limit);
    res.json({ items, watermark: items.at(-1)?.seq ?? since });
  });

  /**
   * The JSON form arrives through the admin API's JSON parser, so it is held whole and
   * limited to that parser's body size; NDJSON is read as it streams in, so its size is
   * unbounded. Each batch is committed as it fills: a request cut off midway keeps the
   * batches committed before the cut.
   */
  router.post('/directories/:id/import', async (req, res) => {
    const directoryId = await directoryOf(req);
    let records: AsyncIterable<RawRecord> | Iterable<RawRecord>;
    if (req.is(NDJSON_TYPES)) records = ndjsonRecords(req);
    else if (req.is('application/json')) records = jsonBodyRecords(parseInput(jsonImportBody, req.body));
    else throw new Problem(415, 'Unsupported Media Type', 'send the import as application/json or, for large imports, application/x-ndjson');
    try {
      res.json(await importRecords(db, directoryId, records));
    } catch (err) {
      if (req.readableAborted) throw badRequest('the request body was cut off; batches read before the cut were committed');
      throw err;
    }
  });

  objectRoutes(router, directoryOf, db, {
    path: 'users', noun: 'user', schema: userRecord, get: getUser, read: readUsers, upsert: upsertUsers,
    softDelete: softDeleteUsers, restore: restoreUsers, hardDelete: hardDeleteUsers,
  });
  objectRoutes(router, directoryOf, db, {
    path: 'groups', noun: 'group', schema: groupRecord, get: getGroup, read: readGroups, upsert: upsertGroups,
    softDelete: softDeleteGroups, restore: restoreGroups, hardDelete: hardDeleteGroups,
  });

  router.get('/directories/:id/groups/:groupId/members', async (req, res) => {
    const directoryId = await directoryOf(req);
    const groupId = parseInput(objectId, req.params.groupId);
    const { after, limit } = parseInput(page, req.query);
    if (!(await getGroup(db, directoryId, groupId))) throw notFound(`group ${groupId} not found`);
    const items = await readGroupMembers(db, directoryId, groupId, after ?? null, limit);
    res.json({ items, nextCursor: nextCursor(items, limit, (m) => m.memberId) });
  });

  router.put('/directories/:id/groups/:groupId/members/:memberId', async (req, res) => {
    const directoryId = await directoryOf(req);
    const membership = { groupId: parseInput(objectId, req.params.groupId), memberId: parseInput(objectId, req.params.memberId) };
    throwRejection(await writeDirectory(db, directoryId, (w) => addMemberships(w, [membership])));
    res.status(204).end();
  });

  router.delete('/directories/:id/groups/:groupId/members/:memberId', async (req, res) => {
    const directoryId = await directoryOf(req);
    const membership = { groupId: parseInput(objectId, req.params.groupId), memberId: parseInput(objectId, req.params.memberId) };
    throwRejection(await writeDirectory(db, directoryId, (w) => removeMemberships(w, [membership])));
    res.status(204).end();
  });

  router.get('/directories/:id/applications', async (req, res) => {
    res.json({ items: await listApplications(db, await directoryOf(req)) });
  });

  /** Creates or replaces an application; Entra generates the id when none is given. */
  async function putApplication(directoryId: string, body: unknown): Promise<{ created: boolean; id: string }> {
    const app = parseInput(applicationRecord, body);
    const created = !(await getApplication(db, directoryId, app.id));
    throwRejection(await writeDirectory(db, directoryId, (w) => upsertApplications(w, [app])));
    return { created, id: app.id };
  }

  router.post('/directories/:id/applications', async (req, res) => {
    const directoryId = await directoryOf(req);
    const { created, id } = await putApplication(directoryId, { id: randomUUID(), ...parseInput(object, req.body) });
    res.status(created ? 201 : 200).json(await getApplication(db, directoryId, id));
  });

  router.get('/directories/:id/applications/:appId', async (req, res) => {
    const directoryId = await directoryOf(req);
    const appId = parseInput(objectId, req.params.appId);
    const app = await getApplication(db, directoryId, appId);
    if (!app) throw notFound(`application ${appId} not found`);
    res.json(app);
  });

  router.put('/directories/:id/applications/:appId', async (req, res) => {
    const directoryId = await directoryOf(req);
    const appId = parseInput(objectId, req.params.appId);
    const { created } = await putApplication(directoryId, withPathId(parseInput(object, req.body), appId));
    res.status(created ? 201 : 200).json(await getApplication(db, directoryId, appId));
  });

  /** The application named in the path; 404 when it is not in this directory. */
  async function applicationOf(req: Request, directoryId: string): Promise<string> {
    const appId = parseInput(objectId, req.params.appId);
    if (!(await getApplication(db, directoryId, appId))) throw notFound(`application ${appId} not found`);
    return appId;
  }

  router.get('/directories/:id/applications/:appId/assignments', async (req, res) => {
    const directoryId = await directoryOf(req);
    const appId = await applicationOf(req, directoryId);
    const { cursor, limit } = parseInput(assignmentsQuery, req.query);
    const items = await readAssignments(db, directoryId, appId, cursor ?? null, limit);
    res.json({ items, nextCursor: nextCursor(items, limit, (a) => `${a.principalId}_${a.appRoleId}`) });
  });

  router.post('/directories/:id/applications/:appId/assignments', async (req, res) => {
    const directoryId = await directoryOf(req);
    const appId = await applicationOf(req, directoryId);
    const assignment = parseInput(assignmentRecord, { ...parseInput(object, req.body), appId });
    throwRejection(await writeDirectory(db, directoryId, (w) => addAssignments(w, [assignment])));
    res.status(201).json(assignment);
  });

  const removeAssignment = async (req: Request, query: unknown) => {
    const directoryId = await directoryOf(req);
    const appId = await applicationOf(req, directoryId);
    const { principalId, appRoleId } = parseInput(assignmentRemovalQuery, query);
    throwRejection(await writeDirectory(db, directoryId, (w) => removeAssignments(w, [{ appId, principalId, appRoleId }])));
  };
  router.delete('/directories/:id/applications/:appId/assignments', async (req, res) => {
    await removeAssignment(req, req.query);
    res.status(204).end();
  });
  router.delete('/directories/:id/applications/:appId/assignments/:principalId', async (req, res) => {
    await removeAssignment(req, { ...req.query, principalId: req.params.principalId });
    res.status(204).end();
  });

  return router;
}

/** A body's `id`, when present, must be the path's. */
function withPathId(body: Record<string, unknown>, id: string): Record<string, unknown> {
  if (body.id !== undefined && (typeof body.id !== 'string' || body.id.toLowerCase() !== id)) {
    throw badRequest(`id: the body's id must match the path (${id})`);
  }
  return { ...body, id };
}

function objectRoutes<A extends object>(
  router: Router, directoryOf: (req: Request) => Promise<string>, db: Database, kind: ObjectRoutes<A>,
): void {
  const base = `/directories/:id/${kind.path}`;

  async function target(req: Request): Promise<{ directoryId: string; id: string }> {
    const directoryId = await directoryOf(req);
    return { directoryId, id: parseInput(objectId, req.params.objectId) };
  }
  async function found(directoryId: string, id: string, reader: Queryable = db): Promise<DirectoryObject<A>> {
    const stored = await kind.get(reader, directoryId, id);
    if (!stored) throw notFound(`${kind.noun} ${id} not found`);
    return stored;
  }
  const respond = async (directoryId: string, id: string) => toGraphJson(await found(directoryId, id));

  router.get(base, async (req, res) => {
    const directoryId = await directoryOf(req);
    const { after, limit } = parseInput(page, req.query);
    const items = await kind.read(db, directoryId, after ?? null, limit);
    res.json({ items: items.map((o) => toGraphJson(o)), nextCursor: nextCursor(items, limit, (o) => o.id) });
  });

  router.get(`${base}/:objectId`, async (req, res) => {
    const { directoryId, id } = await target(req);
    res.json(await respond(directoryId, id));
  });

  router.put(`${base}/:objectId`, async (req, res) => {
    const { directoryId, id } = await target(req);
    const record = parseInput(kind.schema, withPathId(parseInput(object, req.body), id));
    const created = await writeDirectory(db, directoryId, async (w) => {
      const existed = await kind.get(w.tx, directoryId, id);
      await kind.upsert(w, [record]);
      return !existed;
    });
    res.status(created ? 201 : 200).json(await respond(directoryId, id));
  });

  /**
   * Merges the given attributes into the stored object, under the write lock so concurrent
   * PATCHes cannot lose each other's changes. null clears an attribute (a flag returns to its
   * default, an unknown attribute is dropped).
   */
  router.patch(`${base}/:objectId`, async (req, res) => {
    const { directoryId, id } = await target(req);
    const changes = withPathId(parseInput(object, req.body), id);
    await writeDirectory(db, directoryId, async (w) => {
      const current = toGraphJson(await found(directoryId, id, w.tx));
      const merged = Object.fromEntries(Object.entries({ ...current, ...changes }).filter(([, value]) => value !== null));
      await kind.upsert(w, [parseInput(kind.schema, merged)]);
    });
    res.json(await respond(directoryId, id));
  });

  router.delete(`${base}/:objectId`, async (req, res) => {
    const { directoryId, id } = await target(req);
    const { hard } = parseInput(deleteQuery, req.query);
    const remove = hard === 'true' ? kind.hardDelete : kind.softDelete;
    throwRejection(await writeDirectory(db, directoryId, (w) => remove(w, [id])));
    res.status(204).end();
  });

  router.post(`${base}/:objectId/restore`, async (req, res) => {
    const { directoryId, id } = await target(req);
    throwRejection(await writeDirectory(db, directoryId, (w) => kind.restore(w, [id])));
    res.json(await respond(directoryId, id));
  });
}
