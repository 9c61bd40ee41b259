import { ErrorCode } from '@plaza/protocol';
import type { CitizenRequest, QueueItem, RequestChange, RequestChangeKind } from '@plaza/protocol';
import { PlazaError, toPlazaError } from '../errors.js';
import { SafeEmitter } from '../internal/SafeEmitter.js';
import type { Logger } from '../logger.js';
import type { LiveQueueEvents } from './events.js';

/**
 * Which requests of a department a queue holds: `waiting` (queued, waiting for an agent),
 * `mine` (claimed or on hold by the user) or `all` open ones (queued, claimed or on hold).
 */
export type QueueView = 'waiting' | 'mine' | 'all';

/** Every {@link QueueView}. */
export const QUEUE_VIEWS: readonly QueueView[] = ['waiting', 'mine', 'all'];

/** What a live queue needs (injected by the desk manager, or by a test). @internal */
export interface LiveQueueContext {
  /** The queue as the server lists it now (`queue:list`), oldest first. */
  list(): Promise<QueueItem[]>;
  /** The user's id (for the `mine` view). */
  selfId(): string;
  /** The client's clock, in ms since the epoch. */
  now(): number;
  /** Where to log. */
  logger(): Logger;
  /** Tells the owner the queue was closed. */
  closed(queue: LiveQueue): void;
}

/** The changes that put a request into a queue: it waits from this moment on. */
const ENTERING: ReadonlySet<RequestChangeKind> = new Set(['opened', 'transferred', 'reopened']);

interface Entry {
  item: QueueItem;
  /** When it entered the queue, on the client's clock (the answer's time minus its `waitingMs`). */
  queuedAtMs: number;
}

/**
 * A department's queue kept up to date (`await plaza.desk.watchQueue(departmentId)`): `items` holds
 * the requests oldest first, with `waitingMs` as of the moment you read it, and `changed` fires
 * whenever a request enters, leaves or changes.
 *
 * It follows `request:updated`: a request that is claimed, transferred away or resolved leaves a
 * `waiting` queue at once, one that is opened, transferred in or reopened enters it (when the
 * citizen's name is not known yet the queue asks the server for the list again). After a
 * reconnect the whole queue is fetched again, so nothing missed while offline stays missed.
 *
 * @example
 * ```ts
 * const queue = await plaza.desk.watchQueue('public-lighting');
 * render(queue.items);
 * queue.on('changed', (items) => render(items));
 * // later
 * queue.close();
 * ```
 */
export class LiveQueue extends SafeEmitter<LiveQueueEvents> {
  /** The department whose queue this is. */
  readonly departmentId: string;
  /** Which of its requests it holds. */
  readonly view: QueueView;
  readonly #ctx: LiveQueueContext;
  readonly #entries = new Map<string, Entry>();
  /** Newest `updatedAt` seen per request, also of requests no longer here: older news is ignored. */
  readonly #seen = new Map<string, string>();
  /** Citizens' display names, learned from the server's lists. */
  readonly #names = new Map<string, string>();
  #sorted: Entry[] | null = null;
  #inflight: Promise<void> | null = null;
  #again = false;
  /** Changes that arrive while a list is on its way, applied on top of it. */
  #buffer: RequestChange[] | null = null;
  #closed = false;

  /**
   * @internal Created by `plaza.desk.watchQueue()`, which also loads it the first time.
   * @param departmentId - the department
   * @param view - which requests
   * @param ctx - what it needs from the client
   */
  constructor(departmentId: string, view: QueueView, ctx: LiveQueueContext) {
    super(`queue ${departmentId}/${view}`, () => ctx.logger());
    this.departmentId = departmentId;
    this.view = view;
    this.#ctx = ctx;
  }

  /**
   * The requests in the queue, oldest first (by when they entered it), each with `waitingMs`
   * computed now. A new array each time.
   */
  get items(): QueueItem[] {
    const now = this.#ctx.now();
    this.#sorted ??= [...this.#entries.values()].sort(compareEntries);
    return this.#sorted.map((e) => ({ ...e.item, waitingMs: Math.max(0, now - e.queuedAtMs) }));
  }

