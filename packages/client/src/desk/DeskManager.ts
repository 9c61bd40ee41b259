import type { CitizenRequest, Department, QueueItem, RequestChange, RequestName, RequestOf, ResponseOf } from '@plaza/protocol';
import { InvalidStateError } from '../errors.js';
import { assertId } from '../internal/validate.js';
import type { Logger } from '../logger.js';
import { LiveQueue, QUEUE_VIEWS } from './LiveQueue.js';
import type { QueueView } from './LiveQueue.js';
import { assertNote, assertOneOf, assertSlug } from './validate.js';

/** What the desk manager needs from the client (injected). @internal */
export interface DeskManagerContext {
  /** Sends a request. */
  request<K extends RequestName>(name: K, payload: RequestOf<K>): Promise<ResponseOf<K>>;
  /** The connected user's id; throws `InvalidStateError` before the first connect. */
  selfId(): string;
  /** Whether the client has connected at least once. */
  hasSession(): boolean;
  /** Where to log. */
  logger(): Logger;
}

/** Longest transfer or hold note, resolution or reopen reason (characters). */
const MAX_NOTE = 2000;

/**
 * The agent's side of the citizen desk (`plaza.desk`): the departments the user is an agent of,
 * their queues (as a list, or live with {@link DeskManager.watchQueue}), and what an agent does
 * with a request — claim, transfer, hold, resume, resolve, reopen. Every change reaches the
 * citizen, the assignee and the department's agents as `requestUpdated` on `plaza.requests`.
 *
 * Errors are {@link PlazaError}s: `PERMISSION_DENIED` when the user is not an agent of the
 * department, `FORBIDDEN_ROLE` when only the assignee may do it, `CONFLICT` when the request is not
 * in a state that allows it (for example already claimed by someone else), `REQUEST_NOT_FOUND`,
 * `DEPARTMENT_NOT_FOUND`.
 *
 * @example
 * ```ts
 * const [dept] = await plaza.desk.myDepartments();
 * const queue = await plaza.desk.watchQueue(dept.id);
 * queue.on('changed', (items) => render(items));
 * const request = await plaza.desk.claim(queue.items[0].conversationId);
 * const conversation = await plaza.conversations.get(request.conversationId);
 * await conversation.send('Hello, I am looking into it.');
 * await plaza.desk.resolve(request.conversationId, 'The lamp was replaced this morning.');
 * ```
 */
export class DeskManager {
  readonly #ctx: DeskManagerContext;
  readonly #queues = new Set<LiveQueue>();

  /** @internal Created by {@link PlazaClient}. */
  constructor(ctx: DeskManagerContext) {
    this.#ctx = ctx;
  }

  /** The departments the user is an agent of (none for a citizen). */
  myDepartments(): Promise<Department[]> {
    this.#assertSession('myDepartments');
    return this.#ctx.request('desk:myDepartments', {});
  }

  /**
   * A department's queue now, oldest first, each with `waitingMs` as the server answered.
   *
   * @param departmentId - one of the user's departments
   * @param view - `waiting` (queued, the default), `mine` (claimed or on hold by the user), `all` open ones
   * @throws TypeError when an argument is invalid
   */
  queue(departmentId: string, view?: QueueView): Promise<QueueItem[]> {
    assertSlug('departmentId', departmentId);
    assertOneOf('view', view, QUEUE_VIEWS);
    this.#assertSession('queue');
    return this.#ctx.request('queue:list', { departmentId, ...(view !== undefined ? { view } : {}) });
  }

  /**
   * Follows a department's queue live: resolves once the queue is loaded, then keeps
   * {@link LiveQueue.items} up to date and emits `changed`. Close it with `queue.close()`.
   *
   * @param departmentId - one of the user's departments
   * @param view - `waiting` (the default), `mine` or `all`; see {@link QueueView}
   * @throws TypeError when an argument is invalid
   */
  watchQueue(departmentId: string, view: QueueView = 'waiting'): Promise<LiveQueue> {
    assertSlug('departmentId', departmentId);
    assertOneOf('view', view, QUEUE_VIEWS);
    this.#assertSession('watchQueue');
    const queue = new LiveQueue(departmentId, view, {
      list: () => this.#ctx.request('queue:list', { departmentId, view }),
      selfId: () => this.#ctx.selfId(),
      now: () => Date.now(),
      logger: () => this.#ctx.logger(),
      closed: (q) => this.#queues.delete(q),
    });
    // Listening before the first load, so that nothing said meanwhile is lost (it is applied on top).
    this.#queues.add(queue);
    return queue.refresh().then(
      () => queue,
      (error: unknown) => {
        queue.close();
        throw error;
      },
    );
  }

