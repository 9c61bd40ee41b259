import { ErrorCode, PROTOCOL_VERSION } from '@plaza/protocol';
import type {
  Ack,
  ClientToServerEvents,
  HandshakeAuth,
  RequestName,
  RequestOf,
  ResponseOf,
  ServerEventName,
  ServerToClientEvents,
} from '@plaza/protocol';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { PlazaError } from '../errors.js';
import type { Logger } from '../logger.js';
import { SafeEmitter } from './SafeEmitter.js';

/** The SDK name sent in the handshake, for the server's diagnostics. */
export const SDK_NAME = '@plaza/client';

/** Options of {@link Transport}. */
export interface TransportOptions {
  /** How long a request waits for its ack, in ms. */
  requestTimeoutMs: number;
  /** Skip HTTP long-polling and use only WebSocket. */
  webSocketOnly: boolean;
  /** The socket.io HTTP path, for example `/plaza/socket.io` behind a reverse proxy. */
  path: string;
  /** Where to log. */
  logger: () => Logger;
}

/** Events of a {@link Transport}. */
export type TransportEvents = {
  /**
   * The socket closed after having been connected. `clientInitiated` when `close()` caused it (a
   * connection dropped because a request went unanswered is not client-initiated).
   */
  disconnected: [reason: string, clientInitiated: boolean];
};

interface PendingRequest {
  reject: (error: PlazaError) => void;
  timer: ReturnType<typeof setTimeout>;
}

type ServerListener<E extends ServerEventName> = ServerToClientEvents[E];

/**
 * The socket.io connection: opening it with a token, typed requests over acks with a timeout, and
 * server events. Reconnecting is not its business: socket.io's own reconnection is off and
 * {@link PlazaClient} drives attempts with its policy.
 */
export class Transport extends SafeEmitter<TransportEvents> {
  readonly #socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  readonly #options: TransportOptions;
  readonly #pending = new Set<PendingRequest>();
  #token = '';
  #closing = false;
  #stalled = false;
  #abortOpen: ((error: PlazaError) => void) | null = null;

