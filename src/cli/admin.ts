import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { adminClient } from './admin-client.js';

function print(value: unknown, json: boolean, text: (v: never) => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : text(value as never));
}

/** `scimflow tenants …`: clients of the admin REST API. */
export function adminCommands(program: Command): void {
  const tenants = program.command('tenants').description('SCIM target tenants')
    .option('--api-url <url>', 'scimflow API base URL (default SCIMFLOW_API_URL or http://127.0.0.1:$PORT)');
  const client = () => adminClient(loadConfig(), tenants.opts<{ apiUrl?: string }>().apiUrl);

  tenants.command('create')
    .requiredOption('--name <name>', 'tenant name')
    .option('--json', 'print JSON')
    .action(async (opts: { name: string; json?: boolean }) => {
      const t = await client().call<{ id: string; name: string; scimUrl: string; token: string }>('POST', '/api/tenants', { name: opts.name });
      print(t, !!opts.json, (v: typeof t) => `tenant ${v.name} (${v.id})\nSCIM URL:     ${v.scimUrl}\nSecret token: ${v.token}  (shown once)`);
    });

  tenants.command('list')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const r = await client().call<{ items: Array<{ id: string; name: string; users: number; groups: number }> }>('GET', '/api/tenants');
      print(r, !!opts.json, (v: typeof r) => v.items.map((t) => `${t.id}  ${t.name}  users=${t.users} groups=${t.groups}`).join('\n') || 'no tenants');
    });

  tenants.command('token <tenantId>')
    .description('issue another SCIM bearer token')
    .option('--json', 'print JSON')
    .action(async (tenantId: string, opts: { json?: boolean }) => {
      const t = await client().call<{ id: string; token: string }>('POST', `/api/tenants/${encodeURIComponent(tenantId)}/tokens`);
      print(t, !!opts.json, (v: typeof t) => `token ${v.id}: ${v.token}  (shown once)`);
    });

  tenants.command('revoke-token <tenantId> <tokenId>')
    .action(async (tenantId: string, tokenId: string) => {
      await client().call('DELETE', `/api/tenants/${encodeURIComponent(tenantId)}/tokens/${encodeURIComponent(tokenId)}`);
      console.log(`token ${tokenId} revoked`);
    });
}
