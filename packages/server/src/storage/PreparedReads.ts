import type Database from 'better-sqlite3';
import type { Attachment, Conversation, HistoryPage, MemberRole } from '@plaza/protocol';
import type { Membership } from './ChatStore.js';
import type { StoredFile } from './FileRecords.js';
import { toStoredFile } from './fileQueries.js';
import type { ConnectionLock } from './MessageAppender.js';
import { groupReactions, toAttachment, toConversation, toMessage } from './rows.js';
import type { ConversationRow, FileRow, MessageRow, ReactionRow } from './rows.js';

interface MembershipRow {
  conversation_id: string;
  user_id: string;
  role: string;
  last_read_seq: number;
  joined_at: string;
}

/** A conversation row with the caller's membership columns (all `null` when not a member). */
interface ConversationMemberRow extends ConversationRow {
  m_role: string | null;
  m_last_read_seq: number | null;
  m_joined_at: string | null;
}

/** Which page of a conversation's messages to read (see `PreparedReads.history`). */
export interface HistoryQuery {
  beforeSeq?: number;
  afterSeq?: number;
  limit: number;
}

/** The stored name and metadata (JSON text) of a user. */
export interface StoredUserRow {
  name: string;
  metadata: string | null;
}

function prepare(sqlite: Database.Database) {
  return {
    conversation: sqlite.prepare<[string], ConversationRow>('select * from conversations where id = ?'),
    membership: sqlite.prepare<[string, string], MembershipRow>(
      'select conversation_id, user_id, role, last_read_seq, joined_at from members where conversation_id = ? and user_id = ?',
    ),
    conversationForMember: sqlite.prepare<[string, string], ConversationMemberRow>(
      'select c.*, m.role as m_role, m.last_read_seq as m_last_read_seq, m.joined_at as m_joined_at' +
        ' from conversations c left join members m on m.conversation_id = c.id and m.user_id = ? where c.id = ?',
    ),
    conversationIdsOf: sqlite.prepare<[string], { conversation_id: string }>('select conversation_id from members where user_id = ?'),
    smallConversationIdsOf: sqlite.prepare<[string, number], { conversation_id: string }>(
      'select m.conversation_id from members m inner join conversations c on c.id = m.conversation_id where m.user_id = ? and c.member_count < ?',
    ),
    user: sqlite.prepare<[string], StoredUserRow>('select name, metadata from users where id = ?'),
    sessionsRevokedAt: sqlite.prepare<[string], { sessions_revoked_at: string | null }>('select sessions_revoked_at from users where id = ?'),
    // Kept exact by triggers on `files` (migration 0008): one row, however many files the user has.
    storedBytes: sqlite.prepare<[string], { bytes: number }>('select bytes from file_usage where uploader_id = ?'),
    file: sqlite.prepare<[string], FileRow>('select * from files where id = ?'),
    latest: sqlite.prepare<[string, number], MessageRow>('select * from messages where conversation_id = ? order by seq desc limit ?'),
    before: sqlite.prepare<[string, number, number], MessageRow>(
      'select * from messages where conversation_id = ? and seq < ? order by seq desc limit ?',
    ),
    after: sqlite.prepare<[string, number, number], MessageRow>('select * from messages where conversation_id = ? and seq > ? order by seq asc limit ?'),
    between: sqlite.prepare<[string, number, number, number], MessageRow>(
      'select * from messages where conversation_id = ? and seq > ? and seq < ? order by seq asc limit ?',
    ),
    // The reactions and attachments of a page's messages, by the page's seq range (a page holds every
    // message of its range), so each is one statement whatever the page size.
    reactionsInRange: sqlite.prepare<[string, number, number], ReactionRow>(
      'select r.message_id, r.emoji, r.user_id from messages m' +
        ' join reactions r on r.conversation_id = m.conversation_id and r.message_id = m.id' +
        ' where m.conversation_id = ? and m.seq >= ? and m.seq <= ? and m.deleted_at is null order by r.rev',
    ),
    attachmentsInRange: sqlite.prepare<[string, number, number], FileRow & { message_id: string }>(
      'select f.*, a.message_id as message_id from messages m' +
        ' join message_attachments a on a.message_id = m.id join files f on f.id = a.file_id' +
        ' where m.conversation_id = ? and m.seq >= ? and m.seq <= ? and m.deleted_at is null order by a.message_id, a.position',
    ),
  };
}

function toMembership(row: MembershipRow): Membership {
  return {
    conversationId: row.conversation_id,
    userId: row.user_id,
    role: row.role as MemberRole,
    lastReadSeq: Number(row.last_read_seq),
    joinedAt: row.joined_at,
  };
}

/**
 * The reads on every request's path (conversation, membership, a user's conversations, session
 * revocation, quota use, a file), as better-sqlite3 statements prepared once instead of a Kysely
 * query compiled and prepared per call.
 * The SQL is plain and portable; a PostgreSQL store would use named prepared statements.
 *
 * A read runs at once when no transaction is open on the connection (better-sqlite3 is synchronous,
 * so nothing can interleave), and otherwise waits for the connection like every Kysely query, so it
 * never sees another method's uncommitted writes. Create it only once the schema exists.
 */
