import { performance } from 'node:perf_hooks';
import { percentile, SampleBuffer, sleep } from '../lib/stats.js';
import type { FanoutTarget } from './targets.js';

/** How a fan-out run drives its senders. */
export type FanoutMode =
  /** Open loop: `rate` messages per second for `durationMs`, whatever the server does. */
  | { kind: 'paced'; rate: number; durationMs: number }
  /** Closed loop: keep `window` messages not yet delivered to every member in flight for `durationMs`. */
  | { kind: 'saturate'; window: number; durationMs: number };

/** Options of {@link runFanout}. */
export interface FanoutOptions {
  /** Group size (members, all connected). */
  n: number;
  /** Receivers each message is expected to reach (measured by a probe). */
  expected: number;
  /** Senders are clients `0..senders-1`, in turn. */
  senders: number;
  /** How to send. */
  mode: FanoutMode;
  /** Padding so the text is about this many characters. @default 100 */
  textLength?: number;
  /** Most time to wait for the last deliveries after the last send. @default 10000 */
  drainTimeoutMs?: number;
}

/** What one fan-out run measured. */
export interface FanoutResult {
  target: string;
  n: number;
  mode: FanoutMode['kind'];
  sent: number;
  errors: number;
  errorCodes: Record<string, number>;
  deliveries: number;
  /** Deliveries expected for the messages that were acknowledged without error. */
  expectedDeliveries: number;
  elapsedMs: number;
  deliveriesPerSecond: number;
  messagesPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  serverCpuMs: number;
  /** Server CPU per 1,000 deliveries, in ms. */
  serverCpuPer1k: number;
  /** Server CPU as a share of one core over the run. */
  serverCpuShare: number;
  /** This (load client) process's CPU as a share of one core over the run. */
  clientCpuShare: number;
}

let runCounter = 0;

/**
 * Sends messages to group `n` of `target` and measures send→receive latency of every delivery
 * (sender and receivers share this process's clock), deliveries per second and server CPU.
 */
export async function runFanout(target: FanoutTarget, options: FanoutOptions): Promise<FanoutResult> {
  const { n, expected, senders, mode } = options;
  const tag = `r${++runCounter}`;
  const pad = 'x'.repeat(Math.max(0, (options.textLength ?? 100) - 40));
  const counts = new Uint32Array(1_000_000);
  const latencies = new SampleBuffer();
  const errorCodes: Record<string, number> = {};
  let sent = 0;
  let errors = 0;
  let deliveries = 0;
  let inflight = 0;
  let stopped = false;
  let firstSendAt = 0;
  let lastDeliveryAt = 0;
  let wake: (() => void) | null = null;

  const sendOne = () => {
    const k = sent++;
    inflight++;
    const sendAt = performance.now();
    if (k === 0) firstSendAt = sendAt;
    target.send(n, k % senders, `${tag}|${k}|${sendAt.toFixed(3)}|${pad}`, `${tag}-${k}`, (error) => {
      if (error === undefined) return;
      errors++;
      errorCodes[error] = (errorCodes[error] ?? 0) + 1;
      inflight--;
      settle();
    });
  };
  const pump = () => {
    if (mode.kind !== 'saturate') return;
    while (!stopped && inflight < mode.window) sendOne();
  };
  const settle = () => {
    pump();
    if (stopped && inflight === 0) wake?.();
  };

  target.setReceiver((text) => {
    const now = performance.now();
    const a = text.indexOf('|');
    const b = text.indexOf('|', a + 1);
    const c = text.indexOf('|', b + 1);
    if (text.slice(0, a) !== tag) return;
    const k = Number(text.slice(a + 1, b));
    latencies.push(now - Number(text.slice(b + 1, c)));
    deliveries++;
    lastDeliveryAt = now;
    const count = ++counts[k]!;
    if (count === expected) {
      inflight--;
      settle();
    }
  });

  const cpuBefore = target.server.cpuMs();
  const clientBefore = process.cpuUsage();
  const wallBefore = performance.now();

  if (mode.kind === 'saturate') {
    pump();
    await sleep(mode.durationMs);
  } else {
    const interval = 1000 / mode.rate;
    const total = Math.round((mode.rate * mode.durationMs) / 1000);
    const start = performance.now();
    for (let k = 0; k < total; k++) {
      const due = start + k * interval;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      sendOne();
    }
  }
  stopped = true;
  if (inflight > 0) {
    await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(options.drainTimeoutMs ?? 10_000)]);
  }
  target.setReceiver(null);

  const wallMs = performance.now() - wallBefore;
  const serverCpuMs = target.server.cpuMs() - cpuBefore;
  const client = process.cpuUsage(clientBefore);
  const elapsedMs = lastDeliveryAt - firstSendAt;
  const values = latencies.values();
  return {
    target: target.name,
    n,
    mode: mode.kind,
    sent,
    errors,
    errorCodes,
    deliveries,
    expectedDeliveries: (sent - errors) * expected,
    elapsedMs,
    deliveriesPerSecond: (deliveries * 1000) / elapsedMs,
    messagesPerSecond: ((sent - errors) * 1000) / elapsedMs,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: percentile(values, 100),
    serverCpuMs,
    serverCpuPer1k: (serverCpuMs * 1000) / deliveries,
    serverCpuShare: serverCpuMs / wallMs,
    clientCpuShare: (client.user + client.system) / 1000 / wallMs,
  };
}

/**
 * Sends one message to group `n` and counts the clients that receive it within `waitMs`: the
 * number of deliveries each message of a run is expected to make.
 */
export async function probeReceivers(target: FanoutTarget, n: number, waitMs = 3000): Promise<number> {
  const tag = `probe${++runCounter}`;
  let received = 0;
  target.setReceiver((text) => {
    if (text.startsWith(`${tag}|`)) received++;
  });
  const acked = new Promise<string | undefined>((resolve) => target.send(n, 0, `${tag}|0|0|probe`, tag, resolve));
  const error = await acked;
  if (error !== undefined) throw new Error(`${target.name}: probe send to group ${n} failed: ${error}`);
  const deadline = performance.now() + waitMs;
  while (received < n && performance.now() < deadline) await sleep(20);
  await sleep(100);
  target.setReceiver(null);
  return received;
}
