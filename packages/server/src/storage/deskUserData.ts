import type { RequestChangeKind, RequestLocation, RequestStatus } from '@plaza/protocol';
import type { CappedList } from './userData.js';
import type { Kysely } from 'kysely';
import { DESK_SENDER_ID } from '../desk/requestNotices.js';
import { chunks } from './conversationQueries.js';
import type { RequestHistoryEntry } from './RequestRecords.js';
import { parseJson } from './rows.js';
import type { ChatDatabase } from './schema.js';

/*
 * The citizen desk's part of a user's export and erasure (called by userData.ts inside its
 * transaction).
 *
 * What erasure keeps and what it removes. A city must be able to account for its work: that a
 * request existed, its topic, the departments it went through, its status, its timestamps and SLA
 * facts, and the history of changes (who acted stays as the erasure's pseudonym, so "the same
 * person" is still visible without saying who). What identifies the person goes: a citizen's
 * description and location (their words and whereabouts), their idempotency key, their reasons
 * for reopening (in the history and in the desk's notice that quoted them); their messages and
 * photos go with the rest of their messages and files. An agent's notes (transfer note, hold
 * note, resolution) are the city's record of its work and stay; the desk's notice that named the
 * agent who claimed a request ("Ana of Roads is now handling…") says "An agent" instead. Agent
 * memberships of departments are deleted (the user's sockets were disconnected, so they left the
 * `d:<departmentId>` rooms already); acknowledgements of alerts stay under the pseudonym, so an
 * acknowledged alert stays acknowledged and is not escalated. A request the agent still had
 * claimed stays claimed by the pseudonym: the REST API (transferRequest, resolveRequest) moves it on.
 */

type Db = Kysely<ChatDatabase>;

/** What replaces an erased citizen's description of their request. */
export const ERASED_DESCRIPTION = '[erased]';


/** The citizen desk's data about one user, for an export. */
export interface DeskExportData {
  /** Requests the user opened as citizen, with their history (oldest first). */
  requests: CappedList<{
    conversationId: string;
    topicId: string;
    departmentId: string;
    status: RequestStatus;
    description: string;
    location: RequestLocation | null;
    externalRef: string | null;
    resolution: string | null;
    createdAt: string;
    updatedAt: string;
    resolvedAt: string | null;
    history: RequestHistoryEntry[];
  }>;
  /** Requests the user handled as agent (assignee now, or a change they made), with their own changes. */
  handledRequests: CappedList<{
    conversationId: string;
    departmentId: string;
    status: RequestStatus;
    /** Whether the user is its assignee now. */
    assigned: boolean;
    createdAt: string;
    updatedAt: string;
    resolvedAt: string | null;
    changes: { change: RequestChangeKind; note: string | null; at: string }[];
  }>;
  /** Departments the user is an agent of. */
  departments: { departmentId: string; name: string; addedAt: string }[];
  /** Alerts the user acknowledged. */
  alertAcknowledgements: CappedList<{ alertId: string; channelId: string; title: string; severity: string; alertCreatedAt: string; at: string }>;
}

function cut<T>(rows: T[], cap: number): CappedList<T> {
  return { data: rows.slice(0, cap), truncated: rows.length > cap };
}

async function historyOf(db: Db, conversationIds: readonly string[]): Promise<Map<string, RequestHistoryEntry[]>> {
  const byRequest = new Map<string, RequestHistoryEntry[]>();
  for (const part of chunks(conversationIds)) {
    const rows = await db.selectFrom('request_events').selectAll().where('conversation_id', 'in', part).orderBy('id').execute();
    for (const r of rows) {
      const entry: RequestHistoryEntry = {
        change: r.change as RequestChangeKind,
        actorId: r.actor_id,
        fromDepartmentId: r.from_department_id,
        toDepartmentId: r.to_department_id,
        note: r.note,
        at: r.at,
      };
      byRequest.set(r.conversation_id, [...(byRequest.get(r.conversation_id) ?? []), entry]);
    }
  }
  return byRequest;
}

/**
 * Reads the desk's data about `userId` (inside the export's read transaction). Each list keeps
 * the newest `cap` entries, oldest first.
 */
