import { webhookFilterMatches } from '@plaza/protocol';
import type { Kysely } from 'kysely';
import { OUTBOX_CURSOR_KEY } from './outbox.js';
import { chunks } from './conversationQueries.js';
import type { ChatDatabase } from './schema.js';
import type { DeliveryOutcome, DueDelivery, KeyedPage, WebhookDelivery, WebhookDeliveryStatus, WebhookEvent } from './WebhookRecords.js';

/*
 * The queries of the webhook dispatcher (fan-out, due deliveries) and the read side of deliveries
 * and events for the REST API. `KyselyWebhookRecords` wraps them in transactions.
 */

type Db = Kysely<ChatDatabase>;

function selectDeliveries(db: Db) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('outbox as o', 'o.id', 'd.event_id')
    .select([
      'd.id',
      'd.endpoint_id',
      'd.event_id',
      'o.type',
      'd.status',
      'd.attempts',
      'd.next_attempt_at',
      'd.last_status',
      'd.last_error',
      'd.created_at',
      'd.delivered_at',
    ]);
}

type DeliveryRow = Awaited<ReturnType<ReturnType<typeof selectDeliveries>['executeTakeFirstOrThrow']>>;

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    webhookId: row.endpoint_id,
    eventId: `evt_${row.event_id}`,
    eventType: row.type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

/** Deliveries newest first (see `WebhookRecords.listDeliveries`). */
export async function listDeliveries(
  db: Db,
  query: { webhookId?: string; status?: WebhookDeliveryStatus; limit: number; before?: number },
): Promise<KeyedPage<WebhookDelivery>> {
  let q = selectDeliveries(db);
  if (query.webhookId !== undefined) q = q.where('d.endpoint_id', '=', query.webhookId);
  if (query.status !== undefined) q = q.where('d.status', '=', query.status);
  if (query.before !== undefined) q = q.where('d.id', '<', query.before);
  const rows = await q.orderBy('d.id', 'desc').limit(query.limit + 1).execute();
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return { items: page.map(toDelivery), next: rows.length > query.limit && last ? Number(last.id) : null };
}

/** An event's deliveries (to one endpoint, with `webhookId`), oldest first. */
export async function deliveriesOfEvent(db: Db, eventId: number, webhookId?: string): Promise<WebhookDelivery[]> {
  let q = selectDeliveries(db).where('d.event_id', '=', eventId);
  if (webhookId !== undefined) q = q.where('d.endpoint_id', '=', webhookId);
  return (await q.orderBy('d.id').execute()).map(toDelivery);
}

function toEvent(row: { id: number; type: string; created_at: string; payload: string }): WebhookEvent {
  return { id: `evt_${row.id}`, type: row.type, createdAt: row.created_at, data: JSON.parse(row.payload) as Record<string, unknown> };
}

/** Outbox events oldest first (see `WebhookRecords.listEvents`). */
export async function listEvents(db: Db, query: { after?: number; type?: string; limit: number }): Promise<KeyedPage<WebhookEvent>> {
  let q = db.selectFrom('outbox').select(['id', 'type', 'created_at', 'payload']);
  if (query.after !== undefined) q = q.where('id', '>', query.after);
  const type = query.type;
  if (type !== undefined && type !== '*') {
    // `message.*` → `message.%`; the prefixes are plain words, so no LIKE escaping is needed.
    q = type.endsWith('.*') ? q.where('type', 'like', `${type.slice(0, -1)}%`) : q.where('type', '=', type);
  }
  const rows = await q.orderBy('id').limit(query.limit + 1).execute();
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return { items: page.map((r) => toEvent({ ...r, id: Number(r.id) })), next: rows.length > query.limit && last ? Number(last.id) : null };
}

/** One outbox event, or `null`. */
export async function getEvent(db: Db, eventId: number): Promise<WebhookEvent | null> {
  const row = await db.selectFrom('outbox').select(['id', 'type', 'created_at', 'payload']).where('id', '=', eventId).executeTakeFirst();
  return row ? toEvent({ ...row, id: Number(row.id) }) : null;
}

/** The newest outbox id, 0 when the outbox is empty. */
export async function lastEventId(db: Db): Promise<number> {
  const row = await db.selectFrom('outbox').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst();
  return Number(row?.max ?? 0);
}

async function readCursor(db: Db): Promise<number | null> {
  const row = await db.selectFrom('server_state').select('value').where('key', '=', OUTBOX_CURSOR_KEY).executeTakeFirst();
  return row ? Number(JSON.parse(row.value)) : null;
}

async function writeCursor(db: Db, cursor: number): Promise<void> {
  await db
    .insertInto('server_state')
    .values({ key: OUTBOX_CURSOR_KEY, value: JSON.stringify(cursor) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(cursor) }))
    .execute();
}

