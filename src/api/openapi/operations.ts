import { z } from 'zod';
import { applicationRecord, assignmentRecord, groupRecord, userRecord } from '../../directory/records.js';
import { jsonImportBody } from '../../directory/import.js';
import { provisioningConfigSchema } from '../../provisioning/config.js';
import { cyclesQuery, usersQuery } from '../console-api.js';
import { logsQuerySchema } from '../logs.js';
import * as s from './schemas.js';

/**
 * Every /api operation, in Express's path syntax relative to /api. The OpenAPI test walks the
 * app's router and fails on a route missing here (or listed here and not served), so this
 * table and the routes cannot drift apart silently.
 */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Answer {
  description: string;
  schema?: z.ZodType;
  /** other media types than JSON, each with its schema or none (a file) */
  media?: Record<string, z.ZodType | null>;
}

export interface Operation {
  method: Method;
  path: string;
  tag: 'tenants' | 'directories' | 'jobs' | 'logs' | 'console' | 'meta';
  /** served without the admin token */
  public?: boolean;
  summary: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** the body may also be NDJSON (directory import) */
  ndjsonBody?: boolean;
  responses: Record<number, Answer>;
}

const ok = (schema: z.ZodType, description = 'OK'): Record<number, Answer> => ({ 200: { description, schema } });
const created = (schema: z.ZodType): Record<number, Answer> => ({ 201: { description: 'Created', schema } });
const noContent: Record<number, Answer> = { 204: { description: 'Done' } };
const accepted: Record<number, Answer> = { 202: { description: 'Accepted; the job\'s new status', schema: s.jobStatus } };

