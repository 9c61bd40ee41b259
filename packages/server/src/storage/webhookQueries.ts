import { randomBytes } from 'node:crypto';
import { ErrorCode } from '@plaza/protocol';
import type { Kysely, Selectable } from 'kysely';
import { PlazaError } from '../errors.js';
import * as dispatch from './webhookDispatchQueries.js';
import { nowIso, randomBase62 } from './ids.js';
import type { ChatDatabase, WebhookEndpointsTable } from './schema.js';
import { OutboxSignal } from './outboxSignal.js';
import { unsyncedTransaction } from './unsyncedTransaction.js';
import type {
  DeliveryOutcome,
  DueDelivery,
  KeyedPage,
  NewWebhookEndpoint,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookEndpointPatch,
  WebhookEndpointWithSecret,
  WebhookEvent,
  WebhookRecords,
} from './WebhookRecords.js';

type Db = Kysely<ChatDatabase>;
type EndpointRow = Selectable<WebhookEndpointsTable>;

/** `evt_<outbox id>`: an event id as the API and webhook bodies show it. */
export function wireEventId(outboxId: number): string {
  return `evt_${outboxId}`;
}

/** The outbox id of a wire event id (`evt_42` → 42), or `null` when it is not one. */
export function parseEventId(eventId: string): number | null {
  const match = /^evt_([1-9][0-9]{0,15})$/.exec(eventId);
  return match ? Number(match[1]) : null;
}

/** A new signing secret: `whsec_` and base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function toEndpoint(row: EndpointRow, now: string): WebhookEndpoint {
  const overlap = row.previous_secret_expires_at && row.previous_secret_expires_at > now ? row.previous_secret_expires_at : null;
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    description: row.description,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    previousSecretExpiresAt: overlap,
  };
}

function notFound(webhookId: string): PlazaError {
  return new PlazaError(ErrorCode.WEBHOOK_NOT_FOUND, `no webhook endpoint ${webhookId}`);
}

/** Endpoints are listed by creation time; a page key holds it and the id (ids break ties). */
function endpointKey(row: EndpointRow): string {
  return Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');
}

function parseEndpointKey(key: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(key, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') return [value[0], value[1]];
  } catch {
    // falls through to the error
  }
  throw new PlazaError(ErrorCode.INVALID_REQUEST, 'invalid cursor (pass the nextCursor of a previous page)');
}

/**
 * {@link WebhookRecords} on Kysely (SQLite now; the queries are portable). Each mutating method is
 * one transaction.
 */
export class KyselyWebhookRecords implements WebhookRecords {
  readonly #open: () => Promise<Db>;
  readonly #signal: OutboxSignal;
  /** Raised after an endpoint was created or deleted by this process. */
  readonly #endpointsChanged = new OutboxSignal();

  /**
   * @param open - resolves with the migrated database (throws `UNAVAILABLE` once the store is closed)
   * @param signal - raised by the store after commits that wrote outbox rows
   */
  constructor(open: () => Promise<Db>, signal: OutboxSignal) {
    this.#open = open;
    this.#signal = signal;
  }

