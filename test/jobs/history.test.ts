import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { USER_ROLE_ID } from '../provisioning/sync-fixture.js';
import { jobWorkflowId } from '../../src/workflows/ids.js';
import { createJobsWorld, type JobsWorld } from './harness.js';

/**
 * Workflow history stays small whatever the directory's size: pages are activities that
 * return counts and a cursor, and the workflow continues as new after each cycle. A 10,000-user
 * initial cycle must leave every run of the job's workflow under 2,000 events.
 */
const USERS = 10_000;
let world: JobsWorld;

beforeAll(async () => {
  world = await createJobsWorld();
  await world.startWorker();
  const users = Array.from({ length: USERS }, (_, i) => {
    const name = `user${String(i).padStart(5, '0')}`;
    return { id: randomUUID(), userPrincipalName: `${name}@contoso.com`, displayName: name, mail: `${name}@contoso.com`, mailNickname: name, accountEnabled: true };
  });
  const res = await fetch(`${world.app.url}/api/directories/${world.directoryId}/import`, {
    method: 'POST',
    headers: { authorization: `Bearer test-admin-token-0123456789`, 'content-type': 'application/json' },
    body: JSON.stringify({
      users,
      appRoleAssignments: users.map((u) => ({ appId: world.applicationId, principalId: u.id, appRoleId: USER_ROLE_ID })),
    }),
  });
  expect(res.status).toBe(200);
}, 300_000);

afterAll(async () => {
  await world?.close();
});

it(`keeps every run's history under 2,000 events through a ${USERS.toLocaleString('en')}-user initial cycle`, async () => {
  const jobId = await world.createJobViaApi();
  await world.call('POST', `/api/jobs/${jobId}/start`);
  const done = await world.waitForStatus(jobId, (s) => s.lastCycle !== null, 540_000);
  expect(done.lastCycle).toMatchObject({ kind: 'initial', counts: { created: USERS, failed: 0 } });

  // walk the chain of runs back from the current one: each names the run it continued
  const lengths: number[] = [];
  let runId: string | undefined;
  do {
    const history = await world.temporal.workflow.getHandle(jobWorkflowId(jobId), runId).fetchHistory();
    lengths.unshift(history.events!.length);
    runId = history.events![0]!.workflowExecutionStartedEventAttributes!.continuedExecutionRunId || undefined;
  } while (runId);
  expect(lengths.length).toBeGreaterThanOrEqual(2);
  expect(Math.max(...lengths)).toBeLessThan(2_000);
  console.log(`history events per run: ${lengths.join(', ')} (cycle ${done.lastCycle!.durationMs} ms)`);
}, 600_000);
