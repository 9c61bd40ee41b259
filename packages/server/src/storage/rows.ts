import type { Attachment, Conversation, ConversationKind, FileInfo, Member, MemberRole, Message, MessageKind, Reaction } from '@plaza/protocol';
import type { Selectable } from 'kysely';
import type { ConversationsTable, FilesTable, MessagesTable } from './schema.js';

/** A stored conversation row. */
export type ConversationRow = Selectable<ConversationsTable>;
/** A stored message row. */
export type MessageRow = Selectable<MessagesTable>;
/** A stored file row. */
export type FileRow = Selectable<FilesTable>;
/** One reaction of one user, as read for a list of messages. */
export interface ReactionRow {
  message_id: string;
  emoji: string;
  user_id: string;
}

/** Maps a conversation row to the wire entity. */
export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    kind: row.kind as ConversationKind,
    title: row.title,
    topic: row.topic,
    externalRef: row.external_ref,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastSeq: Number(row.last_seq),
    lastRev: Number(row.last_rev),
    memberCount: Number(row.member_count),
  };
}

/** Maps a message row (and its reactions and attachments, already loaded) to the wire entity. */
export function toMessage(row: MessageRow, reactions: Reaction[] = [], attachments: Attachment[] = []): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    rev: Number(row.rev),
    clientId: row.client_id,
    senderId: row.sender_id,
    kind: row.kind as MessageKind,
    text: row.text,
    replyTo: row.reply_to,
    // Most messages mention no one: skip JSON.parse for the empty list.
    mentions: row.mentions === '[]' ? [] : (parseJson<string[]>(row.mentions) ?? []),
    reactions,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
    attachments: row.deleted_at === null ? attachments : [],
  };
}

/** Maps a file row to the attachment a message carries. */
export function toAttachment(row: FileRow): Attachment {
  const image =
    row.width !== null && row.height !== null
      ? { width: Number(row.width), height: Number(row.height), hasThumbnail: Number(row.has_thumbnail) === 1 }
      : null;
  return { fileId: row.id, name: row.name, size: Number(row.size), mimeType: row.mime_type, sha256: row.sha256, image };
}

/** Maps a file row to what members see of a stored file. */
export function toFileInfo(row: FileRow): FileInfo {
  return { ...toAttachment(row), conversationId: row.conversation_id, uploaderId: row.uploader_id, createdAt: row.created_at };
}

/**
 * Groups reaction rows (already in the order they were made) by message, then by emoji in the
 * order of each emoji's earliest remaining reaction.
 */
export function groupReactions(rows: readonly ReactionRow[]): Map<string, Reaction[]> {
  const byMessage = new Map<string, Reaction[]>();
  for (const row of rows) {
    let list = byMessage.get(row.message_id);
    if (!list) byMessage.set(row.message_id, (list = []));
    let entry = list.find((r) => r.emoji === row.emoji);
    if (!entry) list.push((entry = { emoji: row.emoji, userIds: [] }));
    entry.userIds.push(row.user_id);
  }
  return byMessage;
}

/** A member row joined with the user's name. */
export interface MemberRow {
  user_id: string;
  name: string | null;
  role: string;
  last_read_seq: number;
  joined_at: string;
}

/** Maps a member row to the wire entity (the id stands in for an unknown name). */
export function toMember(row: MemberRow): Member {
  return {
    userId: row.user_id,
    name: row.name ?? row.user_id,
    role: row.role as MemberRole,
    lastReadSeq: Number(row.last_read_seq),
    joinedAt: row.joined_at,
  };
}

/** `JSON.parse` that returns `null` for `null`. */
export function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/** `JSON.stringify` that keeps `null` as `null`. */
export function toJson(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
