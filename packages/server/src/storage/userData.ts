import { ErrorCode } from '@plaza/protocol';
import type { Member, Message } from '@plaza/protocol';
import { sql } from 'kysely';
import type { Kysely, RawBuilder } from 'kysely';
import { PlazaError } from '../errors.js';
import { chunks, selectMembers } from './conversationQueries.js';
import { ERASED_DESCRIPTION, eraseDeskData, exportDeskData } from './deskUserData.js';
import type { DeskExportData } from './deskUserData.js';
import type { StoredFile } from './FileRecords.js';
import { releaseAttachments, toStoredFile } from './fileQueries.js';
import { withReactions as withMessageParts } from './messageQueries.js';
import { OutboxEventType, scrubOutboxText, writeOutbox } from './outbox.js';
import { parseJson, toMember, toMessage } from './rows.js';
import type { FileRow, MessageRow } from './rows.js';
import type { ChatDatabase } from './schema.js';

type Db = Kysely<ChatDatabase>;

/** Most changed messages an erasure returns for live events (the rest reach clients by sync). */
export const ERASURE_LIVE_EVENTS_MAX = 1000;

/** A `LIKE` pattern that finds `needle` anywhere (its `%`, `_` and `\` escaped). */
function contains(column: string, needle: string): RawBuilder<boolean> {
  const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`;
}

/** How a user id appears as a JSON string value (quotes included). */
function jsonNeedle(userId: string): string {
  return JSON.stringify(userId);
}

/**
 * Records that every token of `userId` issued at or before `now` is void (creating the user when
 * unknown) and writes the `user.sessions_revoked` event (inside `trx`).
 *
 * @returns the revocation time
 */
export async function revokeSessions(trx: Db, userId: string, now: string): Promise<string> {
  await trx
    .insertInto('users')
    .values({ id: userId, name: userId, metadata: null, created_at: now, updated_at: now, sessions_revoked_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ sessions_revoked_at: now }))
    .execute();
  await writeOutbox(trx, 'user.sessions_revoked' as OutboxEventType, { userId, revokedAt: now }, now);
  return now;
}

/** A capped list: its entries and whether the cap cut it. */
export interface CappedList<T> {
  data: T[];
  truncated: boolean;
}

/** Everything the store holds about one user, for an export (see `ChatStore.exportUserData`). */
export interface UserExportData {
  user: { id: string; name: string; metadata: Record<string, unknown> | null; createdAt: string; updatedAt: string; sessionsRevokedAt: string | null };
  memberships: { conversationId: string; kind: string; title: string | null; role: string; joinedAt: string }[];
  messages: CappedList<{
    conversationId: string;
    id: string;
    seq: number;
    kind: string;
    text: string;
    replyTo: string | null;
    mentions: string[];
    createdAt: string;
    editedAt: string | null;
    deletedAt: string | null;
    attachments: string[];
  }>;
  reactions: CappedList<{ conversationId: string; messageId: string; emoji: string; createdAt: string }>;
  files: CappedList<StoredFile>;
  audit: CappedList<{
    id: number;
    at: string;
    action: string;
    actorId: string | null;
    target: string | null;
    outcome: string;
    reason: string | null;
    ip: string | null;
    details: Record<string, unknown> | null;
  }>;
  /** The citizen desk: requests opened and handled, departments, alert acknowledgements. */
  desk: DeskExportData;
}

/** Keeps the first `cap` rows (queried with `limit cap + 1`) and says whether there were more. */
function cut<T>(rows: T[], cap: number): CappedList<T> {
  return { data: rows.slice(0, cap), truncated: rows.length > cap };
}

/**
 * Reads what the store holds about `userId` (one read transaction, so the parts agree). Lists
 * keep the newest `caps.items` entries (`caps.files` files), oldest first. `null` for an unknown user.
 */
export async function exportUserData(db: Db, userId: string, caps: { items: number; files: number }): Promise<UserExportData | null> {
  const user = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!user) return null;
  const memberships = await db
    .selectFrom('members')
    .innerJoin('conversations', 'conversations.id', 'members.conversation_id')
    .select(['members.conversation_id', 'conversations.kind', 'conversations.title', 'members.role', 'members.joined_at'])
    .where('members.user_id', '=', userId)
    .orderBy('members.joined_at')
    .orderBy('members.conversation_id')
    .execute();
  const messageRows = await db
    .selectFrom('messages')
    .selectAll()
    .where('sender_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(caps.items + 1)
    .execute();
  const messages = cut(messageRows, caps.items);
  const attachments = new Map<string, string[]>();
  for (const part of chunks(messages.data.map((m) => m.id))) {
    const links = await db
      .selectFrom('message_attachments')
      .select(['message_id', 'file_id'])
      .where('message_id', 'in', part)
      .orderBy('message_id')
      .orderBy('position')
      .execute();
    for (const link of links) attachments.set(link.message_id, [...(attachments.get(link.message_id) ?? []), link.file_id]);
  }
  const reactionRows = await db
    .selectFrom('reactions')
    .select(['conversation_id', 'message_id', 'emoji', 'created_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .limit(caps.items + 1)
    .execute();
  const reactions = cut(reactionRows, caps.items);
  const fileRows = await db.selectFrom('files').selectAll().where('uploader_id', '=', userId).orderBy('created_at', 'desc').limit(caps.files + 1).execute();
  const files = cut(fileRows, caps.files);
  const auditRows = await db
    .selectFrom('audit')
    .selectAll()
    .where((eb) => eb.or([eb('actor_id', '=', userId), eb('target', '=', userId)]))
    .orderBy('id', 'desc')
    .limit(caps.items + 1)
    .execute();
  const audit = cut(auditRows, caps.items);
  const desk = await exportDeskData(db, userId, caps.items);
  return {
    user: {
      id: user.id,
      name: user.name,
      metadata: parseJson<Record<string, unknown>>(user.metadata),
      createdAt: user.created_at,
      updatedAt: user.updated_at,
      sessionsRevokedAt: user.sessions_revoked_at ?? null,
    },
    memberships: memberships.map((m) => ({ conversationId: m.conversation_id, kind: m.kind, title: m.title, role: m.role, joinedAt: m.joined_at })),
    messages: {
      truncated: messages.truncated,
      data: messages.data.reverse().map((m) => ({
        conversationId: m.conversation_id,
        id: m.id,
        seq: Number(m.seq),
        kind: m.kind,
        text: m.text,
        replyTo: m.reply_to,
        mentions: parseJson<string[]>(m.mentions) ?? [],
        createdAt: m.created_at,
        editedAt: m.edited_at,
        deletedAt: m.deleted_at,
        attachments: attachments.get(m.id) ?? [],
      })),
    },
    reactions: {
      truncated: reactions.truncated,
      data: reactions.data.reverse().map((r) => ({ conversationId: r.conversation_id, messageId: r.message_id, emoji: r.emoji, createdAt: r.created_at })),
    },
    files: { truncated: files.truncated, data: files.data.reverse().map((f: FileRow) => toStoredFile(f)) },
    audit: {
      truncated: audit.truncated,
      // Newest first, as listAudit answers them.
      data: audit.data.map((a) => ({
        id: Number(a.id),
        at: a.at,
        action: a.action,
        actorId: a.actor_id,
        target: a.target,
        outcome: a.outcome,
        reason: a.reason,
        ip: a.ip,
        details: parseJson<Record<string, unknown>>(a.details),
      })),
    },
    desk,
  };
}

/** Keys whose value naming the user makes the object about the user (its name and text go too). */
const SUBJECT_KEYS = ['id', 'userId', 'uploaderId', 'senderId', 'actorId'] as const;

/**
 * A copy of a JSON value with every string equal to `userId` (values and keys) replaced by
 * `pseudonym`; an object about the user (see {@link SUBJECT_KEYS}) also loses its `name`,
 * `metadata`, `text`, `clientId`, `attachments` and `mentions`; a citizen desk request they opened
 * (`citizenId`) loses its `description` and `location`. Strings that merely contain the id are left
 * alone: they are someone else's words.
 */
export function scrubJson(value: unknown, userId: string, pseudonym: string): unknown {
  if (typeof value === 'string') return value === userId ? pseudonym : value;
  if (Array.isArray(value)) return value.map((v) => scrubJson(v, userId, pseudonym));
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(source)) out[key === userId ? pseudonym : key] = scrubJson(v, userId, pseudonym);
  if (SUBJECT_KEYS.some((k) => source[k] === userId)) {
    if (typeof out.name === 'string') out.name = pseudonym;
    if ('metadata' in out) out.metadata = null;
    if (typeof out.text === 'string') out.text = '';
    // A message of theirs: its idempotency key and attachments (their files' names) go too.
    if (typeof out.clientId === 'string') out.clientId = null;
    if (Array.isArray(out.attachments)) out.attachments = [];
    if (Array.isArray(out.mentions)) out.mentions = [];
  }
  // A citizen desk request they opened (in `request.*` events): their words and whereabouts go.
  if (source.citizenId === userId) {
    if (typeof out.description === 'string') out.description = ERASED_DESCRIPTION;
    if ('location' in out) out.location = null;
  }
  return out;
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

/** What an erasure changed, for its answer and its live events. */
export interface ErasureOutcome {
  counts: {
    messages: number;
    reactions: number;
    memberships: number;
    ownersPromoted: number;
    files: number;
    mentions: number;
    auditRecords: number;
    outboxEvents: number;
    requests: number;
    requestsAssigned: number;
    requestEvents: number;
    departments: number;
    alertAcknowledgements: number;
  };
  /** Messages changed (tombstones, lost reactions or mentions), at most 1,000 (`ERASURE_LIVE_EVENTS_MAX`). */
  changedMessages: Message[];
  /** Memberships removed (with the user's real id: for live events only, never stored). */
  removedMembers: { conversationId: string; member: Member }[];
  /** Members who became owner in the user's place. */
  promoted: { conversationId: string; member: Member }[];
  /** File rows deleted: delete their bytes and thumbnails. */
  releasedFiles: StoredFile[];
  /** When the erasure committed (ISO 8601 UTC): the `user.erased` event's `erasedAt` and `createdAt`. */
  erasedAt: string;
}

/**
 * Erases `userId` (inside `trx`): see `ChatStore.eraseUser`. Throws `USER_NOT_FOUND` when the user
 * is unknown (or erased already).
 */
export async function eraseUser(trx: Db, userId: string, ids: { pseudonym: string; erasureId: string }, now: string): Promise<ErasureOutcome> {
  const { pseudonym, erasureId } = ids;
  const user = await trx.selectFrom('users').select(['id', 'name']).where('id', '=', userId).executeTakeFirst();
  if (!user) throw new PlazaError(ErrorCode.USER_NOT_FOUND, `no user ${userId}`);
  const counts: ErasureOutcome['counts'] = {
    messages: 0,
    reactions: 0,
    memberships: 0,
    ownersPromoted: 0,
    files: 0,
    mentions: 0,
    auditRecords: 0,
    outboxEvents: 0,
    requests: 0,
    requestsAssigned: 0,
    requestEvents: 0,
    departments: 0,
    alertAcknowledgements: 0,
  };
  const changed = new Map<string, string>(); // message id → conversation id, bumped at the end
  const releasedFiles: StoredFile[] = [];

  // Files the user uploaded: unlinked from every message, rows deleted (bytes by the caller).
  const fileRows = await trx.selectFrom('files').selectAll().where('uploader_id', '=', userId).execute();
  for (const part of chunks(fileRows.map((f) => f.id))) {
    const links = await trx.selectFrom('message_attachments as ma').innerJoin('messages as m', 'm.id', 'ma.message_id').select(['m.id', 'm.conversation_id']).where('ma.file_id', 'in', part).execute();
    for (const link of links) changed.set(link.id, link.conversation_id);
    await trx.deleteFrom('message_attachments').where('file_id', 'in', part).execute();
    await trx.deleteFrom('files').where('id', 'in', part).execute();
  }
  for (const row of fileRows) {
    releasedFiles.push(toStoredFile(row));
    await writeOutbox(trx, OutboxEventType.fileDeleted, { conversationId: row.conversation_id, fileId: row.id, messageId: null, reason: 'erased' }, now);
  }
  counts.files = fileRows.length;

  // Their messages become tombstones under the pseudonym.
  const mine = await trx.selectFrom('messages').select(['id', 'conversation_id', 'deleted_at']).where('sender_id', '=', userId).execute();
  const live: Message[] = [];
  for (const m of mine) {
    await trx.deleteFrom('reactions').where('message_id', '=', m.id).execute();
    releasedFiles.push(...(await releaseAttachments(trx, m.conversation_id, m.id, now)));
    await scrubOutboxText(trx, m.id);
    const rev = await nextRev(trx, m.conversation_id);
    const row = await trx
      .updateTable('messages')
      .set({ text: '', mentions: '[]', sender_id: pseudonym, client_id: null, deleted_at: m.deleted_at ?? now, rev })
      .where('id', '=', m.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const tombstone = toMessage(row);
    if (m.deleted_at === null) await writeOutbox(trx, OutboxEventType.messageDeleted, { conversationId: m.conversation_id, message: tombstone }, now, m.id);
    if (live.length < ERASURE_LIVE_EVENTS_MAX) live.push(tombstone);
    changed.delete(m.id);
  }
  counts.messages = mine.length;

  // Their reactions to other messages.
  const reacted = await trx.selectFrom('reactions').select(['message_id', 'conversation_id']).where('user_id', '=', userId).execute();
  await trx.deleteFrom('reactions').where('user_id', '=', userId).execute();
  for (const r of reacted) changed.set(r.message_id, r.conversation_id);
  counts.reactions = reacted.length;

  // Mentions of them in other messages.
  const mentioning = await trx.selectFrom('messages').select(['id', 'conversation_id', 'mentions']).where(contains('mentions', jsonNeedle(userId))).execute();
  for (const m of mentioning) {
    const mentions = parseJson<string[]>(m.mentions) ?? [];
    if (!mentions.includes(userId)) continue;
    await trx.updateTable('messages').set({ mentions: JSON.stringify(mentions.filter((u) => u !== userId)) }).where('id', '=', m.id).execute();
    changed.set(m.id, m.conversation_id);
    counts.mentions += 1;
  }

  // The citizen desk (see deskUserData.ts for what a city keeps); its rewritten notices changed too.
  const desk = await eraseDeskData(trx, user, pseudonym);
  Object.assign(counts, desk.counts);
  for (const [messageId, conversationId] of desk.changedNotices) changed.set(messageId, conversationId);

  // Other messages that changed get a new revision, so clients that sync see the change.
  for (const [messageId, conversationId] of changed) {
    const rev = await nextRev(trx, conversationId);
    await trx.updateTable('messages').set({ rev }).where('id', '=', messageId).execute();
  }
  const changedMessages = [...live];
  if (changedMessages.length < ERASURE_LIVE_EVENTS_MAX && changed.size > 0) {
    const ids = [...changed.keys()].slice(0, ERASURE_LIVE_EVENTS_MAX - changedMessages.length);
    for (const part of chunks(ids)) {
      const rows = await trx.selectFrom('messages').selectAll().where('id', 'in', part).execute();
      for (const row of rows) changedMessages.push(...(await withMessageParts(trx, row.conversation_id, [row as MessageRow])));
    }
  }

  // Memberships: counts fixed, a conversation left without owner gets its longest-standing member.
  const removedMembers: ErasureOutcome['removedMembers'] = [];
  const promoted: ErasureOutcome['promoted'] = [];
  const memberships = await trx.selectFrom('members').select(['conversation_id']).where('user_id', '=', userId).execute();
  for (const { conversation_id: conversationId } of memberships) {
    const row = await selectMembers(trx, conversationId).where('members.user_id', '=', userId).executeTakeFirstOrThrow();
    const member = toMember(row);
    await trx.deleteFrom('members').where('conversation_id', '=', conversationId).where('user_id', '=', userId).execute();
    await trx.updateTable('conversations').set((eb) => ({ member_count: eb('member_count', '-', 1) })).where('id', '=', conversationId).execute();
    await writeOutbox(trx, OutboxEventType.memberRemoved, { conversationId, member: { ...member, userId: pseudonym, name: pseudonym }, reason: 'erased' }, now);
    removedMembers.push({ conversationId, member });
    if (member.role !== 'owner') continue;
    const owner = await trx.selectFrom('members').select('user_id').where('conversation_id', '=', conversationId).where('role', '=', 'owner').executeTakeFirst();
    if (owner) continue;
    const successor = await selectMembers(trx, conversationId).orderBy('members.joined_at').orderBy('members.user_id').executeTakeFirst();
    if (!successor) continue;
    await trx.updateTable('members').set({ role: 'owner' }).where('conversation_id', '=', conversationId).where('user_id', '=', successor.user_id).execute();
    const before = toMember(successor);
    const after: Member = { ...before, role: 'owner' };
    await writeOutbox(trx, OutboxEventType.memberRoleChanged, { conversationId, member: after, previousRole: before.role }, now);
    promoted.push({ conversationId, member: after });
  }
  counts.memberships = memberships.length;
  counts.ownersPromoted = promoted.length;
  await trx.deleteFrom('direct_pairs').where((eb) => eb.or([eb('user_a', '=', userId), eb('user_b', '=', userId)])).execute();
  await trx.updateTable('conversations').set({ created_by: pseudonym }).where('created_by', '=', userId).execute();

  // Audit records keep their place under the pseudonym; the user's own addresses go.
  const needle = jsonNeedle(userId);
  const auditRows = await trx
    .selectFrom('audit')
    .select(['id', 'actor_id', 'target', 'ip', 'details'])
    .where((eb) => eb.or([eb('actor_id', '=', userId), eb('target', '=', userId), contains('details', needle)]))
    .execute();
  for (const a of auditRows) {
    const details = a.details === null ? null : JSON.stringify(scrubJson(JSON.parse(a.details), userId, pseudonym));
    await trx
      .updateTable('audit')
      .set({
        actor_id: a.actor_id === userId ? pseudonym : a.actor_id,
        target: a.target === userId ? pseudonym : a.target,
        ip: a.actor_id === userId ? null : a.ip,
        details,
      })
      .where('id', '=', a.id)
      .execute();
  }
  counts.auditRecords = auditRows.length;

  // Outbox events keep their place (and their pending deliveries) under the pseudonym.
  const outboxRows = await trx.selectFrom('outbox').select(['id', 'payload']).where(contains('payload', needle)).execute();
  for (const o of outboxRows) {
    const payload = JSON.stringify(scrubJson(JSON.parse(o.payload), userId, pseudonym));
    if (payload === o.payload) continue;
    await trx.updateTable('outbox').set({ payload }).where('id', '=', o.id).execute();
    counts.outboxEvents += 1;
  }

  await trx.deleteFrom('users').where('id', '=', userId).execute();
  await writeOutbox(trx, 'user.erased' as OutboxEventType, { erasureId, pseudonym, erasedAt: now, counts }, now);
  return { counts, changedMessages, removedMembers, promoted, releasedFiles, erasedAt: now };
}
