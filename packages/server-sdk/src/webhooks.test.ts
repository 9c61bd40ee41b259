import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WebhookVerificationError, signWebhook, verifyWebhook } from './webhooks.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const otherSecret = `whsec_${randomBytes(32).toString('base64')}`;
const now = new Date('2025-03-01T12:00:00Z');
const id = 'evt_42';
const body = JSON.stringify({ id, type: 'message.created', createdAt: now.toISOString(), data: { conversationId: 'c_1', text: 'Grüße' } });

/** The signature computed independently of the SDK, as the wire format defines it. */
function referenceSignature(key: string, timestamp: number, payload: string): string {
  const bytes = Buffer.from(key.slice('whsec_'.length), 'base64');
  return createHmac('sha256', bytes).update(`${id}.${timestamp}.${payload}`).digest('base64');
}

function headersAt(date: Date, secrets: string | string[] = secret, payload = body): ReturnType<typeof signWebhook> {
  return signWebhook({ id, body: payload, secrets, timestamp: date });
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.code;
    throw error;
  }
  throw new Error('verification passed but was expected to fail');
}

describe('verifyWebhook', () => {
  it('returns the parsed event for a correctly signed body', () => {
    const event = verifyWebhook(body, headersAt(now), secret, { now });
    expect(event).toEqual(JSON.parse(body));
  });

  it('accepts a signature computed by the wire format (HMAC-SHA256 of "<id>.<timestamp>.<body>")', () => {
    const ts = Math.floor(now.getTime() / 1000);
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': `v1,${referenceSignature(secret, ts, body)}` };
    expect(signWebhook({ id, body, secrets: secret, timestamp: now })).toEqual(headers);
    expect(verifyWebhook(body, headers, secret, { now }).id).toBe(id);
  });

  it('accepts the body as bytes and headers as a fetch Headers object or with capitalised names', () => {
    const signed = headersAt(now);
    expect(verifyWebhook(new TextEncoder().encode(body), new Headers(signed), secret, { now }).type).toBe('message.created');
    const capitalised = { 'Webhook-Id': signed['webhook-id'], 'Webhook-Timestamp': signed['webhook-timestamp'], 'Webhook-Signature': signed['webhook-signature'] };
    expect(verifyWebhook(body, capitalised, secret, { now }).id).toBe(id);
  });

  it('refuses a tampered body with INVALID_SIGNATURE', () => {
    const headers = headersAt(now);
    expect(codeOf(() => verifyWebhook(body.replace('Grüße', 'Grüsse'), headers, secret, { now }))).toBe('INVALID_SIGNATURE');
  });

  it('refuses a tampered id or timestamp header with INVALID_SIGNATURE', () => {
    const headers = headersAt(now);
    expect(codeOf(() => verifyWebhook(body, { ...headers, 'webhook-id': 'evt_43' }, secret, { now }))).toBe('INVALID_SIGNATURE');
    const ts = String(Number(headers['webhook-timestamp']) + 1);
    expect(codeOf(() => verifyWebhook(body, { ...headers, 'webhook-timestamp': ts }, secret, { now }))).toBe('INVALID_SIGNATURE');
  });

  it('refuses the wrong secret with INVALID_SIGNATURE', () => {
    expect(codeOf(() => verifyWebhook(body, headersAt(now), otherSecret, { now }))).toBe('INVALID_SIGNATURE');
  });

  it('refuses a timestamp older than the tolerance with TIMESTAMP_OUT_OF_TOLERANCE', () => {
    const old = new Date(now.getTime() - 301_000);
    expect(codeOf(() => verifyWebhook(body, headersAt(old), secret, { now }))).toBe('TIMESTAMP_OUT_OF_TOLERANCE');
    // Within a wider tolerance it passes.
    expect(verifyWebhook(body, headersAt(old), secret, { now, toleranceSec: 600 }).id).toBe(id);
  });

  it('refuses a timestamp in the future beyond the tolerance with TIMESTAMP_OUT_OF_TOLERANCE', () => {
    const future = new Date(now.getTime() + 301_000);
    expect(codeOf(() => verifyWebhook(body, headersAt(future), secret, { now }))).toBe('TIMESTAMP_OUT_OF_TOLERANCE');
  });

  it('refuses a request without any of the three headers with MISSING_HEADERS', () => {
    const headers = headersAt(now);
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const without: Record<string, string> = { ...headers };
      delete without[name];
      expect(codeOf(() => verifyWebhook(body, without, secret, { now }))).toBe('MISSING_HEADERS');
    }
    expect(codeOf(() => verifyWebhook(body, { ...headers, 'webhook-timestamp': 'yesterday' }, secret, { now }))).toBe('MISSING_HEADERS');
  });

  it('accepts either secret during a rotation (two space-separated signatures)', () => {
    const headers = headersAt(now, [otherSecret, secret]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyWebhook(body, headers, secret, { now }).id).toBe(id);
    expect(verifyWebhook(body, headers, otherSecret, { now }).id).toBe(id);
    const third = `whsec_${randomBytes(32).toString('base64')}`;
    expect(codeOf(() => verifyWebhook(body, headers, third, { now }))).toBe('INVALID_SIGNATURE');
  });

  it('ignores signatures of unknown versions', () => {
    const signed = headersAt(now);
    const v2 = signed['webhook-signature'].replace(/^v1,/, 'v2,');
    expect(codeOf(() => verifyWebhook(body, { ...signed, 'webhook-signature': v2 }, secret, { now }))).toBe('INVALID_SIGNATURE');
  });

  it('refuses a correctly signed body that is not a Plaza event with INVALID_PAYLOAD', () => {
    const notJson = 'hello';
    expect(codeOf(() => verifyWebhook(notJson, headersAt(now, secret, notJson), secret, { now }))).toBe('INVALID_PAYLOAD');
    const otherId = JSON.stringify({ id: 'evt_7', type: 'message.created', createdAt: now.toISOString(), data: {} });
    expect(codeOf(() => verifyWebhook(otherId, headersAt(now, secret, otherId), secret, { now }))).toBe('INVALID_PAYLOAD');
  });

  it('refuses with INVALID_SECRET (a WebhookVerificationError, not a TypeError) when the secret is empty, missing or malformed', () => {
    for (const bad of ['', 'whsec_', 'whsec_abc', undefined as unknown as string]) {
      expect(() => verifyWebhook(body, headersAt(now), bad, { now })).toThrow(WebhookVerificationError);
      expect(codeOf(() => verifyWebhook(body, headersAt(now), bad, { now }))).toBe('INVALID_SECRET');
    }
  });
});
