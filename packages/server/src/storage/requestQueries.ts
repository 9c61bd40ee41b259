import { ErrorCode } from '@plaza/protocol';
import type { CitizenRequest, Member, Message, RequestChangeKind, RequestLocation, RequestStatus } from '@plaza/protocol';
import type { Kysely, Selectable } from 'kysely';
import { PlazaError } from '../errors.js';
import { addMembers, insertConversation, removeMember, requireConversation } from './conversationQueries.js';
import { insertMessageInTransaction } from './messageQueries.js';
import { nowIso } from './ids.js';
import { OutboxEventType, writeOutbox } from './outbox.js';
import type { OutboxEventType as OutboxType } from './outbox.js';
import type {
  DeskMessage,
  NewRequest,
  OpenedRequest,
  QueueRow,
  QueueView,
  RequestHistoryEntry,
  RequestQuery,
  RequestRecords,
  RequestTransition,
  RequestTransitionResult,
} from './RequestRecords.js';
import { parseJson, toConversation, toJson } from './rows.js';
import type { ChatDatabase, RequestsTable } from './schema.js';

/*
 * The citizen desk's request records on Kysely (portable SQL). A change reads the request, checks
 * its precondition and updates it conditionally on the state it read, so a concurrent change (two
 * agents claiming at once) fails with CONFLICT instead of overwriting.
 */

type Db = Kysely<ChatDatabase>;
type RequestRow = Selectable<RequestsTable> & { external_ref: string | null };

/** The outbox event of each change. */
const EVENT_OF: Record<RequestChangeKind, OutboxType> = {
  opened: OutboxEventType.requestOpened,
  claimed: OutboxEventType.requestClaimed,
  transferred: OutboxEventType.requestTransferred,
  on_hold: OutboxEventType.requestOnHold,
  resumed: OutboxEventType.requestResumed,
  resolved: OutboxEventType.requestResolved,
  reopened: OutboxEventType.requestReopened,
  sla_missed: OutboxEventType.requestSlaMissed,
};

/** The verb of each change a transition makes, for refusals: "cannot reopen request c_1: it is queued". */
const CHANGE_VERBS: Record<RequestTransition['change'], string> = {
  claimed: 'claim',
  transferred: 'transfer',
  on_hold: 'put on hold',
  resumed: 'resume',
  resolved: 'resolve',
  reopened: 'reopen',
};

/** Statuses of a request that is not done. */
const OPEN_STATUSES: RequestStatus[] = ['queued', 'claimed', 'on_hold'];

function selectRequests(db: Db) {
  return db
    .selectFrom('requests')
    .innerJoin('conversations', 'conversations.id', 'requests.conversation_id')
    .selectAll('requests')
    .select('conversations.external_ref');
}

/** Maps a request row (with its conversation's external reference) to the wire entity. */
export function toCitizenRequest(row: RequestRow): CitizenRequest {
  return {
    conversationId: row.conversation_id,
    topicId: row.topic_id,
    departmentId: row.department_id,
    citizenId: row.citizen_id,
    status: row.status as RequestStatus,
    assigneeId: row.assignee_id,
    description: row.description,
    location: parseJson<RequestLocation>(row.location),
    externalRef: row.external_ref,
    transferNote: row.transfer_note,
    resolution: row.resolution,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    firstResponseAt: row.first_response_at,
    slaDueAt: row.sla_due_at,
    slaMissed: Number(row.sla_missed) === 1,
    resolvedAt: row.resolved_at,
  };
}

async function findRequest(db: Db, conversationId: string): Promise<CitizenRequest | null> {
  const row = await selectRequests(db).where('requests.conversation_id', '=', conversationId).executeTakeFirst();
  return row ? toCitizenRequest(row) : null;
}

async function requireRequest(db: Db, conversationId: string): Promise<CitizenRequest> {
  const request = await findRequest(db, conversationId);
  if (!request) throw new PlazaError(ErrorCode.REQUEST_NOT_FOUND, `no request ${conversationId}`);
  return request;
}

