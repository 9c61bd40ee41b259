import { performance } from 'node:perf_hooks';
import type { Ack, ConversationWithState, Message } from '@plaza/protocol';
import { percentile, SampleBuffer } from '../lib/stats.js';
import { benchUserId, unwrap, type PlazaTarget } from './targets.js';
import { mapLimit, request, type LoadSocket } from './sockets.js';

/** What an ingest run measured. */
export interface IngestResult {
  senders: number;
  rounds: number;
  acked: number;
  errors: number;
  errorCodes: Record<string, number>;
  elapsedMs: number;
  messagesPerSecond: number;
  ackP50: number;
  ackP99: number;
  serverCpuMs: number;
  /** Server CPU per 1,000 persisted messages, in ms. */
  serverCpuPer1k: number;
  /** Server CPU as a share of one core over the run. */
  serverCpuShare: number;
  /** This (load client) process's CPU as a share of one core over the run. */
  clientCpuShare: number;
}

/**
 * Client `i` opens the direct conversation with client `(i + 1) % count`: `count` distinct direct
 * conversations, one per sender. Returns their ids by sender.
 */
export async function openDirectRing(target: PlazaTarget, count: number): Promise<string[]> {
  return mapLimit(Array.from({ length: count }, (_, i) => i), 50, async (i) => {
    const ack = await request<Ack<ConversationWithState>>(target.sockets[i] as LoadSocket, 'conversation:openDirect', {
      userId: benchUserId((i + 1) % count),
    });
    return unwrap(ack, 'conversation:openDirect').id;
  });
}

/**
 * Every sender sends `rounds` messages into its own direct conversation, each after the previous
 * one's ack, all senders at once. An ack comes after the commit, so acked = persisted.
 */
export async function runIngest(target: PlazaTarget, conversations: readonly string[], rounds: number, tag: string): Promise<IngestResult> {
  const acks = new SampleBuffer();
  const errorCodes: Record<string, number> = {};
  let acked = 0;
  let errors = 0;
  const text = `ingest ${'y'.repeat(90)}`;
  const cpuBefore = target.server.cpuMs();
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    conversations.map(async (conversationId, i) => {
      const socket = target.sockets[i] as LoadSocket;
      for (let r = 0; r < rounds; r++) {
        const sentAt = performance.now();
        const ack = await new Promise<Ack<Message>>((resolve) =>
          socket.emit('message:send', { conversationId, clientId: `${tag}-${i}-${r}`, text }, resolve),
        );
        acks.push(performance.now() - sentAt);
        if (ack.ok) acked++;
        else {
          errors++;
          errorCodes[ack.error.code] = (errorCodes[ack.error.code] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - start;
  const serverCpuMs = target.server.cpuMs() - cpuBefore;
  const client = process.cpuUsage(clientBefore);
  const values = acks.values();
  return {
    senders: conversations.length,
    rounds,
    acked,
    errors,
    errorCodes,
    elapsedMs,
    messagesPerSecond: (acked * 1000) / elapsedMs,
    ackP50: percentile(values, 50),
    ackP99: percentile(values, 99),
    serverCpuMs,
    serverCpuPer1k: (serverCpuMs * 1000) / acked,
    serverCpuShare: serverCpuMs / elapsedMs,
    clientCpuShare: (client.user + client.system) / 1000 / elapsedMs,
  };
}
