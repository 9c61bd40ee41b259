import type {
  ConversationRemovedReason,
  ConversationWithState,
  Member,
  MemberChange,
  Message,
  RequestName,
  RequestOf,
  ResponseOf,
} from '@plaza/protocol';
import { Conversation } from './Conversation.js';
import type { ConversationContext } from './Conversation.js';
import { InvalidStateError } from './errors.js';
import type { CallManager } from './calls/CallManager.js';
import type { FileManager } from './files/FileManager.js';
import type { ConversationManagerEvents } from './events.js';
import { SafeEmitter } from './internal/SafeEmitter.js';
import { assertId, assertObject, assertText, assertUserId, assertUserIds } from './internal/validate.js';
import type { Logger } from './logger.js';
import type { OutgoingMessage } from './Outbox.js';

/** Options of {@link ConversationManager.create}. */
export interface CreateConversationOptions {
  /** `group` (members talk) or `channel` (only owners and moderators post). */
  kind: 'group' | 'channel';
  /** Title, 1–200 characters. */
  title: string;
  /** Users to add besides the creator. */
  memberIds?: string[];
  /** Optional topic, 1–100 characters. */
  topic?: string;
  /** Optional reference to a record in another system (for example a CRM case id). */
  externalRef?: string;
}

/** What the manager needs from the client (injected). */
export interface ConversationManagerContext {
  /** Sends a request. */
  request<K extends RequestName>(name: K, payload: RequestOf<K>): Promise<ResponseOf<K>>;
  /** Queues a message in the outbox. */
  enqueue(message: OutgoingMessage): Promise<Message>;
  /** Uploads. */
  files: FileManager;
  /** Calls. */
  calls: CallManager;
  /** The connected user's id; throws `InvalidStateError` before the first connect. */
  selfId(): string;
  /** Whether the client has connected at least once. */
  hasSession(): boolean;
  /** Where to log. */
  logger(): Logger;
}

/** How many conversations are synced at the same time after a reconnect. */
const SYNC_CONCURRENCY = 4;

/**
 * The user's conversations (`plaza.conversations`): opening, creating and listing them, and the one
 * {@link Conversation} object per id that receives its events. Emits `added` when the client learns
 * of a conversation and `removed` when the user leaves or is removed.
 */
export class ConversationManager extends SafeEmitter<ConversationManagerEvents> {
  readonly #ctx: ConversationManagerContext;
  readonly #byId = new Map<string, Conversation>();
  /** When each conversation was last confirmed by the server (a counter, not a clock). */
  readonly #confirmedAt = new Map<string, number>();
  #tick = 0;
  readonly #learning = new Map<string, Promise<Conversation | null>>();
  readonly #convCtx: ConversationContext;

