import { ErrorCode } from '@plaza/protocol';
import type { CallServerEvents, Message, RequestName, RequestOf, ResponseOf, SessionInfo, User } from '@plaza/protocol';
import { CallManager } from './calls/CallManager.js';
import type { WebRtcImplementation } from './calls/webrtc.js';
import { ConversationManager } from './ConversationManager.js';
import { AlertManager } from './desk/AlertManager.js';
import { DeskManager } from './desk/DeskManager.js';
import { RequestManager } from './desk/RequestManager.js';
import { FileManager } from './files/FileManager.js';
import { InvalidStateError, PlazaError, toPlazaError } from './errors.js';
import type { ConnectionState, PlazaClientEvents } from './events.js';
import { SafeEmitter } from './internal/SafeEmitter.js';
import { Transport } from './internal/Transport.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { Outbox } from './Outbox.js';
import type { OutgoingMessage } from './Outbox.js';
import { PresenceManager } from './PresenceManager.js';
import { ExponentialBackoff } from './ReconnectPolicy.js';
import type { ReconnectPolicy } from './ReconnectPolicy.js';

/**
 * An access token, or a function that returns one. A function is called before every connection
 * attempt (the first and every reconnect), so it can fetch a fresh token from your backend.
 */
export type TokenProvider = string | (() => string | Promise<string>);

/** Options of {@link PlazaClient}. */
export interface PlazaClientOptions {
  /** Decides the delay before each reconnect attempt, or to give up. @defaultValue `new ExponentialBackoff()` */
  reconnectPolicy?: ReconnectPolicy;
  /** How long a request waits for the server's answer before failing with `TIMEOUT`, in ms. @defaultValue 10000 */
  requestTimeoutMs?: number;
  /** Where the SDK logs. @defaultValue the console, `warn` and above */
  logger?: Logger;
  /** Connect with WebSocket only, without HTTP long-polling first. @defaultValue false */
  webSocketOnly?: boolean;
  /**
   * The socket.io HTTP path on the server. Only needed when it is not `<path of the url>/socket.io`,
   * for example when a reverse proxy maps a different prefix.
   * @defaultValue the url's path + `/socket.io` (`/socket.io` for a url without a path)
   */
  path?: string;
  /**
   * Queued messages not acknowledged within this many ms after `send()` fail with `TIMEOUT` (and
   * `sendFailed`) instead of being sent late. `Infinity` keeps them forever.
   * @defaultValue 86400000 (24 hours)
   */
  outboxMaxAgeMs?: number;
  /**
   * Delays between retries of a queued message after a retryable error (`RATE_LIMITED`,
   * `UNAVAILABLE`, `TIMEOUT`). Messages interrupted by a lost connection are resent on reconnect.
   * @defaultValue `new ExponentialBackoff({ initialDelayMs: 250, maxDelayMs: 10000 })`
   */
  outboxRetryPolicy?: ReconnectPolicy;
  /**
   * Bytes sent per request of a file upload. Smaller chunks lose less on a broken connection;
   * larger ones are faster. @defaultValue 8388608 (8 MiB)
   */
  uploadChunkBytes?: number;
  /**
   * Waits before each retry of a failed upload request (a lost connection, a restarting server),
   * in ms. The count starts again whenever bytes get through; once the list is used up the upload
   * fails with `UNAVAILABLE`.
   * @defaultValue about two minutes in total: `[0, 500, 1000, 2000, 3000, 5000, 5000, 10000, 10000, 15000, 20000, 30000, 30000]`
   */
  uploadRetryDelaysMs?: number[];
  /**
   * A WebRTC implementation for calls where the runtime has none. In Node pass `@roamhq/wrtc`
   * (`import wrtc from '@roamhq/wrtc'` → `webrtc: wrtc`); browsers need nothing.
   * @defaultValue the runtime's own WebRTC
   */
  webrtc?: WebRtcImplementation;
}