const pageQuery = z.object({
  cursor: z.string().optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
const hardDelete = z.object({ hard: z.enum(['true', 'false']).optional().describe('true deletes for good; otherwise a soft delete') });

const jobBody = z.looseObject({
  name: z.string().min(1).max(200),
  directoryId: z.guid(),
  applicationId: z.guid(),
  target: z.object({ url: z.url(), token: z.string().describe('never answered back'), dialect: z.enum(['aadOptscim062020', 'legacy']).optional() }),
}).and(provisioningConfigSchema.partial());

const controls = ['start', 'pause', 'resume', 'stop', 'run-now', 'allow-deletes'] as const;

/** The same operations for directory users and groups, which differ only in their records. */
const directoryObjects = (kind: 'users' | 'groups', record: z.ZodType): Operation[] => [
  { method: 'get', path: `/directories/:id/${kind}`, tag: 'directories', summary: `List the directory's ${kind}`, query: pageQuery, responses: ok(s.page(s.graphObject)) },
  { method: 'get', path: `/directories/:id/${kind}/:objectId`, tag: 'directories', summary: `Get one of the directory's ${kind}`, responses: ok(s.graphObject) },
  { method: 'put', path: `/directories/:id/${kind}/:objectId`, tag: 'directories', summary: 'Create or replace', body: record, responses: { ...ok(s.graphObject, 'Replaced'), ...created(s.graphObject) } },
  { method: 'patch', path: `/directories/:id/${kind}/:objectId`, tag: 'directories', summary: 'Change some attributes', body: s.anyObject, responses: ok(s.graphObject) },
  { method: 'delete', path: `/directories/:id/${kind}/:objectId`, tag: 'directories', summary: 'Soft-delete (hard=true: delete for good)', query: hardDelete, responses: noContent },
  { method: 'post', path: `/directories/:id/${kind}/:objectId/restore`, tag: 'directories', summary: 'Restore a soft-deleted object', responses: ok(s.graphObject) },
];

export const OPERATIONS: Operation[] = [
  { method: 'get', path: '/openapi.json', tag: 'meta', summary: 'This document', public: true, responses: ok(s.anyObject) },

  { method: 'post', path: '/tenants', tag: 'tenants', summary: 'Create a SCIM target tenant and its first token', body: z.object({ name: z.string().min(1).max(200) }), responses: created(s.createdTenant) },
  { method: 'get', path: '/tenants', tag: 'tenants', summary: 'List tenants with their user and group counts', responses: ok(s.tenantList) },
  { method: 'post', path: '/tenants/:id/tokens', tag: 'tenants', summary: 'Issue another bearer token', responses: created(s.issuedToken) },
  { method: 'delete', path: '/tenants/:id/tokens/:tokenId', tag: 'tenants', summary: 'Revoke a token', responses: noContent },

  { method: 'post', path: '/directories', tag: 'directories', summary: 'Create a source directory', body: z.object({ name: z.string().min(1).max(200) }), responses: created(s.directory) },
  { method: 'get', path: '/directories', tag: 'directories', summary: 'List directories with their object counts', responses: ok(s.directoryList) },
  { method: 'get', path: '/directories/:id', tag: 'directories', summary: 'Get a directory and its change feed position', responses: ok(s.directoryDetail) },
  { method: 'get', path: '/directories/:id/changes', tag: 'directories', summary: 'Read the change feed after a position', query: z.object({ since: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().optional() }), responses: ok(s.anyObject) },
  { method: 'post', path: '/directories/:id/import', tag: 'directories', summary: 'Bulk upsert (JSON, or NDJSON with "@type" per line)', body: jsonImportBody, ndjsonBody: true, responses: ok(s.importResult) },
  ...directoryObjects('users', userRecord),
  ...directoryObjects('groups', groupRecord),
  { method: 'get', path: '/directories/:id/groups/:groupId/members', tag: 'directories', summary: 'List a group\'s direct members', query: pageQuery, responses: ok(s.page(s.anyObject)) },
  { method: 'put', path: '/directories/:id/groups/:groupId/members/:memberId', tag: 'directories', summary: 'Add a member', responses: noContent },
  { method: 'delete', path: '/directories/:id/groups/:groupId/members/:memberId', tag: 'directories', summary: 'Remove a member', responses: noContent },
  { method: 'get', path: '/directories/:id/applications', tag: 'directories', summary: 'List applications', responses: ok(z.object({ items: z.array(s.graphObject) })) },
  { method: 'post', path: '/directories/:id/applications', tag: 'directories', summary: 'Create an application', body: applicationRecord, responses: { ...ok(s.graphObject, 'Replaced'), ...created(s.graphObject) } },
  { method: 'get', path: '/directories/:id/applications/:appId', tag: 'directories', summary: 'Get an application with its app roles', responses: ok(s.graphObject) },
  { method: 'put', path: '/directories/:id/applications/:appId', tag: 'directories', summary: 'Create or replace an application', body: applicationRecord, responses: { ...ok(s.graphObject, 'Replaced'), ...created(s.graphObject) } },
  { method: 'get', path: '/directories/:id/applications/:appId/assignments', tag: 'directories', summary: 'List app role assignments', query: pageQuery, responses: ok(s.page(s.anyObject)) },
  { method: 'post', path: '/directories/:id/applications/:appId/assignments', tag: 'directories', summary: 'Assign an app role', body: assignmentRecord, responses: created(s.anyObject) },
  { method: 'delete', path: '/directories/:id/applications/:appId/assignments', tag: 'directories', summary: 'Remove an assignment given in the body', body: s.anyObject, responses: noContent },
  { method: 'delete', path: '/directories/:id/applications/:appId/assignments/:principalId', tag: 'directories', summary: 'Remove a principal\'s assignments', responses: noContent },

  { method: 'get', path: '/jobs', tag: 'jobs', summary: 'List provisioning jobs', responses: ok(s.jobList) },
  { method: 'post', path: '/jobs', tag: 'jobs', summary: 'Create a job (Entra\'s defaults for everything not given)', body: jobBody, responses: created(s.job) },
  { method: 'get', path: '/jobs/:id', tag: 'jobs', summary: 'Get a job (never its target token)', responses: ok(s.job) },
  { method: 'patch', path: '/jobs/:id', tag: 'jobs', summary: 'Change a job; new mappings or scoping make the next cycle a full one', body: s.anyObject, responses: ok(s.job) },
  { method: 'delete', path: '/jobs/:id', tag: 'jobs', summary: 'Delete a job', responses: noContent },
  { method: 'get', path: '/jobs/:id/status', tag: 'jobs', summary: 'State, progress, last cycle and quarantine', responses: ok(s.jobStatus) },
  ...controls.map((control): Operation => ({
    method: 'post', path: `/jobs/:id/${control}`, tag: 'jobs', summary: `Control: ${control}`, responses: accepted,
  })),
  { method: 'post', path: '/jobs/:id/quarantine', tag: 'jobs', summary: 'Quarantine the job by hand', body: z.object({ reason: z.string().max(1000).optional() }), responses: accepted },
  { method: 'post', path: '/jobs/:id/restart', tag: 'jobs', summary: 'Restart with reset scopes', body: z.object({ resetScope: z.array(z.enum(['Watermark', 'Escrows', 'QuarantineState', 'ConnectorDataStore', 'ForceDeletes', 'Full'])).optional() }), responses: accepted },
  { method: 'post', path: '/jobs/:id/preview', tag: 'jobs', summary: 'A dry-run full cycle; its log entries say what would be sent', responses: { 202: { description: 'Started', schema: s.previewStarted } } },
  { method: 'post', path: '/jobs/:id/test-connection', tag: 'jobs', summary: 'Try the target with the job\'s token', responses: ok(s.connectionTest) },
  { method: 'post', path: '/jobs/:id/provision-on-demand', tag: 'jobs', summary: 'Provision one user or group now', body: z.union([z.object({ userId: z.guid() }), z.object({ groupId: z.guid() })]), responses: ok(z.array(s.logEntry), 'The log entries produced') },

  {
    method: 'get', path: '/jobs/:id/logs', tag: 'logs', summary: 'The provisioning log, newest first; or all of it as CSV / NDJSON',
    query: logsQuerySchema,
    responses: {
      200: {
        description: 'A page, or with format=csv|ndjson (or Accept: text/csv) the whole filtered log streamed as an attachment',
        schema: s.logPage,
        media: { 'text/csv': null, 'application/x-ndjson': s.logEntry },
      },
    },
  },

  { method: 'get', path: '/jobs/:id/cycles', tag: 'console', summary: 'Recent cycles of a job, newest first (web console)', query: cyclesQuery, responses: ok(z.object({ items: z.array(s.anyObject) })) },
  { method: 'get', path: '/jobs/:id/users', tag: 'console', summary: 'Directory users by name, to pick one for provision on demand (web console)', query: usersQuery, responses: ok(z.object({ items: z.array(s.anyObject) })) },
  { method: 'get', path: '/jobs/:id/workflow', tag: 'console', summary: 'Link to the job\'s workflow in the Temporal Web UI (web console)', responses: ok(z.object({ workflowId: z.string(), webUiUrl: z.string().nullable() })) },
];
