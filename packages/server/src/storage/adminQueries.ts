import { ErrorCode } from '@plaza/protocol';
import type { Conversation } from '@plaza/protocol';
import type { Kysely } from 'kysely';
import { PlazaError } from '../errors.js';
import type { AuditQuery, AuditRecord, ConversationQuery } from './ChatStore.js';
import { parseJson, toConversation } from './rows.js';
import type { ChatDatabase } from './schema.js';

/*
 * Queries of the REST API's administrative lists: conversations by external reference, topic or
 * member, and the audit log with every filter, both with cursor pagination.
 */

type Db = Kysely<ChatDatabase>;

function badCursor(): PlazaError {
  return new PlazaError(ErrorCode.INVALID_REQUEST, 'invalid request: query.cursor: not a cursor of this list', {
    details: { issues: [{ path: ['query', 'cursor'], message: 'not a cursor of this list' }] },
  });
}

/** The opaque cursor after `row`: its creation time and id (the list's sort key). */
function conversationCursor(row: { created_at: string; id: string }): string {
  return Buffer.from(JSON.stringify([row.created_at, row.id]), 'utf8').toString('base64url');
}

function parseConversationCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through: not ours
  }
  throw badCursor();
}

/**
 * A page of conversations, newest created first (ties by id, descending): creation time never
 * changes, so paging is stable while conversations are active. Throws `INVALID_REQUEST` for a
 * cursor this list did not hand out.
 */
export async function listConversationsPage(db: Db, query: ConversationQuery): Promise<{ items: Conversation[]; nextCursor: string | null }> {
  let q = db.selectFrom('conversations').selectAll();
  if (query.externalRef !== undefined) q = q.where('external_ref', '=', query.externalRef);
  if (query.topic !== undefined) q = q.where('topic', '=', query.topic);
  if (query.memberId !== undefined) {
    const memberId = query.memberId;
    q = q.where((eb) =>
      eb.exists(eb.selectFrom('members').select('members.user_id').whereRef('members.conversation_id', '=', 'conversations.id').where('members.user_id', '=', memberId)),
    );
  }
  if (query.cursor !== undefined) {
    const after = parseConversationCursor(query.cursor);
    q = q.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
  }
  const limit = Math.max(1, Math.floor(query.limit));
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(toConversation), nextCursor: rows.length > limit && last ? conversationCursor(last) : null };
}

/** Parses an audit list cursor (a record id), or throws `INVALID_REQUEST`. */
export function parseAuditCursor(cursor: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(cursor)) throw badCursor();
  return Number(cursor);
}

/**
 * Audit records, newest first (by id), filtered by every field of `query` that is set; `since` is
 * inclusive and `until` exclusive (ISO 8601, any offset).
 */
export async function listAudit(db: Db, query: AuditQuery): Promise<AuditRecord[]> {
  let q = db.selectFrom('audit').selectAll();
  if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
  if (query.actorId !== undefined) q = q.where('actor_id', '=', query.actorId);
  if (query.action !== undefined) q = q.where('action', '=', query.action);
  if (query.target !== undefined) q = q.where('target', '=', query.target);
  if (query.outcome !== undefined) q = q.where('outcome', '=', query.outcome);
  // Stored times are `toISOString()` strings, which compare correctly as text once normalised alike.
  if (query.since !== undefined) q = q.where('at', '>=', new Date(query.since).toISOString());
  if (query.until !== undefined) q = q.where('at', '<', new Date(query.until).toISOString());
  const rows = await q.orderBy('id', 'desc').limit(Math.max(1, Math.floor(query.limit))).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at,
    action: r.action,
    actorId: r.actor_id,
    target: r.target,
    outcome: r.outcome as AuditRecord['outcome'],
    reason: r.reason,
    ip: r.ip,
    details: parseJson<Record<string, unknown>>(r.details),
  }));
}
