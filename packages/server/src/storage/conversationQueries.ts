import { ErrorCode } from '@plaza/protocol';
import type { Conversation, ConversationWithState, Member, MemberRole } from '@plaza/protocol';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { PlazaError } from '../errors.js';
import type { Membership, NewConversation } from './ChatStore.js';
import { newConversationId } from './ids.js';
import { OutboxEventType, writeOutbox } from './outbox.js';
import { toConversation, toMember } from './rows.js';
import type { ConversationRow, MemberRow } from './rows.js';
import type { ChatDatabase } from './schema.js';

type Db = Kysely<ChatDatabase>;

/** Rows per `IN (…)` list or multi-row insert, well under every database's parameter limit. */
export const CHUNK = 500;

/** Splits `items` into chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Creates users that do not exist yet, named by their id. */
export async function ensureUsers(db: Db, userIds: readonly string[], now: string): Promise<void> {
  for (const part of chunks([...new Set(userIds)])) {
    await db
      .insertInto('users')
      .values(part.map((id) => ({ id, name: id, metadata: null, created_at: now, updated_at: now })))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
}

/** A conversation row or `CONVERSATION_NOT_FOUND`. */
export async function requireConversation(db: Db, conversationId: string): Promise<ConversationRow> {
  const row = await db.selectFrom('conversations').selectAll().where('id', '=', conversationId).executeTakeFirst();
  if (!row) throw new PlazaError(ErrorCode.CONVERSATION_NOT_FOUND, `no conversation ${conversationId}`);
  return row;
}

/** Inserts a conversation with its members and its `conversation.created` event (inside `trx`). */
export async function insertConversation(trx: Db, input: NewConversation, now: string): Promise<Conversation> {
  const members = new Map<string, MemberRole>();
  for (const m of input.members) if (!members.has(m.userId)) members.set(m.userId, m.role);
  await ensureUsers(trx, [input.createdBy, ...members.keys()], now);
  const row: ConversationRow = {
    id: newConversationId(),
    kind: input.kind,
    title: input.title,
    topic: input.topic,
    external_ref: input.externalRef,
    created_by: input.createdBy,
    created_at: now,
    last_seq: 0,
    last_rev: 0,
    member_count: members.size,
    last_activity_at: now,
    retention_seconds: null,
  };
  await trx.insertInto('conversations').values(row).execute();
  for (const part of chunks([...members])) {
    await trx
      .insertInto('members')
      .values(part.map(([userId, role]) => ({ conversation_id: row.id, user_id: userId, role, last_read_seq: 0, joined_at: now })))
      .execute();
  }
  const conversation = toConversation(row);
  await writeOutbox(
    trx,
    OutboxEventType.conversationCreated,
    { conversationId: row.id, conversation, members: [...members].map(([userId, role]) => ({ userId, role })) },
    now,
  );
  return conversation;
}

/** Conversations with `userId`'s own state; narrow it with `where`. */
export function selectWithState(db: Db, userId: string) {
  return db
    .selectFrom('conversations')
    .innerJoin('members', 'members.conversation_id', 'conversations.id')
    .where('members.user_id', '=', userId)
    .selectAll('conversations')
    .select([
      'members.role as self_role',
      'members.last_read_seq as self_last_read_seq',
      'members.joined_at as self_joined_at',
      (eb) =>
        eb
          .selectFrom('messages')
          .select(eb.fn.countAll().as('n'))
          .whereRef('messages.conversation_id', '=', 'conversations.id')
          .whereRef('messages.seq', '>', 'members.last_read_seq')
          .where('messages.sender_id', '<>', userId)
          .where('messages.deleted_at', 'is', null)
          .where('messages.kind', '=', 'user')
          .as('self_unread'),
    ]);
}

/** Maps a row of {@link selectWithState}. */
export function toConversationWithState(
  row: ConversationRow & { self_role: string; self_last_read_seq: number; self_joined_at: string; self_unread: unknown },
): ConversationWithState {
  return {
    ...toConversation(row),
    self: {
      role: row.self_role as MemberRole,
      lastReadSeq: Number(row.self_last_read_seq),
      unreadCount: Number(row.self_unread ?? 0),
      joinedAt: row.self_joined_at,
    },
  };
}

/** Members joined with their names; narrow it with `where`. */
export function selectMembers(db: Db, conversationId: string) {
  return db
    .selectFrom('members')
    .leftJoin('users', 'users.id', 'members.user_id')
    .where('members.conversation_id', '=', conversationId)
    .select(['members.user_id', 'users.name', 'members.role', 'members.last_read_seq', 'members.joined_at']);
}

/** Members in display order: owners first, then by join time. */
export async function listMembers(db: Db, conversationId: string): Promise<Member[]> {
  const rows = await selectMembers(db, conversationId)
    .orderBy(sql`case when members.role = 'owner' then 0 else 1 end`)
    .orderBy('members.joined_at')
    .orderBy('members.user_id')
    .execute();
  return rows.map((r: MemberRow) => toMember(r));
}

/** Adds members that are not members yet (inside `trx`); returns the new ones. */
export async function addMembers(
  trx: Db,
  conversationId: string,
  members: readonly { userId: string; role: MemberRole }[],
  now: string,
): Promise<Member[]> {
  await requireConversation(trx, conversationId);
  const wanted = new Map<string, MemberRole>();
  for (const m of members) if (!wanted.has(m.userId)) wanted.set(m.userId, m.role);
  if (wanted.size === 0) return [];
  await ensureUsers(trx, [...wanted.keys()], now);
  const added: string[] = [];
  for (const part of chunks([...wanted])) {
    const rows = await trx
      .insertInto('members')
      .values(part.map(([userId, role]) => ({ conversation_id: conversationId, user_id: userId, role, last_read_seq: 0, joined_at: now })))
      .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doNothing())
      .returning('user_id')
      .execute();
    added.push(...rows.map((r) => r.user_id));
  }
  if (added.length === 0) return [];
  await trx
    .updateTable('conversations')
    .set((eb) => ({ member_count: eb('member_count', '+', added.length) }))
    .where('id', '=', conversationId)
    .execute();
  const result: Member[] = [];
  for (const part of chunks(added)) {
    const rows = await selectMembers(trx, conversationId).where('members.user_id', 'in', part).execute();
    result.push(...rows.map((r: MemberRow) => toMember(r)));
  }
  await writeOutbox(trx, OutboxEventType.memberAdded, { conversationId, members: result }, now);
  return result;
}

