import { ErrorCode } from '@plaza/protocol';
import type { Message, ReadState, SyncPage } from '@plaza/protocol';
import type { Kysely } from 'kysely';
import { PlazaError } from '../errors.js';
import { chunks, requireConversation } from './conversationQueries.js';
import type { StoredFile } from './FileRecords.js';
import { attachmentsOf, releaseAttachments } from './fileQueries.js';
import { OutboxEventType, scrubOutboxText, writeOutbox } from './outbox.js';
import { newMessageId } from './ids.js';
import { groupReactions, toMessage } from './rows.js';
import type { MessageRow } from './rows.js';
import type { ChatDatabase } from './schema.js';

type Db = Kysely<ChatDatabase>;

/** A message written inside another change's transaction (a desk notice, an alert's system message). */
export interface TransactionMessage {
  /** The author (a user id, or a system sender such as `system:desk`). */
  senderId: string;
  kind: 'user' | 'system';
  text: string;
  /** Idempotency key (as for `appendMessage`), or `null`. */
  clientId: string | null;
}

/**
 * Appends one message inside `trx`, as the group-commit appender does (next seq and rev, the row,
 * its `message.created` event), for changes that must post a message in their own transaction: the
 * appender batches on its own connection turn and cannot join a Kysely transaction, and both take
 * the same connection, so their counters never interleave. Throws `CONVERSATION_NOT_FOUND`.
 *
 * @param trx - the open transaction
 * @param conversationId - where to post
 * @param input - author, kind, text and idempotency key
 * @param now - the change's timestamp
 */
export async function insertMessageInTransaction(trx: Db, conversationId: string, input: TransactionMessage, now: string): Promise<Message> {
  const counters = await trx
    .updateTable('conversations')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1), last_rev: eb('last_rev', '+', 1), last_activity_at: now }))
    .where('id', '=', conversationId)
    .returning(['last_seq', 'last_rev'])
    .executeTakeFirst();
  if (!counters) throw new PlazaError(ErrorCode.CONVERSATION_NOT_FOUND, `no conversation ${conversationId}`);
  const message: Message = {
    id: newMessageId(),
    conversationId,
    seq: Number(counters.last_seq),
    rev: Number(counters.last_rev),
    clientId: input.clientId,
    senderId: input.senderId,
    kind: input.kind,
    text: input.text,
    replyTo: null,
    mentions: [],
    reactions: [],
    createdAt: now,
    editedAt: null,
    deletedAt: null,
    attachments: [],
  };
  await trx
    .insertInto('messages')
    .values({
      id: message.id,
      conversation_id: conversationId,
      seq: message.seq,
      rev: message.rev,
      client_id: message.clientId,
      sender_id: message.senderId,
      kind: message.kind,
      text: message.text,
      reply_to: null,
      mentions: '[]',
      created_at: now,
      edited_at: null,
      deleted_at: null,
    })
    .execute();
  await writeOutbox(trx, OutboxEventType.messageCreated, { conversationId, message }, now, message.id);
  return message;
}

/** Maps rows to messages with their reactions and attachments (two queries per 500 messages). */
export async function withReactions(db: Db, conversationId: string, rows: readonly MessageRow[]): Promise<Message[]> {
  const ids = rows.filter((r) => r.deleted_at === null).map((r) => r.id);
  const reactionRows = [];
  for (const part of chunks(ids)) {
    reactionRows.push(
      ...(await db
        .selectFrom('reactions')
        .select(['message_id', 'emoji', 'user_id'])
        .where('conversation_id', '=', conversationId)
        .where('message_id', 'in', part)
        .orderBy('rev')
        .execute()),
    );
  }
  const grouped = groupReactions(reactionRows);
  const attachments = await attachmentsOf(db, ids);
  return rows.map((r) => toMessage(r, grouped.get(r.id), attachments.get(r.id)));
}

/** One message with its reactions, or `null`. */
export async function getMessage(db: Db, conversationId: string, messageId: string): Promise<Message | null> {
  const row = await findRow(db, conversationId, messageId);
  if (!row) return null;
  const [message] = await withReactions(db, conversationId, [row]);
  return message ?? null;
}

function findRow(db: Db, conversationId: string, messageId: string): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId).where('id', '=', messageId).executeTakeFirst();
}

async function requireRow(db: Db, conversationId: string, messageId: string): Promise<MessageRow> {
  const row = await findRow(db, conversationId, messageId);
  if (!row) throw new PlazaError(ErrorCode.MESSAGE_NOT_FOUND, `no message ${messageId} in ${conversationId}`);
  return row;
}

/** Allocates the conversation's next change revision (inside a transaction). */
async function nextRev(trx: Db, conversationId: string): Promise<number> {
  const row = await trx
    .updateTable('conversations')
    .set((eb) => ({ last_rev: eb('last_rev', '+', 1) }))
    .where('id', '=', conversationId)
    .returning('last_rev')
    .executeTakeFirstOrThrow();
  return Number(row.last_rev);
}

