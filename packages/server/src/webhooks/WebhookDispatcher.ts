import type { Logger } from 'pino';
import type { ServerMetrics } from '../metrics.js';
import type { ChatStore } from '../storage/ChatStore.js';
import type { DeliveryOutcome, DueDelivery } from '../storage/WebhookRecords.js';
import { GroupCommitBatcher } from '../GroupCommitBatcher.js';
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
   * A fallback: commits of this process wake it at once (see `WebhookRecords.onOutboxWritten`), and
   * so do finished deliveries and retries falling due; the poll finds rows written by another
   * process (and, while no endpoint exists, moves the cursor, which commits then leave alone). A
   * check with nothing to do is three indexed reads (endpoints, newest event, due deliveries). While
   * no endpoint exists and no delivery is held, the poll runs every `idleCheckIntervalMs` instead
   * (and skips the due deliveries). @default 1000
   */
  pollIntervalMs?: number;
  /**
   * How often the poll runs while no endpoint exists and no delivery is held, in ms (at least
   * `pollIntervalMs`). Then a poll only finds endpoints created by another process (those of this
   * process are known at once, and the poll goes back to `pollIntervalMs`) and moves the cursor past
   * the events written meanwhile, which the outbox retention keeps until then. Nothing is lost by
   * waiting: the fan-out goes by the cursor and each endpoint's creation time. @default 30000
   */
  idleCheckIntervalMs?: number;
  /** How long `close()` lets deliveries in flight finish before it aborts them, in ms. @default 2000 */
  closeTimeoutMs?: number;
  /** Outbox rows fanned out per transaction. @default 500 */
  fanOutBatch?: number;
  /** Outcomes of deliveries that finish within this many ms are committed in one transaction. @default 5 */
  outcomeWindowMs?: number;
  /** Most outcomes in one transaction. @default 200 */
  outcomeBatch?: number;
}

/** Defaults of the optional {@link WebhookDispatcherOptions}. */
export const webhookDispatcherDefaults = {
  pollIntervalMs: 1000,
  idleCheckIntervalMs: 30_000,
  closeTimeoutMs: 2000,
  fanOutBatch: 500,
  outcomeWindowMs: 5,
  outcomeBatch: 200,
} as const;

/** Retries falling due are woken for in slots of this many ms (one timer per slot). */
const RETRY_WAKE_SLOT_MS = 25;
/** Retries further away than this many poll intervals are left to the poll. */
const RETRY_WAKE_HORIZON_POLLS = 10;

/**
 * Delivers outbox events to webhook endpoints, at least once.
 * 1. It fans new outbox rows (after the cursor kept in the database) out into pending deliveries, one
 *    per endpoint whose filters match (disabled ones too: their deliveries wait), in one transaction
 *    with the cursor — as soon as a commit of this process wrote outbox rows.
 * 2. It claims due deliveries of enabled endpoints a few at a time (one query) and keeps
 *    `concurrency` of them in flight: when one finishes, the next starts. A 2xx answer within
 *    `timeoutMs` makes one delivered; anything else schedules the next attempt with exponential
 *    backoff, and after `maxAttempts` attempts the delivery is dead (a dead letter, redeliverable
 *    through the API).
 * 3. Outcomes are group-committed: those finishing within `outcomeWindowMs` are written in one
 *    transaction (see {@link GroupCommitBatcher}).
 *
 * All state is in the database: after a crash, deliveries that were in flight, or whose outcome was
 * not committed yet, are still pending and are sent again. Besides commits and finished deliveries,
 * it wakes for retries falling due, every `pollIntervalMs` (every `idleCheckIntervalMs` while no
 * endpoint exists and nothing is held), and on {@link wake}.
 */
