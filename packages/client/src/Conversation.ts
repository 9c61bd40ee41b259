import type {
  ConversationKind,
  ConversationRemovedReason,
  Attachment,
  Conversation as ConversationData,
  FileInfo,
  ConversationWithState,
  HistoryPage,
  Member,
  MemberChange,
  MemberRole,
  Message,
  RequestName,
  RequestOf,
  ResponseOf,
} from '@plaza/protocol';
import type { Call, JoinCallOptions } from './calls/Call.js';
import type { CallManager } from './calls/CallManager.js';
import { InvalidStateError, PlazaError } from './errors.js';
import type { FileManager, FileVariant, SendFileOptions, UploadFileOptions } from './files/FileManager.js';
import type { UploadInput } from './files/input.js';
import type { UploadHandle } from './files/UploadHandle.js';
import type { ConversationEvents, PendingMessage } from './events.js';
import { newClientId } from './internal/clientId.js';
import { SafeEmitter } from './internal/SafeEmitter.js';
import type { TimelineOutput } from './internal/Timeline.js';
import { TimelineSync } from './internal/TimelineSync.js';
import {
  assertBoolean,
  assertEmoji,
  assertId,
  assertInt,
  assertObject,
  assertRole,
  assertText,
  assertUserId,
  assertUserIds,
} from './internal/validate.js';
import type { Logger } from './logger.js';
import type { OutgoingMessage } from './Outbox.js';

/** Options of {@link Conversation.send}. */
export interface SendOptions {
  /** Id of the message this one replies to. */
  replyTo?: string;
  /** User ids mentioned in the text. */
  mentions?: string[];
  /** Idempotency key; generated when left out. Sending the same one twice stores one message. */
  clientId?: string;
}

/** Query of {@link Conversation.history}. */
export interface HistoryQuery {
  /** The messages just before this `seq`. */
  beforeSeq?: number;
  /** The messages just after this `seq`. */
  afterSeq?: number;
  /** Page size, 1–200. @defaultValue the server's default (50) */
  limit?: number;
}

/** What a {@link Conversation} needs from the client (injected). */
export interface ConversationContext {
  /** Sends a request (rejects with `DISCONNECTED` while offline). */
  request<K extends RequestName>(name: K, payload: RequestOf<K>): Promise<ResponseOf<K>>;
  /** Queues a message in the outbox. */
  enqueue(message: OutgoingMessage): Promise<Message>;
  /** Uploads. */
  files: FileManager;
  /** Calls. */
  calls: CallManager;
  /** The connected user's id. */
  selfId(): string;
  /** Tells the manager this conversation is gone. */
  removed(conversationId: string, reason: ConversationRemovedReason): void;
  /** Where to log. */
  logger(): Logger;
}

/** How often `setTyping(true)` repeats itself to the server while typing goes on, in ms. */
const TYPING_REFRESH_MS = 3000;

/**
 * A conversation the user belongs to. Get one from `plaza.conversations`; there is exactly one
 * object per conversation id for the life of the client.
 *
 * Its `message` event fires exactly once per `seq`, in ascending order and without gaps, for every
 * message stored after the client learned of the conversation, the user's own included; use
 * {@link Conversation.history} for older ones.
 */
export class Conversation extends SafeEmitter<ConversationEvents> {
  /** Server-generated id, `c_…`. */
  readonly id: string;
  /** `direct`, `group` or `channel`. */
  readonly kind: ConversationKind;
  /** Who created it. */
  readonly createdBy: string;
  /** When it was created (ISO 8601, UTC). */
  readonly createdAt: string;
  #title: string | null;
  #topic: string | null;
  #externalRef: string | null;
  #memberCount: number;
  #role: MemberRole;
  #lastReadSeq: number;
  #unreadCount: number;
  #removed = false;
  readonly #sync: TimelineSync;
  readonly #ctx: ConversationContext;
  #typingSentAt = 0;
  #typing = false;

