import type { EvaluationContext } from '../../src/provisioning/expressions/index.js';
import type { AppRoleAssignment, SourceObject } from '../../src/provisioning/source.js';

/** A fixed clock and a scripted random source, so Now, Guid and RandomString are repeatable. */
export function fixedContext(now = new Date('2021-07-02T15:33:38Z')): EvaluationContext {
  let seed = 1;
  return {
    now: () => now,
    random: () => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    },
    guid: () => '00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
  };
}

export function user(
  attributes: Record<string, unknown>,
  options: { id?: string; isSoftDeleted?: boolean; appRoleAssignments?: AppRoleAssignment[] } = {},
): SourceObject {
  return {
    kind: 'user',
    id: options.id ?? '5d3c9a1e-0000-4000-8000-000000000001',
    attributes,
    appRoleAssignments: options.appRoleAssignments ?? [],
    isSoftDeleted: options.isSoftDeleted ?? false,
  };
}
