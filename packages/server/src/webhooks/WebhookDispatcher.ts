import type { Logger } from 'pino';
import type { ServerMetrics } from '../metrics.js';
import type { ChatStore } from '../storage/ChatStore.js';
import type { DueDelivery } from '../storage/WebhookRecords.js';
import { retryDelayMs } from './retry.js';
import { sendDelivery } from './send.js';

/** Options of {@link WebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  store: ChatStore;
  metrics: ServerMetrics;
  logger: Logger;
  /** Wait after the first failed attempt, in ms (doubling after each further one, with jitter). */
  retryBaseMs: number;
  /** Attempts before a delivery is dead. */
  maxAttempts: number;
  /** How long a receiver has to answer, in ms. */
  timeoutMs: number;
  /** Deliveries in flight at once. */
  concurrency: number;
  /** `user-agent` of the requests. */
  userAgent: string;
  /**
   * How often the outbox and the due deliveries are checked when nothing woke the dispatcher, in ms.
   * An idle check is two indexed reads. @default 200
   */
  pollIntervalMs?: number;
  /** How long `close()` lets deliveries in flight finish before it aborts them, in ms. @default 2000 */
  closeTimeoutMs?: number;
  /** Outbox rows fanned out per transaction. @default 500 */
  fanOutBatch?: number;
}

/** Defaults of the optional {@link WebhookDispatcherOptions}. */
export const webhookDispatcherDefaults = { pollIntervalMs: 200, closeTimeoutMs: 2000, fanOutBatch: 500 } as const;

/**
 * Delivers outbox events to webhook endpoints, at least once. A loop that
 * 1. fans new outbox rows (after the cursor kept in the database) out into pending deliveries, one
 *    per endpoint whose filters match (disabled ones too: their deliveries wait), in one transaction
 *    with the cursor, and
 * 2. sends due deliveries of enabled endpoints (at most `concurrency` at once): a 2xx answer within
 *    `timeoutMs` marks one
 *    delivered; anything else schedules the next attempt with exponential backoff, and after
 *    `maxAttempts` attempts the delivery is dead (a dead letter, redeliverable through the API).
 *
 * All state is in the database: after a crash, deliveries that were in flight are still pending
 * and are sent again. It wakes every `pollIntervalMs` and at once on {@link wake}.
 */
export class WebhookDispatcher {
  readonly #o: Required<WebhookDispatcherOptions>;
  readonly #logger: Logger;
  readonly #inflight = new Map<number, Promise<void>>();
  readonly #shutdown = new AbortController();
  #cursor = 0;
  #timer: NodeJS.Timeout | null = null;
  #tick: Promise<void> | null = null;
  #wakeRequested = false;
  #pendingChanged = true;
  #started = false;
  #closed = false;
  #closing: Promise<void> | null = null;

  /** @param options - see {@link WebhookDispatcherOptions} */
  constructor(options: WebhookDispatcherOptions) {
    this.#o = { ...webhookDispatcherDefaults, ...options };
    this.#logger = options.logger.child({ component: 'webhooks' });
  }

  /** Reads (or creates) the cursor and starts the loop. Idempotent. */
  async start(): Promise<void> {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#cursor = await this.#o.store.webhooks.initCursor();
    this.#schedule(0);
  }

  /** Checks for new events and due deliveries now (after a commit, a redelivery, a finished delivery). */
  wake(): void {
    if (this.#closed || !this.#started) return;
    if (this.#tick) {
      this.#wakeRequested = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#schedule(0);
  }

  /**
   * Stops the loop and lets deliveries in flight finish for up to `closeTimeoutMs`; the rest are
   * aborted and stay pending (sent again after the next start). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      await this.#tick;
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#inflight.values()]),
        new Promise((resolve) => {
          bound = setTimeout(resolve, this.#o.closeTimeoutMs);
        }),
      ]);
      clearTimeout(bound);
      this.#shutdown.abort();
      await Promise.allSettled([...this.#inflight.values()]);
    })();
    return this.#closing;
  }

  #schedule(delayMs: number): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#tick = this.#runTick().finally(() => {
        this.#tick = null;
        const again = this.#wakeRequested;
        this.#wakeRequested = false;
        this.#schedule(again ? 0 : this.#o.pollIntervalMs);
      });
    }, delayMs);
    this.#timer.unref();
  }

  async #runTick(): Promise<void> {
    try {
      await this.#fanOut();
      await this.#sendDue();
      if (this.#pendingChanged) {
        this.#pendingChanged = false;
        this.#o.metrics.webhookPending.set(await this.#o.store.webhooks.countPending());
      }
    } catch (error) {
      if (!this.#closed) this.#logger.warn({ err: error }, 'webhook dispatch failed; retrying');
    }
  }

  async #fanOut(): Promise<void> {
    const webhooks = this.#o.store.webhooks;
    if ((await webhooks.lastEventId()) <= this.#cursor) return;
    for (;;) {
      const { cursor, created } = await webhooks.fanOut(this.#o.fanOutBatch);
      if (created > 0) this.#pendingChanged = true;
      const moved = cursor !== this.#cursor;
      this.#cursor = cursor;
      if (!moved || this.#closed || (await webhooks.lastEventId()) <= cursor) return;
    }
  }

  async #sendDue(): Promise<void> {
    const free = this.#o.concurrency - this.#inflight.size;
    if (free <= 0 || this.#closed) return;
    const due = await this.#o.store.webhooks.claimDue(new Date().toISOString(), free, [...this.#inflight.keys()]);
    for (const delivery of due) {
      if (this.#closed) return;
      const sending = this.#send(delivery).finally(() => {
        this.#inflight.delete(delivery.id);
        this.wake();
      });
      this.#inflight.set(delivery.id, sending);
    }
  }

  async #send(delivery: DueDelivery): Promise<void> {
    const { store, metrics } = this.#o;
    const log = this.#logger.child({ webhookId: delivery.endpointId, eventId: `evt_${delivery.eventId}` });
    const result = await sendDelivery(delivery, { timeoutMs: this.#o.timeoutMs, shutdown: this.#shutdown.signal, userAgent: this.#o.userAgent });
    if (result.aborted) return;
    try {
      if (result.ok) {
        await store.webhooks.markDelivered(delivery.id, result.status ?? 200);
        metrics.webhookDeliveries.inc({ outcome: 'delivered' });
        log.debug({ attempt: delivery.attempts + 1, status: result.status }, 'webhook delivered');
      } else {
        const attempts = delivery.attempts + 1;
        const dead = attempts >= this.#o.maxAttempts;
        const nextAttemptAt = dead ? null : new Date(Date.now() + retryDelayMs(attempts, this.#o.retryBaseMs)).toISOString();
        await store.webhooks.markFailed(delivery.id, { attempts, status: result.status, error: result.error ?? 'failed', nextAttemptAt });
        metrics.webhookDeliveries.inc({ outcome: dead ? 'dead' : 'failed' });
        if (dead) log.warn({ attempts, status: result.status, error: result.error }, 'webhook delivery failed every attempt; it is a dead letter now');
        else log.debug({ attempt: attempts, status: result.status, error: result.error, nextAttemptAt }, 'webhook attempt failed');
      }
      this.#pendingChanged = true;
    } catch (error) {
      // Not recorded: the delivery stays pending and is sent again (at least once).
      if (!this.#closed) log.warn({ err: error }, 'could not record a webhook attempt');
    }
  }
}
