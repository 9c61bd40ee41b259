import { signWebhook } from '@plaza/server-sdk';
import type { DueDelivery } from '../storage/WebhookRecords.js';

/** What one attempt of a delivery came to. */
export interface AttemptResult {
  /** The receiver answered 2xx. */
  ok: boolean;
  /** HTTP status of the answer, `null` when there was none. */
  status: number | null;
  /** Why it failed, `null` when it did not. */
  error: string | null;
  /** The attempt was cut short by shutdown: it counts for nothing (the delivery stays due). */
  aborted: boolean;
}

/** What {@link sendDelivery} needs besides the delivery. */
export interface SendOptions {
  /** How long the receiver has to answer (headers and status). */
  timeoutMs: number;
  /** Aborted when the server shuts down. */
  shutdown: AbortSignal;
  /** `user-agent` header. */
  userAgent: string;
}

/** The JSON body of a delivery: `{ id, type, createdAt, data }`. */
export function webhookBody(delivery: DueDelivery): string {
  return JSON.stringify({
    id: `evt_${delivery.eventId}`,
    type: delivery.eventType,
    createdAt: delivery.eventCreatedAt,
    data: JSON.parse(delivery.payload) as unknown,
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'no answer in time';
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    if (cause && typeof cause.code === 'string') return `${error.message} (${cause.code})`;
    if (cause && typeof cause.message === 'string') return `${error.message} (${cause.message})`;
    return error.message;
  }
  return String(error);
}

/**
 * POSTs one delivery to its endpoint, signed with every valid secret of the endpoint (see the
 * wire format in the integration guide). Redirects are not followed (a 3xx is a failed attempt).
 * Never throws.
 *
 * @param delivery - the due delivery
 * @param options - timeout, shutdown signal and user agent
 */
export async function sendDelivery(delivery: DueDelivery, options: SendOptions): Promise<AttemptResult> {
  const body = webhookBody(delivery);
  const headers = {
    ...signWebhook({ id: `evt_${delivery.eventId}`, body, secrets: delivery.secrets }),
    'content-type': 'application/json',
    'user-agent': options.userAgent,
  };
  try {
    const response = await fetch(delivery.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.shutdown]),
    });
    // The answer's body is of no interest: release the connection without reading it.
    await response.body?.cancel().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return { ok, status: response.status, error: ok ? null : `HTTP ${response.status}`, aborted: false };
  } catch (error) {
    if (options.shutdown.aborted) return { ok: false, status: null, error: 'server shutting down', aborted: true };
    return { ok: false, status: null, error: describe(error), aborted: false };
  }
}
