import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode } from '@plaza/protocol';
import type {
  Conversation,
  ConversationWithState,
  HistoryPage,
  Member,
  MemberRole,
  Message,
  ReadState,
  SyncPage,
  User,
} from '@plaza/protocol';
import { Kysely, Migrator, sql } from 'kysely';
import { PlazaError } from '../errors.js';
import * as admin from './adminQueries.js';
import { KyselyAlertRecords } from './alertQueries.js';
import type { AlertRecords } from './AlertRecords.js';
import type { AppendResult, AuditEntry, AuditQuery, AuditRecord, ChatStore, ConversationQuery, Membership, NewConversation, NewMessage } from './ChatStore.js';
import * as conversations from './conversationQueries.js';
import * as files from './fileQueries.js';
import type { DeletedMessage, NewFileRecord, StoredFile } from './FileRecords.js';
import { nowIso } from './ids.js';
import { MessageAppender } from './MessageAppender.js';
import { deleteExpired, writeOutboxEvents } from './outbox.js';
import { OutboxSignal, OutboxSignallingSqliteDialect } from './outboxSignal.js';
import { withStatementCache } from './statementCache.js';
import { WalSync } from './WalSync.js';
import type { NewOutboxEvent } from './outbox.js';
import { KyselyWebhookRecords } from './webhookQueries.js';
import { KyselyRequestRecords } from './requestQueries.js';
import type { RequestRecords } from './RequestRecords.js';
import type { WebhookRecords } from './WebhookRecords.js';
import { KyselyDirectoryRecords } from './directoryQueries.js';
import type { DirectoryRecords } from './DirectoryRecords.js';
import type { AppendStats } from './MessageAppender.js';
import * as messages from './messageQueries.js';
import { chatMigrationProvider } from './migrations.js';
import { PreparedReads } from './PreparedReads.js';
import * as retention from './retentionQueries.js';
import type { RetentionBatch } from './retentionQueries.js';
import * as userData from './userData.js';
import type { ErasureOutcome, UserExportData } from './userData.js';
import { parseJson, toJson } from './rows.js';
import type { ChatDatabase } from './schema.js';
import type { StoreLogger } from './StoreLogger.js';

/** Options of {@link createSqliteChatStore}. */
export interface SqliteChatStoreOptions {
  /** Path of the SQLite file (created if missing; its directory must exist). */
  filename: string;
  /**
   * `PRAGMA synchronous`: `full` syncs the WAL on every commit (an acknowledged message survives a
   * power cut); `normal` syncs at checkpoints only (it survives a crash of the process, not of the
   * machine).
   * @default 'full'
   */
  synchronous?: 'full' | 'normal';
  /**
   * How long a statement waits for a lock held by another connection, in milliseconds.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * Most appended messages committed in one transaction (group commit). `1` disables batching.
   * @default 500
   */
  maxBatchSize?: number;
  /**
   * SQLite page cache, in KiB.
   * @default 65536
   */
  cacheSizeKiB?: number;
  /** A pino-compatible logger (a child with `component: 'storage'` is used when it has `child`). */
  logger?: StoreLogger;
}

/** Defaults of {@link SqliteChatStoreOptions}. */
export const sqliteChatStoreDefaults = {
  synchronous: 'full',
  busyTimeoutMs: 5000,
  maxBatchSize: 500,
  cacheSizeKiB: 65536,
} as const satisfies Partial<SqliteChatStoreOptions>;

/**
 * Opens (creating if needed) a SQLite chat database and starts migrating it. Every method waits
 * for the migrations; `await store.migrate()` to learn at once whether they succeeded.
 *
 * @param options - file, durability and logging
 */
export function createSqliteChatStore(options: SqliteChatStoreOptions): SqliteChatStore {
  return new SqliteChatStore(options);
}

/**
 * The {@link ChatStore} on SQLite: better-sqlite3 in WAL mode under Kysely. Appends use group
 * commit (see `MessageAppender`); everything else is one Kysely transaction per call.
 * Kysely's SQLite driver serialises all use of the single connection, and a batch of appends takes
 * that same connection, so a batch never lands inside another method's open transaction.
 */