/** Replaces a message's text (inside `trx`). */
export async function editMessage(trx: Db, conversationId: string, messageId: string, text: string, mentions: string[], now: string): Promise<Message> {
  const row = await requireRow(trx, conversationId, messageId);
  if (row.deleted_at !== null) throw new PlazaError(ErrorCode.CONFLICT, `message ${messageId} is deleted`);
  const rev = await nextRev(trx, conversationId);
  const updated = await trx
    .updateTable('messages')
    .set({ text, mentions: JSON.stringify(mentions), edited_at: now, rev })
    .where('id', '=', messageId)
    .returningAll()
    .executeTakeFirstOrThrow();
  const [message] = await withReactions(trx, conversationId, [updated]);
  await scrubOutboxText(trx, messageId);
  await writeOutbox(trx, OutboxEventType.messageUpdated, { conversationId, message }, now, messageId);
  return message as Message;
}

/**
 * Tombstones a message (inside `trx`); a deleted message is returned as it is. Its attachments
 * are unlinked and the files no other message references are deleted and returned.
 */
export async function deleteMessage(
  trx: Db,
  conversationId: string,
  messageId: string,
  now: string,
): Promise<{ message: Message; releasedFiles: StoredFile[] }> {
  const row = await requireRow(trx, conversationId, messageId);
  if (row.deleted_at !== null) return { message: toMessage(row), releasedFiles: [] };
  const rev = await nextRev(trx, conversationId);
  await trx.deleteFrom('reactions').where('conversation_id', '=', conversationId).where('message_id', '=', messageId).execute();
  const updated = await trx
    .updateTable('messages')
    .set({ text: '', mentions: '[]', deleted_at: now, rev })
    .where('id', '=', messageId)
    .returningAll()
    .executeTakeFirstOrThrow();
  const message = toMessage(updated);
  const releasedFiles = await releaseAttachments(trx, conversationId, messageId, now);
  await scrubOutboxText(trx, messageId);
  await writeOutbox(trx, OutboxEventType.messageDeleted, { conversationId, message }, now, messageId);
  return { message, releasedFiles };
}

/** Adds or removes one reaction (inside `trx`); bumps `rev` only when something changed. */
export async function react(
  trx: Db,
  conversationId: string,
  messageId: string,
  userId: string,
  emoji: string,
  add: boolean,
  now: string,
): Promise<Message> {
  const row = await requireRow(trx, conversationId, messageId);
  if (row.deleted_at !== null) throw new PlazaError(ErrorCode.CONFLICT, `message ${messageId} is deleted`);
  const mine = trx
    .selectFrom('reactions')
    .select('rev')
    .where('conversation_id', '=', conversationId)
    .where('message_id', '=', messageId)
    .where('emoji', '=', emoji)
    .where('user_id', '=', userId);
  const exists = (await mine.executeTakeFirst()) !== undefined;
  const changed = exists !== add;
  let current = row;
  if (changed) {
    const rev = await nextRev(trx, conversationId);
    if (add) {
      await trx
        .insertInto('reactions')
        .values({ conversation_id: conversationId, message_id: messageId, emoji, user_id: userId, created_at: now, rev })
        .execute();
    } else {
      await trx
        .deleteFrom('reactions')
        .where('conversation_id', '=', conversationId)
        .where('message_id', '=', messageId)
        .where('emoji', '=', emoji)
        .where('user_id', '=', userId)
        .execute();
    }
    current = await trx.updateTable('messages').set({ rev }).where('id', '=', messageId).returningAll().executeTakeFirstOrThrow();
  }
  const [message] = await withReactions(trx, conversationId, [current]);
  if (changed) {
    await writeOutbox(trx, OutboxEventType.reactionChanged, { conversationId, messageId, userId, emoji, added: add, message }, now, messageId);
  }
  return message as Message;
}

/** Messages changed after `afterRev`, ascending by rev, with the conversation's counters. */
export async function changesSince(db: Db, conversationId: string, afterRev: number, limit: number): Promise<SyncPage> {
  const conv = await requireConversation(db, conversationId);
  const size = Math.max(1, Math.floor(limit));
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('rev', '>', afterRev)
    .orderBy('rev', 'asc')
    .limit(size + 1)
    .execute();
  return {
    messages: await withReactions(db, conversationId, rows.slice(0, size)),
    lastSeq: Number(conv.last_seq),
    lastRev: Number(conv.last_rev),
    hasMore: rows.length > size,
  };
}

/** Unread messages of `userId` after `lastReadSeq`. */
export async function unreadCount(db: Db, conversationId: string, userId: string, lastReadSeq: number): Promise<number> {
  const row = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('conversation_id', '=', conversationId)
    .where('seq', '>', lastReadSeq)
    .where('sender_id', '<>', userId)
    .where('deleted_at', 'is', null)
    .where('kind', '=', 'user')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Moves the read position forward (inside `trx`), clamped to the conversation's last seq. */
export async function markRead(trx: Db, conversationId: string, userId: string, seq: number): Promise<ReadState> {
  const conv = await requireConversation(trx, conversationId);
  const member = await trx
    .selectFrom('members')
    .select('last_read_seq')
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!member) throw new PlazaError(ErrorCode.NOT_A_MEMBER, `${userId} is not a member of ${conversationId}`);
  const target = Math.min(Math.max(0, Math.floor(seq)), Number(conv.last_seq));
  let lastReadSeq = Number(member.last_read_seq);
  if (target > lastReadSeq) {
    await trx
      .updateTable('members')
      .set({ last_read_seq: target })
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .where('last_read_seq', '<', target)
      .execute();
    lastReadSeq = target;
  }
  return { lastReadSeq, unreadCount: await unreadCount(trx, conversationId, userId, lastReadSeq) };
}
