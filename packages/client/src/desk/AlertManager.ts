import type { Alert, RequestName, RequestOf, ResponseOf } from '@plaza/protocol';
import { InvalidStateError } from '../errors.js';
import { SafeEmitter } from '../internal/SafeEmitter.js';
import { assertId, assertInt, assertObject } from '../internal/validate.js';
import type { Logger } from '../logger.js';
import type { AlertManagerEvents } from './events.js';
import { assertSlug } from './validate.js';

/** Query of {@link AlertManager.list}. */
export interface AlertListQuery {
  /** Only alerts of this channel. @defaultValue every channel the user belongs to */
  channelId?: string;
  /** How many, 1–200. @defaultValue the server's default */
  limit?: number;
}

/** What the alert manager needs from the client (injected). @internal */
export interface AlertManagerContext {
  /** Sends a request. */
  request<K extends RequestName>(name: K, payload: RequestOf<K>): Promise<ResponseOf<K>>;
  /** Whether the client has connected at least once. */
  hasSession(): boolean;
  /** Where to log. */
  logger(): Logger;
}

/**
 * Alerts (`plaza.alerts`): broadcasts that other systems (sensors, the emergency service) post to
 * alert channels, delivered to the channels' members, who acknowledge them. An alert nobody
 * acknowledges in time escalates to a department's queue. Emits `alert` for a new alert and
 * `alertUpdated` when one is acknowledged (by anyone) or escalates.
 *
 * @example
 * ```ts
 * plaza.alerts.on('alert', (alert) => notify(alert.severity, alert.title));
 * const recent = await plaza.alerts.list({ limit: 20 });
 * await plaza.alerts.acknowledge(recent[0].id);
 * ```
 */
export class AlertManager extends SafeEmitter<AlertManagerEvents> {
  readonly #ctx: AlertManagerContext;

  /** @internal Created by {@link PlazaClient}. */
  constructor(ctx: AlertManagerContext) {
    super('alerts', () => ctx.logger());
    this.#ctx = ctx;
  }

  /**
   * Alerts of the channels the user belongs to, newest first, with their acknowledgements.
   * Rejects with `CHANNEL_NOT_FOUND` for a channel that does not exist, `NOT_A_MEMBER` for one
   * the user does not receive.
   *
   * @param query - channel and page size; see {@link AlertListQuery}
   * @throws TypeError when the query is invalid
   */
  list(query: AlertListQuery = {}): Promise<Alert[]> {
    assertObject('query', query);
    const { channelId, limit } = query;
    if (channelId !== undefined) assertSlug('query.channelId', channelId);
    if (limit !== undefined) assertInt('query.limit', limit, 1, 200);
    this.#assertSession('list');
    return this.#ctx.request('alert:list', {
      ...(channelId !== undefined ? { channelId } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
  }

  /**
   * Acknowledges an alert of a channel the user belongs to; resolves with the alert and its
   * acknowledgements. Acknowledging again changes nothing. Rejects with `ALERT_NOT_FOUND`, or
   * `NOT_A_MEMBER` when the user does not receive the alert's channel.
   *
   * @param alertId - the alert's id (`al_…`)
   * @throws TypeError when `alertId` is invalid
   */
  acknowledge(alertId: string): Promise<Alert> {
    assertId('alertId', alertId);
    this.#assertSession('acknowledge');
    return this.#ctx.request('alert:acknowledge', { alertId });
  }

  /** @internal An `alert:new` event. */
  _onAlert(alert: Alert): void {
    this.emit('alert', alert);
  }

  /** @internal An `alert:updated` event. */
  _onAlertUpdated(alert: Alert): void {
    this.emit('alertUpdated', alert);
  }

  #assertSession(what: string): void {
    if (!this.#ctx.hasSession()) throw new InvalidStateError(`alerts.${what}() needs a connection: call plaza.connect() first`);
  }
}