  /** @internal Created by {@link PlazaClient}. */
  constructor(ctx: ConversationManagerContext) {
    super('conversations', () => ctx.logger());
    this.#ctx = ctx;
    this.#convCtx = {
      request: (name, payload) => ctx.request(name, payload),
      enqueue: (m) => ctx.enqueue(m),
      files: ctx.files,
      calls: ctx.calls,
      selfId: () => ctx.selfId(),
      removed: (id, reason) => this._remove(id, reason),
      logger: () => ctx.logger(),
    };
  }

  /** The conversations the client knows now, without asking the server. */
  get all(): Conversation[] {
    return [...this.#byId.values()];
  }

  /** A known conversation by id, without asking the server. */
  find(conversationId: string): Conversation | undefined {
    return this.#byId.get(conversationId);
  }

  /** Opens the direct conversation with `userId`, creating it if needed. */
  openDirect(userId: string): Promise<Conversation> {
    assertUserId('userId', userId);
    this.#assertSession('openDirect');
    return this.#ctx.request('conversation:openDirect', { userId }).then((s) => this._ensure(s));
  }

  /** Creates a group or channel with the user as owner. */
  create(options: CreateConversationOptions): Promise<Conversation> {
    assertObject('options', options);
    const { kind, title, memberIds, topic, externalRef } = options;
    if (kind !== 'group' && kind !== 'channel') throw new TypeError("options.kind must be 'group' or 'channel'");
    assertText('options.title', title, { max: 200 });
    if (memberIds !== undefined && memberIds.length > 0) assertUserIds('options.memberIds', memberIds);
    else if (memberIds !== undefined && !Array.isArray(memberIds)) throw new TypeError('options.memberIds must be an array');
    if (topic !== undefined) assertText('options.topic', topic, { max: 100 });
    if (externalRef !== undefined) assertText('options.externalRef', externalRef, { max: 200 });
    this.#assertSession('create');
    return this.#ctx
      .request('conversation:create', {
        kind,
        title,
        ...(memberIds && memberIds.length > 0 ? { memberIds: [...memberIds] } : {}),
        ...(topic !== undefined ? { topic } : {}),
        ...(externalRef !== undefined ? { externalRef } : {}),
      })
      .then((s) => this._ensure(s));
  }

  /** Every conversation the user belongs to, most recently active first (asks the server). */
  list(): Promise<Conversation[]> {
    this.#assertSession('list');
    return this.#ctx.request('conversation:list', {}).then((l) => this._reconcile(l, false));
  }

  /** A conversation by id (asks the server, so state such as `unreadCount` is fresh). */
  get(conversationId: string): Promise<Conversation> {
    assertId('conversationId', conversationId);
    this.#assertSession('get');
    return this.#ctx.request('conversation:get', { conversationId }).then((s) => this._ensure(s));
  }

  /** Joins a channel that allows it, and returns it. */
  join(conversationId: string): Promise<Conversation> {
    assertId('conversationId', conversationId);
    this.#assertSession('join');
    return this.#ctx.request('conversation:join', { conversationId }).then((s) => this._ensure(s));
  }

  // ---- internal ----------------------------------------------------------------------------

  /** @internal Returns the one object for this conversation, creating it (and emitting `added`). */
  _ensure(state: ConversationWithState): Conversation {
    this.#confirmedAt.set(state.id, ++this.#tick);
    const known = this.#byId.get(state.id);
    if (known) {
      known._applyState(state);
      return known;
    }
    const conv = new Conversation(state, this.#convCtx);
    this.#byId.set(state.id, conv);
    this.emit('added', conv);
    return conv;
  }

  /**
   * @internal Applies a full list from the server: learns new conversations and forgets those the
   * user no longer belongs to (when `removeMissing`, as after a reconnect).
   */
  _reconcile(list: ConversationWithState[], removeMissing: boolean, since = this.#tick): Conversation[] {
    const result = list.map((state) => this._ensure(state));
    if (removeMissing) {
      const present = new Set(list.map((s) => s.id));
      for (const id of [...this.#byId.keys()]) {
        // Only those confirmed before the list was asked for: a conversation opened meanwhile stays.
        if (!present.has(id) && (this.#confirmedAt.get(id) ?? 0) <= since) this._remove(id, 'removed');
      }
    }
    return result;
  }

  /** @internal The current tick, taken before asking for a list. */
  _mark(): number {
    return this.#tick;
  }

  /** @internal Forgets a conversation and emits `removed` (once). */
  _remove(conversationId: string, reason: ConversationRemovedReason): void {
    const conv = this.#byId.get(conversationId);
    if (!conv) return;
    this.#byId.delete(conversationId);
    this.#confirmedAt.delete(conversationId);
    conv._onRemoved(reason);
    this.emit('removed', conversationId, reason);
  }

  /** @internal Syncs every conversation with changes the client has not seen. */
  async _syncAll(): Promise<void> {
    const queue = this.all.filter((c) => c._needsSync());
    const worker = async () => {
      for (let conv = queue.shift(); conv; conv = queue.shift()) {
        try {
          await conv._sync();
        } catch (error) {
          this.#ctx.logger().warn('sync failed', { conversationId: conv.id, error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SYNC_CONCURRENCY, queue.length) }, worker));
  }

  /**
   * @internal Runs `fn` with the conversation `conversationId`; one the client does not know yet is
   * fetched first (events for it wait meanwhile and are then applied in order).
   */
  _with(conversationId: string, fn: (conv: Conversation) => void): void {
    const known = this.#byId.get(conversationId);
    if (known) {
      fn(known);
      return;
    }
    let learning = this.#learning.get(conversationId);
    if (!learning) {
      learning = this.#ctx
        .request('conversation:get', { conversationId })
        .then((state) => this._ensure(state))
        .catch((error: unknown) => {
          this.#ctx.logger().info('an event for an unknown conversation was dropped', { conversationId, error });
          return null;
        })
        .finally(() => this.#learning.delete(conversationId));
      this.#learning.set(conversationId, learning);
    }
    void learning.then((conv) => conv && fn(conv));
  }

  /** @internal Routes a member change. */
  _onMember(event: { conversationId: string; member: Member; change: MemberChange }): void {
    this.#byId.get(event.conversationId)?._onMember(event.member, event.change);
  }

  #assertSession(what: string): void {
    if (!this.#ctx.hasSession()) throw new InvalidStateError(`conversations.${what}() needs a connection: call plaza.connect() first`);
  }
}
