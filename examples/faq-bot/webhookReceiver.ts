/**
 * A small HTTP listener for Plaza webhook deliveries: it reads the raw body, verifies the
 * signature with `verifyWebhook` from `@plaza/server-sdk`, drops events it has already handled
 * (deliveries are at least once; the event id is the idempotency key) and hands the rest on.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookVerificationError, verifyWebhook } from '@plaza/server-sdk';
import type { WebhookEvent } from '@plaza/server-sdk';

/** A verified webhook event, as Plaza sends it (`id` is the same on every delivery of the event). */
export type ReceivedEvent = WebhookEvent;

/** Options of {@link startWebhookReceiver}. */
export interface WebhookReceiverOptions {
  /** Address to listen on. @defaultValue `127.0.0.1` */
  host?: string;
  /** Port to listen on; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Path deliveries are POSTed to. @defaultValue `/plaza/webhooks` */
  path?: string;
  /** The endpoint's signing secret (`whsec_…`); read when a delivery arrives, so it can be set after listening. */
  secret: () => string | null;
  /**
   * Handles one verified event, once per event id. The delivery is answered 2xx only after it
   * resolves; if it throws, the answer is 500 and Plaza delivers the event again later.
   */
  onEvent: (event: ReceivedEvent) => Promise<void>;
  /** Where refused deliveries are reported. @defaultValue nothing */
  log?: (line: string) => void;
  /** How many handled event ids are remembered for de-duplication. @defaultValue 10000 */
  rememberEvents?: number;
}

/** A running {@link startWebhookReceiver}. */
export interface WebhookReceiver {
  /** The URL to register with Plaza, for example `http://127.0.0.1:7701/plaza/webhooks`. */
  url: string;
  /** Stops listening. Idempotent. */
  close(): Promise<void>;
}

/** Largest delivery body accepted: Plaza's events are a few kilobytes. */
const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
}

/**
 * Starts the listener. A delivery with a missing or wrong signature, or a timestamp outside the
 * tolerance window (a replay), is answered 401 and changes nothing.
 *
 * @param options - where to listen, the secret, and what to do with an event
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const path = options.path ?? '/plaza/webhooks';
  const log = options.log ?? (() => {});
  const remember = options.rememberEvents ?? 10_000;
  // Insertion-ordered, so the oldest ids are forgotten first.
  const handled = new Set<string>();
  const inProgress = new Map<string, Promise<void>>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== path) return answer(res, 404, 'not found');
    const body = await readBody(req);
    if (body === null) return answer(res, 413, 'too large');
    const secret = options.secret();
    if (secret === null) return answer(res, 503, 'not ready');
    let event: ReceivedEvent;
    try {
      event = verifyWebhook(body, req.headers, secret);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      log(`refused a webhook delivery: ${error.code}`);
      return answer(res, 401, error.code);
    }
    if (handled.has(event.id)) return answer(res, 200, 'already handled');
    // A redelivery racing the first delivery of the same event waits for it instead of running twice.
    let work = inProgress.get(event.id);
    if (!work) {
      work = options.onEvent(event).finally(() => inProgress.delete(event.id));
      inProgress.set(event.id, work);
    }
    await work;
    handled.add(event.id);
    if (handled.size > remember) handled.delete(handled.values().next().value as string);
    return answer(res, 200, 'ok');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`webhook handling failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) answer(res, 500, 'failed');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | null = null;
  return {
    url: `http://${host}:${address.port}${path}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
