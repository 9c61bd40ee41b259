import type { Message } from '@plaza/protocol';
import { performance } from 'node:perf_hooks';
import type { ServerProcess } from '../lib/ServerProcess.js';
import { sleep } from '../lib/stats.js';
import type { ApiClient } from './http.js';
import type { RunAnswer, RunCommand } from './plain-webhook-sender.js';
import type { DeliveryCheck, WebhookReceiver } from './receiver.js';

/** How the events of a run are produced. */
export type WebhookMode = { kind: 'paced'; rate: number; durationMs: number } | { kind: 'burst'; count: number };

/** One webhook run, checked. */
export interface WebhookRun extends DeliveryCheck {
  /** Events the run produced. */
  events: number;
  /** Plaza: how long posting the messages took (first request → last 201), ms; the baseline: 0. */
  produceMs: number;
  /** Plaza: posts that did not answer 201. The baseline: deliveries not answered 2xx. */
  produceErrors: number;
  /** The delivering process's CPU time ÷ (first event → last arrival). */
  senderCpuShare: number;
}

/** Events in a run of `mode`. */
export function eventsOf(mode: WebhookMode): number {
  return mode.kind === 'paced' ? Math.round((mode.rate * mode.durationMs) / 1000) : mode.count;
}

/** How long to wait for the last deliveries after the events were produced. */
const DRAIN_TIMEOUT_MS = 60_000;
/** Grace for late duplicates after the expected count arrived. */
const GRACE_MS = 200;

/**
 * Plaza: posts `mode`'s messages through REST (`postMessage`, system messages into `conversationId`)
 * — paced: open loop at the rate; burst: 16 requests in flight — and waits until the receiver has a
 * request for every message that was stored, then checks them.
 */
export async function runPlazaWebhooks(
  plaza: ServerProcess,
  client: ApiClient,
  receiver: WebhookReceiver,
  options: { conversationId: string; secret: string; mode: WebhookMode; tag: string; text: string },
): Promise<WebhookRun> {
  const { mode, tag, text } = options;
  const n = eventsOf(mode);
  const path = `/v1/conversations/${options.conversationId}/messages`;
  const ids = new Set<string>();
  let errors = 0;
  const post = async (k: number) => {
    try {
      const answer = await client.send('POST', path, { text, clientId: `${tag}-${k}` });
      if (answer.status === 201) ids.add((JSON.parse(answer.body) as Message).id);
      else if (errors++ < 3) process.stderr.write(`postMessage: unexpected answer ${answer.status}: ${answer.body.slice(0, 300)}\n`);
    } catch {
      errors++;
    }
  };
  receiver.reset();
  const cpu0 = plaza.cpuMs();
  const start = performance.now();
  const started = Date.now();
  if (mode.kind === 'paced') {
    const gapMs = 1000 / mode.rate;
    const posts: Promise<void>[] = [];
    for (let k = 0; k < n; k++) {
      const wait = start + k * gapMs - performance.now();
      if (wait > 1) await sleep(wait);
      posts.push(post(k));
    }
    await Promise.all(posts);
  } else {
    let next = 0;
    const worker = async () => {
      while (next < n) await post(next++);
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  }
  const produceMs = performance.now() - start;
  await receiver.waitFor(ids.size, DRAIN_TIMEOUT_MS);
  await sleep(GRACE_MS);
  const cpu = plaza.cpuMs() - cpu0;
  const check = receiver.check(options.secret, ids, (event) => String((event.data.message as { id?: unknown } | undefined)?.id));
  return { ...check, events: n, produceMs, produceErrors: errors, senderCpuShare: cpu / Math.max(1, Date.now() - started - GRACE_MS) };
}

/**
 * The baseline: tells the plain sender (a child process) to produce and deliver `mode`'s events,
 * then checks what the receiver got.
 */
export async function runPlainWebhooks(
  sender: ServerProcess,
  receiver: WebhookReceiver,
  options: { secret: string; mode: WebhookMode; firstId: number; data: unknown; concurrency: number },
): Promise<WebhookRun> {
  const { mode } = options;
  const n = eventsOf(mode);
  const command: RunCommand = {
    url: receiver.url,
    secret: options.secret,
    data: options.data,
    firstId: options.firstId,
    count: n,
    concurrency: options.concurrency,
    ...(mode.kind === 'paced' ? { rate: mode.rate } : {}),
  };
  receiver.reset();
  const cpu0 = sender.cpuMs();
  const started = Date.now();
  const response = await fetch(`${sender.url}/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(command) });
  if (!response.ok) throw new Error(`plain webhook sender: HTTP ${response.status} ${await response.text()}`);
  const answer = (await response.json()) as RunAnswer;
  await receiver.waitFor(n, DRAIN_TIMEOUT_MS);
  await sleep(GRACE_MS);
  const cpu = sender.cpuMs() - cpu0;
  const expected = new Set(Array.from({ length: n }, (_, i) => `evt_${options.firstId + i}`));
  const check = receiver.check(options.secret, expected, (event) => event.id);
  return { ...check, events: n, produceMs: 0, produceErrors: answer.failed, senderCpuShare: cpu / Math.max(1, Date.now() - started - GRACE_MS) };
}