  /**
   * Takes a queued request: the user becomes its assignee and a member of its conversation
   * (`plaza.conversations` learns of it). The first claim wins; later ones fail with `CONFLICT`.
   *
   * @param conversationId - the request's conversation
   * @throws TypeError when `conversationId` is invalid
   */
  claim(conversationId: string): Promise<CitizenRequest> {
    assertId('conversationId', conversationId);
    this.#assertSession('claim');
    return this.#ctx.request('request:claim', { conversationId });
  }

  /**
   * Moves a request to another department's queue. The note travels with it for the agents there
   * (`transferNote`); the citizen is only told that it moved. The user stops being its assignee.
   *
   * @param conversationId - the request's conversation
   * @param departmentId - the department to pass it to
   * @param note - why, for the next agent (1–2000 characters)
   * @throws TypeError when an argument is invalid
   */
  transfer(conversationId: string, departmentId: string, note: string): Promise<CitizenRequest> {
    assertId('conversationId', conversationId);
    assertSlug('departmentId', departmentId);
    assertNote('note', note, MAX_NOTE);
    this.#assertSession('transfer');
    return this.#ctx.request('request:transfer', { conversationId, departmentId, note });
  }

  /**
   * Puts a claimed request on hold (waiting on something outside the conversation). Assignee only.
   *
   * @param conversationId - the request's conversation
   * @param note - posted in the conversation for the citizen (1–2000 characters)
   * @throws TypeError when an argument is invalid
   */
  hold(conversationId: string, note?: string): Promise<CitizenRequest> {
    assertId('conversationId', conversationId);
    if (note !== undefined) assertNote('note', note, MAX_NOTE);
    this.#assertSession('hold');
    return this.#ctx.request('request:hold', { conversationId, ...(note !== undefined ? { note } : {}) });
  }

  /**
   * Takes a request back from hold. Assignee only.
   *
   * @param conversationId - the request's conversation
   * @throws TypeError when `conversationId` is invalid
   */
  resume(conversationId: string): Promise<CitizenRequest> {
    assertId('conversationId', conversationId);
    this.#assertSession('resume');
    return this.#ctx.request('request:resume', { conversationId });
  }

  /**
   * Resolves a request; the citizen is told in the conversation and by `requestUpdated`. Assignee only.
   *
   * @param conversationId - the request's conversation
   * @param resolution - what was done, posted for the citizen (1–2000 characters)
   * @throws TypeError when an argument is invalid
   */
  resolve(conversationId: string, resolution?: string): Promise<CitizenRequest> {
    assertId('conversationId', conversationId);
    if (resolution !== undefined) assertNote('resolution', resolution, MAX_NOTE);
    this.#assertSession('resolve');
    return this.#ctx.request('request:resolve', { conversationId, ...(resolution !== undefined ? { resolution } : {}) });
  }

  /**
   * Reopens a resolved request: it goes back to its department's queue. Its citizen or an agent
   * of its department may (citizens can also use `plaza.requests.reopen`).
   *
   * @param conversationId - the request's conversation
   * @param reason - why (1–2000 characters)
   * @throws TypeError when an argument is invalid
   */
  reopen(conversationId: string, reason?: string): Promise<CitizenRequest> {
    assertId('conversationId', conversationId);
    if (reason !== undefined) assertNote('reason', reason, MAX_NOTE);
    this.#assertSession('reopen');
    return this.#ctx.request('request:reopen', { conversationId, ...(reason !== undefined ? { reason } : {}) });
  }

  /** @internal Routes a `request:updated` event to the live queues. */
  _onRequestUpdated(change: RequestChange): void {
    for (const queue of [...this.#queues]) queue._onRequestUpdated(change);
  }

  /** @internal The client (re)connected: live queues fetch what they missed. */
  _onConnected(): void {
    for (const queue of [...this.#queues]) queue._onConnected();
  }

  #assertSession(what: string): void {
    if (!this.#ctx.hasSession()) throw new InvalidStateError(`desk.${what}() needs a connection: call plaza.connect() first`);
  }
}
