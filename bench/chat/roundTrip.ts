import { performance } from 'node:perf_hooks';
import type { Ack, Message } from '@plaza/protocol';
import { percentile, SampleBuffer, sleep } from '../lib/stats.js';
import type { LoadSocket } from './sockets.js';

/** Latency figures of a sequence of request/ack round trips. */
export interface RoundTripResult {
  count: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Sends `count` requests one after the other (the next only after the previous ack, `gapMs`
 * apart) on an otherwise idle connection and measures each emit→ack round trip. The first
 * `warmup` are not counted.
 */
export async function measureRoundTrips(
  count: number,
  warmup: number,
  gapMs: number,
  once: (k: number) => Promise<boolean>,
): Promise<RoundTripResult> {
  const samples = new SampleBuffer();
  let errors = 0;
  for (let k = 0; k < warmup + count; k++) {
    const start = performance.now();
    const ok = await once(k);
    const took = performance.now() - start;
    if (k >= warmup) {
      if (ok) samples.push(took);
      else errors++;
    }
    if (gapMs > 0) await sleep(gapMs);
  }
  const values = samples.values();
  return { count, errors, p50: percentile(values, 50), p99: percentile(values, 99), max: percentile(values, 100) };
}

/** One Plaza `message:send` round trip; resolves `true` on a successful ack. */
export function plazaSendOnce(socket: LoadSocket, conversationId: string, clientId: string, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    socket.emit('message:send', { conversationId, clientId, text }, (ack: Ack<Message>) => resolve(ack.ok));
  });
}

/** One plain socket.io `echo` round trip (`emitWithAck` on the baseline server). */
export async function plainEchoOnce(socket: LoadSocket, text: string): Promise<boolean> {
  const answer: unknown = await socket.emitWithAck('echo', { text });
  return answer !== undefined;
}
