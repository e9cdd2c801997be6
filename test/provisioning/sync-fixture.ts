import { randomUUID } from 'node:crypto';
import { writeDirectory } from '../../src/directory/changes.js';
import { createDirectory } from '../../src/directory/directories.js';
import { addAssignments, removeAssignments, upsertApplications } from '../../src/directory/applications.js';
import { addMemberships, removeMemberships } from '../../src/directory/memberships.js';
import {
  hardDeleteGroups, hardDeleteUsers, restoreUsers, softDeleteGroups, softDeleteUsers, upsertGroups, upsertUsers,
} from '../../src/directory/objects.js';
import { applicationRecord, groupRecord, userRecord, DEFAULT_ACCESS_ROLE_ID, USER_ROLE_ID } from '../../src/directory/records.js';
import { provisioningJobs } from '../../src/db/provisioning.js';
import { deriveSecretsKey, encryptSecret } from '../../src/provisioning/secrets.js';
import { openJob, type OpenJobOptions, type OpenedJob } from '../../src/provisioning/index.js';
import { startTestApp, type TestApp } from '../support/server.js';

/**
 * The world of a sync test: a real scimflow API (the SCIM target, over HTTP) on a database of
 * its own that also holds the source directory and the job's tables. Tests describe the
 * directory with small builders and read the target's tables back to see what the engine did.
 */
export const SECRETS_KEY = deriveSecretsKey('sync-tests-secrets-key-0123456789');
export { USER_ROLE_ID, DEFAULT_ACCESS_ROLE_ID };

export interface UserInput {
  id?: string;
  userPrincipalName: string;
  [attribute: string]: unknown;
}

export interface TargetUser {
  id: string;
  userName: string;
  externalId: string | null;
  active: boolean;
  resource: Record<string, unknown>;
}

export interface World {
  app: TestApp;
  directoryId: string;
  applicationId: string;
  scimUrl: string;
  scimToken: string;
  tenantId: string;
  user(input: Omit<UserInput, 'userPrincipalName'> & { userPrincipalName?: string; name: string }): Promise<string>;
  group(displayName: string, members?: readonly string[]): Promise<string>;
  updateUser(id: string, attributes: Record<string, unknown>): Promise<void>;
  assign(principalId: string, appRoleId?: string): Promise<void>;
  unassign(principalId: string): Promise<void>;
  addMember(groupId: string, memberId: string): Promise<void>;
  removeMember(groupId: string, memberId: string): Promise<void>;
  softDeleteUser(id: string): Promise<void>;
  restoreUser(id: string): Promise<void>;
  hardDeleteUser(id: string): Promise<void>;
  softDeleteGroup(id: string): Promise<void>;
  hardDeleteGroup(id: string): Promise<void>;
  renameGroup(id: string, displayName: string): Promise<void>;
  createJob(config?: Record<string, unknown>, target?: { url?: string; token?: string }): Promise<string>;
  open(jobId: string, options?: OpenJobOptions): Promise<OpenedJob>;
  targetUsers(): Promise<TargetUser[]>;
  targetUser(userName: string): Promise<TargetUser | undefined>;
  targetGroups(): Promise<Array<{ id: string; displayName: string; externalId: string | null; members: string[] }>>;
  logs(jobId: string): Promise<Array<{ action: string; status: string; source_id: string; cycle_id: string | null; steps: unknown[]; modified_properties: unknown[]; error_code: string | null }>>;
  close(): Promise<void>;
}

