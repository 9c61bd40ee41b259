import { ErrorCode, apiRoutes } from '@plaza/protocol';
import type { ApiInput, ApiOperationId, ApiOutput, ApiRoute } from '@plaza/protocol';
import { PlazaApiError, errorFromResponse } from './PlazaApiError.js';
import { buildRequest, validateInput } from './internal/buildRequest.js';
import type { LooseInput } from './internal/buildRequest.js';
import { createNamespaces } from './PlazaApiNamespaces.js';
import type { AuditApi, CallsApi, ConversationsApi, EventsApi, UsersApi, WebhooksApi } from './PlazaApiNamespaces.js';
import type { AlertChannelsApi, AlertsApi, RequestsApi } from './PlazaApiNamespaces.js';
import type { DepartmentsApi, TopicsApi } from './PlazaApiNamespaces.js';
import { plazaApiOperations } from './plazaApiOperations.js';

/** Options of {@link PlazaApi}. */
export interface PlazaApiOptions {
  /** The Plaza server's base URL, for example `https://plaza.city.example` (a path prefix is kept). */
  url: string;
  /** API key (the Basic auth user name). */
  apiKey: string;
  /** Secret of the API key (the Basic auth password). Keep it on the server side. */
  apiSecret: string;
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** How long one attempt may take, answer body included, before it fails with `TIMEOUT`. @default 10000 */
  timeoutMs?: number;
  /**
   * How many times a GET, PUT or DELETE is repeated after `429`, `503` or a network error (these
   * methods are idempotent; POST and PATCH are never repeated). `0` turns retries off. @default 2
   */
  retries?: number;
  /** First backoff delay; it doubles with every retry (with jitter) unless the server sends `Retry-After`. @default 250 */
  retryDelayMs?: number;
  /** Longest wait before a retry; a `Retry-After` longer than this fails at once instead. @default 30000 */
  maxRetryDelayMs?: number;
  /**
   * Whether to check every input with the operation's zod schemas (the ones the server uses) before
   * sending, failing with `INVALID_REQUEST` without a request. @default true
   */
  validate?: boolean;
  /** Called before each retry, for logging. */
  onRetry?: (info: PlazaApiRetryInfo) => void;
}

/** What {@link PlazaApiOptions.onRetry} is told. */
export interface PlazaApiRetryInfo {
  /** The operation being retried. */
  operationId: ApiOperationId;
  /** The retry about to be made: 1 for the first. */
  attempt: number;
  /** How long the client waits before it. */
  delayMs: number;
  /** Why the previous attempt failed. */
  error: PlazaApiError;
}

/** Options of one {@link PlazaApi.request} call. */
export interface PlazaApiCallOptions {
  /** Cancels the call (and any wait before a retry); the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides {@link PlazaApiOptions.timeoutMs} for this call. */
  timeoutMs?: number;
}

/** Defaults of {@link PlazaApiOptions}. */
export const plazaApiDefaults = {
  timeoutMs: 10_000,
  retries: 2,
  retryDelayMs: 250,
  maxRetryDelayMs: 30_000,
  validate: true,
} as const;

/** The arguments of an operation: the input may be left out when every part of it is optional. */
export type PlazaApiArgs<K extends ApiOperationId> =
  Record<string, never> extends ApiInput<K> ? [input?: ApiInput<K>, options?: PlazaApiCallOptions] : [input: ApiInput<K>, options?: PlazaApiCallOptions];

/** Operations that answer a page (`{ data, nextCursor }`) and so can be walked with {@link PlazaApi.paginate}. */
export type PaginatedOperationId = {
  [K in ApiOperationId]: ApiOutput<K> extends { data: readonly unknown[]; nextCursor: string | null } ? K : never;
}[ApiOperationId];

/** One element of the pages of operation `K`. */
export type PageItem<K extends ApiOperationId> = ApiOutput<K> extends { data: readonly (infer T)[] } ? T : never;

const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'PUT', 'DELETE']);
const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 503]);

function checkNumber(name: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min) throw new TypeError(`PlazaApi: ${name} must be a number ≥ ${min}, got ${String(value)}`);
}

/** `user:password` as a Basic credential, UTF-8 encoded (no Node-only Buffer). */
function basicAuth(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Typed client of the Plaza REST API, for integrators' backends. Every operation of the
 * server's OpenAPI document has a method in a namespace (`api.conversations.create(…)`, see
 * {@link PlazaApi.operations}) and is also available through {@link PlazaApi.request} by its
 * `operationId`, with input and output types taken from the same zod schemas the server validates with.
 *
 * Authenticates with HTTP Basic (API key and secret), times out each attempt, retries idempotent
 * requests (GET, PUT, DELETE) after `429`/`503`/network errors honouring `Retry-After`, and turns
 * every failure into a {@link PlazaApiError} with a stable `code`.
 *
 * @example
 * ```ts
 * import { PlazaApi } from '@plaza/server-sdk';
 *
 * const api = new PlazaApi({ url: 'https://plaza.city.example', apiKey: process.env.PLAZA_API_KEY!, apiSecret: process.env.PLAZA_API_SECRET! });
 *
 * // A conversation for a CRM case, a citizen and a clerk in it, and a first system message.
 * const conversation = await api.conversations.create({ kind: 'group', title: 'Street light Elm St', externalRef: 'case-4711', createdBy: 'clerk-7' });
 * await api.conversations.members.add(conversation.id, [{ userId: 'resident-42' }]);
 * await api.conversations.messages.post(conversation.id, { text: 'We received your request.' });
 *
 * // The same through the generic form, and every page of a list.
 * const same = await api.request('getConversation', { params: { conversationId: conversation.id } });
 * for await (const record of api.paginate('listAudit', { query: { target: conversation.id } })) audit.push(record.action);
 * ```
 */