  /**
   * @param url - server address, for example `https://plaza.city.example`
   * @param options - see {@link TransportOptions}
   */
  constructor(url: string, options: TransportOptions) {
    super('transport', options.logger);
    this.#options = options;
    this.#socket = io(url, {
      path: options.path,
      autoConnect: false,
      // One connection per client, never shared with another PlazaClient in the same page.
      forceNew: true,
      reconnection: false,
      timeout: options.requestTimeoutMs,
      transports: options.webSocketOnly ? ['websocket'] : ['polling', 'websocket'],
      // A function, so every (re)connect sends the token current at that moment.
      auth: (cb: (auth: HandshakeAuth) => void) => cb({ token: this.#token, protocolVersion: PROTOCOL_VERSION, sdk: SDK_NAME }),
    });
    this.#socket.on('disconnect', (reason) => {
      this.#rejectPending(new PlazaError(ErrorCode.DISCONNECTED, `connection closed (${reason})`));
      const stalled = this.#stalled;
      this.#stalled = false;
      const clientInitiated = !stalled && (reason === 'io client disconnect' || this.#closing);
      this.emit('disconnected', stalled ? 'no answer within requestTimeoutMs' : reason, clientInitiated);
    });
  }

  /** Whether the socket is connected and requests can be sent. */
  get connected(): boolean {
    return this.#socket.connected;
  }

  /**
   * Connects with `token`. Resolves once the server accepted the handshake; rejects with a
   * {@link PlazaError} carrying the server's refusal code (`UNAUTHENTICATED`, `TOKEN_EXPIRED`,
   * `PROTOCOL_MISMATCH`, `ORIGIN_NOT_ALLOWED`) or `UNAVAILABLE` when the server cannot be reached.
   */
  open(token: string): Promise<void> {
    this.#token = token;
    this.#closing = false;
    const socket = this.#socket;
    if (socket.connected) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        socket.off('connect', onConnect);
        socket.off('connect_error', onError);
        this.#abortOpen = null;
      };
      this.#abortOpen = (error) => {
        cleanup();
        reject(error);
      };
      const onConnect = () => {
        cleanup();
        resolve();
      };
      const onError = (err: Error & { data?: unknown }) => {
        cleanup();
        // Reset the manager so the next attempt starts from a fresh engine.
        socket.disconnect();
        reject(
          err.data !== undefined && err.data !== null
            ? PlazaError.fromWire(err.data, err)
            : new PlazaError(ErrorCode.UNAVAILABLE, `cannot reach the server (${err.message})`, { cause: err }),
        );
      };
      socket.on('connect', onConnect);
      socket.on('connect_error', onError);
      socket.connect();
    });
  }

  /** Closes the socket. Pending requests reject with `DISCONNECTED`. Idempotent. */
  close(): void {
    this.#closing = true;
    this.#abortOpen?.(new PlazaError(ErrorCode.DISCONNECTED, 'connection closed by the client'));
    this.#socket.disconnect();
    this.#rejectPending(new PlazaError(ErrorCode.DISCONNECTED, 'connection closed by the client'));
  }

  /**
   * Sends request `name` and resolves with the data of its ack. Rejects with the server's
   * {@link PlazaError}, with `TIMEOUT` after `requestTimeoutMs`, or with `DISCONNECTED` when not
   * connected or when the connection closes first. Never buffered while disconnected.
   */
  request<K extends RequestName>(name: K, payload: RequestOf<K>): Promise<ResponseOf<K>> {
    if (!this.#socket.connected) {
      return Promise.reject(new PlazaError(ErrorCode.DISCONNECTED, `not connected (${name})`));
    }
    return new Promise<ResponseOf<K>>((resolve, reject) => {
      let settled = false;
      const entry: PendingRequest = {
        reject: (error) => {
          if (settled) return;
          settled = true;
          clearTimeout(entry.timer);
          this.#pending.delete(entry);
          reject(error);
        },
        timer: setTimeout(() => {
          entry.reject(new PlazaError(ErrorCode.TIMEOUT, `no answer to ${name} within ${this.#options.requestTimeoutMs} ms`));
          this.#suspect(name);
        }, this.#options.requestTimeoutMs),
      };
      this.#pending.add(entry);
      const onAck = (answer: Ack<ResponseOf<K>>) => {
        if (settled) return;
        if (typeof answer === 'object' && answer !== null && answer.ok === true && 'data' in answer) {
          settled = true;
          clearTimeout(entry.timer);
          this.#pending.delete(entry);
          resolve(answer.data);
        } else if (typeof answer === 'object' && answer !== null && answer.ok === false) {
          entry.reject(PlazaError.fromWire(answer.error));
        } else {
          entry.reject(new PlazaError(ErrorCode.INTERNAL, `malformed answer to ${name}`));
        }
      };
      this.#options.logger().debug('request', { name });
      (this.#socket as unknown as { emit(event: string, ...args: unknown[]): void }).emit(name, payload, onAck);
    });
  }

  /** Subscribes to a server event. */
  onServer<E extends ServerEventName>(event: E, listener: ServerListener<E>): void {
    const logger = this.#options.logger;
    const safe = (...args: unknown[]) => {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (error) {
        logger().warn('handling a server event failed', { event, error });
      }
    };
    (this.#socket as unknown as { on(event: string, fn: (...args: unknown[]) => void): void }).on(event, safe);
  }

  /**
   * A request went unanswered: the server or the path to it may be stalled while the socket still
   * looks open (heartbeats take up to a minute to notice). Drop the connection so the client
   * reconnects on a fresh one and the outbox resends there.
   */
  #suspect(name: string): void {
    if (!this.#socket.connected || this.#closing) return;
    this.#options.logger().info('request unanswered; reconnecting', { name });
    this.#stalled = true;
    this.#socket.disconnect();
  }

  #rejectPending(error: PlazaError): void {
    for (const entry of [...this.#pending]) entry.reject(error);
  }
}