export async function createWorld(): Promise<World> {
  const app = await startTestApp();
  const res = await app.admin('POST', '/api/tenants', { name: `target-${randomUUID()}` });
  if (res.status !== 201) throw new Error(`tenant: ${res.status} ${await res.text()}`);
  const tenant = await res.json() as { id: string; scimUrl: string; token: string };
  const { db, sql } = app.db;
  const directory = await createDirectory(db, `contoso-${randomUUID()}`);
  const applicationId = randomUUID();
  const write = <T>(work: Parameters<typeof writeDirectory<T>>[2]) => writeDirectory(db, directory.id, work);
  await write((w) => upsertApplications(w, [applicationRecord.parse({ id: applicationId, displayName: 'ThousandEyes' })]));

  const must = (rejections: readonly { error: string }[]) => {
    if (rejections.length > 0) throw new Error(rejections.map((r) => r.error).join('; '));
  };
  const groupNames = new Map<string, string>();

  return {
    app,
    directoryId: directory.id,
    applicationId,
    scimUrl: tenant.scimUrl,
    scimToken: tenant.token,
    tenantId: tenant.id,
    async user({ name, id: givenId, ...attributes }) {
      const id = typeof givenId === 'string' ? givenId : randomUUID();
      const [givenName, surname] = name.split(' ');
      const record = userRecord.parse({
        userPrincipalName: `${name.toLowerCase().replace(/ /g, '.')}@contoso.com`,
        displayName: name,
        givenName,
        surname,
        mail: `${name.toLowerCase().replace(/ /g, '.')}@contoso.com`,
        mailNickname: name.toLowerCase().replace(/ /g, ''),
        accountEnabled: true,
        ...attributes,
        id,
      });
      await write((w) => upsertUsers(w, [record]));
      return id;
    },
    async group(displayName, members = []) {
      const id = randomUUID();
      groupNames.set(id, displayName);
      await write(async (w) => {
        await upsertGroups(w, [groupRecord.parse({ id, displayName, mailNickname: displayName.toLowerCase().replace(/ /g, '') })]);
        must(await addMemberships(w, members.map((memberId) => ({ groupId: id, memberId }))));
      });
      return id;
    },
    async updateUser(id, attributes) {
      const [row] = await sql<{ user_principal_name: string; display_name: string | null; given_name: string | null; surname: string | null; mail: string | null; mail_nickname: string | null; department: string | null; job_title: string | null; manager_id: string | null; account_enabled: boolean }[]>`
        select user_principal_name, display_name, given_name, surname, mail, mail_nickname, department, job_title, manager_id, account_enabled
        from directory_users where directory_id = ${directory.id} and id = ${id}`;
      const current = {
        userPrincipalName: row!.user_principal_name, displayName: row!.display_name, givenName: row!.given_name, surname: row!.surname,
        mail: row!.mail, mailNickname: row!.mail_nickname, department: row!.department, jobTitle: row!.job_title,
        manager: row!.manager_id, accountEnabled: row!.account_enabled,
      };
      await write((w) => upsertUsers(w, [userRecord.parse({ id, ...current, ...attributes })]));
    },
    async assign(principalId, appRoleId = USER_ROLE_ID) {
      await write(async (w) => must(await addAssignments(w, [{ appId: applicationId, principalId, appRoleId }])));
    },
    async unassign(principalId) {
      await write(async (w) => must(await removeAssignments(w, [{ appId: applicationId, principalId }])));
    },
    async addMember(groupId, memberId) {
      await write(async (w) => must(await addMemberships(w, [{ groupId, memberId }])));
    },
    async removeMember(groupId, memberId) {
      await write(async (w) => must(await removeMemberships(w, [{ groupId, memberId }])));
    },
    softDeleteUser: async (id) => { await write((w) => softDeleteUsers(w, [id])); },
    restoreUser: async (id) => { await write((w) => restoreUsers(w, [id])); },
    hardDeleteUser: async (id) => { await write((w) => hardDeleteUsers(w, [id])); },
    softDeleteGroup: async (id) => { await write((w) => softDeleteGroups(w, [id])); },
    hardDeleteGroup: async (id) => { await write((w) => hardDeleteGroups(w, [id])); },
    async renameGroup(id, displayName) {
      await write((w) => upsertGroups(w, [groupRecord.parse({ id, displayName })]));
    },
    async createJob(config = {}, target = {}) {
      const [job] = await db.insert(provisioningJobs).values({
        name: 'ThousandEyes',
        directoryId: directory.id,
        applicationId,
        targetUrl: target.url ?? tenant.scimUrl,
        targetTokenEncrypted: encryptSecret(target.token ?? tenant.token, SECRETS_KEY),
        config,
      }).returning({ id: provisioningJobs.id });
      return job!.id;
    },
    open: (jobId, options) => openJob({ db: app.db.db, sql: app.db.sql, secretsKey: SECRETS_KEY }, jobId, options),
    async targetUsers() {
      return sql<TargetUser[]>`
        select id, user_name as "userName", external_id as "externalId", active, resource
        from scim_users where tenant_id = ${tenant.id} order by user_name`;
    },
    async targetUser(userName) {
      const [row] = await sql<TargetUser[]>`
        select id, user_name as "userName", external_id as "externalId", active, resource
        from scim_users where tenant_id = ${tenant.id} and lower(user_name) = lower(${userName})`;
      return row;
    },
    async targetGroups() {
      return sql<Array<{ id: string; displayName: string; externalId: string | null; members: string[] }>>`
        select g.id, g.display_name as "displayName", g.external_id as "externalId",
          coalesce(array_agg(u.user_name order by u.user_name) filter (where u.id is not null), '{}') as members
        from scim_groups g
        left join scim_group_members m on m.group_id = g.id
        left join scim_users u on u.id = m.member_id
        where g.tenant_id = ${tenant.id}
        group by g.id order by g.display_name`;
    },
    async logs(jobId) {
      return sql`
        select action, status, source_id, cycle_id, steps, modified_properties, error_code
        from provisioning_logs where job_id = ${jobId} order by id`;
    },
    close: () => app.close(),
  };
}
