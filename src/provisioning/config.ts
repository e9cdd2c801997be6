/**
 * A job's provisioning configuration (api.md "Provisioning jobs"), validated once when the job
 * is saved: every expression is parsed and every scoping regex compiled here, so a mistake is
 * reported with its position and the path of the offending mapping or clause, and never
 * discovered mid-cycle. Everything but the target's URL and token, which the job API owns.
 */
import { z } from 'zod';
import { DEFAULT_GROUP_MAPPINGS, DEFAULT_USER_MAPPINGS } from './default-mappings.js';
import type { PatchDialect } from './diff.js';
import { attributeMappingListSchema } from './mappings.js';
import { SCOPING_OPERATORS, type ScopingClause, scopingClauseProblem } from './scoping.js';

export const DIALECTS = ['aadOptscim062020', 'legacy'] as const satisfies readonly PatchDialect[];
export const dialectSchema = z.enum(DIALECTS);

export const scopingClauseSchema = z
  .object({
    attribute: z.string().min(1),
    operator: z.enum(SCOPING_OPERATORS),
    // Greater_Than takes integers; a JSON number is accepted and kept as its digits.
    value: z.union([z.string(), z.number().int().transform(String)]).optional(),
  })
  .superRefine((clause, ctx) => {
    const problem = scopingClauseProblem(clause as ScopingClause);
    if (problem) {
      ctx.addIssue({ code: 'custom', path: clause.value === undefined ? ['operator'] : ['value'], message: problem });
    }
  });

/** Filters are ORed; the clauses of one filter are ANDed. */
const scopingFiltersSchema = z.array(z.array(scopingClauseSchema).min(1, 'a scoping filter needs at least one clause'));

export const provisioningConfigSchema = z.object({
  scope: z.enum(['assigned', 'all']).default('assigned'),
  /** the seed's ThousandEyes tutorial: users assigned only with Default Access are skipped */
  skipDefaultAccess: z.boolean().default(true),
  /** filters for users */
  scopingFilters: scopingFiltersSchema.default([]),
  /** filters for groups (Entra scopes each object type separately) */
  groupScopingFilters: scopingFiltersSchema.default([]),
  mappings: z
    .object({
      user: attributeMappingListSchema.default(() => [...DEFAULT_USER_MAPPINGS]),
      group: attributeMappingListSchema.default(() => [...DEFAULT_GROUP_MAPPINGS]),
    })
    .default(() => ({ user: [...DEFAULT_USER_MAPPINGS], group: [...DEFAULT_GROUP_MAPPINGS] })),
  actions: z
    .object({
      create: z.boolean().default(true),
      update: z.boolean().default(true),
      delete: z.boolean().default(true),
    })
    .default({ create: true, update: true, delete: true }),
  skipOutOfScopeDeletions: z.boolean().default(false),
  /** disables and deletes per cycle that hold the cycle's deletions; null turns the check off */
  deleteThreshold: z.number().int().min(1).nullable().default(500),
  intervalMinutes: z.number().int().min(1).max(10_080).default(40),
  dialect: dialectSchema.default('aadOptscim062020'),
  bulk: z.boolean().default(false),
  notificationEmail: z.email().nullable().default(null),
});

export type ProvisioningConfigInput = z.input<typeof provisioningConfigSchema>;
/** A validated configuration with every default filled in. */
export type JobConfig = z.output<typeof provisioningConfigSchema>;

/** Entra's defaults: what a job gets when only its name, directory, app and target are given. */
export function defaultJobConfig(): JobConfig {
  return provisioningConfigSchema.parse({});
}