export async function exportDeskData(db: Db, userId: string, cap: number): Promise<DeskExportData> {
  const openedRows = await db
    .selectFrom('requests')
    .innerJoin('conversations', 'conversations.id', 'requests.conversation_id')
    .selectAll('requests')
    .select('conversations.external_ref')
    .where('requests.citizen_id', '=', userId)
    .orderBy('requests.created_at', 'desc')
    .orderBy('requests.conversation_id', 'desc')
    .limit(cap + 1)
    .execute();
  const opened = cut(openedRows, cap);
  const openedHistory = await historyOf(db, opened.data.map((r) => r.conversation_id));

  // Handled: assignee now, or named as actor of a change of someone else's request.
  const handledRows = await db
    .selectFrom('requests')
    .selectAll()
    .where('citizen_id', '<>', userId)
    .where((eb) =>
      eb.or([
        eb('assignee_id', '=', userId),
        eb('conversation_id', 'in', eb.selectFrom('request_events').select('request_events.conversation_id').where('request_events.actor_id', '=', userId)),
      ]),
    )
    .orderBy('created_at', 'desc')
    .orderBy('conversation_id', 'desc')
    .limit(cap + 1)
    .execute();
  const handled = cut(handledRows, cap);
  const handledHistory = await historyOf(db, handled.data.map((r) => r.conversation_id));

  const departments = await db
    .selectFrom('department_agents')
    .innerJoin('departments', 'departments.id', 'department_agents.department_id')
    .select(['department_agents.department_id', 'departments.name', 'department_agents.added_at'])
    .where('department_agents.user_id', '=', userId)
    .orderBy('department_agents.added_at')
    .orderBy('department_agents.department_id')
    .execute();

  const ackRows = await db
    .selectFrom('alert_acks')
    .innerJoin('alerts', 'alerts.id', 'alert_acks.alert_id')
    .select(['alert_acks.alert_id', 'alerts.channel_id', 'alerts.title', 'alerts.severity', 'alerts.created_at', 'alert_acks.at'])
    .where('alert_acks.user_id', '=', userId)
    .orderBy('alert_acks.at', 'desc')
    .orderBy('alert_acks.alert_id', 'desc')
    .limit(cap + 1)
    .execute();
  const acks = cut(ackRows, cap);

  return {
    requests: {
      truncated: opened.truncated,
      data: opened.data.reverse().map((r) => ({
        conversationId: r.conversation_id,
        topicId: r.topic_id,
        departmentId: r.department_id,
        status: r.status as RequestStatus,
        description: r.description,
        location: parseJson<RequestLocation>(r.location),
        externalRef: r.external_ref,
        resolution: r.resolution,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        resolvedAt: r.resolved_at,
        history: openedHistory.get(r.conversation_id) ?? [],
      })),
    },
    handledRequests: {
      truncated: handled.truncated,
      data: handled.data.reverse().map((r) => ({
        conversationId: r.conversation_id,
        departmentId: r.department_id,
        status: r.status as RequestStatus,
        assigned: r.assignee_id === userId,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        resolvedAt: r.resolved_at,
        changes: (handledHistory.get(r.conversation_id) ?? []).filter((e) => e.actorId === userId).map((e) => ({ change: e.change, note: e.note, at: e.at })),
      })),
    },
    departments: departments.map((d) => ({ departmentId: d.department_id, name: d.name, addedAt: d.added_at })),
    alertAcknowledgements: {
      truncated: acks.truncated,
      data: acks.data.reverse().map((a) => ({ alertId: a.alert_id, channelId: a.channel_id, title: a.title, severity: a.severity, alertCreatedAt: a.created_at, at: a.at })),
    },
  };
}

/** What the desk part of an erasure changed. */
export interface DeskErasure {
  counts: {
    /** Requests the user opened: description and location removed, citizen replaced by the pseudonym. */
    requests: number;
    /** Requests whose assignee was the user, now the pseudonym. */
    requestsAssigned: number;
    /** History entries the user made, now under the pseudonym. */
    requestEvents: number;
    /** Agent memberships of departments, deleted. */
    departments: number;
    /** Acknowledgements of alerts, now under the pseudonym. */
    alertAcknowledgements: number;
  };
  /** Desk notices rewritten (message id → conversation id): give them a new revision and announce them. */
  changedNotices: Map<string, string>;
}

