import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { verifyWebhook } from '@plaza/server-sdk';
import { percentile } from '../lib/stats.js';

/** One webhook request as it arrived. */
interface Arrival {
  /**
   * Wall-clock ms when the whole body was in, to the µs (`performance.timeOrigin + performance.now()`:
   * the clock of the events' `createdAt`, which has ms resolution).
   */
  at: number;
  body: string;
  headers: IncomingHttpHeaders;
}

/**
 * The webhook receiver both systems deliver to: `node:http` on 127.0.0.1, port 0, answering 204 as
 * soon as a request's body is in, and recording it. Signatures are checked afterwards
 * ({@link WebhookReceiver.check}), not while the load runs.
 */
export class WebhookReceiver {
  #arrivals: Arrival[] = [];
  readonly #server: Server;
  #waiter: { count: number; resolve: () => void } | null = null;

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.#arrivals.push({ at: performance.timeOrigin + performance.now(), body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
        res.writeHead(204).end();
        if (this.#waiter && this.#arrivals.length >= this.#waiter.count) this.#waiter.resolve();
      });
    });
    this.#server.keepAliveTimeout = 30_000;
  }

  /** Starts a receiver. */
  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.#server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** `http://127.0.0.1:<port>/hook` */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  /** Forgets what arrived so far (before a run). */
  reset(): void {
    this.#arrivals = [];
  }

  /** Requests so far in this run. */
  get count(): number {
    return this.#arrivals.length;
  }

  /** Resolves once `count` requests arrived in this run, or after `timeoutMs` (then with `false`). */
  async waitFor(count: number, timeoutMs: number): Promise<boolean> {
    if (this.#arrivals.length >= count) return true;
    let timer: NodeJS.Timeout | undefined;
    const reached = await Promise.race([
      new Promise<boolean>((resolve) => {
        this.#waiter = { count, resolve: () => resolve(true) };
      }),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.#waiter = null;
    return reached;
  }

  /**
   * Checks this run's requests: every signature with `verifyWebhook` (`secret`), every event once.
   * Events are told apart by `key` of their verified body (Plaza: the message id; the baseline:
   * the event id); latency is the first arrival of an event minus its `createdAt`.
   *
   * @param expected - the keys that had to arrive
   */
  check(secret: string, expected: ReadonlySet<string>, key: (event: { id: string; data: Record<string, unknown> }) => string, now = new Date()): DeliveryCheck {
    const first = new Map<string, number>();
    let badSignatures = 0;
    let duplicates = 0;
    let strays = 0;
    let firstCreated = Number.POSITIVE_INFINITY;
    let lastArrival = 0;
    const latencies: number[] = [];
    for (const a of this.#arrivals) {
      let event;
      try {
        event = verifyWebhook(a.body, a.headers as Record<string, string | string[] | undefined>, secret, { now });
      } catch {
        badSignatures++;
        continue;
      }
      const k = key(event as { id: string; data: Record<string, unknown> });
      if (!expected.has(k)) {
        strays++;
        continue;
      }
      if (first.has(k)) {
        duplicates++;
        continue;
      }
      first.set(k, a.at);
      const created = Date.parse(event.createdAt);
      latencies.push(a.at - created);
      firstCreated = Math.min(firstCreated, created);
      lastArrival = Math.max(lastArrival, a.at);
    }
    const delivered = first.size;
    const spanMs = lastArrival - firstCreated;
    return {
      requests: this.#arrivals.length,
      delivered,
      missing: expected.size - delivered,
      duplicates,
      strays,
      badSignatures,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      spanMs,
      eventsPerSecond: delivered > 0 ? (delivered * 1000) / spanMs : Number.NaN,
    };
  }

  /** Stops it. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** What arrived in one run, checked. */
export interface DeliveryCheck {
  /** HTTP requests received. */
  requests: number;
  /** Distinct expected events received with a valid signature. */
  delivered: number;
  missing: number;
  /** Further requests for an event already received (at-least-once redeliveries). */
  duplicates: number;
  /** Validly signed requests for events not of this run. */
  strays: number;
  /** Requests whose signature did not verify. */
  badSignatures: number;
  /** Commit (`createdAt`) → arrival, ms, nearest rank. */
  p50: number;
  p99: number;
  /** First event's `createdAt` → last first arrival, ms. */
  spanMs: number;
  /** delivered ÷ span. */
  eventsPerSecond: number;
}
