import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookEventType } from '@plaza/protocol';

/**
 * Why {@link verifyWebhook} refused a request:
 * - `MISSING_HEADERS`: `webhook-id`, `webhook-timestamp` or `webhook-signature` is missing or malformed
 * - `TIMESTAMP_OUT_OF_TOLERANCE`: the timestamp is further from now than the tolerance (a replay, or a wrong clock)
 * - `INVALID_SIGNATURE`: no signature matches the body with this secret (tampered body, wrong secret)
 * - `INVALID_PAYLOAD`: the signature matches but the body is not a Plaza event (never sent by Plaza)
 * - `INVALID_SECRET`: the secret given to verify with is empty or not a `whsec_…` value — the
 *   receiver is misconfigured, nothing can verify (answer 5xx so that Plaza retries once it is fixed)
 */
export type WebhookVerificationErrorCode = 'MISSING_HEADERS' | 'TIMESTAMP_OUT_OF_TOLERANCE' | 'INVALID_SIGNATURE' | 'INVALID_PAYLOAD' | 'INVALID_SECRET';

/** A webhook request that did not verify. Answer it with 400 (or 401) and do not act on it. */
export class WebhookVerificationError extends Error {
  /** Stable reason, see {@link WebhookVerificationErrorCode}. */
  readonly code: WebhookVerificationErrorCode;

  /** @internal */
  constructor(code: WebhookVerificationErrorCode, message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.code = code;
  }
}

/**
 * A Plaza webhook event: the JSON body of a delivery.
 *
 * @typeParam D - the shape of `data` (it depends on `type`; see the integration guide)
 */
export interface WebhookEvent<D = Record<string, unknown>> {
  /** `evt_…`: the idempotency key. A retry or redelivery of the same event has the same id. */
  id: string;
  /** What happened, for example `message.created`. */
  type: WebhookEventType;
  /** When the change happened (ISO 8601, UTC). */
  createdAt: string;
  /** Facts of the change; `conversationId` when it is about a conversation. */
  data: D;
}

/** Headers as `fetch` (`Headers`), Node's `IncomingHttpHeaders` or a plain record give them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** Largest accepted distance between `webhook-timestamp` and now, in seconds. @default 300 */
  toleranceSec?: number;
  /** The time to check against. @default new Date() */
  now?: Date;
}

/** Defaults of {@link VerifyWebhookOptions}. */
export const verifyWebhookDefaults = { toleranceSec: 300 } as const;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).forEach === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  for (const [key, value] of Object.entries(record)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}

function secretKey(secret: string): Buffer {
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('the webhook secret must be a non-empty string (whsec_…)');
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 16) throw new TypeError('the webhook secret must be the whsec_… value the Plaza API returned');
  return key;
}

function hmac(key: Buffer, id: string, timestamp: string, body: string | Uint8Array): Buffer {
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8');
  if (typeof body === 'string') mac.update(body, 'utf8');
  else mac.update(body);
  return mac.digest();
}

/**
 * Verifies a Plaza webhook request and returns its event. Pass the body exactly as received (the
 * raw string or bytes — not re-serialised JSON). Checks that `webhook-id`, `webhook-timestamp` and
 * `webhook-signature` are present, that the timestamp is within `toleranceSec` of now (replay
 * protection), and that one of the space-separated `v1,<base64>` signatures is the HMAC-SHA256 of
 * `<id>.<timestamp>.<body>` with the secret (compared in constant time). During a secret rotation
 * Plaza sends two signatures, so the old and the new secret both verify.
 *
 * The same event may arrive more than once (at-least-once delivery): use `event.id` to ignore
 * repeats.
 *
 * @param body - the raw request body
 * @param headers - the request headers
 * @param secret - the endpoint's secret, `whsec_…`
 * @param options - tolerance and clock
 * @returns the parsed event
 * @throws {@link WebhookVerificationError} when the request does not verify, also (`INVALID_SECRET`) when
 * `secret` is empty or malformed — a misconfigured receiver gets an error it handles like the others
 * instead of one that escapes its request handler
 *
 * @example
 * ```ts
 * app.post('/plaza-webhook', express.raw({ type: 'application/json' }), (req, res) => {
 *   try {
 *     const event = verifyWebhook(req.body, req.headers, process.env.PLAZA_WEBHOOK_SECRET!);
 *     handle(event);
 *     res.sendStatus(204);
 *   } catch (error) {
 *     res.sendStatus(400);
 *   }
 * });
 * ```
 */
export function verifyWebhook(body: string | Uint8Array, headers: WebhookHeaders, secret: string, options: VerifyWebhookOptions = {}): WebhookEvent {
  let key: Buffer;
  try {
    key = secretKey(secret);
  } catch (error) {
    throw new WebhookVerificationError('INVALID_SECRET', `cannot verify: ${(error as Error).message} (check the receiver's configuration)`);
  }
  const toleranceSec = options.toleranceSec ?? verifyWebhookDefaults.toleranceSec;
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError('MISSING_HEADERS', 'the webhook-id, webhook-timestamp and webhook-signature headers are required');
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookVerificationError('MISSING_HEADERS', 'webhook-timestamp must be a Unix time in seconds');
  const nowSec = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSec - Number(timestamp)) > toleranceSec) {
    throw new WebhookVerificationError('TIMESTAMP_OUT_OF_TOLERANCE', `webhook-timestamp is more than ${toleranceSec} s away from now`);
  }
  const expected = hmac(key, id, timestamp, body);
  let matched = false;
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    // Check every entry (no early exit), so the time taken does not tell which one matched.
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  if (!matched) throw new WebhookVerificationError('INVALID_SIGNATURE', 'no webhook signature matches the body and the secret');

  let event: unknown;
  try {
    event = JSON.parse(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw new WebhookVerificationError('INVALID_PAYLOAD', 'the body is not JSON');
  }
  const e = event as Partial<WebhookEvent> | null;
  if (!e || typeof e !== 'object' || e.id !== id || typeof e.type !== 'string' || typeof e.createdAt !== 'string' || typeof e.data !== 'object' || e.data === null) {
    throw new WebhookVerificationError('INVALID_PAYLOAD', 'the body is not a Plaza webhook event (or its id differs from webhook-id)');
  }
  return e as WebhookEvent;
}

/** What {@link signWebhook} signs. */
export interface SignWebhookInput {
  /** The event id (`webhook-id`). */
  id: string;
  /** The exact body that is sent. */
  body: string | Uint8Array;
  /** One secret, or several (each gives a signature: a rotation sends the new and the old). */
  secrets: string | readonly string[];
  /** When it is sent. @default now */
  timestamp?: Date;
}

/**
 * The signature headers of a webhook request (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`): what Plaza sends, for tests of your receiver.
 *
 * @param input - id, body, secrets and time
 * @returns the three headers, lowercase
 * @throws `TypeError` for a malformed secret
 */
export function signWebhook(input: SignWebhookInput): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const timestamp = String(Math.floor((input.timestamp ?? new Date()).getTime() / 1000));
  const secrets = typeof input.secrets === 'string' ? [input.secrets] : input.secrets;
  if (secrets.length === 0) throw new TypeError('signWebhook needs at least one secret');
  const signature = secrets.map((s) => `v1,${hmac(secretKey(s), input.id, timestamp, input.body).toString('base64')}`).join(' ');
  return { 'webhook-id': input.id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
}
