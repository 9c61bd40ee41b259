import type Database from 'better-sqlite3';
import { ErrorCode } from '@plaza/protocol';
import type { Attachment, Message } from '@plaza/protocol';
import { PlazaError } from '../errors.js';
import type { AppendResult, NewMessage } from './ChatStore.js';
import { newMessageId, nowIso } from './ids.js';
import { groupReactions, toAttachment, toMessage } from './rows.js';
import type { FileRow, MessageRow, ReactionRow } from './rows.js';
import { OutboxEventType } from './outbox.js';
import type { StoreLogger } from './StoreLogger.js';

/** Counters of the group commit, for tests and metrics. */
export interface AppendStats {
  /** Transactions committed by the appender (one per batch). */
  transactions: number;
  /** Messages stored (duplicates and failures not counted). */
  messages: number;
  /** Appends answered with an existing message (same clientId). */
  duplicates: number;
  /** Batches whose transaction failed (all their callers rejected). */
  failedTransactions: number;
  /** Most appends committed in one transaction. */
  largestBatch: number;
  /** Milliseconds spent inside batch transactions (including the commit's fsync). */
  writeMs: number;
}

/** Options of {@link MessageAppender}. */
export interface MessageAppenderOptions {
  /** Most appends in one transaction; the rest wait for the next one. */
  maxBatchSize: number;
  /** Logger for failed batches. */
  logger: StoreLogger | undefined;
  /** Called after a batch that stored new messages (and so their `message.created` outbox rows) committed. */
  onStored?: () => void;
}

/** Runs `fn` while holding the database connection exclusively (no other transaction open). */
export type ConnectionLock = <T>(fn: () => T) => Promise<T>;

interface PendingAppend {
  input: NewMessage;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; result: AppendResult } | { ok: false; error: PlazaError };

interface ConversationCounters {
  lastSeq: number;
  lastRev: number;
  touched: boolean;
}

/**
 * Group commit for `appendMessage`: appends that arrive in the same event-loop turn are collected
 * until `setImmediate` and written in one SQLite transaction through prepared better-sqlite3
 * statements (synchronous, so the transaction holds the connection for microseconds). Each caller
 * resolves only after that commit; when the transaction fails, every caller in it rejects.
 *
 * The SQL is plain and portable (no SQLite-only syntax); a PostgreSQL store would run the same
 * steps through Kysely in one transaction per batch.
 */
export class MessageAppender {
  readonly #sqlite: Database.Database;
  readonly #lock: ConnectionLock;
  readonly #options: MessageAppenderOptions;
  #pending: PendingAppend[] = [];
  #scheduled = false;
  #flushing = false;
  #idleWaiters: (() => void)[] = [];
  #statements: ReturnType<typeof prepare> | undefined;
  #runBatch: ((batch: PendingAppend[]) => Outcome[]) | undefined;
  readonly #stats: AppendStats = { transactions: 0, messages: 0, duplicates: 0, failedTransactions: 0, largestBatch: 0, writeMs: 0 };

  /**
   * @param sqlite - the open database (schema migrated before the first flush)
   * @param lock - takes the connection away from Kysely for the duration of one batch
   * @param ready - resolves once the schema exists
   * @param options - batching options
   */
  constructor(
    sqlite: Database.Database,
    lock: ConnectionLock,
    private readonly ready: () => Promise<void>,
    options: MessageAppenderOptions,
  ) {
    this.#sqlite = sqlite;
    this.#lock = lock;
    this.#options = options;
  }