export class SqliteChatStore implements ChatStore {
  readonly #sqlite: Database.Database;
  readonly #db: Kysely<ChatDatabase>;
  /** Alert channels, alerts and acknowledgements. */
  readonly alerts: AlertRecords;
  readonly #appender: MessageAppender;
  /** Webhook endpoints, deliveries and events. */
  readonly webhooks: WebhookRecords;
  /** The citizen desk's requests. */
  readonly requests: RequestRecords;
  /** The citizen desk's departments, agents and topics. */
  readonly directory: DirectoryRecords;
  readonly #logger: StoreLogger | undefined;
  readonly #ready: Promise<void>;
  /** Raised after commits that wrote outbox rows (wakes the webhook dispatcher). */
  readonly #outboxSignal = new OutboxSignal();
  #reads: PreparedReads | undefined;
  /** The upload path's file insert as prepared statements (made at its first use, once migrated). */
  #fileWrites: files.FileWrites | undefined;
  /** Syncs the write-ahead log after commits made without their own sync (`null`: commits sync themselves). */
  readonly #walSync: WalSync | null;
  #closed = false;
  #closing: Promise<void> | undefined;

  /** @param options - see {@link SqliteChatStoreOptions} */
  constructor(options: SqliteChatStoreOptions) {
    const opts = { ...sqliteChatStoreDefaults, ...options };
    if (typeof opts.filename !== 'string' || opts.filename.length === 0) throw new TypeError('filename must be a non-empty string');
    if (opts.synchronous !== 'full' && opts.synchronous !== 'normal') throw new TypeError("synchronous must be 'full' or 'normal'");
    if (!Number.isInteger(opts.maxBatchSize) || opts.maxBatchSize < 1) throw new TypeError('maxBatchSize must be a positive integer');
    const parent = options.logger as (StoreLogger & { child?: (b: object) => StoreLogger }) | undefined;
    this.#logger = parent?.child ? parent.child({ component: 'storage' }) : parent;

    this.#sqlite = new Database(opts.filename);
    this.#sqlite.pragma('journal_mode = WAL');
    this.#sqlite.pragma('foreign_keys = ON');
    // Deleted content is overwritten with zeros, not left in free space where a copy of the file
    // (a backup, a disk image) would still hold it: an erasure must remove the bytes, not only rows.
    this.#sqlite.pragma('secure_delete = ON');
    this.#sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs))}`);
    this.#sqlite.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // Page cache per connection (negative = KiB): keeps the message indexes hot under ingest.
    this.#sqlite.pragma(`cache_size = -${Math.max(2048, Math.floor(opts.cacheSizeKiB))}`);
    this.#logger?.debug({ filename: opts.filename, synchronous: opts.synchronous }, 'sqlite opened');
    // Durable commits sync the log beside the event loop instead of inside better-sqlite3's call.
    const walMode = this.#sqlite.pragma('journal_mode', { simple: true }) === 'wal';
    this.#walSync = opts.synchronous === 'full' && walMode && !this.#sqlite.memory ? new WalSync(`${resolve(opts.filename)}-wal`) : null;
    this.#db = new Kysely<ChatDatabase>({
      dialect: new OutboxSignallingSqliteDialect({ database: withStatementCache(this.#sqlite) }, this.#sqlite, this.#outboxSignal),
    });
    this.alerts = new KyselyAlertRecords(() => this.#open());
    this.#appender = new MessageAppender(
      this.#sqlite,
      (fn) => this.#db.connection().execute(async () => fn()),
      () => this.#ready,
      { maxBatchSize: opts.maxBatchSize, logger: this.#logger, onStored: () => this.#outboxSignal.notify() },
    );
    this.#ready = this.#runMigrations();
    this.#ready.catch(() => undefined);
    this.webhooks = new KyselyWebhookRecords(() => this.#open(), this.#outboxSignal);
    this.requests = new KyselyRequestRecords(() => this.#open());
    this.directory = new KyselyDirectoryRecords(() => this.#open());
  }

  /** Counters of the group commit (transactions, messages, duplicates, largest batch). */
  get appendStats(): AppendStats {
    return this.#appender.stats;
  }

  /**
   * The Kysely instance (for tests and maintenance; the store's methods are the supported API).
   * @internal
   */
  get kysely(): Kysely<ChatDatabase> {
    return this.#db;
  }

  async #runMigrations(): Promise<void> {
    const migrator = new Migrator({ db: this.#db, provider: chatMigrationProvider('sqlite') });
    const { error, results } = await migrator.migrateToLatest();
    for (const r of results ?? []) this.#logger?.debug({ migration: r.migrationName, status: r.status }, 'migration');
    if (error) {
      this.#logger?.error({ err: error }, 'migration failed');
      throw error instanceof Error ? error : new Error(String(error));
    }
  }

  /** The database once migrated; `UNAVAILABLE` after `close()`. */
  async #open(): Promise<Kysely<ChatDatabase>> {
    if (this.#closed) throw new PlazaError(ErrorCode.UNAVAILABLE, 'the store is closed');
    await this.#ready;
    return this.#db;
  }

  /** The hot-path reads as prepared statements, once migrated; `UNAVAILABLE` after `close()`. */
  async #prepared(): Promise<PreparedReads> {
    await this.#open();
    return (this.#reads ??= new PreparedReads(this.#sqlite, (fn) => this.#db.connection().execute(async () => fn())));
  }

  /**
   * Runs `fn` in a transaction and resolves once its commit is durable: committed without a sync of
   * its own, then the log synced off the event loop ({@link WalSync}), shared with the commits
   * that happened meanwhile.
   */
  #tx<T>(fn: (trx: Kysely<ChatDatabase>, now: string) => Promise<T>): Promise<T> {
    return this.#commit((conn) => conn.transaction().execute((trx) => fn(trx, nowIso())));
  }

  /**
   * As {@link #tx} for a synchronous write made of prepared better-sqlite3 statements (`write`
   * opens and commits its own transaction). With `durable` false the log sync is not waited for,
   * and a crash may take the write back.
   */
  #preparedTx<T>(write: (now: string) => T, durable = true): Promise<T> {
    return this.#commit(() => write(nowIso()), durable);
  }

  /**
   * Runs `write` holding the connection, its commit made without a sync of its own (the level is
   * switched on the connection directly, as `unsyncedTransaction` does, three Kysely statements
   * less per write), then, when `durable`, waits for the log sync off the event loop. Without a
   * {@link WalSync} (a lower configured level), commits are as that level makes them.
   */
  async #commit<T>(write: (conn: Kysely<ChatDatabase>) => Promise<T> | T, durable = true): Promise<T> {
    const db = await this.#open();
    const result = await db.connection().execute(async (conn) => {
      if (!this.#walSync) return write(conn);
      // Not a prepared statement: `PRAGMA synchronous` takes effect when it is prepared, not when
      // a prepared one runs again, so it is issued anew each time.
      this.#sqlite.pragma('synchronous = NORMAL');
      try {
        return await write(conn);
      } finally {
        this.#sqlite.pragma('synchronous = FULL');
      }
    });
    if (durable) await this.#walSync?.sync();
    return result;
  }

  /** The upload path's file writes, prepared at their first use (once the schema exists). */
  async #fileWritesReady(): Promise<files.FileWrites> {
    await this.#open();
    return (this.#fileWrites ??= files.prepareFileWrites(this.#sqlite));
  }

  migrate(): Promise<void> {
    return this.#ready;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      await this.#ready.catch(() => undefined);
      await this.#appender.drain();
      // Wait for whatever holds the connection now, then close it.
      await this.#db.connection().execute(async () => undefined);
      await this.#db.destroy();
      await this.#walSync?.close();
      this.#logger?.debug({}, 'closed');
    })();
    return this.#closing;
  }

  async ping(): Promise<boolean> {
    try {
      const db = await this.#open();
      await sql`select 1`.execute(db);
      return true;
    } catch {
      return false;
    }
  }

  async upsertUser(user: User): Promise<void> {
    const metadata = toJson(user.metadata);
    // Most connections are of known users with the same name and metadata: a prepared read, no commit.
    const stored = await (await this.#prepared()).user(user.id);
    if (stored && stored.name === user.name && stored.metadata === metadata) return;
    const db = await this.#open();
    const now = nowIso();
    await db
      .insertInto('users')
      .values({ id: user.id, name: user.name, metadata, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ name: user.name, metadata, updated_at: now }))
      .execute();
  }

  async getUsers(ids: readonly string[]): Promise<User[]> {
    const db = await this.#open();
    const users: User[] = [];
    for (const part of conversations.chunks([...new Set(ids)])) {
      const rows = await db.selectFrom('users').select(['id', 'name', 'metadata']).where('id', 'in', part).execute();
      users.push(...rows.map((r) => ({ id: r.id, name: r.name, metadata: parseJson<Record<string, unknown>>(r.metadata) })));
    }
    return users;
  }

  createConversation(input: NewConversation): Promise<Conversation> {
    return this.#tx((trx, now) => conversations.insertConversation(trx, input, now));
  }

  async openDirect(userA: string, userB: string): Promise<{ conversation: Conversation; created: boolean }> {
    if (userA === userB) throw new PlazaError(ErrorCode.INVALID_REQUEST, 'a direct conversation needs two different users');
    // Losing the claim on the pair (another writer, on PostgreSQL) rolls back; the retry reads the
    // winner's conversation.
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.#tx((trx, now) => conversations.openDirectOnce(trx, userA, userB, now));
      } catch (error) {
        if (!(error instanceof conversations.LostPairRace) || attempt >= 3) throw error;
      }
    }
  }