export class PlazaApi {
  /**
   * Which operation (`operationId`) each namespaced method calls, for example
   * `'conversations.members.add': 'addMembers'`.
   */
  static readonly operations = plazaApiOperations;

  /** Conversations, their members, messages and retention period. */
  readonly conversations: ConversationsApi;
  /** Live calls and their participants. */
  readonly calls: CallsApi;
  /** Webhook endpoints, their deliveries and dead letters. */
  readonly webhooks: WebhooksApi;
  /** Outbox events: browse and redeliver. */
  readonly events: EventsApi;
  /** Users: revoke sessions, export, erase. */
  readonly users: UsersApi;
  /** The audit log. */
  readonly audit: AuditApi;
  /** Citizen-desk departments and their agents. */
  readonly departments: DepartmentsApi;
  /** Citizen-desk topics, each routed to a department. */
  readonly topics: TopicsApi;
  /** Alert channels and their recipients. */
  readonly alertChannels: AlertChannelsApi;
  /** Alerts: post, list (export), get. */
  readonly alerts: AlertsApi;
  /** Citizen requests: list, read with history, transfer, resolve. */
  readonly requests: RequestsApi;

  readonly #baseUrl: string;
  readonly #authorization: string;
  readonly #fetch: typeof fetch;
  readonly #options: Required<Pick<PlazaApiOptions, 'timeoutMs' | 'retries' | 'retryDelayMs' | 'maxRetryDelayMs' | 'validate'>>;
  readonly #onRetry: ((info: PlazaApiRetryInfo) => void) | undefined;

  /**
   * @param options - server URL, credentials and transport settings
   * @throws TypeError when the URL is not http(s) or carries credentials, a credential is empty or a number is out of range
   */
  constructor(options: PlazaApiOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch (cause) {
      throw new TypeError(`PlazaApi: url must be an absolute http(s) URL, got ${JSON.stringify(options.url)}`, { cause });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`PlazaApi: url must be http(s), got ${url.protocol}`);
    if (url.username || url.password) throw new TypeError('PlazaApi: url must not carry credentials; pass apiKey and apiSecret');
    if (typeof options.apiKey !== 'string' || options.apiKey === '') throw new TypeError('PlazaApi: apiKey must be a non-empty string');
    if (typeof options.apiSecret !== 'string' || options.apiSecret === '') throw new TypeError('PlazaApi: apiSecret must be a non-empty string');
    const settings = {
      timeoutMs: options.timeoutMs ?? plazaApiDefaults.timeoutMs,
      retries: options.retries ?? plazaApiDefaults.retries,
      retryDelayMs: options.retryDelayMs ?? plazaApiDefaults.retryDelayMs,
      maxRetryDelayMs: options.maxRetryDelayMs ?? plazaApiDefaults.maxRetryDelayMs,
      validate: options.validate ?? plazaApiDefaults.validate,
    };
    checkNumber('timeoutMs', settings.timeoutMs, 1);
    checkNumber('retryDelayMs', settings.retryDelayMs, 0);
    checkNumber('maxRetryDelayMs', settings.maxRetryDelayMs, 0);
    if (!Number.isInteger(settings.retries) || settings.retries < 0) throw new TypeError(`PlazaApi: retries must be an integer ≥ 0, got ${String(settings.retries)}`);
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError('PlazaApi: no fetch available; pass options.fetch');

    url.search = '';
    url.hash = '';
    this.#baseUrl = url.href.replace(/\/+$/, '');
    this.#authorization = basicAuth(options.apiKey, options.apiSecret);
    this.#fetch = fetchImpl;
    this.#options = settings;
    this.#onRetry = options.onRetry;

    const namespaces = createNamespaces((name, input, callOptions) =>
      (this.request as (id: string, input: LooseInput, options?: PlazaApiCallOptions) => Promise<unknown>)(plazaApiOperations[name], input, callOptions),
    );
    this.conversations = namespaces.conversations;
    this.calls = namespaces.calls;
    this.webhooks = namespaces.webhooks;
    this.events = namespaces.events;
    this.users = namespaces.users;
    this.audit = namespaces.audit;
    this.departments = namespaces.departments;
    this.topics = namespaces.topics;
    this.alertChannels = namespaces.alertChannels;
    this.alerts = namespaces.alerts;
    this.requests = namespaces.requests;
  }