/** Writes the history entry and the outbox event of a change (inside `trx`). */
async function recordChange(
  trx: Db,
  request: CitizenRequest,
  change: RequestChangeKind,
  entry: { actorId: string | null; fromDepartmentId?: string | undefined; toDepartmentId?: string | undefined; note: string | null },
  now: string,
): Promise<void> {
  await trx
    .insertInto('request_events')
    .values({
      conversation_id: request.conversationId,
      change,
      actor_id: entry.actorId,
      from_department_id: entry.fromDepartmentId ?? null,
      to_department_id: entry.toDepartmentId ?? null,
      note: entry.note,
      at: now,
    })
    .execute();
  const payload: Record<string, unknown> = { conversationId: request.conversationId, request, actorId: entry.actorId };
  if (entry.fromDepartmentId !== undefined) payload.fromDepartmentId = entry.fromDepartmentId;
  await writeOutbox(trx, EVENT_OF[change], payload, now);
}

function badCursor(): PlazaError {
  return new PlazaError(ErrorCode.INVALID_REQUEST, 'invalid request: query.cursor: not a cursor of this list', {
    details: { issues: [{ path: ['query', 'cursor'], message: 'not a cursor of this list' }] },
  });
}

function listCursor(row: { created_at: string; conversation_id: string }): string {
  return Buffer.from(JSON.stringify(['r', row.created_at, row.conversation_id]), 'utf8').toString('base64url');
}

function parseListCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 3 && value[0] === 'r' && typeof value[1] === 'string' && typeof value[2] === 'string') {
      return { createdAt: value[1], id: value[2] };
    }
  } catch {
    // fall through: not ours
  }
  throw badCursor();
}

/** {@link RequestRecords} on a Kysely database. */
export class KyselyRequestRecords implements RequestRecords {
  readonly #db: () => Promise<Db>;

  /** @param db - the migrated database (`UNAVAILABLE` once the store is closed) */
  constructor(db: () => Promise<Db>) {
    this.#db = db;
  }

