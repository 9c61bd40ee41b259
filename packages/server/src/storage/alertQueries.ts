import { ErrorCode } from '@plaza/protocol';
import type { Alert, AlertAcknowledgement, AlertChannel, AlertSeverity, Conversation } from '@plaza/protocol';
import type { Kysely, Selectable } from 'kysely';
import { PlazaError } from '../errors.js';
import type { AlertChannelPatch, AlertQuery, AlertRecords, DueAlert, NewAlert, NewAlertChannel, PostedAlert } from './AlertRecords.js';
import { chunks, insertConversation, updateConversation } from './conversationQueries.js';
import { nowIso, randomBase62 } from './ids.js';
import { insertMessageInTransaction } from './messageQueries.js';
import { OutboxEventType, writeOutbox } from './outbox.js';
import type { AlertChannelsTable, AlertsTable, ChatDatabase } from './schema.js';

type Db = Kysely<ChatDatabase>;
type ChannelRow = Selectable<AlertChannelsTable>;
type AlertRow = Selectable<AlertsTable>;

/** A new alert id: `al_` and 20 random base62 characters. */
export function newAlertId(): string {
  return `al_${randomBase62()}`;
}

function toChannel(row: ChannelRow): AlertChannel {
  return {
    id: row.id,
    name: row.name,
    topic: row.topic,
    area: row.area,
    conversationId: row.conversation_id,
    ackTimeoutSec: row.ack_timeout_sec === null ? null : Number(row.ack_timeout_sec),
    escalationDepartmentId: row.escalation_department_id,
    createdAt: row.created_at,
  };
}

function toAlert(row: AlertRow, acknowledgements: AlertAcknowledgement[]): Alert {
  return {
    id: row.id,
    channelId: row.channel_id,
    conversationId: row.conversation_id,
    title: row.title,
    body: row.body,
    severity: row.severity as AlertSeverity,
    source: row.source,
    createdAt: row.created_at,
    ackDeadlineAt: row.ack_deadline_at,
    acknowledgements,
    escalatedAt: row.escalated_at,
    escalationRequestId: row.escalation_request_id,
  };
}

function channelNotFound(channelId: string): PlazaError {
  return new PlazaError(ErrorCode.CHANNEL_NOT_FOUND, `no alert channel ${channelId}`);
}

function alertNotFound(alertId: string): PlazaError {
  return new PlazaError(ErrorCode.ALERT_NOT_FOUND, `no alert ${alertId}`);
}

async function requireDepartment(db: Db, departmentId: string | null | undefined): Promise<void> {
  if (departmentId === null || departmentId === undefined) return;
  const row = await db.selectFrom('departments').select('id').where('id', '=', departmentId).executeTakeFirst();
  if (!row) throw new PlazaError(ErrorCode.DEPARTMENT_NOT_FOUND, `escalationDepartmentId: no department ${departmentId}`);
}

async function requireChannelRow(db: Db, channelId: string): Promise<ChannelRow> {
  const row = await db.selectFrom('alert_channels').selectAll().where('id', '=', channelId).executeTakeFirst();
  if (!row) throw channelNotFound(channelId);
  return row;
}

/** The alerts of `rows` with their acknowledgements (oldest acknowledgement first). */
async function withAcks(db: Db, rows: readonly AlertRow[]): Promise<Alert[]> {
  const acks = new Map<string, AlertAcknowledgement[]>();
  for (const part of chunks(rows.map((r) => r.id))) {
    const ackRows = await db.selectFrom('alert_acks').selectAll().where('alert_id', 'in', part).orderBy('at').orderBy('user_id').execute();
    for (const ack of ackRows) {
      const list = acks.get(ack.alert_id) ?? [];
      list.push({ userId: ack.user_id, at: ack.at });
      acks.set(ack.alert_id, list);
    }
  }
  return rows.map((r) => toAlert(r, acks.get(r.id) ?? []));
}

async function loadAlert(db: Db, alertId: string): Promise<Alert | null> {
  const row = await db.selectFrom('alerts').selectAll().where('id', '=', alertId).executeTakeFirst();
  if (!row) return null;
  const [alert] = await withAcks(db, [row]);
  return alert ?? null;
}

/** Alerts are listed newest first; a page key holds the creation time and the id (ids break ties). */
function alertKey(row: AlertRow): string {
  return Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');
}

function parseAlertKey(key: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(key, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') return [value[0], value[1]];
  } catch {
    // falls through to the error
  }
  throw new PlazaError(ErrorCode.INVALID_REQUEST, 'invalid cursor (pass the nextCursor of a previous page)', {
    details: { issues: [{ path: ['query', 'cursor'], message: 'not a cursor of this list' }] },
  });
}

