import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/notifications/webhook.js';
import { createJobsWorld, type JobsWorld } from '../jobs/harness.js';
import { startFaultyScim, type FaultyScim } from '../support/faulty-scim.js';

/**
 * Notifications end to end: a job really quarantined by its target (401), over the real dev
 * server, with a worker configured for a real SMTP server and a real webhook receiver started
 * here. Several failing cycles announce the quarantine once; a new reason announces again.
 */
const WEBHOOK_SECRET = 'notifications-test-webhook-secret';
const SCALED_THRESHOLDS = { minimumFailures: 3, maxFailureProportion: 0.4, maxTotalFailures: 1_000, absoluteCap: 1_000 };

interface Mail { to: string; raw: string }
interface Delivery { headers: Record<string, string | string[] | undefined>; body: string }

let world: JobsWorld;
let faulty: FaultyScim;
let smtp: SMTPServer;
let receiver: Server;
const mails: Mail[] = [];
const deliveries: Delivery[] = [];
let stopWorker: () => Promise<void>;

const listen = (server: { listen(port: number, host: string, cb: () => void): unknown }, address: () => AddressInfo) =>
  new Promise<number>((resolve) => { server.listen(0, '127.0.0.1', () => resolve(address().port)); });

beforeAll(async () => {
  world = await createJobsWorld();
  faulty = await startFaultyScim({ upstream: world.scimUrl });
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => { raw += chunk.toString('utf8'); });
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), raw });
        done();
      });
    },
  });
  const smtpPort = await listen(smtp.server, () => smtp.server.address() as AddressInfo);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  const receiverPort = await listen(receiver, () => receiver.address() as AddressInfo);

  const worker = await world.startWorker({ thresholds: SCALED_THRESHOLDS }, {
    notifications: {
      smtp: { url: `smtp://127.0.0.1:${smtpPort}`, secure: false, from: 'scimflow <scimflow@example.com>' },
      webhook: { url: `http://127.0.0.1:${receiverPort}/hooks/scimflow`, secret: WEBHOOK_SECRET },
    },
  });
  stopWorker = () => worker.stop();
}, 120_000);

afterAll(async () => {
  await stopWorker?.();
  await faulty?.close();
  await new Promise<void>((resolve) => smtp ? smtp.close(() => resolve()) : resolve());
  receiver?.close();
  await world?.close();
});

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// long headers are folded onto continuation lines
const subjectOf = (mail: Mail) => /^Subject: (.*)$/m.exec(mail.raw.replace(/\r?\n[ \t]+/g, ' '))?.[1];
const bodyOf = (d: Delivery) => JSON.parse(d.body) as { id: string; event: string; job: { id: string }; quarantine: { reason: string } };

describe('a quarantined job', () => {
  it('is announced once by email and signed webhook across failing cycles, and again when the reason changes', async () => {
    await world.assignedUsers(['Ok Alice']);
    const jobId = await world.createJobViaApi({ notificationEmail: 'ops@example.com' }, { url: faulty.url });
    await world.call('POST', `/api/jobs/${jobId}/start`);
    await world.waitForStatus(jobId, (s) => s.state === 'Active' && s.lastCycle !== null);

    // the target starts refusing the token; a change gives the next cycle a request to send
    faulty.fault({ fault: { status: 401, body: { detail: 'invalid token' } } });
    await world.assignedUsers(['Ok Bob']);
    await world.call('POST', `/api/jobs/${jobId}/run-now`);
    await world.waitForStatus(jobId, (s) => s.state === 'Quarantine');
    await until(() => mails.length >= 1 && deliveries.length >= 1, 'the first announcement');

    for (const count of [1, 2]) {
      await world.call('POST', `/api/jobs/${jobId}/run-now`);
      await world.waitForStatus(jobId, (s) => s.quarantine?.seriesCount === count);
    }
    // the announcement of a retry would come with the state record the status above already shows
    await new Promise((r) => setTimeout(r, 1_000));
    expect(mails).toHaveLength(1);
    expect(deliveries).toHaveLength(1);
    expect(mails[0]!.to).toBe('ops@example.com');
    expect(subjectOf(mails[0]!)).toBe('[scimflow] ThousandEyes: quarantined (EncounteredQuarantineException)');
    const first = deliveries[0]!;
    expect(first.headers['x-scimflow-event']).toBe('QuarantineStarted');
    expect(bodyOf(first)).toMatchObject({ event: 'QuarantineStarted', job: { id: jobId }, quarantine: { reason: 'EncounteredQuarantineException' } });
    expect(verifySignature(WEBHOOK_SECRET, {
      signature: first.headers['x-scimflow-signature'] as string, timestamp: first.headers['x-scimflow-timestamp'] as string,
    }, first.body, new Date())).toBe(true);

    // the token works again, but most users are refused: the same quarantine, for another reason
    faulty.clearFaults();
    faulty.fault({
      fault: { status: 400, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidValue', detail: 'refused' } },
      match: (hit) => hit.method === 'POST' && hit.path === '/Users' && String((hit.body as { userName?: string }).userName).startsWith('bad'),
    });
    await world.assignedUsers(['Bad Bert', 'Bad Berta', 'Bad Boris']);
    await world.call('POST', `/api/jobs/${jobId}/run-now`);
    const changed = await world.waitForStatus(jobId, (s) => s.quarantine?.reason === 'EncounteredEscrowProportionThreshold');
    expect(changed.quarantine!.seriesCount).toBe(3);
    await until(() => mails.length >= 2 && deliveries.length >= 2, 'the reason change');
    await new Promise((r) => setTimeout(r, 500));
    expect(mails).toHaveLength(2);
    expect(deliveries).toHaveLength(2);
    expect(subjectOf(mails[1]!)).toBe('[scimflow] ThousandEyes: quarantine reason changed to EncounteredEscrowProportionThreshold');
    expect(bodyOf(deliveries[1]!)).toMatchObject({ event: 'QuarantineReasonChanged', quarantine: { reason: 'EncounteredEscrowProportionThreshold' } });
    expect(bodyOf(deliveries[1]!).id).not.toBe(bodyOf(first).id);
    faulty.clearFaults();
  });
});

describe('held deletions', () => {
  it('are announced once when the delete threshold holds a cycle\'s disables', async () => {
    const [mailsBefore, deliveriesBefore] = [mails.length, deliveries.length];
    const staff = await world.assignedUsers(['Ok Dora', 'Ok Dan', 'Ok Dee']);
    const jobId = await world.createJobViaApi({ deleteThreshold: 3, notificationEmail: 'iam@example.com' });
    await world.call('POST', `/api/jobs/${jobId}/start`);
    await world.waitForStatus(jobId, (s) => s.state === 'Active' && s.lastCycle !== null);
    for (const id of staff) await world.unassign(id);
    await world.call('POST', `/api/jobs/${jobId}/run-now`);
    await world.waitForStatus(jobId, (s) => s.state === 'AwaitingDeleteApproval');
    await until(() => mails.length > mailsBefore && deliveries.length > deliveriesBefore, 'the held deletions');
    await new Promise((r) => setTimeout(r, 500));
    const mine = mails.slice(mailsBefore);
    expect(mine.map((m) => m.to)).toEqual(['iam@example.com']);
    expect(subjectOf(mine[0]!)).toBe('[scimflow] ThousandEyes: deletions held: the accidental-deletion threshold was reached');
    expect(deliveries.slice(deliveriesBefore).map((d) => bodyOf(d))).toMatchObject([{ event: 'DeletionsHeld', job: { id: jobId }, quarantine: { reason: 'TooManyDeletes' } }]);
  });
});
