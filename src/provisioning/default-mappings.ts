/**
 * Entra's default attribute mappings for a SCIM app (entra-provisioning.md §6), so a job
 * works without any mapping configured.
 */
import { type AttributeMapping, ENTERPRISE_USER_SCHEMA } from './mappings.js';

const direct = (source: string, target: string, extra: Partial<AttributeMapping> = {}): AttributeMapping => ({
  type: 'Direct',
  source,
  target,
  apply: 'Always',
  ...extra,
});

const expression = (text: string, target: string): AttributeMapping => ({
  type: 'Expression',
  expression: text,
  target,
  apply: 'Always',
});

export const DEFAULT_USER_MAPPINGS: readonly AttributeMapping[] = Object.freeze([
  direct('userPrincipalName', 'userName', { matchingPrecedence: 1 }),
  expression('Switch([IsSoftDeleted], , "False", "True", "True", "False")', 'active'),
  direct('displayName', 'displayName'),
  direct('mail', 'emails[type eq "work"].value'),
  direct('givenName', 'name.givenName'),
  direct('surname', 'name.familyName'),
  expression('Join(" ", [givenName], [surname])', 'name.formatted'),
  direct('mailNickname', 'externalId'),
  direct('jobTitle', 'title'),
  direct('employeeId', `${ENTERPRISE_USER_SCHEMA}:employeeNumber`),
  direct('department', `${ENTERPRISE_USER_SCHEMA}:department`),
  direct('manager', `${ENTERPRISE_USER_SCHEMA}:manager`),
  direct('telephoneNumber', 'phoneNumbers[type eq "work"].value'),
  direct('mobile', 'phoneNumbers[type eq "mobile"].value'),
]);

export const DEFAULT_GROUP_MAPPINGS: readonly AttributeMapping[] = Object.freeze([
  direct('displayName', 'displayName', { matchingPrecedence: 1 }),
  direct('objectId', 'externalId'),
  direct('members', 'members'),
]);