  /** Runs `fn` in one transaction with one timestamp (`at`, else the current time). */
  async #tx<T>(fn: (trx: Db, now: string) => Promise<T>, at?: string): Promise<T> {
    const db = await this.#db();
    const now = at ?? nowIso();
    return db.transaction().execute((trx) => fn(trx, now));
  }

  open(input: NewRequest): Promise<OpenedRequest> {
    return this.#tx(async (trx, now) => {
      const existing = await trx
        .selectFrom('requests')
        .select('conversation_id')
        .where('citizen_id', '=', input.citizenId)
        .where('client_id', '=', input.clientId)
        .executeTakeFirst();
      if (existing) {
        const conversation = toConversation(await requireConversation(trx, existing.conversation_id));
        return { request: await requireRequest(trx, existing.conversation_id), conversation, messages: [], created: false };
      }
      const created = await insertConversation(
        trx,
        {
          kind: 'request',
          title: input.title,
          topic: input.topicId,
          externalRef: null,
          createdBy: input.citizenId,
          members: [{ userId: input.citizenId, role: 'member' }],
        },
        now,
      );
      await trx
        .insertInto('requests')
        .values({
          conversation_id: created.id,
          topic_id: input.topicId,
          department_id: input.departmentId,
          citizen_id: input.citizenId,
          client_id: input.clientId,
          status: 'queued',
          assignee_id: null,
          description: input.description,
          location: toJson(input.location),
          transfer_note: null,
          resolution: null,
          created_at: now,
          updated_at: now,
          queued_at: now,
          first_response_at: null,
          sla_due_at: input.slaDueAt,
          sla_missed: 0,
          resolved_at: null,
        })
        .execute();
      const messages: Message[] = [];
      for (const m of input.messages) messages.push(await insertMessageInTransaction(trx, created.id, m, now));
      const request = await requireRequest(trx, created.id);
      await recordChange(trx, request, 'opened', { actorId: input.citizenId, toDepartmentId: input.departmentId, note: null }, now);
      const conversation = toConversation(await requireConversation(trx, created.id));
      return { request, conversation, messages, created: true };
    }, input.at);
  }

  apply(t: RequestTransition): Promise<RequestTransitionResult> {
    return this.#tx(async (trx, now) => {
      const previous = await requireRequest(trx, t.conversationId);
      const conflict = (why: string) => new PlazaError(ErrorCode.CONFLICT, `cannot ${CHANGE_VERBS[t.change]} request ${t.conversationId}: ${why}`);
      if (!t.expect.statuses.includes(previous.status)) throw conflict(`it is ${previous.status.replace('_', ' ')}`);
      if (t.expect.assigneeId !== undefined && previous.assigneeId !== t.expect.assigneeId) {
        throw conflict(previous.assigneeId === null ? 'nobody has it' : 'another agent has it');
      }
      const p = t.patch;
      const set: Partial<RequestsTable> = { status: p.status, updated_at: now };
      if (p.assigneeId !== undefined) set.assignee_id = p.assigneeId;
      if (p.departmentId !== undefined) set.department_id = p.departmentId;
      if (p.transferNote !== undefined) set.transfer_note = p.transferNote;
      if (p.resolution !== undefined) set.resolution = p.resolution;
      if (p.requeue) set.queued_at = now;
      if (p.slaDueAt !== undefined) set.sla_due_at = p.slaDueAt;
      if (p.restartSla) {
        set.first_response_at = null;
        set.sla_missed = 0;
      }
      if (p.resolved !== undefined) set.resolved_at = p.resolved ? now : null;
      // Conditional on the state read above: on a database where another writer got in between,
      // nothing is updated and the change fails instead of overwriting theirs.
      let update = trx.updateTable('requests').set(set).where('conversation_id', '=', t.conversationId).where('status', '=', previous.status);
      update = previous.assigneeId === null ? update.where('assignee_id', 'is', null) : update.where('assignee_id', '=', previous.assigneeId);
      const updated = await update.executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw conflict('it changed meanwhile');

      const removed = t.removeMemberId !== undefined ? await removeMember(trx, t.conversationId, t.removeMemberId, now) : null;
      const added: Member[] = t.addMember ? await addMembers(trx, t.conversationId, [t.addMember], now) : [];
      const messages: Message[] = [];
      for (const m of t.messages) messages.push(await insertMessageInTransaction(trx, t.conversationId, m, now));
      const request = await requireRequest(trx, t.conversationId);
      await recordChange(trx, request, t.change, { actorId: t.actorId, fromDepartmentId: t.fromDepartmentId, toDepartmentId: t.toDepartmentId, note: t.note }, now);
      return { request, previous, messages, added, removed };
    }, t.at);
  }

  async get(conversationId: string): Promise<CitizenRequest | null> {
    return findRequest(await this.#db(), conversationId);
  }

  async history(conversationId: string): Promise<RequestHistoryEntry[]> {
    const db = await this.#db();
    const rows = await db.selectFrom('request_events').selectAll().where('conversation_id', '=', conversationId).orderBy('id').execute();
    return rows.map((r) => ({
      change: r.change as RequestChangeKind,
      actorId: r.actor_id,
      fromDepartmentId: r.from_department_id,
      toDepartmentId: r.to_department_id,
      note: r.note,
      at: r.at,
    }));
  }

  async listByCitizen(citizenId: string, status?: RequestStatus): Promise<CitizenRequest[]> {
    const db = await this.#db();
    let q = selectRequests(db).where('requests.citizen_id', '=', citizenId);
    if (status !== undefined) q = q.where('requests.status', '=', status);
    const rows = await q.orderBy('requests.created_at', 'desc').orderBy('requests.conversation_id', 'desc').execute();
    return rows.map(toCitizenRequest);
  }

  async queue(departmentId: string, view: QueueView, agentId: string): Promise<QueueRow[]> {
    const db = await this.#db();
    let q = selectRequests(db)
      .leftJoin('users', 'users.id', 'requests.citizen_id')
      .select('users.name as citizen_name')
      .where('requests.department_id', '=', departmentId);
    if (view === 'waiting') q = q.where('requests.status', '=', 'queued');
    else if (view === 'mine') q = q.where('requests.status', 'in', ['claimed', 'on_hold']).where('requests.assignee_id', '=', agentId);
    else q = q.where('requests.status', 'in', OPEN_STATUSES);
    const rows = await q.orderBy('requests.queued_at').orderBy('requests.conversation_id').execute();
    return rows.map((r) => ({ ...toCitizenRequest(r), citizenName: r.citizen_name ?? r.citizen_id, queuedAt: r.queued_at }));
  }

  async list(query: RequestQuery): Promise<{ items: CitizenRequest[]; nextCursor: string | null }> {
    const db = await this.#db();
    let q = selectRequests(db);
    if (query.departmentId !== undefined) q = q.where('requests.department_id', '=', query.departmentId);
    if (query.status !== undefined) q = q.where('requests.status', '=', query.status);
    if (query.citizenId !== undefined) q = q.where('requests.citizen_id', '=', query.citizenId);
    if (query.externalRef !== undefined) q = q.where('conversations.external_ref', '=', query.externalRef);
    if (query.cursor !== undefined) {
      const after = parseListCursor(query.cursor);
      q = q.where((eb) =>
        eb.or([
          eb('requests.created_at', '<', after.createdAt),
          eb.and([eb('requests.created_at', '=', after.createdAt), eb('requests.conversation_id', '<', after.id)]),
        ]),
      );
    }
    const limit = Math.max(1, Math.floor(query.limit));
    const rows = await q.orderBy('requests.created_at', 'desc').orderBy('requests.conversation_id', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toCitizenRequest), nextCursor: rows.length > limit && last ? listCursor(last) : null };
  }

  async recordFirstResponse(conversationId: string, senderId: string): Promise<CitizenRequest | null> {
    return this.#tx(async (trx, now) => {
      const updated = await trx
        .updateTable('requests')
        .set({ first_response_at: now, sla_due_at: null, updated_at: now })
        .where('conversation_id', '=', conversationId)
        .where('first_response_at', 'is', null)
        .where('citizen_id', '<>', senderId)
        .where((eb) =>
          eb.or([
            eb('assignee_id', '=', senderId),
            eb.exists(
              eb
                .selectFrom('department_agents')
                .select('department_agents.user_id')
                .whereRef('department_agents.department_id', '=', 'requests.department_id')
                .where('department_agents.user_id', '=', senderId),
            ),
          ]),
        )
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return null;
      return requireRequest(trx, conversationId);
    });
  }

  markSlaMissed(now: string, limit: number): Promise<CitizenRequest[]> {
    return this.#tx(async (trx, at) => {
      const due = await trx
        .selectFrom('requests')
        .select('conversation_id')
        .where('sla_missed', '=', 0)
        .where('first_response_at', 'is', null)
        .where('sla_due_at', 'is not', null)
        .where('sla_due_at', '<=', now)
        .where('status', 'in', OPEN_STATUSES)
        .orderBy('sla_due_at')
        .limit(Math.max(1, Math.floor(limit)))
        .execute();
      const missed: CitizenRequest[] = [];
      for (const { conversation_id: id } of due) {
        const updated = await trx
          .updateTable('requests')
          .set({ sla_missed: 1, updated_at: at })
          .where('conversation_id', '=', id)
          .where('sla_missed', '=', 0)
          .where('first_response_at', 'is', null)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) continue;
        const request = await requireRequest(trx, id);
        await recordChange(trx, request, 'sla_missed', { actorId: null, note: null }, at);
        missed.push(request);
      }
      return missed;
    });
  }
}
