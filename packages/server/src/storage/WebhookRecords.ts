/** A webhook endpoint as the REST API shows it (never with its secret). */
export interface WebhookEndpoint {
  /** `wh_…`. */
  id: string;
  url: string;
  /** Event filters: exact types, `<prefix>.*` or `*`. */
  events: string[];
  description: string | null;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** Until when the secret replaced by the last rotation still signs, or `null`. */
  previousSecretExpiresAt: string | null;
}

/** An endpoint with its current secret (the answers of create and rotate). */
export interface WebhookEndpointWithSecret extends WebhookEndpoint {
  /** `whsec_…`. */
  secret: string;
}

/** A new endpoint. */
export interface NewWebhookEndpoint {
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
}

/** Changes to an endpoint (absent fields stay). */
export interface WebhookEndpointPatch {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

/** Status of one event's delivery to one endpoint. */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'dead';

/** One event owed to one endpoint, as the REST API shows it. */
export interface WebhookDelivery {
  webhookId: string;
  /** `evt_…`. */
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** `null` unless pending. */
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** An outbox event as a webhook body carries it. */
export interface WebhookEvent {
  /** `evt_<outbox id>`. */
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/** A page of rows ordered by a numeric key: `next` is the key to continue after, `null` on the last page. */
export interface KeyedPage<T> {
  items: T[];
  next: number | null;
}

/** A due delivery with everything needed to send it. */
export interface DueDelivery {
  /** The delivery row. */
  id: number;
  endpointId: string;
  url: string;
  /** Secrets to sign with: the current one first, then the previous one while it is valid. */
  secrets: string[];
  /** The outbox row id. */
  eventId: number;
  eventType: string;
  eventCreatedAt: string;
  /** The event's data, as stored JSON. */
  payload: string;
  attempts: number;
}

/** What one finished attempt of a delivery came to. */
export type DeliveryOutcome =
  /** A 2xx answer: the delivery is delivered (`attempts` + 1, `status` kept as the last status). */
  | { deliveryId: number; delivered: true; status: number }
  /**
   * Anything else: `attempts` is the number of attempts made so far, and the delivery is due again
   * at `nextAttemptAt`, or dead when that is `null`.
   */
  | { deliveryId: number; delivered: false; attempts: number; status: number | null; error: string; nextAttemptAt: string | null };

/**
 * Webhook endpoints, their deliveries, and the outbox seen as events: what the REST API and the
 * webhook dispatcher persist. Part of `ChatStore` (as `store.webhooks`). Expected failures throw
 * `PlazaError` (`WEBHOOK_NOT_FOUND`, `EVENT_NOT_FOUND`).
 */
export interface WebhookRecords {
  /** Creates an endpoint with a new secret. */
  create(input: NewWebhookEndpoint): Promise<WebhookEndpointWithSecret>;
  /** Endpoints oldest first, after the one with the key `after` (from a previous page's `next`). */
  list(query: { limit: number; after?: string }): Promise<{ items: WebhookEndpoint[]; next: string | null }>;
  /** An endpoint, or `null`. */
  get(webhookId: string): Promise<WebhookEndpoint | null>;
  /** Changes an endpoint. Throws `WEBHOOK_NOT_FOUND`. */
  update(webhookId: string, patch: WebhookEndpointPatch): Promise<WebhookEndpoint>;
  /** Deletes an endpoint and all its deliveries; `false` when there was none. */
  delete(webhookId: string): Promise<boolean>;
  /**
   * Gives an endpoint a new secret; the current one keeps signing for `overlapMs` (the one an
   * earlier rotation kept is dropped). Throws `WEBHOOK_NOT_FOUND`.
   */
  rotateSecret(webhookId: string, overlapMs: number): Promise<WebhookEndpointWithSecret>;

  /** Deliveries newest first (of one endpoint and/or status), before the row `before`. */
  listDeliveries(query: { webhookId?: string; status?: WebhookDeliveryStatus; limit: number; before?: number }): Promise<KeyedPage<WebhookDelivery>>;
  /**
   * Makes an event's dead or delivered deliveries pending and due now, attempts reset; with
   * `webhookId` only that endpoint's, creating the delivery when it had none. Returns the
   * deliveries concerned. Throws `EVENT_NOT_FOUND`, `WEBHOOK_NOT_FOUND`.
   */
  redeliver(eventId: number, webhookId?: string): Promise<WebhookDelivery[]>;
  /** Outbox events oldest first, after the row `after`, optionally matching a filter (`*`, exact, `<prefix>.*`). */
  listEvents(query: { after?: number; type?: string; limit: number }): Promise<KeyedPage<WebhookEvent>>;
  /** One outbox event with its deliveries, or `null`. */
  getEvent(eventId: number): Promise<(WebhookEvent & { deliveries: WebhookDelivery[] }) | null>;

  /** The dispatcher's cursor (the last outbox id fanned out), created at the newest outbox id if missing. */
  initCursor(): Promise<number>;
  /** The newest outbox id (0 when empty). */
  lastEventId(): Promise<number>;
  /**
   * Fans the next `limit` outbox rows after the cursor out into pending deliveries for every endpoint
   * whose filters match (and that existed when the event was written; disabled endpoints too, whose
   * deliveries wait until they are enabled again), and moves the cursor past them — one transaction. Returns the new cursor and how many deliveries were created.
   */
  fanOut(limit: number): Promise<{ cursor: number; created: number }>;
  /** Up to `limit` pending deliveries due by `now` of enabled endpoints, soonest first, except `exclude`. */
  claimDue(now: string, limit: number, exclude: readonly number[]): Promise<DueDelivery[]>;
  /**
   * Records the outcomes of finished attempts in one transaction (one commit for many deliveries).
   * Only deliveries still pending change (one deleted or redelivered meanwhile is left alone).
   */
  recordOutcomes(outcomes: readonly DeliveryOutcome[]): Promise<void>;
  /**
   * Calls `listener` after each commit of this process that wrote outbox rows (see `OutboxSignal`).
   * Returns a function that removes it.
   */
  onOutboxWritten(listener: () => void): () => void;
  /**
   * Calls `listener` after this process created or deleted an endpoint. Returns a function that
   * removes it.
   */
  onEndpointsChanged(listener: () => void): () => void;
  /** Pending deliveries (the metrics gauge). */
  countPending(): Promise<number>;
}
