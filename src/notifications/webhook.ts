import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The webhook channel: a JSON POST signed like Stripe's and GitHub's, so a receiver can tell
 * it came from us and was not replayed. The signature is an HMAC-SHA256, keyed with the
 * shared secret, over `<timestamp>.<raw body>`; the timestamp (Unix seconds) travels in its
 * own header, and a receiver refuses deliveries older than a few minutes.
 */

export const SIGNATURE_HEADER = 'x-scimflow-signature';
export const TIMESTAMP_HEADER = 'x-scimflow-timestamp';
export const EVENT_HEADER = 'x-scimflow-event';
/** the event's id: the same on a re-delivery, for receivers that deduplicate */
export const DELIVERY_HEADER = 'x-scimflow-delivery';

const DEFAULT_TOLERANCE_S = 300;
const TIMEOUT_MS = 10_000;

export interface WebhookSettings {
  url: string;
  secret: string;
}

export function signature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A receiver's check: the signature matches and the timestamp is recent. */
export function verifySignature(
  secret: string, headers: { signature: string | undefined; timestamp: string | undefined }, body: string, now: Date, toleranceS = DEFAULT_TOLERANCE_S,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceS) return false;
  const expected = Buffer.from(signature(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export class WebhookRefused extends Error {}

export async function deliverWebhook(settings: WebhookSettings, delivery: { id: string; event: string; body: string }, now: Date): Promise<void> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const res = await fetch(settings.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [EVENT_HEADER]: delivery.event,
      [DELIVERY_HEADER]: delivery.id,
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signature(settings.secret, timestamp, delivery.body),
    },
    body: delivery.body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  await res.body?.cancel();
  // the URL may carry a token in its query: name only the origin
  if (!res.ok) throw new WebhookRefused(`webhook ${new URL(settings.url).origin} answered ${res.status}`);
}