function sameAlert(row: AlertRow, input: NewAlert): boolean {
  return row.channel_id === input.channelId && row.title === input.title && row.body === input.body && row.severity === input.severity;
}

/** {@link AlertRecords} on Kysely (SQLite now; the queries are portable). Each mutating method is one transaction. */
export class KyselyAlertRecords implements AlertRecords {
  readonly #open: () => Promise<Db>;

  /** @param open - resolves with the migrated database (throws `UNAVAILABLE` once the store is closed) */
  constructor(open: () => Promise<Db>) {
    this.#open = open;
  }

  async #tx<T>(fn: (trx: Db, now: string) => Promise<T>): Promise<T> {
    const db = await this.#open();
    return db.transaction().execute((trx) => fn(trx, nowIso()));
  }

  createChannel(input: NewAlertChannel): Promise<{ channel: AlertChannel; conversation: Conversation }> {
    return this.#tx(async (trx, now) => {
      const taken = await trx.selectFrom('alert_channels').select('id').where('id', '=', input.id).executeTakeFirst();
      if (taken) throw new PlazaError(ErrorCode.CONFLICT, `an alert channel ${input.id} exists already`);
      await requireDepartment(trx, input.escalationDepartmentId);
      const conversation = await insertConversation(
        trx,
        {
          kind: 'channel',
          title: input.name,
          topic: input.topic,
          externalRef: null,
          createdBy: input.createdBy,
          members: [...new Set(input.memberIds)].map((userId) => ({ userId, role: 'member' as const })),
        },
        now,
      );
      const row: ChannelRow = {
        id: input.id,
        name: input.name,
        topic: input.topic,
        area: input.area,
        conversation_id: conversation.id,
        ack_timeout_sec: input.ackTimeoutSec,
        escalation_department_id: input.escalationDepartmentId,
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('alert_channels').values(row).execute();
      return { channel: toChannel(row), conversation };
    });
  }

  async getChannel(channelId: string): Promise<AlertChannel | null> {
    const db = await this.#open();
    const row = await db.selectFrom('alert_channels').selectAll().where('id', '=', channelId).executeTakeFirst();
    return row ? toChannel(row) : null;
  }

  async listChannels(query: { limit: number; after?: string }): Promise<{ items: AlertChannel[]; next: string | null }> {
    const db = await this.#open();
    let q = db.selectFrom('alert_channels').selectAll().orderBy('id').limit(query.limit + 1);
    if (query.after !== undefined) q = q.where('id', '>', query.after);
    const rows = await q.execute();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: page.map(toChannel), next: rows.length > query.limit && last ? last.id : null };
  }

  updateChannel(channelId: string, patch: AlertChannelPatch): Promise<{ channel: AlertChannel; conversation: Conversation | null }> {
    return this.#tx(async (trx, now) => {
      const row = await requireChannelRow(trx, channelId);
      await requireDepartment(trx, patch.escalationDepartmentId);
      const updated: ChannelRow = {
        ...row,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.topic !== undefined ? { topic: patch.topic } : {}),
        ...(patch.area !== undefined ? { area: patch.area } : {}),
        ...(patch.ackTimeoutSec !== undefined ? { ack_timeout_sec: patch.ackTimeoutSec } : {}),
        ...(patch.escalationDepartmentId !== undefined ? { escalation_department_id: patch.escalationDepartmentId } : {}),
        updated_at: now,
      };
      await trx
        .updateTable('alert_channels')
        .set({
          name: updated.name,
          topic: updated.topic,
          area: updated.area,
          ack_timeout_sec: updated.ack_timeout_sec,
          escalation_department_id: updated.escalation_department_id,
          updated_at: now,
        })
        .where('id', '=', channelId)
        .execute();
      let conversation: Conversation | null = null;
      if (updated.name !== row.name || updated.topic !== row.topic) {
        conversation = await updateConversation(trx, row.conversation_id, { title: updated.name, topic: updated.topic }, now);
      }
      return { channel: toChannel(updated), conversation };
    });
  }

  post(input: NewAlert): Promise<PostedAlert> {
    return this.#tx(async (trx, now) => {
      if (input.clientId !== null) {
        const existing = await trx
          .selectFrom('alerts')
          .selectAll()
          .where('source', '=', input.source)
          .where('client_id', '=', input.clientId)
          .executeTakeFirst();
        if (existing) {
          if (!sameAlert(existing, input)) {
            throw new PlazaError(ErrorCode.CONFLICT, `clientId ${input.clientId} of source ${input.source} was already used for another alert`);
          }
          const [alert] = await withAcks(trx, [existing]);
          return { alert: alert as Alert, message: null, duplicate: true };
        }
      }
      const channel = await requireChannelRow(trx, input.channelId);
      const timeout = channel.ack_timeout_sec === null ? null : Number(channel.ack_timeout_sec);
      const row: AlertRow = {
        id: newAlertId(),
        channel_id: channel.id,
        conversation_id: channel.conversation_id,
        client_id: input.clientId,
        title: input.title,
        body: input.body,
        severity: input.severity,
        source: input.source,
        created_at: now,
        ack_deadline_at: timeout === null ? null : new Date(Date.parse(now) + timeout * 1000).toISOString(),
        escalated_at: null,
        escalation_request_id: null,
      };
      await trx.insertInto('alerts').values(row).execute();
      const message = await insertMessageInTransaction(trx, channel.conversation_id, { senderId: input.senderId, kind: 'system', text: input.messageText, clientId: null }, now);
      const alert = toAlert(row, []);
      await writeOutbox(trx, OutboxEventType.alertCreated, { conversationId: alert.conversationId, channelId: alert.channelId, alert }, now);
      return { alert, message, duplicate: false };
    });
  }

  async get(alertId: string): Promise<Alert | null> {
    return loadAlert(await this.#open(), alertId);
  }

  async list(query: AlertQuery): Promise<{ items: Alert[]; nextCursor: string | null }> {
    const db = await this.#open();
    let q = db.selectFrom('alerts').selectAll();
    if (query.channelId !== undefined) q = q.where('channel_id', '=', query.channelId);
    if (query.memberId !== undefined) {
      const memberId = query.memberId;
      q = q.where('conversation_id', 'in', (eb) => eb.selectFrom('members').select('conversation_id').where('user_id', '=', memberId));
    }
    if (query.since !== undefined) q = q.where('created_at', '>=', query.since);
    if (query.until !== undefined) q = q.where('created_at', '<', query.until);
    if (query.cursor !== undefined) {
      const [at, id] = parseAlertKey(query.cursor);
      q = q.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', id)])]));
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: await withAcks(db, page), nextCursor: rows.length > query.limit && last ? alertKey(last) : null };
  }

  acknowledge(alertId: string, userId: string): Promise<{ alert: Alert; changed: boolean }> {
    return this.#tx(async (trx, now) => {
      const row = await trx.selectFrom('alerts').selectAll().where('id', '=', alertId).executeTakeFirst();
      if (!row) throw alertNotFound(alertId);
      const member = await trx
        .selectFrom('members')
        .select('user_id')
        .where('conversation_id', '=', row.conversation_id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (!member) throw new PlazaError(ErrorCode.NOT_A_MEMBER, `${userId} is not a recipient of alert channel ${row.channel_id}`);
      const inserted = await trx
        .insertInto('alert_acks')
        .values({ alert_id: alertId, user_id: userId, at: now })
        .onConflict((oc) => oc.columns(['alert_id', 'user_id']).doNothing())
        .returning('user_id')
        .executeTakeFirst();
      const changed = inserted !== undefined;
      const [alert] = await withAcks(trx, [row]);
      if (changed) {
        await writeOutbox(trx, OutboxEventType.alertAcknowledged, { conversationId: row.conversation_id, alert, userId, at: now }, now);
      }
      return { alert: alert as Alert, changed };
    });
  }

  async dueForEscalation(now: string, limit: number): Promise<DueAlert[]> {
    const db = await this.#open();
    const rows = await db
      .selectFrom('alerts')
      .innerJoin('alert_channels', 'alert_channels.id', 'alerts.channel_id')
      .selectAll('alerts')
      .select('alert_channels.escalation_department_id as department_id')
      .where('alerts.escalated_at', 'is', null)
      .where('alerts.ack_deadline_at', 'is not', null)
      .where('alerts.ack_deadline_at', '<=', now)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('alert_acks').select('alert_acks.alert_id').whereRef('alert_acks.alert_id', '=', 'alerts.id'))))
      .orderBy('alerts.ack_deadline_at')
      .orderBy('alerts.id')
      .limit(limit)
      .execute();
    return rows.map(({ department_id, ...row }) => ({ alert: toAlert(row, []), escalationDepartmentId: department_id }));
  }

  markEscalated(alertId: string, escalation: { departmentId: string | null; requestId: string | null }): Promise<{ alert: Alert; changed: boolean }> {
    return this.#tx(async (trx, now) => {
      const updated = await trx
        .updateTable('alerts')
        .set({ escalated_at: now, escalation_request_id: escalation.requestId })
        .where('id', '=', alertId)
        .where('escalated_at', 'is', null)
        .executeTakeFirst();
      const alert = await loadAlert(trx, alertId);
      if (!alert) throw alertNotFound(alertId);
      const changed = Number(updated.numUpdatedRows) > 0;
      if (changed) {
        await writeOutbox(trx, OutboxEventType.alertEscalated, { conversationId: alert.conversationId, alert, departmentId: escalation.departmentId }, now);
      }
      return { alert, changed };
    });
  }
}