export class WebhookDispatcher {
  readonly #o: Required<WebhookDispatcherOptions>;
  readonly #logger: Logger;
  readonly #inflight = new Map<number, Promise<void>>();
  /** Claimed, not started yet. */
  #queue: DueDelivery[] = [];
  /** Claimed and not yet recorded (queued, in flight, or outcome not committed): never claimed twice. */
  readonly #held = new Map<number, DueDelivery>();
  readonly #outcomes: GroupCommitBatcher<DeliveryOutcome>;
  readonly #shutdown = new AbortController();
  readonly #retryTimers = new Map<number, NodeJS.Timeout>();
  #cursor = 0;
  #pump: Promise<void> | null = null;
  #pumpScheduled = false;
  #wakeRequested = false;
  /** The last claim was full: more deliveries may be due. */
  #moreDue = false;
  #pendingChanged = true;
  /** The gauge of pending deliveries is refreshed at most once per poll interval (a count, not free under load). */
  #gaugeDue = true;
  /** The next check runs in full even when no endpoint exists (set by the start and the poll: it moves the cursor). */
  #fullCheckDue = true;
  #poll: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  #started = false;
  #closed = false;
  #closing: Promise<void> | null = null;

  /** @param options - see {@link WebhookDispatcherOptions} */
  constructor(options: WebhookDispatcherOptions) {
    this.#o = { ...webhookDispatcherDefaults, ...options };
    this.#logger = options.logger.child({ component: 'webhooks' });
    this.#outcomes = new GroupCommitBatcher<DeliveryOutcome>({
      write: (outcomes) => this.#o.store.webhooks.recordOutcomes(outcomes),
      committed: (outcomes) => this.#committed(outcomes),
      failed: (outcomes, error) => this.#notRecorded(outcomes, error),
      windowMs: this.#o.outcomeWindowMs,
      maxBatch: this.#o.outcomeBatch,
    });
  }

  /** Claimed deliveries kept ready beyond those in flight. */
  get #prefetch(): number {
    return this.#o.concurrency * 4;
  }

  /** Reads (or creates) the cursor, listens for outbox commits and starts the loop. Idempotent. */
  async start(): Promise<void> {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#cursor = await this.#o.store.webhooks.initCursor();
    const unsubscribeOutbox = this.#o.store.webhooks.onOutboxWritten(() => this.wake());
    const unsubscribeEndpoints = this.#o.store.webhooks.onEndpointsChanged(() => {
      this.#endpointsExist = undefined;
      // An idle poll may be far away: an endpoint needs the regular one (retries beyond the wake-up
      // horizon, rows of other processes).
      this.#armPoll(this.#o.pollIntervalMs);
    });
    this.#unsubscribe = () => {
      unsubscribeOutbox();
      unsubscribeEndpoints();
    };
    this.wake();
  }

  /** (Re)schedules the next poll in `delayMs`; a poll asks for a full check. */
  #armPoll(delayMs: number): void {
    if (this.#closed || !this.#started) return;
    if (this.#poll) clearTimeout(this.#poll);
    this.#poll = setTimeout(() => {
      this.#poll = null;
      this.#gaugeDue = true;
      this.#fullCheckDue = true;
      this.wake();
    }, delayMs);
    this.#poll.unref();
  }

  /**
   * Checks for new events and due deliveries soon (after a commit, a redelivery, a finished
   * delivery). Calls in the same event-loop turn, or while a check runs, make one more check.
   */
  wake(): void {
    if (this.#closed || !this.#started) return;
    if (this.#pump) {
      this.#wakeRequested = true;
      return;
    }
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      if (this.#closed) return;
      this.#pump = this.#runPump().finally(() => {
        this.#pump = null;
        if (this.#wakeRequested) {
          this.#wakeRequested = false;
          this.wake();
        }
      });
    });
  }

  /**
   * Stops the loop and lets deliveries in flight finish for up to `closeTimeoutMs`; the rest are
   * aborted and stay pending (sent again after the next start). Outcomes are committed before it
   * resolves. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      this.#unsubscribe?.();
      if (this.#poll) clearTimeout(this.#poll);
      for (const timer of this.#retryTimers.values()) clearTimeout(timer);
      this.#retryTimers.clear();
      await this.#pump;
      for (const queued of this.#queue) this.#held.delete(queued.id);
      this.#queue = [];
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
      await this.#outcomes.flush();
    })();
    return this.#closing;
  }

  async #runPump(): Promise<void> {
    const full = this.#fullCheckDue;
    this.#fullCheckDue = false;
    let failed = false;
    try {
      // Without endpoints a commit leaves nothing to fan out or claim, so it costs one read instead
      // of a fan-out transaction and a claim (most of a write's CPU when writes come one at a time).
      // The cursor stays put until the poll moves it; nothing is lost meanwhile, because the fan-out
      // goes by the cursor and each endpoint's creation time, whenever it runs.
      // Whether endpoints exist is read again by each full check (each poll) and after
      // this process created or deleted one; between them a commit trusts the last answer (one
      // created by another process is seen at the next poll; the fan-out goes by the cursor, so
      // no event is lost).
      if (full || this.#endpointsExist === undefined) this.#endpointsExist = await this.#hasEndpoints();
      if (!full && this.#held.size === 0 && !this.#endpointsExist) return;
      await this.#fanOut();
      // No endpoint: nothing can be due (a claim joins the enabled endpoints), so a full check only
      // moves the cursor (an endpoint another process created meanwhile shows in the fan-out).
      if (this.#endpointsExist || this.#held.size > 0) {
        await this.#refill();
        this.#fill();
      }
      if (this.#pendingChanged && this.#gaugeDue && !this.#closed) {
        this.#pendingChanged = false;
        this.#gaugeDue = false;
        this.#o.metrics.webhookPending.set(await this.#o.store.webhooks.countPending());
      }
    } catch (error) {
      failed = true;
      if (!this.#closed) this.#logger.warn({ err: error }, 'webhook dispatch failed; retrying');
    } finally {
      if (full) this.#armPoll(this.#idle && !failed ? Math.max(this.#o.idleCheckIntervalMs, this.#o.pollIntervalMs) : this.#o.pollIntervalMs);
    }
  }

  /** No endpoint exists (as last read) and no delivery is held: the poll can wait longer. */
  get #idle(): boolean {
    return this.#endpointsExist === false && this.#held.size === 0;
  }

  /** The last answer of {@link WebhookDispatcher.#hasEndpoints} (`undefined`: not asked yet). */
  #endpointsExist: boolean | undefined;

  /** Whether any endpoint exists (disabled ones too: their deliveries wait). */
  async #hasEndpoints(): Promise<boolean> {
    return (await this.#o.store.webhooks.list({ limit: 1 })).items.length > 0;
  }

  async #fanOut(): Promise<void> {
    const webhooks = this.#o.store.webhooks;
    if ((await webhooks.lastEventId()) <= this.#cursor) return;
    for (;;) {
      const { cursor, created } = await webhooks.fanOut(this.#o.fanOutBatch);
      if (created > 0) {
        this.#pendingChanged = true;
        this.#moreDue = true;
        // Created by another process since the last look: claim its deliveries now.
        this.#endpointsExist = true;
      }
      const moved = cursor !== this.#cursor;
      this.#cursor = cursor;
      if (!moved || this.#closed || (await webhooks.lastEventId()) <= cursor) return;
    }
  }

  /** Claims due deliveries (one query) until `#prefetch` are queued or in flight. */
  async #refill(): Promise<void> {
    const room = this.#prefetch - this.#queue.length - this.#inflight.size;
    if (room <= 0 || this.#closed) return;
    const due = await this.#o.store.webhooks.claimDue(new Date().toISOString(), room, [...this.#held.keys()]);
    this.#moreDue = due.length === room;
    for (const delivery of due) {
      if (this.#closed || this.#held.has(delivery.id)) continue;
      this.#held.set(delivery.id, delivery);
      this.#queue.push(delivery);
    }
  }

  /** Starts queued deliveries while fewer than `concurrency` are in flight; asks for more when the queue runs low. */
  #fill(): void {
    while (!this.#closed && this.#inflight.size < this.#o.concurrency) {
      const delivery = this.#queue.shift();
      if (!delivery) break;
      const sending = this.#send(delivery).finally(() => {
        this.#inflight.delete(delivery.id);
        this.#fill();
      });
      this.#inflight.set(delivery.id, sending);
    }
    if (this.#moreDue && this.#queue.length < this.#o.concurrency) this.wake();
  }

  async #send(delivery: DueDelivery): Promise<void> {
    const result = await sendDelivery(delivery, { timeoutMs: this.#o.timeoutMs, shutdown: this.#shutdown.signal, userAgent: this.#o.userAgent });
    if (result.aborted) {
      // Counts for nothing: still pending in the database, sent again after the next start.
      this.#held.delete(delivery.id);
      return;
    }
    if (result.ok) {
      this.#outcomes.push({ deliveryId: delivery.id, delivered: true, status: result.status ?? 200 });
      return;
    }
    const attempts = delivery.attempts + 1;
    const dead = attempts >= this.#o.maxAttempts;
    const nextAttemptAt = dead ? null : new Date(Date.now() + retryDelayMs(attempts, this.#o.retryBaseMs)).toISOString();
    this.#outcomes.push({ deliveryId: delivery.id, delivered: false, attempts, status: result.status, error: result.error ?? 'failed', nextAttemptAt });
  }

  /** After a batch of outcomes committed: metrics, logs, wake-ups for the retries. */
  #committed(outcomes: readonly DeliveryOutcome[]): void {
    const { metrics } = this.#o;
    for (const outcome of outcomes) {
      const delivery = this.#held.get(outcome.deliveryId);
      this.#held.delete(outcome.deliveryId);
      const log = () => this.#logger.child({ webhookId: delivery?.endpointId, eventId: delivery ? `evt_${delivery.eventId}` : undefined });
      if (outcome.delivered) {
        metrics.webhookDeliveries.inc({ outcome: 'delivered' });
        if (this.#logger.isLevelEnabled('debug')) log().debug({ attempt: (delivery?.attempts ?? 0) + 1, status: outcome.status }, 'webhook delivered');
        continue;
      }
      const { attempts, status, error, nextAttemptAt } = outcome;
      metrics.webhookDeliveries.inc({ outcome: nextAttemptAt === null ? 'dead' : 'failed' });
      if (nextAttemptAt === null) {
        log().warn({ attempts, status, error }, 'webhook delivery failed every attempt; it is a dead letter now');
      } else {
        if (this.#logger.isLevelEnabled('debug')) log().debug({ attempt: attempts, status, error, nextAttemptAt }, 'webhook attempt failed');
        this.#wakeAt(Date.parse(nextAttemptAt));
      }
    }
    this.#pendingChanged = true;
  }

  /** A batch of outcomes could not be written: the deliveries are still pending and are sent again. */
  #notRecorded(outcomes: readonly DeliveryOutcome[], error: unknown): void {
    for (const outcome of outcomes) this.#held.delete(outcome.deliveryId);
    if (this.#closed) return;
    this.#logger.warn({ err: error, deliveries: outcomes.length }, 'could not record webhook attempts; they are sent again');
    this.wake();
  }

  /** Wakes when a retry falls due (one timer per slot of `RETRY_WAKE_SLOT_MS`; far ones are left to the poll). */
  #wakeAt(atMs: number): void {
    if (this.#closed || atMs - Date.now() > this.#o.pollIntervalMs * RETRY_WAKE_HORIZON_POLLS) return;
    const slot = Math.ceil(atMs / RETRY_WAKE_SLOT_MS) * RETRY_WAKE_SLOT_MS;
    if (this.#retryTimers.has(slot)) return;
    const timer = setTimeout(() => {
      this.#retryTimers.delete(slot);
      this.wake();
    }, Math.max(0, slot - Date.now()));
    timer.unref();
    this.#retryTimers.set(slot, timer);
  }
}