/** Rewrites a desk notice's text and the text of its `message.*` outbox events (inside `trx`). */
async function rewriteNotice(trx: Db, messageId: string, text: string): Promise<void> {
  await trx.updateTable('messages').set({ text }).where('id', '=', messageId).execute();
  const rows = await trx.selectFrom('outbox').select(['id', 'payload']).where('message_id', '=', messageId).execute();
  for (const row of rows) {
    const payload = JSON.parse(row.payload) as { message?: { text?: string } };
    if (!payload.message || typeof payload.message.text !== 'string') continue;
    payload.message.text = text;
    await trx.updateTable('outbox').set({ payload: JSON.stringify(payload) }).where('id', '=', row.id).execute();
  }
}

/** The desk's notices posted in `conversationId` at `at` (with a change of that instant). */
function noticesAt(trx: Db, conversationId: string, at: string) {
  return trx
    .selectFrom('messages')
    .select(['id', 'text'])
    .where('conversation_id', '=', conversationId)
    .where('created_at', '=', at)
    .where('sender_id', '=', DESK_SENDER_ID)
    .where('kind', '=', 'system')
    .where('deleted_at', 'is', null)
    .execute();
}

/**
 * Erases the desk's data about `userId` (inside the erasure's transaction, before the user row
 * goes): see the comment at the top of this file for what stays and what goes.
 *
 * @param user - the user's id and current name (the name the claim notices used)
 * @param pseudonym - replaces the user's id where a record stays
 */
export async function eraseDeskData(trx: Db, user: { id: string; name: string }, pseudonym: string): Promise<DeskErasure> {
  const userId = user.id;
  const changedNotices = new Map<string, string>();

  // The citizen's reasons for reopening: out of the history and out of the notice that quoted them.
  const reopened = await trx
    .selectFrom('request_events')
    .innerJoin('requests', 'requests.conversation_id', 'request_events.conversation_id')
    .select(['request_events.id', 'request_events.conversation_id', 'request_events.note', 'request_events.at'])
    .where('request_events.actor_id', '=', userId)
    .where('requests.citizen_id', '=', userId)
    .where('request_events.note', 'is not', null)
    .execute();
  for (const e of reopened) {
    const suffix = ` Reason: ${e.note ?? ''}`;
    for (const m of await noticesAt(trx, e.conversation_id, e.at)) {
      if (!m.text.endsWith(suffix)) continue;
      await rewriteNotice(trx, m.id, m.text.slice(0, -suffix.length));
      changedNotices.set(m.id, e.conversation_id);
    }
    await trx.updateTable('request_events').set({ note: null }).where('id', '=', e.id).execute();
  }

  // The claim notices that named the agent.
  const claims = await trx.selectFrom('request_events').select(['conversation_id', 'at']).where('actor_id', '=', userId).where('change', '=', 'claimed').execute();
  const claimSuffix = ' is now handling your request.';
  for (const c of claims) {
    for (const m of await noticesAt(trx, c.conversation_id, c.at)) {
      if (!m.text.endsWith(claimSuffix)) continue;
      // "<name> of <department> is now handling…"; a name changed since then leaves no department to keep.
      const text = m.text.startsWith(`${user.name} of `) ? `An agent${m.text.slice(user.name.length)}` : `An agent${claimSuffix}`;
      await rewriteNotice(trx, m.id, text);
      changedNotices.set(m.id, c.conversation_id);
    }
  }

  const opened = await trx.selectFrom('requests').select('conversation_id').where('citizen_id', '=', userId).execute();
  for (const { conversation_id: id } of opened) {
    // The idempotency key was the citizen's; the conversation id keeps (pseudonym, key) unique.
    await trx.updateTable('requests').set({ citizen_id: pseudonym, client_id: id, description: ERASED_DESCRIPTION, location: null }).where('conversation_id', '=', id).execute();
  }
  const assigned = await trx.updateTable('requests').set({ assignee_id: pseudonym }).where('assignee_id', '=', userId).executeTakeFirst();
  const events = await trx.updateTable('request_events').set({ actor_id: pseudonym }).where('actor_id', '=', userId).executeTakeFirst();
  const agentOf = await trx.deleteFrom('department_agents').where('user_id', '=', userId).executeTakeFirst();
  const acks = await trx.updateTable('alert_acks').set({ user_id: pseudonym }).where('user_id', '=', userId).executeTakeFirst();

  return {
    counts: {
      requests: opened.length,
      requestsAssigned: Number(assigned.numUpdatedRows),
      requestEvents: Number(events.numUpdatedRows),
      departments: Number(agentOf.numDeletedRows),
      alertAcknowledgements: Number(acks.numUpdatedRows),
    },
    changedNotices,
  };
}