  /** Whether {@link LiveQueue.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Fetches the queue from the server again and emits `changed`. Calls made while a fetch is on
   * its way share it (one more fetch follows, so the result is at least as new as the call).
   * Rejects with a {@link PlazaError} (`PERMISSION_DENIED` when the user is no longer an agent of
   * the department, `DISCONNECTED` while offline, …); the items are then left as they were.
   */
  refresh(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#inflight) {
      this.#again = true;
      return this.#inflight;
    }
    const run = this.#run().finally(() => {
      this.#inflight = null;
    });
    this.#inflight = run;
    return run;
  }

  /** Stops following the queue; `items` keeps its last value and no event fires any more. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#buffer = null;
    this.#ctx.closed(this);
    this.removeAllListeners();
  }

  /** @internal A `request:updated` event. */
  _onRequestUpdated(change: RequestChange): void {
    if (this.#closed) return;
    if (this.#buffer) {
      this.#buffer.push(change);
      return;
    }
    const outcome = this.#apply(change);
    if (outcome === 'changed') this.#emitChanged();
    else if (outcome === 'unknown') this.#refreshInBackground();
  }

  /** @internal The connection is back: what happened meanwhile is fetched. */
  _onConnected(): void {
    this.#refreshInBackground();
  }

  async #run(): Promise<void> {
    do {
      this.#again = false;
      this.#buffer = [];
      let list: QueueItem[];
      try {
        list = await this.#ctx.list();
      } catch (error) {
        this.#buffer = null;
        throw toPlazaError(error);
      }
      const buffered = this.#buffer ?? [];
      this.#buffer = null;
      if (this.#closed) return;
      if (!Array.isArray(list)) throw new PlazaError(ErrorCode.INTERNAL, 'malformed queue from the server');
      this.#replace(list, this.#ctx.now(), buffered);
      for (const change of buffered) if (this.#apply(change) === 'unknown') this.#again = true;
      this.#emitChanged();
    } while (this.#again && !this.#closed);
  }

  /** Takes the server's list as the new state. */
  #replace(list: QueueItem[], answeredAt: number, buffered: RequestChange[]): void {
    this.#entries.clear();
    this.#sorted = null;
    // Only requests that can still bring news need their last change remembered.
    const keep = new Set(buffered.map((c) => c.request.conversationId));
    for (const id of [...this.#seen.keys()]) if (!keep.has(id)) this.#seen.delete(id);
    for (const item of list) {
      this.#entries.set(item.conversationId, { item, queuedAtMs: answeredAt - item.waitingMs });
      this.#names.set(item.citizenId, item.citizenName);
      const seen = this.#seen.get(item.conversationId);
      if (seen === undefined || item.updatedAt > seen) this.#seen.set(item.conversationId, item.updatedAt);
    }
  }

  /**
   * Applies one change: `changed` when the queue changed, `unknown` when a request entered it that
   * cannot be shown without asking the server (the citizen's name), `none` otherwise.
   */
  #apply(change: RequestChange): 'changed' | 'unknown' | 'none' {
    const request = change?.request;
    if (!request || typeof request.conversationId !== 'string') return 'none';
    const id = request.conversationId;
    const seen = this.#seen.get(id);
    if (seen !== undefined && request.updatedAt < seen) return 'none'; // older than what is shown
    this.#seen.set(id, request.updatedAt);
    const present = this.#entries.get(id);
    if (!this.#belongs(request)) {
      if (!present) return 'none';
      this.#entries.delete(id);
      this.#sorted = null;
      return 'changed';
    }
    const now = this.#ctx.now();
    if (present) {
      // The same entering change twice (once in a list, once as an event) must not restart the wait.
      const alreadyWaiting = present.item.status === 'queued' && present.item.departmentId === request.departmentId;
      const reentered = ENTERING.has(change.change) && !alreadyWaiting;
      this.#entries.set(id, { item: { ...present.item, ...request }, queuedAtMs: reentered ? now : present.queuedAtMs });
      this.#sorted = null;
      return 'changed';
    }
    const name = this.#names.get(request.citizenId);
    if (!ENTERING.has(change.change) || name === undefined) return 'unknown';
    this.#entries.set(id, { item: { ...request, citizenName: name, waitingMs: 0 }, queuedAtMs: now });
    this.#sorted = null;
    return 'changed';
  }

  #belongs(r: CitizenRequest): boolean {
    if (r.departmentId !== this.departmentId) return false;
    switch (this.view) {
      case 'waiting':
        return r.status === 'queued';
      case 'mine':
        return (r.status === 'claimed' || r.status === 'on_hold') && r.assigneeId === this.#ctx.selfId();
      case 'all':
        return r.status !== 'resolved';
    }
  }

  #refreshInBackground(): void {
    this.refresh().catch((raw: unknown) => {
      const error = toPlazaError(raw);
      this.#ctx.logger().warn('the queue could not be refreshed', { departmentId: this.departmentId, view: this.view, code: error.code });
      if (!this.#closed) this.emit('syncFailed', error);
    });
  }

  #emitChanged(): void {
    if (!this.#closed) this.emit('changed', this.items);
  }
}

/** Oldest first; requests that entered at the same moment by creation, then id, so the order is stable. */
function compareEntries(a: Entry, b: Entry): number {
  return (
    a.queuedAtMs - b.queuedAtMs ||
    (a.item.createdAt < b.item.createdAt ? -1 : a.item.createdAt > b.item.createdAt ? 1 : 0) ||
    (a.item.conversationId < b.item.conversationId ? -1 : a.item.conversationId > b.item.conversationId ? 1 : 0)
  );
}