  /** A copy of the counters. */
  get stats(): AppendStats {
    return { ...this.#stats };
  }

  /** Queues one append for the next batch; resolves after its commit. */
  append(input: NewMessage): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.#pending.push({ input, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once nothing is queued or being written. */
  drain(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #isIdle(): boolean {
    return this.#pending.length === 0 && !this.#scheduled && !this.#flushing;
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    const batch = this.#pending.splice(0, this.#options.maxBatchSize);
    try {
      await this.ready();
      const outcomes = await this.#lock(() => this.#run(batch));
      this.#stats.transactions += 1;
      const storedBefore = this.#stats.messages;
      this.#stats.largestBatch = Math.max(this.#stats.largestBatch, batch.length);
      batch.forEach((item, i) => {
        const outcome = outcomes[i];
        if (!outcome) {
          item.reject(new PlazaError(ErrorCode.INTERNAL, 'append produced no outcome'));
        } else if (outcome.ok) {
          if (outcome.result.duplicate) this.#stats.duplicates += 1;
          else this.#stats.messages += 1;
          item.resolve(outcome.result);
        } else {
          item.reject(outcome.error);
        }
      });
      if (this.#stats.messages > storedBefore) this.#options.onStored?.();
    } catch (error) {
      this.#stats.failedTransactions += 1;
      this.#options.logger?.error({ err: error, batchSize: batch.length }, 'message batch failed; no message of it was stored');
      for (const item of batch) item.reject(error);
    } finally {
      this.#flushing = false;
      if (this.#pending.length > 0) this.#schedule();
      else if (!this.#scheduled) {
        const waiters = this.#idleWaiters;
        this.#idleWaiters = [];
        for (const wake of waiters) wake();
      }
    }
  }

  #run(batch: PendingAppend[]): Outcome[] {
    if (this.#sqlite.inTransaction) throw new Error('message batch found a transaction already open');
    this.#runBatch ??= this.#sqlite.transaction((items: PendingAppend[]) => this.#write(items));
    const started = performance.now();
    try {
      return this.#runBatch(batch);
    } finally {
      this.#stats.writeMs += performance.now() - started;
    }
  }

  /** The body of one batch transaction. Throws only for database failures (the whole batch fails). */
  #write(items: PendingAppend[]): Outcome[] {
    const st = (this.#statements ??= prepare(this.#sqlite));
    const now = nowIso();
    const counters = new Map<string, ConversationCounters | null>();
    const byClientId = new Map<string, Message>();

    const outcomes = items.map(({ input }): Outcome => {
      let conv = counters.get(input.conversationId);
      if (conv === undefined) {
        const row = st.selectCounters.get(input.conversationId) as { last_seq: number; last_rev: number } | undefined;
        conv = row ? { lastSeq: Number(row.last_seq), lastRev: Number(row.last_rev), touched: false } : null;
        counters.set(input.conversationId, conv);
      }
      if (!conv) {
        return { ok: false, error: new PlazaError(ErrorCode.CONVERSATION_NOT_FOUND, `no conversation ${input.conversationId}`) };
      }

      const key = input.clientId === null ? null : `${input.conversationId}\u0000${input.senderId}\u0000${input.clientId}`;
      if (key !== null) {
        const inBatch = byClientId.get(key);
        if (inBatch) {
          if (inBatch.text !== input.text) return { ok: false, error: clientIdConflict(input.clientId) };
          return { ok: true, result: { message: inBatch, duplicate: true } };
        }
        const existing = st.selectByClientId.get(input.conversationId, input.senderId, input.clientId) as MessageRow | undefined;
        if (existing) {
          // A retry carries the same text. (An edited or deleted message no longer holds the text it
          // was sent with, so a retry of it is answered as a duplicate.)
          const unchanged = existing.edited_at === null && existing.deleted_at === null;
          if (unchanged && existing.text !== input.text) return { ok: false, error: clientIdConflict(input.clientId) };
          const reactions = st.selectReactions.all(input.conversationId, existing.id) as ReactionRow[];
          const attached = (st.selectAttachments.all(existing.id) as FileRow[]).map(toAttachment);
          const message = toMessage(existing, groupReactions(reactions).get(existing.id), attached);
          return { ok: true, result: { message, duplicate: true } };
        }
      }

      // Check the attachments before taking a seq, so a refused one leaves no gap.
      const attachments: Attachment[] = [];
      for (const fileId of input.attachments ?? []) {
        const file = st.selectFile.get(fileId) as FileRow | undefined;
        if (!file || file.conversation_id !== input.conversationId || file.uploader_id !== input.senderId) {
          return {
            ok: false,
            error: new PlazaError(ErrorCode.FILE_NOT_FOUND, `attachments: no file ${fileId} of yours in this conversation`),
          };
        }
        attachments.push(toAttachment(file));
      }

      conv.lastSeq += 1;
      conv.lastRev += 1;
      conv.touched = true;
      const message: Message = {
        id: newMessageId(),
        conversationId: input.conversationId,
        seq: conv.lastSeq,
        rev: conv.lastRev,
        clientId: input.clientId,
        senderId: input.senderId,
        kind: input.kind,
        text: input.text,
        replyTo: input.replyTo,
        mentions: [...input.mentions],
        reactions: [],
        createdAt: now,
        editedAt: null,
        deletedAt: null,
        attachments,
      };
      st.insertMessage.run(
        message.id,
        message.conversationId,
        message.seq,
        message.rev,
        message.clientId,
        message.senderId,
        message.kind,
        message.text,
        message.replyTo,
        JSON.stringify(message.mentions),
        now,
      );
      attachments.forEach((a, position) => st.insertAttachment.run(message.id, position, a.fileId));
      st.insertOutbox.run(OutboxEventType.messageCreated, JSON.stringify({ conversationId: message.conversationId, message }), now, message.id);
      if (key !== null) byClientId.set(key, message);
      return { ok: true, result: { message, duplicate: false } };
    });

    for (const [id, conv] of counters) {
      if (conv?.touched) st.updateCounters.run(conv.lastSeq, conv.lastRev, now, id);
    }
    return outcomes;
  }
}

/** The error of a clientId reused for a message with other text. */
function clientIdConflict(clientId: string | null): PlazaError {
  return new PlazaError(ErrorCode.CONFLICT, `clientId ${String(clientId)} was already used for another message`);
}

/** The prepared statements of the hot path (plain, portable SQL). */
function prepare(sqlite: Database.Database) {
  return {
    selectCounters: sqlite.prepare('SELECT last_seq, last_rev FROM conversations WHERE id = ?'),
    selectByClientId: sqlite.prepare('SELECT * FROM messages WHERE conversation_id = ? AND sender_id = ? AND client_id = ?'),
    selectReactions: sqlite.prepare(
      'SELECT message_id, emoji, user_id FROM reactions WHERE conversation_id = ? AND message_id = ? ORDER BY rev',
    ),
    insertMessage: sqlite.prepare(
      'INSERT INTO messages (id, conversation_id, seq, rev, client_id, sender_id, kind, text, reply_to, mentions, created_at) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    selectFile: sqlite.prepare('SELECT * FROM files WHERE id = ?'),
    selectAttachments: sqlite.prepare(
      'SELECT files.* FROM message_attachments JOIN files ON files.id = message_attachments.file_id ' +
        'WHERE message_attachments.message_id = ? ORDER BY message_attachments.position',
    ),
    insertAttachment: sqlite.prepare('INSERT INTO message_attachments (message_id, position, file_id) VALUES (?, ?, ?)'),
    insertOutbox: sqlite.prepare('INSERT INTO outbox (type, payload, created_at, message_id) VALUES (?, ?, ?, ?)'),
    updateCounters: sqlite.prepare('UPDATE conversations SET last_seq = ?, last_rev = ?, last_activity_at = ? WHERE id = ?'),
  };
}
