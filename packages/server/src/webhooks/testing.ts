import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a {@link WebhookReceiver} got. */
export interface ReceivedWebhook {
  /** The raw body. */
  body: string;
  headers: IncomingHttpHeaders;
  /** `webhook-id`. */
  eventId: string;
  /** What the receiver answered (`null`: it never answered). */
  status: number | null;
}

/** How the receiver answers the `n`-th request (0-based) for an event: a status, or `'hang'` to never answer. */
export type ReceiverBehaviour = (request: ReceivedWebhook, n: number) => number | 'hang';

/**
 * A real HTTP server on 127.0.0.1, port 0, that records the webhook requests it gets (tests only).
 * Answers 204 unless told otherwise.
 */
export class WebhookReceiver {
  /** Every request so far, in arrival order. */
  readonly requests: ReceivedWebhook[] = [];
  /** How it answers; change it at any time. */
  behaviour: ReceiverBehaviour = () => 204;
  readonly #server: Server;
  #url = '';

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const eventId = String(req.headers['webhook-id'] ?? '');
        const received: ReceivedWebhook = { body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, eventId, status: null };
        const n = this.requests.filter((r) => r.eventId === eventId).length;
        this.requests.push(received);
        const answer = this.behaviour(received, n);
        if (answer === 'hang') return;
        received.status = answer;
        res.writeHead(answer).end();
      });
    });
  }

  /** Starts a receiver. */
  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.#server.listen(0, '127.0.0.1', resolve));
    receiver.#url = `http://127.0.0.1:${(receiver.#server.address() as AddressInfo).port}/hook`;
    return receiver;
  }

  /** Where it listens, `http://127.0.0.1:<port>/hook`. */
  get url(): string {
    return this.#url;
  }

  /** Requests for one event id. */
  of(eventId: string): ReceivedWebhook[] {
    return this.requests.filter((r) => r.eventId === eventId);
  }

  /** How many requests for `eventId` it answered with 2xx (accepted). */
  accepted(eventId: string): number {
    return this.of(eventId).filter((r) => r.status !== null && r.status >= 200 && r.status < 300).length;
  }

  /** Stops it, cutting connections that hang. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
