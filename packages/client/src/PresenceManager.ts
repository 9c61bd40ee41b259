import type { Presence, RequestName, RequestOf, ResponseOf } from '@plaza/protocol';
import { InvalidStateError } from './errors.js';
import type { PresenceManagerEvents } from './events.js';
import { SafeEmitter } from './internal/SafeEmitter.js';
import { assertText, assertUserIds } from './internal/validate.js';
import type { Logger } from './logger.js';

/** Statuses a user can set (`offline` is what the server reports when no device is connected). */
export type SettablePresenceStatus = 'online' | 'away' | 'busy';

/** What the presence manager needs from the client (injected). */
export interface PresenceManagerContext {
  /** Sends a request. */
  request<K extends RequestName>(name: K, payload: RequestOf<K>): Promise<ResponseOf<K>>;
  /** Whether the client has connected at least once. */
  hasSession(): boolean;
  /** Where to log. */
  logger(): Logger;
}

/**
 * Presence (`plaza.presence`): set your own status, read others', and hear `changed` when someone
 * who shares a conversation with you comes, goes or changes status.
 */
export class PresenceManager extends SafeEmitter<PresenceManagerEvents> {
  readonly #ctx: PresenceManagerContext;
  readonly #known = new Map<string, Presence>();

  /** @internal Created by {@link PlazaClient}. */
  constructor(ctx: PresenceManagerContext) {
    super('presence', () => ctx.logger());
    this.#ctx = ctx;
  }

  /**
   * Sets your status on all your devices, with an optional text (`null` clears it).
   * Resolves with your aggregated presence.
   */
  set(status: SettablePresenceStatus, statusText?: string | null): Promise<Presence> {
    if (status !== 'online' && status !== 'away' && status !== 'busy') throw new TypeError("status must be 'online', 'away' or 'busy'");
    if (statusText !== undefined && statusText !== null) assertText('statusText', statusText, { max: 200, allowEmpty: true });
    this.#assertSession('set');
    return this.#ctx
      .request('presence:set', { status, ...(statusText !== undefined ? { statusText } : {}) })
      .then((p) => this.#remember(p));
  }

  /** The presence of up to 500 users (those who share a conversation with you). */
  get(userIds: string[]): Promise<Presence[]> {
    assertUserIds('userIds', userIds, 500);
    this.#assertSession('get');
    return this.#ctx.request('presence:get', { userIds: [...userIds] }).then((list) => list.map((p) => this.#remember(p)));
  }

  /** The last presence the client heard of for `userId`, without asking the server. */
  of(userId: string): Presence | undefined {
    return this.#known.get(userId);
  }

  /** @internal A presence event from the server. */
  _onPresence(presence: Presence): void {
    this.#remember(presence);
    this.emit('changed', presence);
  }

  #remember(presence: Presence): Presence {
    this.#known.set(presence.userId, presence);
    return presence;
  }

  #assertSession(what: string): void {
    if (!this.#ctx.hasSession()) throw new InvalidStateError(`presence.${what}() needs a connection: call plaza.connect() first`);
  }
}