export class PreparedReads {
  readonly #sqlite: Database.Database;
  readonly #lock: ConnectionLock;
  readonly #statements: ReturnType<typeof prepare>;
  readonly #historyInSnapshot: (conversationId: string, query: HistoryQuery) => HistoryPage;

  /**
   * @param sqlite - the open, migrated database
   * @param lock - runs a function while holding the connection (no other transaction open)
   */
  constructor(sqlite: Database.Database, lock: ConnectionLock) {
    this.#sqlite = sqlite;
    this.#lock = lock;
    this.#statements = prepare(sqlite);
    // One read transaction: the messages, reactions and attachments come from one snapshot.
    this.#historyInSnapshot = sqlite.transaction((conversationId: string, query: HistoryQuery) => this.#history(conversationId, query));
  }

  #read<T>(fn: () => T): Promise<T> {
    if (!this.#sqlite.inTransaction) {
      try {
        return Promise.resolve(fn());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#lock(fn);
  }

  /** A conversation by id, or `null`. */
  conversation(conversationId: string): Promise<Conversation | null> {
    return this.#read(() => {
      const row = this.#statements.conversation.get(conversationId);
      return row ? toConversation(row) : null;
    });
  }

  /** `userId`'s membership, or `null`. */
  membership(conversationId: string, userId: string): Promise<Membership | null> {
    return this.#read(() => {
      const row = this.#statements.membership.get(conversationId, userId);
      return row ? toMembership(row) : null;
    });
  }

  /** The conversation and `userId`'s membership in it (`null` if not a member), in one query; `null` if no conversation. */
  conversationForMember(conversationId: string, userId: string): Promise<{ conversation: Conversation; membership: Membership | null } | null> {
    return this.#read(() => {
      const row = this.#statements.conversationForMember.get(userId, conversationId);
      if (!row) return null;
      const { m_role, m_last_read_seq, m_joined_at, ...conversationRow } = row;
      const membership =
        m_role === null || m_joined_at === null
          ? null
          : toMembership({ conversation_id: conversationId, user_id: userId, role: m_role, last_read_seq: Number(m_last_read_seq), joined_at: m_joined_at });
      return { conversation: toConversation(conversationRow), membership };
    });
  }

  /** Ids of `userId`'s conversations, only those with fewer than `belowMemberCount` members when given. */
  conversationIdsOf(userId: string, belowMemberCount?: number): Promise<string[]> {
    return this.#read(() => {
      const rows =
        belowMemberCount === undefined
          ? this.#statements.conversationIdsOf.all(userId)
          : this.#statements.smallConversationIdsOf.all(userId, belowMemberCount);
      return rows.map((r) => r.conversation_id);
    });
  }

  /**
   * A page of a conversation's messages with their reactions and attachments, ascending by seq (see
   * `ChatStore.history`): the latest `limit`, those before `beforeSeq`, or those after `afterSeq`.
   */
  history(conversationId: string, query: HistoryQuery): Promise<HistoryPage> {
    return this.#read(() => this.#historyInSnapshot(conversationId, query));
  }

  #history(conversationId: string, query: HistoryQuery): HistoryPage {
    const st = this.#statements;
    const limit = Math.max(1, Math.floor(query.limit));
    let rows: MessageRow[];
    if (query.afterSeq !== undefined) {
      rows =
        query.beforeSeq !== undefined
          ? st.between.all(conversationId, query.afterSeq, query.beforeSeq, limit + 1)
          : st.after.all(conversationId, query.afterSeq, limit + 1);
    } else {
      rows = query.beforeSeq !== undefined ? st.before.all(conversationId, query.beforeSeq, limit + 1) : st.latest.all(conversationId, limit + 1);
    }
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    if (query.afterSeq === undefined) page.reverse();
    const first = page[0];
    const last = page[page.length - 1];
    if (!first || !last) return { messages: [], hasMore };
    const range = [conversationId, Number(first.seq), Number(last.seq)] as const;
    const reactions = groupReactions(st.reactionsInRange.all(...range));
    const attachments = new Map<string, Attachment[]>();
    for (const row of st.attachmentsInRange.all(...range)) {
      let list = attachments.get(row.message_id);
      if (!list) attachments.set(row.message_id, (list = []));
      list.push(toAttachment(row));
    }
    return { messages: page.map((r) => toMessage(r, reactions.get(r.id), attachments.get(r.id))), hasMore };
  }

  /** When `userId`'s sessions were last revoked (ISO 8601), or `null` (never, or an unknown user). */
  sessionsRevokedAt(userId: string): Promise<string | null> {
    return this.#read(() => this.#statements.sessionsRevokedAt.get(userId)?.sessions_revoked_at ?? null);
  }

  /** Total size of the files `userId` uploaded that are still stored, in bytes (0 when none). */
  storedBytesOf(userId: string): Promise<number> {
    return this.#read(() => Number(this.#statements.storedBytes.get(userId)?.bytes ?? 0));
  }

  /** A file by id, or `null`. */
  file(fileId: string): Promise<StoredFile | null> {
    return this.#read(() => {
      const row = this.#statements.file.get(fileId);
      return row ? toStoredFile(row) : null;
    });
  }

  /** The stored name and metadata of a user, or `undefined`. */
  user(userId: string): Promise<StoredUserRow | undefined> {
    return this.#read(() => this.#statements.user.get(userId));
  }
}