  /**
   * @internal Created by the conversation manager.
   * @param state - the conversation as the server reported it
   * @param ctx - what it needs from the client
   */
  constructor(state: ConversationWithState, ctx: ConversationContext) {
    super(`conversation ${state.id}`, () => ctx.logger());
    this.#ctx = ctx;
    this.id = state.id;
    this.kind = state.kind;
    this.createdBy = state.createdBy;
    this.createdAt = state.createdAt;
    this.#title = state.title;
    this.#topic = state.topic;
    this.#externalRef = state.externalRef;
    this.#memberCount = state.memberCount;
    this.#role = state.self.role;
    this.#lastReadSeq = state.self.lastReadSeq;
    this.#unreadCount = state.self.unreadCount;
    this.#sync = new TimelineSync(state.lastSeq, state.lastRev, {
      conversationId: state.id,
      request: (name, payload) => ctx.request(name, payload),
      deliver: (out) => this.#deliver(out),
      onReset: () => this.emit('reset'),
      isActive: () => !this.#removed,
      logger: () => ctx.logger(),
    });
  }

  /** Title of a group or channel; `null` for direct conversations. */
  get title(): string | null {
    return this.#title;
  }
  /** Optional topic. */
  get topic(): string | null {
    return this.#topic;
  }
  /** Optional reference to a record in another system. */
  get externalRef(): string | null {
    return this.#externalRef;
  }
  /** Number of members. */
  get memberCount(): number {
    return this.#memberCount;
  }
  /** The user's role here. */
  get role(): MemberRole {
    return this.#role;
  }
  /** Highest `seq` delivered by the `message` event (or the last one when the client learned of it). */
  get lastSeq(): number {
    return this.#sync.timeline.lastSeq;
  }
  /** The user's read position. */
  get lastReadSeq(): number {
    return this.#lastReadSeq;
  }
  /** Messages from others after the read position (kept up to date as messages arrive). */
  get unreadCount(): number {
    return this.#unreadCount;
  }
  /** Whether the user left or was removed; such a conversation receives nothing more. */
  get isRemoved(): boolean {
    return this.#removed;
  }

  /**
   * Sends a message. It is queued in the outbox first, so it also works while the connection is
   * down; the promise resolves with the stored message once the server acknowledged it (and its
   * `message` event has fired or will fire once earlier messages arrived).
   *
   * @throws TypeError when an argument is invalid
   * @throws InvalidStateError when the user left the conversation
   */
  send(text: string, options: SendOptions = {}): Promise<Message> {
    assertText('text', text);
    assertObject('options', options, true);
    const { replyTo, mentions, clientId } = options ?? {};
    if (replyTo !== undefined) assertId('options.replyTo', replyTo);
    if (mentions !== undefined) {
      if (!Array.isArray(mentions)) throw new TypeError('options.mentions must be an array of user ids');
      mentions.forEach((m, i) => assertUserId(`options.mentions[${i}]`, m));
      if (mentions.length > 100) throw new TypeError('options.mentions must have at most 100 entries');
    }
    if (clientId !== undefined) assertId('options.clientId', clientId);
    this.#assertActive('send');
    return this.#ctx.enqueue({
      conversationId: this.id,
      clientId: clientId ?? newClientId(),
      text,
      replyTo: replyTo ?? null,
      mentions: mentions ? [...mentions] : [],
    });
  }

  /**
   * Uploads a file and then sends a message with it attached. Returns at once; await the
   * handle's `done` for the stored message. The upload is resumable: it survives lost connections
   * and server restarts, and the message goes through the outbox like {@link Conversation.send}.
   * A file larger than the server's `maxFileBytes` fails with `PAYLOAD_TOO_LARGE` before any byte
   * is sent.
   *
   * @param input - a `File`/`Blob`, bytes (`Uint8Array`, `Buffer`, `ArrayBuffer`), a web
   *   `ReadableStream` or a Node.js `Readable` (pass `options.size` for streams)
   * @param options - name, text, progress callback, checksum; see {@link SendFileOptions}
   * @throws TypeError when an argument is invalid
   * @throws InvalidStateError before the first `connect()` or after the user left
   *
   * @example
   * ```ts
   * const upload = conv.sendFile(input.files[0], { text: 'Photo of the pothole', onProgress: (p) => show(p) });
   * const message = await upload.done; // message.attachments[0].fileId
   * ```
   */
  sendFile(input: UploadInput, options?: SendFileOptions): UploadHandle<Message> {
    this.#assertActive('send a file');
    return this.#ctx.files._sendFile(this.id, input, options);
  }

  /**
   * Uploads a file into this conversation without sending a message; the handle's `done`
   * resolves with the stored file's {@link FileInfo}. Attach it later by id, or share its URL.
   *
   * @throws TypeError when an argument is invalid
   * @throws InvalidStateError before the first `connect()` or after the user left
   */
  uploadFile(input: UploadInput, options?: UploadFileOptions): UploadHandle<FileInfo> {
    this.#assertActive('upload a file');
    return this.#ctx.files._uploadFile(this.id, input, options);
  }

  /**
   * A fresh signed download URL for an attachment of a message here (same as
   * `plaza.files.url(attachment.fileId, variant)`).
   */
  attachmentUrl(attachment: Attachment | string, variant: FileVariant = 'original'): Promise<string> {
    return this.#ctx.files.url(typeof attachment === 'string' ? attachment : attachment?.fileId, variant);
  }

  /** Replaces a message's text. Resolves with the changed message. */
  edit(messageId: string, text: string): Promise<Message> {
    assertId('messageId', messageId);
    assertText('text', text);
    return this.#change('message:edit', { conversationId: this.id, messageId, text });
  }

  /** Deletes a message; it stays as a tombstone without text. Resolves with the tombstone. */
  delete(messageId: string): Promise<Message> {
    assertId('messageId', messageId);
    return this.#change('message:delete', { conversationId: this.id, messageId });
  }

  /** Adds the user's reaction. Resolves with the changed message. */
  react(messageId: string, emoji: string): Promise<Message> {
    assertId('messageId', messageId);
    assertEmoji(emoji);
    return this.#change('message:react', { conversationId: this.id, messageId, emoji, add: true });
  }

  /** Removes the user's reaction. Resolves with the changed message. */
  unreact(messageId: string, emoji: string): Promise<Message> {
    assertId('messageId', messageId);
    assertEmoji(emoji);
    return this.#change('message:react', { conversationId: this.id, messageId, emoji, add: false });
  }

  /**
   * A page of stored messages in ascending `seq` order: the latest ones, or those just before
   * `beforeSeq` / just after `afterSeq`. Does not fire `message` events.
   */
  history(query: HistoryQuery = {}): Promise<HistoryPage> {
    assertObject('query', query, true);
    const { beforeSeq, afterSeq, limit } = query ?? {};
    if (beforeSeq !== undefined) assertInt('beforeSeq', beforeSeq);
    if (afterSeq !== undefined) assertInt('afterSeq', afterSeq);
    if (limit !== undefined) assertInt('limit', limit, 1, 200);
    return this.#ctx.request('message:history', {
      conversationId: this.id,
      ...(beforeSeq !== undefined ? { beforeSeq } : {}),
      ...(afterSeq !== undefined ? { afterSeq } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
  }

  /** Moves the user's read position forward to `seq` (default: the last delivered message). */
  markRead(seq?: number): Promise<void> {
    if (seq !== undefined) assertInt('seq', seq);
    return this.#ctx
      .request('read:mark', { conversationId: this.id, seq: seq ?? this.lastSeq })
      .then((state) => this.#setRead(state.lastReadSeq, state.unreadCount));
  }

  /**
   * Tells the others that the user is (or stopped) typing. Fire and forget: repeated `true` calls
   * are sent at most every few seconds; failures are logged.
   */
  setTyping(typing: boolean): void {
    assertBoolean('typing', typing);
    if (this.#removed) return;
    const now = Date.now();
    if (typing && this.#typing && now - this.#typingSentAt < TYPING_REFRESH_MS) return;
    if (!typing && !this.#typing) return;
    this.#typing = typing;
    this.#typingSentAt = now;
    this.#ctx.request('typing:set', { conversationId: this.id, typing }).catch((error: unknown) => {
      this.#ctx.logger().debug('typing:set failed', { conversationId: this.id, error });
    });
  }

  /** The members, owners first. */
  members(): Promise<Member[]> {
    return this.#ctx.request('conversation:members', { conversationId: this.id });
  }

  /** Adds members (owners and moderators only). Resolves with those newly added. */
  addMembers(userIds: string[], role?: MemberRole): Promise<Member[]> {
    assertUserIds('userIds', userIds);
    if (role !== undefined) assertRole('role', role);
    return this.#ctx.request('conversation:addMembers', { conversationId: this.id, userIds: [...userIds], ...(role ? { role } : {}) });
  }

  /** Removes a member (owners and moderators only). */
  removeMember(userId: string): Promise<void> {
    assertUserId('userId', userId);
    return this.#ctx.request('conversation:removeMember', { conversationId: this.id, userId }).then(() => undefined);
  }

  /** Changes a member's role. Resolves with the changed member. */
  setRole(userId: string, role: MemberRole): Promise<Member> {
    assertUserId('userId', userId);
    assertRole('role', role);
    return this.#ctx.request('conversation:setRole', { conversationId: this.id, userId, role });
  }

  /** Leaves the conversation; this object then receives nothing more. */
  leave(): Promise<void> {
    return this.#ctx.request('conversation:leave', { conversationId: this.id }).then(() => this.#ctx.removed(this.id, 'left'));
  }

  /** Changes title and/or topic (`topic: null` clears it). */
  update(patch: { title?: string; topic?: string | null }): Promise<this> {
    assertObject('patch', patch);
    const { title, topic } = patch;
    if (title !== undefined) assertText('title', title, { max: 200 });
    if (topic !== undefined && topic !== null) assertText('topic', topic, { max: 100 });
    if (title === undefined && topic === undefined) throw new TypeError('patch must change title or topic');
    return this.#ctx
      .request('conversation:update', {
        conversationId: this.id,
        ...(title !== undefined ? { title } : {}),
        ...(topic !== undefined ? { topic } : {}),
      })
      .then((data) => {
        this._applyData(data);
        return this;
      });
  }

  // ---- internal: fed by the manager --------------------------------------------------------

  /** @internal Applies fresh metadata and state from the server; emits `updated` when it changed. */
  _applyState(state: ConversationWithState): void {
    const roleChanged = state.self.role !== this.#role;
    const readChanged = state.self.lastReadSeq !== this.#lastReadSeq || state.self.unreadCount !== this.#unreadCount;
    this.#role = state.self.role;
    this.#lastReadSeq = state.self.lastReadSeq;
    this.#unreadCount = state.self.unreadCount;
    const dataChanged = this.#setData(state);
    if (!this.#removed && this.#sync.noteServerState(state.lastSeq, state.lastRev)) {
      this.#sync.sync().catch((error: unknown) => this.#ctx.logger().info('sync failed; it runs again after reconnect', { conversationId: this.id, error }));
    }
    if (dataChanged || roleChanged || readChanged) this.emit('updated', this);
  }

  /** @internal Applies title, topic and member count; emits `updated` when something changed. */
  _applyData(data: ConversationData): void {
    if (this.#setData(data)) this.emit('updated', this);
  }

  #setData(data: ConversationData): boolean {
    const changed = data.title !== this.#title || data.topic !== this.#topic || data.memberCount !== this.#memberCount;
    this.#title = data.title;
    this.#topic = data.topic;
    this.#externalRef = data.externalRef;
    this.#memberCount = data.memberCount;
    this.#sync.noteServerRev(data.lastRev);
    return changed;
  }

  /** @internal Whether the server has changes this client has not seen. */
  _needsSync(): boolean {
    return this.#sync.needsSync();
  }

  /** @internal A new or changed message, live or from an ack. */
  _onMessages(messages: readonly Message[]): void {
    if (this.#removed) return;
    this.#sync.apply(messages);
  }

  /** @internal Typing of another member. */
  _onTyping(userId: string, typing: boolean): void {
    if (userId === this.#ctx.selfId() || this.#removed) return;
    this.emit('typing', userId, typing);
  }

  /** @internal A member's read position moved. */
  _onRead(userId: string, lastReadSeq: number): void {
    if (this.#removed) return;
    if (userId === this.#ctx.selfId() && lastReadSeq > this.#lastReadSeq) {
      // Read on another device: everything up to lastReadSeq is read now.
      const unread = lastReadSeq >= this.lastSeq ? 0 : this.#unreadCount;
      this.#setRead(lastReadSeq, unread);
    }
    this.emit('read', userId, lastReadSeq);
  }

  /** @internal A member was added, removed or changed role. */
  _onMember(member: Member, change: MemberChange): void {
    if (this.#removed) return;
    if (member.userId === this.#ctx.selfId() && change === 'role' && member.role !== this.#role) {
      this.#role = member.role;
      this.emit('updated', this);
    }
    if (change === 'added') this.emit('memberAdded', member);
    else if (change === 'removed') this.emit('memberRemoved', member);
    else this.emit('memberUpdated', member);
  }

  /** @internal A message queued for this conversation failed for good. */
  _onSendFailed(pending: PendingMessage, error: PlazaError): void {
    this.emit('sendFailed', pending, error);
  }

  /**
   * Joins the conversation's live call, starting one when there is none, and resolves once the
   * media path is ready. A second join of the same conversation from this client, while the first is
   * in the call, fails with `CONFLICT`. The join's own events (`participantJoined` for those already
   * there, their `trackPublished` and `trackSubscribed`) are delivered after it resolved, so
   * listeners added right after the `await` get each once. `options.participantId` takes over the
   * user's participant from another device.
   *
   * @example
   * ```ts
   * const call = await conv.joinCall();
   * call.on('trackSubscribed', (track) => track.attach(videoEl));
   * await call.publishMicrophone();
   * ```
   */
  joinCall(options?: JoinCallOptions): Promise<Call> {
    this.#assertActive('join the call');
    return this.#ctx.calls._join(this.id, options);
  }

  /** @internal The user left or was removed. */
  _onRemoved(reason: ConversationRemovedReason): void {
    if (this.#removed) return;
    this.#removed = true;
    this.#sync.dispose();
    this.emit('removed', reason);
  }

  /**
   * @internal Fetches every change since the last known revision and delivers it: missing messages
   * as `message` in `seq` order, changed older ones as `messageUpdated`. Concurrent calls share
   * one run (plus one more if asked during it).
   */
  _sync(): Promise<void> {
    return this.#sync.sync();
  }

  #deliver(out: TimelineOutput): void {
    const self = this.#ctx.selfId();
    for (const m of out.messages) {
      if (m.senderId !== self && m.deletedAt === null && m.seq > this.#lastReadSeq) this.#unreadCount += 1;
      this.emit('message', m);
    }
    for (const m of out.updated) this.emit('messageUpdated', m);
  }

  #setRead(lastReadSeq: number, unreadCount: number): void {
    if (lastReadSeq === this.#lastReadSeq && unreadCount === this.#unreadCount) return;
    this.#lastReadSeq = Math.max(this.#lastReadSeq, lastReadSeq);
    this.#unreadCount = unreadCount;
    this.emit('updated', this);
  }

  async #change<K extends 'message:edit' | 'message:delete' | 'message:react'>(name: K, payload: RequestOf<K>): Promise<Message> {
    const message = (await this.#ctx.request(name, payload)) as Message;
    this._onMessages([message]);
    return message;
  }

  #assertActive(what: string): void {
    if (this.#removed) throw new InvalidStateError(`cannot ${what}: the user is no longer a member of ${this.id}`);
  }
}
