import { ErrorCode } from '@plaza/protocol';
import type { Message } from '@plaza/protocol';
import { PlazaError, toPlazaError } from './errors.js';
import type { OutboxEvents, PendingMessage, PendingMessageState } from './events.js';
import { SafeEmitter } from './internal/SafeEmitter.js';
import type { Logger } from './logger.js';
import type { ReconnectPolicy } from './ReconnectPolicy.js';

/** What a message needs to be sent. */
export interface OutgoingMessage {
  /** Conversation it goes to. */
  conversationId: string;
  /** Idempotency key, the same on every retry. */
  clientId: string;
  /** Text. */
  text: string;
  /** Id of the message it replies to, or `null`. */
  replyTo: string | null;
  /** Mentioned user ids. */
  mentions: string[];
  /** Ids of completed uploads to attach (`f_…`). @defaultValue `[]` */
  attachments?: string[];
}

/** What the outbox needs from the client (injected, so it can be tested alone). */
export interface OutboxDeps {
  /** Sends one message and resolves with the stored message (the ack). */
  send(message: OutgoingMessage): Promise<Message>;
  /** Whether sending makes sense now. */
  isConnected(): boolean;
  /** Delays between retries of retryable failures. */
  retryPolicy: ReconnectPolicy;
  /** Messages older than this (ms since queued) fail with `TIMEOUT` instead of being sent. */
  maxAgeMs: number;
  /** Where to log. */
  logger: () => Logger;
  /** Clock. @defaultValue Date.now */
  now?: () => number;
  /**
   * The id of the user the client is connected as (`null` before the first session). Each message
   * belongs to the user who queued it and is never sent on another user's session.
   * @defaultValue always `null`
   */
  owner?: () => string | null;
  /** Whether the app listens for failures; unhandled ones are logged as warnings. @defaultValue always `false` */
  failureHandled?: (pending: PendingMessage) => boolean;
}

interface Entry extends OutgoingMessage {
  attachments: string[];
  owner: string | null;
  /** Rejected or resolved already (a late answer is ignored). */
  settled: boolean;
  queuedAt: number;
  attempts: number;
  state: PendingMessageState;
  lastError: PlazaError | null;
  resolve: (message: Message) => void;
  reject: (error: PlazaError) => void;
}

/**
 * Messages sent by the app and not yet acknowledged. Each conversation's messages go out one at a
 * time in the order `send()` was called; while disconnected they wait, and after a reconnect they
 * are sent again with the same `clientId`, so the server stores each exactly once.
 *
 * Retryable failures (`RATE_LIMITED`, `UNAVAILABLE`, `TIMEOUT`, `DISCONNECTED`) are retried; any other
 * error, or a message older than `outboxMaxAgeMs`, rejects its `send()` promise and is reported by
 * the `failed` event (and `sendFailed` on the client and the conversation). The outbox lives in
 * memory: it does not survive a page reload or process exit.
 */
export class Outbox extends SafeEmitter<OutboxEvents> {
  readonly #deps: OutboxDeps;
  readonly #now: () => number;
  /** Queues by conversation id, in send order. */
  readonly #queues = new Map<string, Entry[]>();
  readonly #busy = new Set<string>();
  readonly #retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  #expiryTimer: ReturnType<typeof setTimeout> | null = null;

  /** @internal Created by {@link PlazaClient}. @param deps - see {@link OutboxDeps} */
  constructor(deps: OutboxDeps) {
    super('outbox', deps.logger);
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** Messages waiting to be acknowledged, oldest first (a snapshot). */
  get pending(): readonly PendingMessage[] {
    const all: PendingMessage[] = [];
    for (const queue of this.#queues.values()) for (const e of queue) all.push(snapshot(e));
    return all.sort((a, b) => a.queuedAt - b.queuedAt);
  }

  /** @internal Queues a message (apps use `conversation.send()`); resolves with the stored message once acknowledged. */
  enqueue(message: OutgoingMessage): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      const entry: Entry = { ...message, attachments: [...(message.attachments ?? [])], owner: this.#owner(), settled: false, queuedAt: this.#now(), attempts: 0, state: 'queued', lastError: null, resolve, reject };
      const queue = this.#queues.get(message.conversationId) ?? [];
      queue.push(entry);
      this.#queues.set(message.conversationId, queue);
      this.#changed();
      this.#armExpiry();
      this.#pump(message.conversationId);
    });
  }