  async #tx<T>(fn: (trx: Db, now: string) => Promise<T>): Promise<T> {
    const db = await this.#open();
    return db.transaction().execute((trx) => fn(trx, nowIso()));
  }

  /**
   * A transaction of the dispatcher's own bookkeeping (fan-out, outcomes): committed without a disk
   * sync of its own, durable with the next commit that syncs (see {@link unsyncedTransaction}). A
   * power cut can lose it, which only means deliveries are sent again (at least once); a crash of
   * the process cannot.
   */
  async #bookkeeping<T>(fn: (trx: Db, now: string) => Promise<T>): Promise<T> {
    return unsyncedTransaction(await this.#open(), (trx) => fn(trx, nowIso()));
  }

  async create(input: NewWebhookEndpoint): Promise<WebhookEndpointWithSecret> {
    const created = await this.#tx(async (trx, now) => {
      const row: EndpointRow = {
        id: `wh_${randomBase62()}`,
        url: input.url,
        events: JSON.stringify(input.events),
        secret: newWebhookSecret(),
        previous_secret: null,
        previous_secret_expires_at: null,
        description: input.description,
        enabled: input.enabled ? 1 : 0,
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('webhook_endpoints').values(row).execute();
      return { ...toEndpoint(row, now), secret: row.secret };
    });
    this.#endpointsChanged.notify();
    return created;
  }

  async list(query: { limit: number; after?: string }): Promise<{ items: WebhookEndpoint[]; next: string | null }> {
    const db = await this.#open();
    let q = db.selectFrom('webhook_endpoints').selectAll();
    if (query.after !== undefined) {
      const [createdAt, id] = parseEndpointKey(query.after);
      q = q.where((eb) => eb.or([eb('created_at', '>', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '>', id)])]));
    }
    const rows = await q.orderBy('created_at').orderBy('id').limit(query.limit + 1).execute();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const now = nowIso();
    return { items: page.map((r) => toEndpoint(r, now)), next: rows.length > query.limit && last ? endpointKey(last) : null };
  }

  async get(webhookId: string): Promise<WebhookEndpoint | null> {
    const db = await this.#open();
    const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', webhookId).executeTakeFirst();
    return row ? toEndpoint(row, nowIso()) : null;
  }

  update(webhookId: string, patch: WebhookEndpointPatch): Promise<WebhookEndpoint> {
    return this.#tx(async (trx, now) => {
      const set: Partial<EndpointRow> = { updated_at: now };
      if (patch.url !== undefined) set.url = patch.url;
      if (patch.events !== undefined) set.events = JSON.stringify(patch.events);
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
      const row = await trx.updateTable('webhook_endpoints').set(set).where('id', '=', webhookId).returningAll().executeTakeFirst();
      if (!row) throw notFound(webhookId);
      return toEndpoint(row, now);
    });
  }

  async delete(webhookId: string): Promise<boolean> {
    const deleted = await this.#tx(async (trx) => {
      await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', webhookId).execute();
      const result = await trx.deleteFrom('webhook_endpoints').where('id', '=', webhookId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
    if (deleted) this.#endpointsChanged.notify();
    return deleted;
  }

  rotateSecret(webhookId: string, overlapMs: number): Promise<WebhookEndpointWithSecret> {
    return this.#tx(async (trx, now) => {
      const current = await trx.selectFrom('webhook_endpoints').select('secret').where('id', '=', webhookId).executeTakeFirst();
      if (!current) throw notFound(webhookId);
      const secret = newWebhookSecret();
      const row = await trx
        .updateTable('webhook_endpoints')
        .set({
          secret,
          previous_secret: current.secret,
          previous_secret_expires_at: new Date(Date.parse(now) + overlapMs).toISOString(),
          updated_at: now,
        })
        .where('id', '=', webhookId)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { ...toEndpoint(row, now), secret };
    });
  }

  async listDeliveries(query: { webhookId?: string; status?: WebhookDeliveryStatus; limit: number; before?: number }): Promise<KeyedPage<WebhookDelivery>> {
    return dispatch.listDeliveries(await this.#open(), query);
  }

  redeliver(eventId: number, webhookId?: string): Promise<WebhookDelivery[]> {
    return this.#tx(async (trx, now) => {
      const event = await trx.selectFrom('outbox').select('id').where('id', '=', eventId).executeTakeFirst();
      if (!event) throw new PlazaError(ErrorCode.EVENT_NOT_FOUND, `no event ${wireEventId(eventId)}`);
      if (webhookId !== undefined) {
        const endpoint = await trx.selectFrom('webhook_endpoints').select('id').where('id', '=', webhookId).executeTakeFirst();
        if (!endpoint) throw notFound(webhookId);
        await trx
          .insertInto('webhook_deliveries')
          .values({ endpoint_id: webhookId, event_id: eventId, status: 'pending', attempts: 0, next_attempt_at: now, last_status: null, last_error: null, created_at: now, delivered_at: null })
          .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
          .execute();
      }
      let again = trx
        .updateTable('webhook_deliveries')
        .set({ status: 'pending', attempts: 0, next_attempt_at: now, delivered_at: null })
        .where('event_id', '=', eventId)
        .where('status', 'in', ['dead', 'delivered']);
      if (webhookId !== undefined) again = again.where('endpoint_id', '=', webhookId);
      await again.execute();
      return dispatch.deliveriesOfEvent(trx, eventId, webhookId);
    });
  }

  async listEvents(query: { after?: number; type?: string; limit: number }): Promise<KeyedPage<WebhookEvent>> {
    return dispatch.listEvents(await this.#open(), query);
  }

  async getEvent(eventId: number): Promise<(WebhookEvent & { deliveries: WebhookDelivery[] }) | null> {
    const db = await this.#open();
    const event = await dispatch.getEvent(db, eventId);
    return event ? { ...event, deliveries: await dispatch.deliveriesOfEvent(db, eventId) } : null;
  }

  async initCursor(): Promise<number> {
    return dispatch.initCursor(await this.#open());
  }

  async lastEventId(): Promise<number> {
    return dispatch.lastEventId(await this.#open());
  }

  fanOut(limit: number): Promise<{ cursor: number; created: number }> {
    return this.#bookkeeping((trx, now) => dispatch.fanOut(trx, limit, now));
  }

  async claimDue(now: string, limit: number, exclude: readonly number[]): Promise<DueDelivery[]> {
    return dispatch.claimDue(await this.#open(), now, limit, exclude);
  }

  recordOutcomes(outcomes: readonly DeliveryOutcome[]): Promise<void> {
    if (outcomes.length === 0) return Promise.resolve();
    return this.#bookkeeping((trx, now) => dispatch.recordOutcomes(trx, outcomes, now));
  }

  onOutboxWritten(listener: () => void): () => void {
    return this.#signal.on(listener);
  }

  onEndpointsChanged(listener: () => void): () => void {
    return this.#endpointsChanged.on(listener);
  }

  async countPending(): Promise<number> {
    const db = await this.#open();
    const row = await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