/** Removes one member (inside `trx`); `null` if they were not one. */
export async function removeMember(trx: Db, conversationId: string, userId: string, now: string): Promise<Member | null> {
  const row = await selectMembers(trx, conversationId).where('members.user_id', '=', userId).executeTakeFirst();
  if (!row) return null;
  await trx.deleteFrom('members').where('conversation_id', '=', conversationId).where('user_id', '=', userId).execute();
  await trx
    .updateTable('conversations')
    .set((eb) => ({ member_count: eb('member_count', '-', 1) }))
    .where('id', '=', conversationId)
    .execute();
  const member = toMember(row);
  await writeOutbox(trx, OutboxEventType.memberRemoved, { conversationId, member }, now);
  return member;
}

/** Changes a member's role (inside `trx`); `NOT_A_MEMBER` if they are not one. */
export async function setRole(trx: Db, conversationId: string, userId: string, role: MemberRole, now: string): Promise<Member> {
  const row = await selectMembers(trx, conversationId).where('members.user_id', '=', userId).executeTakeFirst();
  if (!row) throw new PlazaError(ErrorCode.NOT_A_MEMBER, `${userId} is not a member of ${conversationId}`);
  const member = toMember(row);
  if (member.role === role) return member;
  await trx.updateTable('members').set({ role }).where('conversation_id', '=', conversationId).where('user_id', '=', userId).execute();
  const changed = { ...member, role };
  await writeOutbox(trx, OutboxEventType.memberRoleChanged, { conversationId, member: changed, previousRole: member.role }, now);
  return changed;
}

/** `userId`'s bare membership row, or `null`. */
export async function getMembership(db: Db, conversationId: string, userId: string): Promise<Membership | null> {
  const row = await db
    .selectFrom('members')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    conversationId: row.conversation_id,
    userId: row.user_id,
    role: row.role as MemberRole,
    lastReadSeq: Number(row.last_read_seq),
    joinedAt: row.joined_at,
  };
}

/** Updates title, topic and/or external reference (inside `trx`), with its `conversation.updated` event. */
export async function updateConversation(
  trx: Db,
  conversationId: string,
  patch: { title?: string; topic?: string | null; externalRef?: string | null },
  now: string,
): Promise<Conversation> {
  const set: { title?: string; topic?: string | null; external_ref?: string | null } = {};
  if (patch.title !== undefined) set.title = patch.title;
  if (patch.topic !== undefined) set.topic = patch.topic;
  if (patch.externalRef !== undefined) set.external_ref = patch.externalRef;
  if (Object.keys(set).length === 0) return toConversation(await requireConversation(trx, conversationId));
  const row = await trx.updateTable('conversations').set(set).where('id', '=', conversationId).returningAll().executeTakeFirst();
  if (!row) throw new PlazaError(ErrorCode.CONVERSATION_NOT_FOUND, `no conversation ${conversationId}`);
  const conversation = toConversation(row);
  await writeOutbox(trx, OutboxEventType.conversationUpdated, { conversationId, conversation, changed: Object.keys(set) }, now);
  return conversation;
}

/** Thrown inside `openDirect`'s transaction when another writer claimed the pair first. */
export class LostPairRace extends Error {}

/**
 * One attempt at `openDirect` (inside `trx`): the pair's conversation if it exists, else a new one
 * with the pair claimed. Throws {@link LostPairRace} when the claim fails (retry the transaction).
 */
export async function openDirectOnce(
  trx: Db,
  userA: string,
  userB: string,
  now: string,
): Promise<{ conversation: Conversation; created: boolean }> {
  const [low, high] = userA < userB ? [userA, userB] : [userB, userA];
  const pair = await trx.selectFrom('direct_pairs').select('conversation_id').where('user_a', '=', low).where('user_b', '=', high).executeTakeFirst();
  if (pair) return { conversation: toConversation(await requireConversation(trx, pair.conversation_id)), created: false };
  const conversation = await insertConversation(
    trx,
    {
      kind: 'direct',
      title: null,
      topic: null,
      externalRef: null,
      createdBy: userA,
      members: [
        { userId: userA, role: 'member' },
        { userId: userB, role: 'member' },
      ],
    },
    now,
  );
  const claimed = await trx
    .insertInto('direct_pairs')
    .values({ user_a: low, user_b: high, conversation_id: conversation.id })
    .onConflict((oc) => oc.columns(['user_a', 'user_b']).doNothing())
    .executeTakeFirst();
  if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) throw new LostPairRace();
  return { conversation, created: true };
}