  /** @internal Sends what waits, for example after a reconnect. */
  resume(): void {
    for (const id of this.#queues.keys()) this.#pump(id);
  }

  /**
   * Takes a message that has not been sent yet out of the outbox; its `send()` promise rejects with
   * `error`. Returns `false` if it is unknown or already on the wire.
   */
  cancel(clientId: string, error = new PlazaError(ErrorCode.INVALID_REQUEST, 'cancelled by the app')): boolean {
    for (const [id, queue] of this.#queues) {
      const i = queue.findIndex((e) => e.clientId === clientId);
      const entry = queue[i];
      if (!entry || entry.state === 'sending') continue;
      queue.splice(i, 1);
      this.#fail(entry, error);
      this.#cleanup(id);
      this.#pump(id);
      return true;
    }
    return false;
  }

  /**
   * @internal Fails every message (queued, retrying or in flight) with `error`: their `send()`
   * promises reject and `failed` fires for each. A message in flight that is acknowledged later is
   * ignored. Used when the client stops for good (`disconnect()`, or reconnecting gave up).
   */
  failAll(error: PlazaError): void {
    this.#failWhere(() => true, () => error);
  }

  /**
   * @internal Fails every message queued by another user than `userId` (after a connection
   * authenticated a different user), so it is never stored under the wrong identity.
   */
  failForeign(userId: string): void {
    this.#failWhere(
      (e) => e.owner !== null && e.owner !== userId,
      (e) => new PlazaError(ErrorCode.UNAUTHENTICATED, `message queued by ${e.owner ?? '?'} not sent: the client is now connected as ${userId}`),
    );
  }

  #failWhere(match: (entry: Entry) => boolean, error: (entry: Entry) => PlazaError): void {
    for (const [id, queue] of [...this.#queues]) {
      const failing = queue.filter(match);
      if (failing.length === 0) continue;
      const kept = queue.filter((e) => !match(e));
      if (kept.length > 0) this.#queues.set(id, kept);
      else this.#queues.delete(id);
      const timer = this.#retryTimers.get(id);
      if (timer) clearTimeout(timer);
      this.#retryTimers.delete(id);
      // An answer to the message in flight may still come; it is ignored (settled), and the next
      // message waits for it so the order per conversation holds.
      for (const e of failing) this.#fail(e, error(e));
    }
    this.#cleanup('');
    this.#changed();
  }