/** Defaults of {@link PlazaClientOptions}. */
export const plazaClientDefaults = {
  requestTimeoutMs: 10_000,
  webSocketOnly: false,
  outboxMaxAgeMs: 24 * 60 * 60 * 1000,
  uploadChunkBytes: 8 * 1024 * 1024,
  uploadRetryDelaysMs: [0, 500, 1000, 2000, 3000, 5000, 5000, 10_000, 10_000, 15_000, 20_000, 30_000, 30_000] as readonly number[],
} as const;

/**
 * The entry point of the SDK: one connection to a Plaza server for one user.
 *
 * @example
 * ```ts
 * const plaza = new PlazaClient('https://plaza.city.example');
 * await plaza.connect(() => fetch('/plaza-token').then((r) => r.text()));
 * const conv = await plaza.conversations.openDirect('agent-7');
 * conv.on('message', (m) => render(m));
 * await conv.send('The street light on Elm St is out');
 * ```
 */
export class PlazaClient extends SafeEmitter<PlazaClientEvents> {
  /** The server address given to the constructor. */
  readonly url: string;
  /** The user's conversations. */
  readonly conversations: ConversationManager;
  /** Presence of the user and their contacts. */
  readonly presence: PresenceManager;
  /** Messages sent but not yet acknowledged (see {@link Outbox}). */
  readonly outbox: Outbox;
  /** Signed download URLs and facts of shared files (uploads start from a conversation). */
  readonly files: FileManager;
  /** Calls: incoming rings and the live call of a conversation (join with `conversation.joinCall()`). */
  readonly calls: CallManager;
  /** The citizen desk, citizen's side: topics, opening requests, the user's requests and their changes. */
  readonly requests: RequestManager;
  /** The citizen desk, agent's side: departments, queues (also live), claim, transfer, hold, resolve. */
  readonly desk: DeskManager;
  /** Alerts of the user's alert channels, and acknowledging them. */
  readonly alerts: AlertManager;
  readonly #logger: Logger;
  readonly #reconnectPolicy: ReconnectPolicy;
  readonly #transport: Transport;
  #state: ConnectionState = 'disconnected';
  #session: SessionInfo | null = null;
  #provider: (() => string | Promise<string>) | null = null;
  #staticToken = false;
  #lastToken: string | null = null;
  #freshToken: string | null = null;
  #connectPromise: Promise<void> | null = null;
  #epoch = 0;
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * @param url - the server, for example `https://plaza.city.example`, or
   *   `https://city.example/plaza` when a reverse proxy serves it under a path (the socket.io
   *   endpoint is then `/plaza/socket.io`); `http(s)` or `ws(s)`
   * @param options - see {@link PlazaClientOptions}
   * @throws TypeError when the url is not an absolute http(s)/ws(s) URL or an option is invalid
   */
  constructor(url: string, options: PlazaClientOptions = {}) {
    if (typeof url !== 'string' || url.length === 0) throw new TypeError('url must be a non-empty string');
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    const endpoint = parseServerUrl(url, options.path);
    const o = { ...plazaClientDefaults, ...options };
    if (typeof o.requestTimeoutMs !== 'number' || !(o.requestTimeoutMs > 0)) throw new TypeError('requestTimeoutMs must be a number > 0');
    if (typeof o.outboxMaxAgeMs !== 'number' || !(o.outboxMaxAgeMs > 0)) throw new TypeError('outboxMaxAgeMs must be a number > 0');
    if (typeof o.webSocketOnly !== 'boolean') throw new TypeError('webSocketOnly must be a boolean');
    if (typeof o.uploadChunkBytes !== 'number' || !Number.isSafeInteger(o.uploadChunkBytes) || o.uploadChunkBytes < 1024) {
      throw new TypeError('uploadChunkBytes must be an integer >= 1024');
    }
    if (!Array.isArray(o.uploadRetryDelaysMs) || !o.uploadRetryDelaysMs.every((d) => typeof d === 'number' && d >= 0 && Number.isFinite(d))) {
      throw new TypeError('uploadRetryDelaysMs must be an array of numbers >= 0');
    }
    for (const name of ['reconnectPolicy', 'outboxRetryPolicy'] as const) {
      const policy = o[name];
      if (policy !== undefined && typeof policy?.nextDelayMs !== 'function') throw new TypeError(`${name} must have a nextDelayMs(attempt) method`);
    }
    if (o.webrtc !== undefined && (typeof o.webrtc !== 'object' || o.webrtc === null || typeof o.webrtc.RTCPeerConnection !== 'function')) {
      throw new TypeError('webrtc must be a WebRTC implementation with an RTCPeerConnection class (in Node: @roamhq/wrtc)');
    }
    if (o.logger !== undefined && !(['debug', 'info', 'warn', 'error'] as const).every((l) => typeof o.logger?.[l] === 'function')) {
      throw new TypeError('logger must have debug, info, warn and error methods');
    }
    const logger = o.logger ?? createLogger('warn');
    super('client', () => logger);
    this.url = url;
    this.#logger = logger;
    this.#reconnectPolicy = o.reconnectPolicy ?? new ExponentialBackoff();
    this.#transport = new Transport(endpoint.origin, {
      requestTimeoutMs: o.requestTimeoutMs,
      webSocketOnly: o.webSocketOnly,
      path: endpoint.path,
      logger: () => logger,
    });

    const request = <K extends RequestName>(name: K, payload: RequestOf<K>): Promise<ResponseOf<K>> => this.#transport.request(name, payload);
    const hasSession = () => this.#session !== null;
    this.outbox = new Outbox({
      send: (m) => this.#sendNow(m),
      isConnected: () => this.#state === 'connected' && this.#transport.connected,
      retryPolicy: o.outboxRetryPolicy ?? new ExponentialBackoff({ initialDelayMs: 250, maxDelayMs: 10_000 }),
      maxAgeMs: o.outboxMaxAgeMs,
      logger: () => logger,
      owner: () => this.#session?.user.id ?? null,
      failureHandled: (p) => this.listenerCount('sendFailed') > 0 || (this.conversations.find(p.conversationId)?.listenerCount('sendFailed') ?? 0) > 0,
    });
    this.files = new FileManager({
      baseUrl: url,
      request,
      session: () => this.#session,
      currentToken: () => this.#lastToken,
      fetchToken: () => this.#fetchUploadToken(),
      enqueue: (m) => this.outbox.enqueue(m),
      cancelQueued: (clientId) => this.outbox.cancel(clientId, new PlazaError(ErrorCode.INVALID_REQUEST, 'the upload was cancelled by the app')),
      whenConnected: () => this.#whenConnected(),
      tuning: { chunkBytes: o.uploadChunkBytes, retryDelaysMs: [...o.uploadRetryDelaysMs] },
      logger: () => logger,
    });
    this.calls = new CallManager({
      request,
      webrtc: o.webrtc,
      isConnected: () => this.#state === 'connected' && this.#transport.connected,
      hasSession,
      logger: () => logger,
    });
    this.conversations = new ConversationManager({
      request,
      enqueue: (m) => this.outbox.enqueue(m),
      files: this.files,
      calls: this.calls,
      selfId: () => this.#requireSession().user.id,
      hasSession,
      logger: () => logger,
    });
    this.presence = new PresenceManager({ request, hasSession, logger: () => logger });
    this.requests = new RequestManager({
      request,
      conversations: this.conversations,
      enqueue: (m) => this.outbox.enqueue(m),
      whenConnected: () => this.#whenConnected(),
      hasSession,
      logger: () => logger,
    });
    this.desk = new DeskManager({ request, selfId: () => this.#requireSession().user.id, hasSession, logger: () => logger });
    this.alerts = new AlertManager({ request, hasSession, logger: () => logger });
    this.outbox.on('failed', (pending, error) => {
      this.emit('sendFailed', pending, error);
      this.conversations.find(pending.conversationId)?._onSendFailed(pending, error);
    });
    this.#wireServerEvents();
    this.#transport.on('disconnected', (reason, clientInitiated) => this.#onDisconnected(reason, clientInitiated));
  }

  /** The connection state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** The connected user, once connected (kept while reconnecting). */
  get user(): User | null {
    return this.#session?.user ?? null;
  }

  /** What the server said in `session:hello`: user, grants, limits, versions. */
  get session(): SessionInfo | null {
    return this.#session;
  }

  /**
   * Connects and resolves once the client is ready: the server accepted the token, the user's
   * conversations are known and anything missed is delivered. Calling it again while connecting or
   * connected returns the same promise.
   *
   * The first attempt does not retry: it rejects with a {@link PlazaError} (`UNAUTHENTICATED`,
   * `TOKEN_EXPIRED`, `TOKEN_REVOKED`, `PROTOCOL_MISMATCH`, `ORIGIN_NOT_ALLOWED`, or `UNAVAILABLE` when the server
   * cannot be reached). Once connected, a lost connection is re-established by the reconnect policy.
   *
   * @param token - an access token, or a function returning one (called before every attempt)
   * @throws TypeError when `token` is neither a non-empty string nor a function
   */
  connect(token: TokenProvider): Promise<void> {
    if (typeof token === 'string') {
      if (token.length === 0) throw new TypeError('token must not be empty');
    } else if (typeof token !== 'function') {
      throw new TypeError('token must be a string or a function returning one');
    }
    if (this.#state !== 'disconnected' && this.#connectPromise) return this.#connectPromise;
    this.#provider = typeof token === 'string' ? () => token : token;
    this.#staticToken = typeof token === 'string';
    this.#freshToken = null;
    this.#attempt = 0;
    const epoch = ++this.#epoch;
    this.#setState('connecting');
    const promise = this.#establish(epoch).catch((raw: unknown) => {
      const error = toPlazaError(raw, ErrorCode.UNAVAILABLE);
      if (epoch === this.#epoch) {
        this.#transport.close();
        this.#connectPromise = null;
        this.#setState('disconnected');
        this.emit('connectionError', error, false);
        this.#failQueued(error);
      }
      throw error;
    });
    this.#connectPromise = promise;
    return promise;
  }

  /**
   * Closes the connection and stops reconnecting. This is an explicit end: every message still in
   * the outbox (queued or awaiting its ack) fails with `DISCONNECTED` — its `send()` promise
   * rejects and `sendFailed` fires — and the outbox is empty afterwards. A message whose ack was
   * lost may nevertheless have been stored. The user leaves every call (`left` with reason `'left'`).
   * Idempotent.
   */
  disconnect(): Promise<void> {
    this.#epoch += 1;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#connectPromise = null;
    this.outbox.failAll(new PlazaError(ErrorCode.DISCONNECTED, 'disconnect() was called before the message was acknowledged'));
    this.calls._leaveAll();
    this.#transport.close();
    this.#setState('disconnected');
    return Promise.resolve();
  }

  /** One connection attempt: token, handshake, hello, list, sync; then `connected`. */
  async #establish(epoch: number): Promise<void> {
    const token = await this.#nextToken();
    this.#assertEpoch(epoch);
    this.#lastToken = token;
    await this.#transport.open(token);
    this.#assertEpoch(epoch);
    const session = await this.#transport.request('session:hello', {});
    this.#assertEpoch(epoch);
    // Messages queued by another user never go out on this user's session.
    this.outbox.failForeign(session.user.id);
    this.#session = session;
    const mark = this.conversations._mark();
    const list = await this.#transport.request('conversation:list', {});
    this.#assertEpoch(epoch);
    this.conversations._reconcile(list, true, mark);
    await this.conversations._syncAll();
    this.#assertEpoch(epoch);
    if (!this.#transport.connected) throw new PlazaError(ErrorCode.DISCONNECTED, 'connection lost while catching up');
    this.#attempt = 0;
    this.#setState('connected');
    this.#logger.info('connected', { userId: session.user.id });
    this.outbox.resume();
  }

  async #nextToken(): Promise<string> {
    const fresh = this.#freshToken;
    this.#freshToken = null;
    if (fresh !== null) return fresh;
    let token: unknown;
    try {
      token = await this.#provider?.();
    } catch (error) {
      throw new PlazaError(ErrorCode.UNAVAILABLE, 'the token provider failed', { cause: error });
    }
    if (typeof token !== 'string' || token.length === 0) {
      throw new PlazaError(ErrorCode.UNAUTHENTICATED, 'the token provider returned no token');
    }
    return token;
  }

  /** A token for file uploads from the provider, or `null` when the token is a fixed string. */
  async #fetchUploadToken(): Promise<string | null> {
    if (this.#staticToken || !this.#provider) return null;
    const token = await this.#provider();
    return typeof token === 'string' && token.length > 0 ? token : null;
  }

  /** Resolves once the state is `connected` (at once if it is). */
  #whenConnected(): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    return new Promise<void>((resolve) => {
      const onState = (state: ConnectionState) => {
        if (state !== 'connected') return;
        this.off('connectionStateChanged', onState);
        resolve();
      };
      this.on('connectionStateChanged', onState);
    });
  }

  #onDisconnected(reason: string, clientInitiated: boolean): void {
    if (clientInitiated || this.#state !== 'connected') return;
    this.#logger.info('connection lost', { reason });
    this.#setState('reconnecting');
    this.#retry(this.#epoch, new PlazaError(ErrorCode.DISCONNECTED, `connection lost (${reason})`), false);
  }

  /** Schedules the next attempt, or gives up when the policy says so. */
  #retry(epoch: number, error: PlazaError, report: boolean): void {
    const delay = this.#reconnectPolicy.nextDelayMs(this.#attempt);
    if (report || delay === null) this.emit('connectionError', error, delay !== null);
    if (delay === null) {
      this.#logger.warn('gave up reconnecting', { code: error.code, attempts: this.#attempt });
      this.#giveUp(error);
      return;
    }
    this.#attempt += 1;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (epoch !== this.#epoch) return;
      this.#establish(epoch).catch((raw: unknown) => this.#onAttemptFailed(epoch, toPlazaError(raw, ErrorCode.UNAVAILABLE)));
    }, delay);
  }

  async #onAttemptFailed(epoch: number, error: PlazaError): Promise<void> {
    if (epoch !== this.#epoch) return;
    this.#transport.close();
    this.#logger.info('reconnect attempt failed', { code: error.code, attempt: this.#attempt });
    if (await this.#cannotRecover(error)) {
      if (epoch !== this.#epoch) return;
      this.#logger.warn('stopped reconnecting', { code: error.code });
      this.emit('connectionError', error, false);
      this.#giveUp(error);
      return;
    }
    if (epoch !== this.#epoch) return;
    this.#retry(epoch, error, true);
  }

  /**
   * Whether trying again cannot help: a protocol mismatch, a forbidden origin, or a refused token
   * that the token provider does not replace with a different one.
   */
  async #cannotRecover(error: PlazaError): Promise<boolean> {
    if (error.code === ErrorCode.PROTOCOL_MISMATCH || error.code === ErrorCode.ORIGIN_NOT_ALLOWED) return true;
    if (error.code !== ErrorCode.UNAUTHENTICATED && error.code !== ErrorCode.TOKEN_EXPIRED && error.code !== ErrorCode.TOKEN_REVOKED) return false;
    if (this.#staticToken) return true;
    try {
      const fresh = await this.#provider?.();
      if (typeof fresh !== 'string' || fresh.length === 0 || fresh === this.#lastToken) return true;
      this.#freshToken = fresh;
      return false;
    } catch {
      return false; // the token backend may be down for a moment: try again later
    }
  }

  /** Stops for good: `disconnected`, and every queued message fails (nothing would send it). */
  #giveUp(error: PlazaError): void {
    this.#connectPromise = null;
    this.#transport.close();
    this.#setState('disconnected');
    this.#failQueued(error);
  }

  #failQueued(cause: PlazaError): void {
    if (this.outbox.pending.length === 0) return;
    this.outbox.failAll(new PlazaError(ErrorCode.DISCONNECTED, `the client stopped reconnecting (${cause.code}): message not sent`, { cause }));
  }

  #assertEpoch(epoch: number): void {
    if (epoch !== this.#epoch) throw new PlazaError(ErrorCode.DISCONNECTED, 'disconnect() was called');
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.calls._onConnectionState(state);
    if (state === 'connected') this.desk._onConnected();
    this.emit('connectionStateChanged', state);
  }

  #requireSession(): SessionInfo {
    if (!this.#session) throw new InvalidStateError('not connected yet: call plaza.connect() first');
    return this.#session;
  }

  /** Sends one queued message and puts the stored message on its conversation's timeline. */
  async #sendNow(m: OutgoingMessage): Promise<Message> {
    const message = await this.#transport.request('message:send', {
      conversationId: m.conversationId,
      clientId: m.clientId,
      text: m.text,
      ...(m.replyTo !== null ? { replyTo: m.replyTo } : {}),
      ...(m.mentions.length > 0 ? { mentions: m.mentions } : {}),
      ...(m.attachments && m.attachments.length > 0 ? { attachments: m.attachments } : {}),
    });
    this.conversations.find(message.conversationId)?._onMessages([message]);
    return message;
  }

  #wireServerEvents(): void {
    const t = this.#transport;
    const convs = this.conversations;
    t.onServer('message:new', (m) => convs._with(m.conversationId, (c) => c._onMessages([m])));
    t.onServer('message:updated', (m) => convs._with(m.conversationId, (c) => c._onMessages([m])));
    t.onServer('conversation:added', (state) => convs._ensure(state));
    t.onServer('conversation:updated', (data) => convs.find(data.id)?._applyData(data));
    t.onServer('conversation:removed', (e) => convs._remove(e.conversationId, e.reason));
    t.onServer('member:updated', (e) => convs._onMember(e));
    t.onServer('read:updated', (e) => convs.find(e.conversationId)?._onRead(e.userId, e.lastReadSeq));
    t.onServer('typing', (e) => convs.find(e.conversationId)?._onTyping(e.userId, e.typing));
    t.onServer('presence', (p) => this.presence._onPresence(p));
    t.onServer('request:updated', (e) => {
      this.desk._onRequestUpdated(e);
      this.requests._onRequestUpdated(e);
    });
    t.onServer('alert:new', (a) => this.alerts._onAlert(a));
    t.onServer('alert:updated', (a) => this.alerts._onAlertUpdated(a));
    for (const name of CALL_SERVER_EVENTS) t.onServer(name, ((e: never) => this.calls._onServerEvent(name, e)) as never);
  }
}