  async getConversation(conversationId: string): Promise<Conversation | null> {
    return (await this.#prepared()).conversation(conversationId);
  }

  async getConversationForMember(conversationId: string, userId: string): Promise<{ conversation: Conversation; membership: Membership | null } | null> {
    return (await this.#prepared()).conversationForMember(conversationId, userId);
  }

  async getConversationWithState(conversationId: string, userId: string): Promise<ConversationWithState | null> {
    const db = await this.#open();
    const row = await conversations.selectWithState(db, userId).where('conversations.id', '=', conversationId).executeTakeFirst();
    return row ? conversations.toConversationWithState(row) : null;
  }

  async listConversations(userId: string): Promise<ConversationWithState[]> {
    const db = await this.#open();
    const rows = await conversations
      .selectWithState(db, userId)
      .orderBy('conversations.last_activity_at', 'desc')
      .orderBy('conversations.id')
      .execute();
    return rows.map((r) => conversations.toConversationWithState(r));
  }

  updateConversation(conversationId: string, patch: { title?: string; topic?: string | null; externalRef?: string | null }): Promise<Conversation> {
    return this.#tx((trx, now) => conversations.updateConversation(trx, conversationId, patch, now));
  }

  async listConversationsPage(query: ConversationQuery): Promise<{ items: Conversation[]; nextCursor: string | null }> {
    return admin.listConversationsPage(await this.#open(), query);
  }

  async getMembership(conversationId: string, userId: string): Promise<Membership | null> {
    return (await this.#prepared()).membership(conversationId, userId);
  }

  async listMembers(conversationId: string): Promise<Member[]> {
    return conversations.listMembers(await this.#open(), conversationId);
  }

  async listMemberIds(conversationId: string): Promise<string[]> {
    const db = await this.#open();
    const rows = await db.selectFrom('members').select('user_id').where('conversation_id', '=', conversationId).execute();
    return rows.map((r) => r.user_id);
  }

  addMembers(conversationId: string, members: { userId: string; role: MemberRole }[]): Promise<Member[]> {
    return this.#tx((trx, now) => conversations.addMembers(trx, conversationId, members, now));
  }

  removeMember(conversationId: string, userId: string): Promise<Member | null> {
    return this.#tx((trx, now) => conversations.removeMember(trx, conversationId, userId, now));
  }

  setRole(conversationId: string, userId: string, role: MemberRole): Promise<Member> {
    return this.#tx((trx, now) => conversations.setRole(trx, conversationId, userId, role, now));
  }

  async conversationIdsOf(userId: string, options: { belowMemberCount?: number } = {}): Promise<string[]> {
    return (await this.#prepared()).conversationIdsOf(userId, options.belowMemberCount);
  }

  async contactsOf(userId: string): Promise<string[]> {
    const db = await this.#open();
    const rows = await db
      .selectFrom('members as mine')
      .innerJoin('members as theirs', 'theirs.conversation_id', 'mine.conversation_id')
      .where('mine.user_id', '=', userId)
      .where('theirs.user_id', '<>', userId)
      .select('theirs.user_id')
      .distinct()
      .orderBy('theirs.user_id')
      .execute();
    return rows.map((r) => r.user_id);
  }

  appendMessage(input: NewMessage): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new PlazaError(ErrorCode.UNAVAILABLE, 'the store is closed'));
    try {
      assertNewMessage(input);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#appender.append(input);
  }

  async getMessage(conversationId: string, messageId: string): Promise<Message | null> {
    return messages.getMessage(await this.#open(), conversationId, messageId);
  }

  editMessage(conversationId: string, messageId: string, text: string, mentions: string[]): Promise<Message> {
    return this.#tx((trx, now) => messages.editMessage(trx, conversationId, messageId, text, mentions, now));
  }

  async deleteMessage(conversationId: string, messageId: string): Promise<Message> {
    return (await this.deleteMessageReleasingFiles(conversationId, messageId)).message;
  }

  deleteMessageReleasingFiles(conversationId: string, messageId: string): Promise<DeletedMessage> {
    return this.#tx((trx, now) => messages.deleteMessage(trx, conversationId, messageId, now));
  }

  async insertFile(file: NewFileRecord): Promise<StoredFile> {
    const writes = await this.#fileWritesReady();
    const { file: stored, created } = await this.#preparedTx((now) => writes.insertFile(file, now));
    // Written outside Kysely, so its dialect saw no outbox insert: wake the dispatcher here.
    if (created) this.#outboxSignal.notify();
    return stored;
  }

  async getFile(fileId: string): Promise<StoredFile | null> {
    return (await this.#prepared()).file(fileId);
  }

  async storedBytesOf(userId: string): Promise<number> {
    return (await this.#prepared()).storedBytesOf(userId);
  }

  deleteUnattachedFiles(createdBefore: string, limit: number): Promise<StoredFile[]> {
    return this.#tx((trx, now) => files.deleteUnattachedFiles(trx, createdBefore, limit, now));
  }

  async confirmFileBytes(fileIds: readonly string[]): Promise<void> {
    if (fileIds.length === 0) return;
    // Not synced: a mark that a crash brings back only costs a verification at the next start.
    const writes = await this.#fileWritesReady();
    await this.#preparedTx(() => writes.confirmFileBytes(fileIds), false);
  }

  async filesWithBytesPending(): Promise<StoredFile[]> {
    return files.filesWithBytesPending(await this.#open());
  }

  deleteLostFile(fileId: string): Promise<StoredFile | null> {
    return this.#tx((trx, now) => files.deleteLostFile(trx, fileId, now));
  }

  async listStorageKeys(): Promise<string[]> {
    const db = await this.#open();
    const rows = await db.selectFrom('files').select('storage_key').execute();
    return rows.map((r) => r.storage_key);
  }

  react(conversationId: string, messageId: string, userId: string, emoji: string, add: boolean): Promise<Message> {
    return this.#tx((trx, now) => messages.react(trx, conversationId, messageId, userId, emoji, add, now));
  }

  async history(conversationId: string, query: { beforeSeq?: number; afterSeq?: number; limit: number }): Promise<HistoryPage> {
    return (await this.#prepared()).history(conversationId, query);
  }

  changesSince(conversationId: string, afterRev: number, limit: number): Promise<SyncPage> {
    return this.#tx((trx) => messages.changesSince(trx, conversationId, afterRev, limit));
  }

  markRead(conversationId: string, userId: string, seq: number): Promise<ReadState> {
    return this.#tx((trx) => messages.markRead(trx, conversationId, userId, seq));
  }

  recordEvents(events: readonly NewOutboxEvent[]): Promise<void> {
    return this.#tx((trx, now) => writeOutboxEvents(trx, events, now));
  }

  audit(entry: AuditEntry): Promise<void> {
    return this.auditMany([entry]);
  }

  async auditMany(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#tx(async (trx, now) => {
      for (const part of conversations.chunks(entries)) {
        await trx
          .insertInto('audit')
          .values(
            part.map((entry) => ({
              at: entry.at ?? now,
              action: entry.action,
              actor_id: entry.actorId,
              target: entry.target,
              outcome: entry.outcome,
              reason: entry.reason,
              ip: entry.ip,
              details: toJson(entry.details),
            })),
          )
          .execute();
      }
    });
  }

  revokeSessions(userId: string): Promise<string> {
    return this.#tx((trx, now) => userData.revokeSessions(trx, userId, now));
  }

  async sessionsRevokedAt(userId: string): Promise<string | null> {
    return (await this.#prepared()).sessionsRevokedAt(userId);
  }

  exportUserData(userId: string, caps: { items: number; files: number }): Promise<UserExportData | null> {
    return this.#tx((trx) => userData.exportUserData(trx, userId, caps));
  }

  async eraseUser(userId: string, ids: { pseudonym: string; erasureId: string }): Promise<ErasureOutcome> {
    const outcome = await this.#tx((trx, now) => userData.eraseUser(trx, userId, ids, now));
    // The WAL still holds the pages as they were before the erasure: copy the new ones into the
    // file and empty it (on the store's one connection, between transactions).
    const checkpoint = await sql<{ busy: number; log: number; checkpointed: number }>`pragma wal_checkpoint(TRUNCATE)`.execute(await this.#open());
    const result = checkpoint.rows[0];
    if (result?.busy) this.#logger?.warn({ ...result }, 'WAL checkpoint after an erasure was blocked by a reader; the erased data stays in the WAL until the next checkpoint');
    return outcome;
  }

  async getRetention(conversationId: string): Promise<number | null> {
    return retention.getRetention(await this.#open(), conversationId);
  }

  async setRetention(conversationId: string, seconds: number | null): Promise<number | null> {
    return retention.setRetention(await this.#open(), conversationId, seconds);
  }

  sweepExpiredMessages(nowMs: number, limit: number): Promise<RetentionBatch> {
    return this.#tx((trx) => retention.sweepExpiredMessages(trx, nowMs, limit));
  }

  async deleteExpired(cutoffs: { outboxBefore: string; auditBefore: string }): Promise<{ outbox: number; audit: number }> {
    return deleteExpired(await this.#open(), cutoffs);
  }

  async listAudit(query: AuditQuery): Promise<AuditRecord[]> {
    return admin.listAudit(await this.#open(), query);
  }
}

/** Rejects malformed input before it can join (and fail) a batch of other callers' messages. */
function assertNewMessage(input: NewMessage): void {
  const ok =
    typeof input === 'object' &&
    input !== null &&
    typeof input.conversationId === 'string' &&
    typeof input.senderId === 'string' &&
    (input.clientId === null || typeof input.clientId === 'string') &&
    (input.kind === 'user' || input.kind === 'system') &&
    typeof input.text === 'string' &&
    (input.replyTo === null || typeof input.replyTo === 'string') &&
    Array.isArray(input.mentions) &&
    input.mentions.every((m) => typeof m === 'string') &&
    (input.attachments === undefined || (Array.isArray(input.attachments) && input.attachments.every((a) => typeof a === 'string')));
  if (!ok) throw new TypeError('appendMessage: malformed NewMessage');
}
