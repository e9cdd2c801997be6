import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Logger } from '../logger.js';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

/** The task queue provisioning workers poll; tests give each file its own. */
export const DEFAULT_TASK_QUEUE = 'provisioning';

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
}

export async function connectClient(settings: TemporalSettings): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: settings.address });
  return { client: new Client({ connection, namespace: settings.namespace }), close: () => connection.close() };
}

type OperatorConnection = Pick<Connection, 'operatorService'>;

// @temporalio/proto is CommonJS: its namespace comes through the default export under ESM
const KEYWORD = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/** The command an operator runs where the worker may not register search attributes itself. */
export function manualSearchAttributeCommand(namespace: string): string {
  const flags = Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => `--name ${name} --type ${type}`).join(' ');
  return `temporal operator search-attribute create --namespace ${namespace} ${flags}`;
}

/**
 * Makes sure the job workflow's search attributes exist on the namespace, adding only the
 * missing ones so a second worker, or a restart, changes nothing. A cluster that refuses the
 * operator call (Temporal Cloud, locked-down permissions) is reported with the manual command
 * rather than failing the worker: workflows then start without those attributes being filterable.
 */
export async function ensureSearchAttributes(connection: OperatorConnection, namespace: string, logger: Logger): Promise<void> {
  try {
    const known = await knownSearchAttributes(connection, namespace);
    const missing = Object.keys(SEARCH_ATTRIBUTES).filter((name) => !known.has(name));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
    });
    logger.info({ namespace, added: missing }, 'registered search attributes');
  } catch (err) {
    if (/already exists/i.test((err as Error).message)) return;
    logger.warn(
      { namespace, err: (err as Error).message, command: manualSearchAttributeCommand(namespace) },
      'could not register the search attributes; register them by hand',
    );
  }
}

/** The namespace's search attribute names; none known on servers that cannot list them (the time-skipping test server). */
async function knownSearchAttributes(connection: OperatorConnection, namespace: string): Promise<Set<string>> {
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    return new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  } catch (err) {
    if ((err as { code?: number }).code === UNIMPLEMENTED) return new Set();
    throw err;
  }
}

const UNIMPLEMENTED = 12;
