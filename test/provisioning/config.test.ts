import { describe, expect, it } from 'vitest';
import { defaultJobConfig, provisioningConfigSchema } from '../../src/provisioning/config.js';
import { DEFAULT_GROUP_MAPPINGS, DEFAULT_USER_MAPPINGS } from '../../src/provisioning/default-mappings.js';

function issues(input: unknown) {
  const result = provisioningConfigSchema.safeParse(input);
  if (result.success) throw new Error('expected the configuration to be rejected');
  return result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, params: (i as { params?: unknown }).params }));
}

describe('job provisioning configuration', () => {
  it("fills in Entra's defaults when nothing is given", () => {
    expect(defaultJobConfig()).toEqual({
      scope: 'assigned',
      skipDefaultAccess: true,
      scopingFilters: [],
      groupScopingFilters: [],
      mappings: { user: [...DEFAULT_USER_MAPPINGS], group: [...DEFAULT_GROUP_MAPPINGS] },
      actions: { create: true, update: true, delete: true },
      skipOutOfScopeDeletions: false,
      deleteThreshold: 500,
      intervalMinutes: 40,
      dialect: 'aadOptscim062020',
      bulk: false,
      notificationEmail: null,
    });
  });

  it('keeps what the admin chose', () => {
    const config = provisioningConfigSchema.parse({
      scope: 'all',
      skipDefaultAccess: false,
      scopingFilters: [[{ attribute: 'department', operator: 'EQUALS', value: 'Sales' }], [{ attribute: 'employeeId', operator: 'Greater_Than', value: 1000 }]],
      mappings: { user: [{ type: 'Direct', source: 'userPrincipalName', target: 'userName', matchingPrecedence: 1 }] },
      actions: { delete: false },
      deleteThreshold: null,
      intervalMinutes: 20,
      dialect: 'legacy',
      bulk: true,
      notificationEmail: 'ops@example.com',
    });
    expect(config).toMatchObject({
      scope: 'all',
      skipDefaultAccess: false,
      scopingFilters: [[{ value: 'Sales' }], [{ operator: 'Greater_Than', value: '1000' }]],
      mappings: { user: [{ type: 'Direct', apply: 'Always' }], group: [...DEFAULT_GROUP_MAPPINGS] },
      actions: { create: true, update: true, delete: false },
      deleteThreshold: null,
      intervalMinutes: 20,
      dialect: 'legacy',
      bulk: true,
      notificationEmail: 'ops@example.com',
    });
    expect(config.mappings.user).toHaveLength(1);
  });

  it('rejects a bad expression with the mapping path and the position in the expression', () => {
    expect(
      issues({
        mappings: {
          user: [
            { type: 'Direct', source: 'userPrincipalName', target: 'userName' },
            { type: 'Expression', target: 'displayName', expression: 'Join(" ",\n  [givenName], Surname([x]))' },
          ],
        },
      }),
    ).toEqual([
      {
        path: 'mappings.user.1.expression',
        message: "Unknown function 'Surname' at line 2, column 16",
        params: { position: { offset: 26, line: 2, column: 16 } },
      },
    ]);
  });

  it('rejects bad scoping clauses with the filter and clause index', () => {
    expect(
      issues({
        scopingFilters: [
          [{ attribute: 'department', operator: 'EQUALS', value: 'Sales' }],
          [
            { attribute: 'userPrincipalName', operator: 'REGEX MATCH', value: '(unclosed' },
            { attribute: 'employeeId', operator: 'Greater_Than_OR_EQUALS', value: 'ten' },
            { attribute: 'department', operator: 'NOT EQUALS' },
          ],
          [],
        ],
        groupScopingFilters: [[{ attribute: 'members', operator: 'IS NOT NULL' }]],
      }).map(({ path, message }) => [path, message]),
    ).toEqual([
      ['scopingFilters.1.0.value', expect.stringContaining('invalid regular expression')],
      ['scopingFilters.1.1.value', "Greater_Than_OR_EQUALS compares integers; 'ten' is not one"],
      ['scopingFilters.1.2.operator', 'NOT EQUALS needs a value'],
      ['scopingFilters.2', 'a scoping filter needs at least one clause'],
      ['groupScopingFilters.0.0.operator', "'members' cannot be used in a scoping filter"],
    ]);
  });

  it.each([
    [{ scope: 'some' }, 'scope'],
    [{ scopingFilters: [[{ attribute: 'department', operator: 'LIKE', value: 'x' }]] }, 'scopingFilters.0.0.operator'],
    [{ deleteThreshold: 0 }, 'deleteThreshold'],
    [{ deleteThreshold: 2.5 }, 'deleteThreshold'],
    [{ intervalMinutes: 0 }, 'intervalMinutes'],
    [{ dialect: 'scim2' }, 'dialect'],
    [{ notificationEmail: 'not-an-address' }, 'notificationEmail'],
    [{ actions: { create: 'yes' } }, 'actions.create'],
    [{ mappings: { group: [{ type: 'Direct', target: 'displayName' }] } }, 'mappings.group.0.source'],
  ])('%j is rejected at %s', (input, path) => {
    expect(issues(input).map((i) => i.path)).toContain(path);
  });
});