/**
 * The dispatcher's cursor. On a database that never had one, it starts at the newest outbox row:
 * no endpoint existed before, so nothing older is owed to anyone.
 */
export async function initCursor(db: Db): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const cursor = await readCursor(trx);
    if (cursor !== null) return cursor;
    const last = await lastEventId(trx);
    await writeCursor(trx, last);
    return last;
  });
}

/** Fans out the next `limit` outbox rows (inside a transaction; see `WebhookRecords.fanOut`). */
export async function fanOut(trx: Db, limit: number, now: string): Promise<{ cursor: number; created: number }> {
  const cursor = (await readCursor(trx)) ?? 0;
  const events = await trx.selectFrom('outbox').select(['id', 'type', 'created_at']).where('id', '>', cursor).orderBy('id').limit(limit).execute();
  const last = events[events.length - 1];
  if (!last) return { cursor, created: 0 };
  // Disabled endpoints too: their deliveries wait (`claimDue` skips them) until they are enabled again.
  const endpoints = (await trx.selectFrom('webhook_endpoints').select(['id', 'events', 'created_at']).execute()).map((e) => ({
    id: e.id,
    filters: JSON.parse(e.events) as string[],
    createdAt: e.created_at,
  }));
  const deliveries = [];
  for (const event of events) {
    for (const endpoint of endpoints) {
      // Only events written once the endpoint existed: a new endpoint does not get a backlog.
      if (endpoint.createdAt > event.created_at || !webhookFilterMatches(endpoint.filters, event.type)) continue;
      deliveries.push({
        endpoint_id: endpoint.id,
        event_id: Number(event.id),
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: now,
        last_status: null,
        last_error: null,
        created_at: now,
        delivered_at: null,
      });
    }
  }
  for (const part of chunks(deliveries)) {
    await trx
      .insertInto('webhook_deliveries')
      .values(part)
      .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
      .execute();
  }
  const next = Number(last.id);
  await writeCursor(trx, next);
  return { cursor: next, created: deliveries.length };
}

/** Due pending deliveries of enabled endpoints (see `WebhookRecords.claimDue`). */
export async function claimDue(db: Db, now: string, limit: number, exclude: readonly number[]): Promise<DueDelivery[]> {
  let q = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .innerJoin('outbox as o', 'o.id', 'd.event_id')
    .select([
      'd.id',
      'd.endpoint_id',
      'd.event_id',
      'd.attempts',
      'e.url',
      'e.secret',
      'e.previous_secret',
      'e.previous_secret_expires_at',
      'o.type',
      'o.created_at',
      'o.payload',
    ])
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', now)
    .where('e.enabled', '=', 1);
  if (exclude.length > 0) q = q.where('d.id', 'not in', [...exclude]);
  const rows = await q.orderBy('d.next_attempt_at').orderBy('d.id').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    endpointId: r.endpoint_id,
    url: r.url,
    secrets: r.previous_secret && r.previous_secret_expires_at && r.previous_secret_expires_at > now ? [r.secret, r.previous_secret] : [r.secret],
    eventId: Number(r.event_id),
    eventType: r.type,
    eventCreatedAt: r.created_at,
    payload: r.payload,
    attempts: r.attempts,
  }));
}

/**
 * Writes finished attempts (inside a transaction; see `WebhookRecords.recordOutcomes`). Deliveries
 * that were accepted are updated with one statement per answer status (almost always one), each
 * failure with its own.
 */
export async function recordOutcomes(trx: Db, outcomes: readonly DeliveryOutcome[], now: string): Promise<void> {
  const deliveredByStatus = new Map<number, number[]>();
  for (const outcome of outcomes) {
    if (outcome.delivered) {
      let ids = deliveredByStatus.get(outcome.status);
      if (!ids) deliveredByStatus.set(outcome.status, (ids = []));
      ids.push(outcome.deliveryId);
      continue;
    }
    await trx
      .updateTable('webhook_deliveries')
      .set({
        status: outcome.nextAttemptAt === null ? 'dead' : 'pending',
        attempts: outcome.attempts,
        last_status: outcome.status,
        last_error: outcome.error.slice(0, 500),
        ...(outcome.nextAttemptAt === null ? {} : { next_attempt_at: outcome.nextAttemptAt }),
      })
      .where('id', '=', outcome.deliveryId)
      .where('status', '=', 'pending')
      .execute();
  }
  for (const [status, ids] of deliveredByStatus) {
    for (const part of chunks(ids)) {
      await trx
        .updateTable('webhook_deliveries')
        .set({ status: 'delivered', attempts: (eb) => eb('attempts', '+', 1), last_status: status, last_error: null, delivered_at: now })
        .where('id', 'in', part)
        .where('status', '=', 'pending')
        .execute();
    }
  }
}