/** Server events of calls, all routed to the call manager. */
const CALL_SERVER_EVENTS = [
  'call:started',
  'call:ended',
  'call:participantJoined',
  'call:participantLeft',
  'call:trackPublished',
  'call:trackUnpublished',
  'call:trackUpdated',
  'call:consumerClosed',
  'call:dataPublished',
  'call:activeSpeakers',
  'call:quality',
  'call:rebuild',
  'call:ringing',
  'call:ringEnded',
] as const satisfies readonly (keyof CallServerEvents)[];

/**
 * Splits a server url into the origin socket.io connects to (namespace `/`) and the socket.io
 * path: `https://host/plaza` → `https://host` + `/plaza/socket.io`.
 */
function parseServerUrl(url: string, path: string | undefined): { origin: string; path: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`url must be an absolute URL such as https://plaza.city.example (got ${JSON.stringify(url)})`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    throw new TypeError(`url must use http, https, ws or wss (got ${parsed.protocol})`);
  }
  if (parsed.search !== '' || parsed.hash !== '') throw new TypeError('url must not have a query or fragment');
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) throw new TypeError("path must be a string starting with '/'");
  const prefix = parsed.pathname.replace(/\/+$/, '');
  return { origin: parsed.origin, path: path ?? `${prefix}/socket.io` };
}
