import type { z } from 'zod';
import { badRequest } from './problem.js';

/** Parses a request body or query once at the edge; a mismatch is a 400 naming the fields. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  throw badRequest(detail, { errors: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
}