  /**
   * Calls one operation by its `operationId`.
   *
   * @param operationId - the operation, for example `createConversation`
   * @param args - `{ params, query, body }` as the operation defines them, then per-call options
   * @returns the operation's answer (`undefined` for `204 No Content`)
   * @throws PlazaApiError with the server's code (for example `CONVERSATION_NOT_FOUND`, status 404),
   *   `INVALID_REQUEST` without a request when the input does not match the schema, `TIMEOUT` or
   *   `DISCONNECTED` when no answer arrived
   * @throws the signal's reason when `options.signal` aborts the call
   */
  async request<K extends ApiOperationId>(operationId: K, ...args: PlazaApiArgs<K>): Promise<ApiOutput<K>> {
    const route = (apiRoutes as Record<string, ApiRoute>)[operationId];
    if (!route || !Object.hasOwn(apiRoutes, operationId)) throw new TypeError(`PlazaApi: unknown operation ${String(operationId)}`);
    const input = (args[0] ?? {}) as LooseInput;
    const options = args[1] ?? {};
    if (this.#options.validate) validateInput(route, input);
    const built = buildRequest(route, input);
    const retries = IDEMPOTENT_METHODS.has(route.method) ? this.#options.retries : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.#attempt(route, built, options)) as ApiOutput<K>;
      } catch (error) {
        if (!(error instanceof PlazaApiError) || attempt >= retries || !this.#retryable(error)) throw error;
        const backoff = Math.min(this.#options.maxRetryDelayMs, this.#options.retryDelayMs * 2 ** attempt);
        // Jitter spreads the retries of many clients that failed together.
        const delayMs = error.retryAfterMs ?? Math.round(backoff * (0.5 + Math.random() / 2));
        if (delayMs > this.#options.maxRetryDelayMs) throw error;
        this.#onRetry?.({ operationId, attempt: attempt + 1, delayMs, error });
        await sleep(delayMs, options.signal);
      }
    }
  }

  /**
   * Walks every element of a paged list, fetching the next page (`cursor` = the previous
   * `nextCursor`) only when the loop gets there.
   *
   * @example
   * ```ts
   * for await (const entry of api.paginate('listAudit', { query: { action: 'api.eraseUser' } })) erasures.push(entry);
   * ```
   *
   * @param operationId - a list operation answering `{ data, nextCursor }`
   * @param args - its input (without `cursor`) and per-call options
   * @throws PlazaApiError as {@link PlazaApi.request}
   */
  async *paginate<K extends PaginatedOperationId>(operationId: K, ...args: PlazaApiArgs<K>): AsyncGenerator<PageItem<K>, void, undefined> {
    const input = (args[0] ?? {}) as LooseInput;
    let cursor: string | null | undefined = (input.query?.cursor as string | undefined) ?? undefined;
    do {
      const pageInput = { ...input, query: { ...input.query, ...(cursor ? { cursor } : {}) } };
      const page = (await (this.request as (id: string, input: unknown, options?: PlazaApiCallOptions) => Promise<unknown>)(operationId, pageInput, args[1])) as {
        data: PageItem<K>[];
        nextCursor: string | null;
      };
      yield* page.data;
      cursor = page.nextCursor;
    } while (cursor);
  }

  #retryable(error: PlazaApiError): boolean {
    if (error.status === null) return error.code === ErrorCode.DISCONNECTED;
    return RETRY_STATUSES.has(error.status);
  }

  async #attempt(route: ApiRoute, built: ReturnType<typeof buildRequest>, options: PlazaApiCallOptions): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { authorization: this.#authorization, accept: 'application/json' };
    if (built.body !== undefined) headers['content-type'] = 'application/json';
    const failed = (cause: unknown): never => {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) {
        throw new PlazaApiError(ErrorCode.TIMEOUT, `${route.operationId}: no answer within ${timeoutMs} ms`, { operationId: route.operationId, cause });
      }
      const reason = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
      throw new PlazaApiError(ErrorCode.DISCONNECTED, `${route.operationId}: could not reach ${this.#baseUrl}: ${reason}`, { operationId: route.operationId, cause });
    };
    let response: Response;
    let text: string;
    try {
      // Called unbound: a browser's fetch refuses any `this` but the global object.
      const fetchImpl = this.#fetch;
      response = await fetchImpl(this.#baseUrl + built.pathAndQuery, {
        method: built.method,
        headers,
        ...(built.body !== undefined ? { body: built.body } : {}),
        signal,
      });
      text = await response.text();
    } catch (cause) {
      return failed(cause);
    }
    if (!response.ok) throw errorFromResponse(response.status, response.headers, text, route.operationId);
    if (response.status === 204 || text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new PlazaApiError(ErrorCode.INTERNAL, `${route.operationId}: the answer (HTTP ${response.status}) is not JSON`, {
        status: response.status,
        operationId: route.operationId,
        cause,
      });
    }
  }
}
