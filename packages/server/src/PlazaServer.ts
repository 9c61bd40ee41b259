import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Auditor } from './Auditor.js';
import type { CallManager } from './calls/CallManager.js';
import { announcer } from './logger.js';
import type { ResolvedServerConfig } from './config.js';
import type { FileService } from './files/FileService.js';
import type { ServerMetrics } from './metrics.js';
import type { PresenceStore } from './presence/PresenceStore.js';
import type { RateLimiter } from './ratelimit/RateLimiter.js';
import type { PlazaIo } from './signaling/context.js';
import type { ChatStore } from './storage/ChatStore.js';
import type { WebhookDispatcher } from './webhooks/WebhookDispatcher.js';

/** Where a listening server can be reached. */
export interface ListenResult {
  /** The bound port (the real one when 0 was asked for). */
  port: number;
  /** Base URL, for example `http://127.0.0.1:7700`. */
  url: string;
}

/** The parts a {@link PlazaServer} is made of (built by `createPlazaServer`). */
export interface PlazaServerParts {
  config: ResolvedServerConfig;
  http: FastifyInstance;
  io: PlazaIo;
  store: ChatStore;
  presence: PresenceStore;
  limiters: { requests: RateLimiter; messages: RateLimiter; media: RateLimiter };
  auditor: Auditor;
  metrics: ServerMetrics;
  logger: Logger;
  /** File sharing (uploads, quota, storage). */
  files: FileService;
  /** Requests being handled now; `close()` lets them finish. */
  inflight: Set<Promise<unknown>>;
  /** Live calls and the media workers. */
  calls: CallManager;
  /** Delivers outbox events to webhook endpoints. */
  webhooks: WebhookDispatcher;
  /** Called once when closing starts (readyz turns 503, new connections and requests are refused). */
  markClosing(): void;
  /** Whether the store was created by the server (and so is closed by it). */
  ownsStore: boolean;
  /** Called last, once everything is closed (releases the data directory lock). */
  onClosed?: () => void;
}

/** How long `close()` lets requests in flight finish before it closes connections anyway. */
const DRAIN_TIMEOUT_MS = 5000;

/**
 * A Plaza server: fastify for HTTP (`/healthz`, `/readyz`, `/metrics` and your own routes),
 * socket.io for signaling, a {@link ChatStore} for persistence. Create it with `createPlazaServer`.
 */
export class PlazaServer {
  /** The fastify instance: add routes before `listen()`. */
  readonly http: FastifyInstance;
  /** The socket.io server. */
  readonly io: PlazaIo;
  /** The chat store. */
  readonly store: ChatStore;
  /** Presence of connected users. */
  readonly presence: PresenceStore;
  /** The configuration in effect, defaults filled in (API secrets included: do not log it). */
  readonly config: ResolvedServerConfig;
  /** The root logger. */
  readonly logger: Logger;
  /** Prometheus metrics of this server. */
  readonly metrics: ServerMetrics;
  /** File sharing: the tus data store, quota reservations, file storage and signed URLs. */
  readonly files: FileService;
  /** Calls: live calls, media workers, ringing (for tests and operators' tooling; not a stable API yet). @internal */
  readonly calls: CallManager;
  readonly #parts: PlazaServerParts;
  #listening: Promise<ListenResult> | null = null;
  #closing: Promise<void> | null = null;

  /** @internal use `createPlazaServer` */
  constructor(parts: PlazaServerParts) {
    this.#parts = parts;
    this.http = parts.http;
    this.io = parts.io;
    this.store = parts.store;
    this.presence = parts.presence;
    this.config = parts.config;
    this.logger = parts.logger;
    this.metrics = parts.metrics;
    this.files = parts.files;
    this.calls = parts.calls;
  }

  /**
   * Starts listening on the configured host and port and logs `listening` with `port` and `url`
   * (at info, even when the log level is higher, unless it is `silent`). Idempotent.
   */
  listen(): Promise<ListenResult> {
    this.#listening ??= (async () => {
      if (this.#closing) throw new Error('the server is closed');
      await this.http.listen({ port: this.config.port, host: this.config.host });
      const address = this.http.server.address();
      const port = typeof address === 'object' && address ? address.port : this.config.port;
      const url = `http://${urlHost(this.config.host)}:${port}`;
      // Harnesses parse this line: print it even when the level is warn or error (not when silent).
      announcer(this.logger).info({ port, url }, 'listening');
      return { port, url };
    })();
    return this.#listening;
  }

  /**
   * Shuts down gracefully: `/readyz` answers 503 and new connections and requests are refused,
   * requests in flight finish (up to 5 s) and are answered, connections close (clients reconnect
   * elsewhere or later), pending writes are flushed and the database closed. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const p = this.#parts;
    p.markClosing();
    p.logger.info('shutting down');
    await Promise.race([
      Promise.allSettled([...p.inflight]),
      new Promise((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS).unref()),
    ]);
    // Webhook deliveries in flight get a moment to finish; the rest are sent again after the next start.
    await p.webhooks.close();
    // Calls end (participants are told, the end is posted) and the media workers stop.
    try {
      await p.calls.close();
    } catch (error) {
      p.logger.warn({ err: error }, 'closing calls failed');
    }
    // Closing the transports (not a socket.io "server disconnect") lets clients reconnect.
    p.io.engine.close();
    try {
      await p.io.of('/').adapter.close();
    } catch (error) {
      p.logger.warn({ err: error }, 'closing the socket.io adapter failed');
    }
    // Connections that finish a response after close() began stay open as keep-alive until their
    // timeout: keep closing the idle ones, and cut whatever is left after the drain timeout (tus
    // uploads resume, downloads retry).
    const server = p.http.server;
    const sweeper = setInterval(() => server.closeIdleConnections(), 50);
    const cutoff = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
    try {
      await p.http.close();
    } catch (error) {
      p.logger.warn({ err: error }, 'closing the HTTP server failed');
    } finally {
      clearInterval(sweeper);
      clearTimeout(cutoff);
    }
    await p.files.close();
    await p.auditor.flush();
    p.limiters.requests.close();
    p.limiters.messages.close();
    p.limiters.media.close();
    try {
      if (p.ownsStore) await p.store.close();
    } finally {
      p.onClosed?.();
    }
    p.logger.info('closed');
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
