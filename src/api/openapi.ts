import { Router } from 'express';
import { z } from 'zod';
import { OPERATIONS, type Operation } from './openapi/operations.js';
import { problem } from './openapi/schemas.js';

/**
 * The OpenAPI 3.1 description of /api, built once from the operation table and the zod
 * schemas (zod 4's JSON Schema output is draft 2020-12, OpenAPI 3.1's dialect).
 *
 * Served without the admin token: it describes the API and holds no data or secret, and tools
 * (Swagger UI, client generators, the console) can fetch it before anyone has a token.
 */

type JsonSchema = Record<string, unknown>;

/**
 * Schemas are inlined, except recursive ones (arbitrary JSON values of directory records):
 * their definitions move to components, since a `#/$defs/…` reference inside an OpenAPI
 * document would resolve against the document's root.
 */
class SchemaWriter {
  readonly components: Record<string, JsonSchema> = {};
  private count = 0;

  write(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const { $schema: _, $defs, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline', cycles: 'ref' }) as
      JsonSchema & { $defs?: Record<string, JsonSchema> };
    if (!$defs) return rest;
    const prefix = `Recursive${++this.count}`;
    const relocate = (value: JsonSchema) => JSON.parse(JSON.stringify(value)
      .replace(/"#\/\$defs\/([^"]+)"/g, (_m, name: string) => `"#/components/schemas/${prefix}_${name}"`)) as JsonSchema;
    for (const [name, def] of Object.entries($defs)) this.components[`${prefix}_${name}`] = relocate(def);
    return relocate(rest);
  }
}

/** Express's `/jobs/:id/logs` as OpenAPI's `/api/jobs/{id}/logs`. */
export function openApiPath(expressPath: string): string {
  return `/api${expressPath.replace(/:(\w+)/g, '{$1}')}`;
}

const pathParams = (path: string) => [...path.matchAll(/:(\w+)/g)].map(([, name]) => ({
  name, in: 'path', required: true, schema: { type: 'string', format: 'uuid' },
}));

function queryParams(query: z.ZodObject, schemas: SchemaWriter): JsonSchema[] {
  return Object.entries(query.shape).map(([name, field]) => {
    const schema = schemas.write(field as z.ZodType, 'input');
    const { description, ...rest } = schema;
    return { name, in: 'query', required: !(field as z.ZodType).safeParse(undefined).success, schema: rest, ...(description ? { description } : {}) };
  });
}

const problemAnswer = (description: string) => ({
  description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

function operationObject(op: Operation, schemas: SchemaWriter): JsonSchema {
  const responses: JsonSchema = {};
  for (const [status, answer] of Object.entries(op.responses)) {
    const content: JsonSchema = {};
    if (answer.schema) content['application/json'] = { schema: schemas.write(answer.schema, 'output') };
    for (const [media, schema] of Object.entries(answer.media ?? {})) content[media] = schema ? { schema: schemas.write(schema, 'output') } : {};
    responses[status] = { description: answer.description, ...(Object.keys(content).length ? { content } : {}) };
  }
  const hasInput = op.body !== undefined || op.query !== undefined || op.path.includes(':');
  if (hasInput) responses['400'] = problemAnswer('Invalid input; the detail names the fields');
  if (!op.public) responses['401'] = problemAnswer('No valid admin bearer token');
  if (op.path.includes(':')) responses['404'] = problemAnswer('Not found');
  const body = op.body && {
    required: true,
    content: {
      'application/json': { schema: schemas.write(op.body, 'input') },
      ...(op.ndjsonBody ? { 'application/x-ndjson': { schema: { type: 'string', description: 'one object per line, each with "@type"' } } } : {}),
    },
  };
  return {
    tags: [op.tag],
    summary: op.summary,
    operationId: `${op.method}${op.path.replace(/\/:?(\w)([\w-]*)/g, (_m, first: string, rest: string) => first.toUpperCase() + rest.replace(/-(\w)/g, (_n, c: string) => c.toUpperCase()))}`,
    parameters: [...pathParams(op.path), ...(op.query ? queryParams(op.query, schemas) : [])],
    ...(op.public ? { security: [] } : {}),
    ...(body ? { requestBody: body } : {}),
    responses,
  };
}

export function buildOpenApiDocument(): JsonSchema {
  const schemas = new SchemaWriter();
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of OPERATIONS) (paths[openApiPath(op.path)] ??= {})[op.method] = operationObject(op, schemas);
  return {
    openapi: '3.1.0',
    info: {
      title: 'scimflow admin API',
      version: '0.1.0',
      description: 'Tenants, source directories, provisioning jobs and their logs. Errors are problem JSON (RFC 9457).',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    security: [{ adminToken: [] }],
    tags: ['tenants', 'directories', 'jobs', 'logs', 'console', 'meta'].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' } },
      schemas: { Problem: schemas.write(problem, 'output'), ...schemas.components },
    },
  };
}

/** `GET /api/openapi.json`, mounted ahead of the admin token check. */
export function openApiRouter(): Router {
  const router = Router();
  let document: string | undefined;
  router.get('/api/openapi.json', (_req, res) => {
    document ??= JSON.stringify(buildOpenApiDocument());
    res.type('application/json').send(document);
  });
  return router;
}