  /** @internal Stops timers. Queued messages stay queued. */
  dispose(): void {
    for (const t of this.#retryTimers.values()) clearTimeout(t);
    this.#retryTimers.clear();
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = null;
  }

  #pump(conversationId: string): void {
    if (this.#busy.has(conversationId) || this.#retryTimers.has(conversationId)) return;
    const queue = this.#queues.get(conversationId);
    this.#expire(conversationId);
    const head = queue?.[0];
    if (!head || !this.#deps.isConnected()) return;
    const owner = this.#owner();
    if (head.owner !== null && owner !== null && head.owner !== owner) {
      this.failForeign(owner);
      this.#pump(conversationId);
      return;
    }
    this.#busy.add(conversationId);
    head.state = 'sending';
    head.attempts += 1;
    this.#changed();
    const { conversationId: cid, clientId, text, replyTo, mentions, attachments } = head;
    this.#deps
      .send({ conversationId: cid, clientId, text, replyTo, mentions, attachments })
      .then(
        (message) => {
          if (head.settled) return;
          head.settled = true;
          this.#remove(head);
          this.emit('sent', message, snapshot(head));
          head.resolve(message);
        },
        (raw: unknown) => {
          if (head.settled) return;
          const error = toPlazaError(raw);
          if (!error.retryable) {
            this.#remove(head);
            this.#fail(head, error);
            return;
          }
          head.state = 'retrying';
          head.lastError = error;
          if (error.code === ErrorCode.DISCONNECTED) {
            // Sent again when the connection is back (resume()); not counted as an attempt.
            head.attempts -= 1;
            return;
          }
          const delay = this.#deps.retryPolicy.nextDelayMs(head.attempts - 1);
          if (delay === null) {
            this.#remove(head);
            this.#fail(head, error);
            return;
          }
          const wait = Math.max(delay, error.details?.retryAfterMs ?? 0);
          this.#deps.logger().info('retrying a queued message', { conversationId: cid, code: error.code, waitMs: wait });
          this.#retryTimers.set(
            cid,
            setTimeout(() => {
              this.#retryTimers.delete(cid);
              this.#pump(cid);
            }, wait),
          );
        },
      )
      .finally(() => {
        this.#busy.delete(cid);
        this.#changed();
        this.#pump(cid);
      });
  }

  /** Fails messages at the head of a queue that waited longer than `maxAgeMs`. */
  #expire(conversationId: string): void {
    const queue = this.#queues.get(conversationId);
    if (!queue) return;
    const limit = this.#now() - this.#deps.maxAgeMs;
    while (queue[0] && queue[0].state !== 'sending' && queue[0].queuedAt <= limit) {
      const entry = queue.shift() as Entry;
      this.#fail(entry, new PlazaError(ErrorCode.TIMEOUT, `message not sent within outboxMaxAgeMs (${this.#deps.maxAgeMs} ms)`, { cause: entry.lastError ?? undefined }));
    }
    this.#cleanup(conversationId);
  }

  #armExpiry(): void {
    if (this.#expiryTimer || !Number.isFinite(this.#deps.maxAgeMs)) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const queue of this.#queues.values()) for (const e of queue) oldest = Math.min(oldest, e.queuedAt);
    if (!Number.isFinite(oldest)) return;
    const wait = Math.max(0, oldest + this.#deps.maxAgeMs - this.#now()) + 1;
    // Cap the timer to keep within setTimeout's range; it simply re-arms.
    this.#expiryTimer = setTimeout(() => {
      this.#expiryTimer = null;
      for (const id of [...this.#queues.keys()]) {
        if (!this.#busy.has(id)) this.#expire(id);
      }
      this.#changed();
      this.#armExpiry();
    }, Math.min(wait, 2 ** 31 - 1));
    const t = this.#expiryTimer as { unref?: () => void };
    t.unref?.();
  }

  #remove(entry: Entry): void {
    const queue = this.#queues.get(entry.conversationId);
    if (!queue) return;
    const i = queue.indexOf(entry);
    if (i >= 0) queue.splice(i, 1);
    this.#cleanup(entry.conversationId);
  }

  #owner(): string | null {
    return this.#deps.owner?.() ?? null;
  }

  #cleanup(conversationId: string): void {
    if (this.#queues.get(conversationId)?.length === 0) this.#queues.delete(conversationId);
    if (this.#queues.size === 0 && this.#expiryTimer) {
      clearTimeout(this.#expiryTimer);
      this.#expiryTimer = null;
    }
  }

  #fail(entry: Entry, error: PlazaError): void {
    if (entry.settled) return;
    entry.settled = true;
    const pending = snapshot(entry);
    const handled = this.#deps.failureHandled?.(pending) ?? false;
    this.#deps.logger()[handled ? 'debug' : 'warn']('a queued message failed', {
      conversationId: entry.conversationId,
      clientId: entry.clientId,
      code: error.code,
    });
    entry.reject(error);
    this.emit('failed', pending, error);
    this.#changed();
  }

  #changed(): void {
    if (this.listenerCount('changed') > 0) this.emit('changed', this.pending);
  }
}

function snapshot(e: Entry): PendingMessage {
  return {
    clientId: e.clientId,
    conversationId: e.conversationId,
    text: e.text,
    replyTo: e.replyTo,
    mentions: [...e.mentions],
    attachments: [...e.attachments],
    queuedAt: e.queuedAt,
    attempts: e.attempts,
    state: e.state,
    lastError: e.lastError,
  };
}
