import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlazaClient, createLogger } from '@plaza/client';
import type { HistoryPage, Message } from '@plaza/protocol';
import { ServerProcess, stopAllServers } from '../helpers/ServerProcess.js';
import { closeRawSockets, openRawSocket, requestOk } from '../helpers/rawSocket.js';
import { removeTempDirs } from '../helpers/tempDirs.js';
import { mintToken } from '../helpers/tokens.js';
import { waitFor } from '../helpers/waitFor.js';

/**
 * Nothing acknowledged is ever lost: 20 real clients chat in one group (and a few direct
 * conversations) while the server process is SIGKILLed twice mid-stream and restarted on the
 * same port and data dir. The clients reconnect and flush their outboxes by themselves.
 */

type Conv = Awaited<ReturnType<PlazaClient['conversations']['create']>>;

const USERS = 20;
const DIRECT_PAIRS = [
  [0, 1],
  [2, 3],
  [4, 5],
] as const;
/** Each sender issues a message this often (load shaping, not a wait): ~200 messages/s in all. */
const PACE_MS = 100;
/** Acknowledged messages between phases (before the first kill, between kills, after the last restart). */
const ACKS_PER_PHASE = 250;

interface Participant {
  userId: string;
  client: PlazaClient;
  /** Messages received through `message` events, per conversation. */
  received: Map<string, Message[]>;
  /** The conversation's `lastSeq` when the listener was attached, per conversation. */
  startSeq: Map<string, number>;
  /** Conversations this participant sends to, with the share of messages for each. */
  targets: Conv[];
  sendFailed: { clientId: string; code: string }[];
  states: string[];
}

interface SendRecord {
  userId: string;
  conversationId: string;
  clientId: string;
  text: string;
  /** Whether the client was not connected when `send()` was called (so it went through the outbox). */
  queuedOffline: boolean;
  status: 'pending' | 'acked' | 'failed';
  message?: Message;
  error?: { code?: string; message: string };
}

const userId = (i: number) => `durable-${String(i).padStart(2, '0')}`;
const fastReconnect = { nextDelayMs: (attempt: number) => Math.min(50 + attempt * 50, 400) };
/** Client warnings (expected around the kills), kept for failure messages instead of the console. */
const clientLog: string[] = [];
const logger = createLogger('warn', (level, message, context) => {
  clientLog.push(`${level} ${message} ${JSON.stringify(context ?? {}).slice(0, 200)}`);
});
/** Sends not yet acknowledged at the moment of each kill. */
const unackedAtKill: number[] = [];

let server: ServerProcess;
const participants: Participant[] = [];
const sends: SendRecord[] = [];
let group: Conv;
const directIds: string[] = [];

function attach(p: Participant, conv: Conv): void {
  if (p.received.has(conv.id)) return;
  p.received.set(conv.id, []);
  p.startSeq.set(conv.id, conv.lastSeq);
  conv.on('message', (m: Message) => p.received.get(conv.id)!.push(m));
}

beforeAll(async () => {
  server = await ServerProcess.start();
  for (let i = 0; i < USERS; i++) {
    const id = userId(i);
    const client = new PlazaClient(server.url, { reconnectPolicy: fastReconnect, logger });
    const p: Participant = { userId: id, client, received: new Map(), startSeq: new Map(), targets: [], sendFailed: [], states: [] };
    client.on('connectionStateChanged', (state) => p.states.push(state));
    client.on('sendFailed', (pending, error) => p.sendFailed.push({ clientId: pending.clientId, code: error.code }));
    await client.connect(() => mintToken(id));
    participants.push(p);
  }
  const owner = participants[0]!;
  group = await owner.client.conversations.create({ kind: 'group', title: 'Durability', memberIds: participants.slice(1).map((p) => p.userId) });
  for (const p of participants) {
    const conv = p === owner ? group : await p.client.conversations.get(group.id);
    attach(p, conv);
    p.targets.push(conv);
  }
  for (const [a, b] of DIRECT_PAIRS) {
    const pa = participants[a]!;
    const pb = participants[b]!;
    const convA = await pa.client.conversations.openDirect(pb.userId);
    const convB = await pb.client.conversations.openDirect(pa.userId);
    expect(convB.id).toBe(convA.id);
    directIds.push(convA.id);
    attach(pa, convA);
    attach(pb, convB);
    pa.targets.push(convA);
    pb.targets.push(convB);
  }
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(participants.map((p) => p.client.disconnect()));
  closeRawSockets();
  await stopAllServers();
  removeTempDirs();
});

/** Sends from one participant every PACE_MS until `stop()` says so; never awaits a send. */
async function senderLoop(p: Participant, stop: () => boolean): Promise<void> {
  for (let i = 0; !stop(); i++) {
    // Every fourth message of a participant with a direct conversation goes there.
    const conv = p.targets.length > 1 && i % 4 === 3 ? p.targets[1]! : p.targets[0]!;
    const record: SendRecord = {
      userId: p.userId,
      conversationId: conv.id,
      clientId: `${p.userId}-${i}`,
      text: `${p.userId} #${i}`,
      queuedOffline: p.client.state !== 'connected',
      status: 'pending',
    };
    sends.push(record);
    conv.send(record.text, { clientId: record.clientId }).then(
      (message: Message) => {
        record.status = 'acked';
        record.message = message;
      },
      (error: { code?: string; message: string }) => {
        record.status = 'failed';
        record.error = { code: error.code, message: error.message };
      },
    );
    await new Promise((resolve) => setTimeout(resolve, PACE_MS));
  }
}

const acked = () => sends.filter((s) => s.status === 'acked').length;
const unacked = () => sends.filter((s) => s.status === 'pending').length;
const progress = () =>
  `sends=${sends.length} acked=${acked()} failed=${sends.filter((s) => s.status === 'failed').length} ` +
  `states=${participants.map((p) => p.client.state[0]).join('')}\n` +
  `client log (tail):\n${clientLog.slice(-20).join('\n')}\n${server.tail(2000)}`;

async function killAndRestart(): Promise<void> {
  unackedAtKill.push(unacked());
  const exit = await server.kill('SIGKILL');
  expect(exit.signal).toBe('SIGKILL');
  // Let every client notice, so that sends made from now on wait in the outbox.
  await waitFor('every client to notice the server is gone', () => participants.every((p) => p.client.state !== 'connected'), {
    timeoutMs: 15_000,
    describe: progress,
  });
  await server.restart();
}

async function fetchHistory(conversationId: string, token: string): Promise<Message[]> {
  const socket = await openRawSocket(server.url, { token });
  const all: Message[] = [];
  for (let afterSeq = 0; ; ) {
    const page = await requestOk<HistoryPage>(socket, 'message:history', { conversationId, afterSeq, limit: 200 });
    all.push(...page.messages);
    if (!page.hasMore || page.messages.length === 0) break;
    afterSeq = page.messages[page.messages.length - 1]!.seq;
  }
  socket.disconnect();
  return all;
}

describe('durability across server crashes', () => {
  it('every acknowledged message reaches every member exactly once, in gapless seq order, across two SIGKILLs', async () => {
    let stopped = false;
    const loops = participants.map((p) => senderLoop(p, () => stopped));

    for (let kill = 1; kill <= 2; kill++) {
      const target = acked() + ACKS_PER_PHASE;
      // Kill at a moment when some sends are unacknowledged (in flight or queued), never in a lull.
      await waitFor(`${ACKS_PER_PHASE} more acks before kill #${kill}, with sends in flight`, () => acked() >= target && unacked() > 0, {
        timeoutMs: 30_000,
        intervalMs: 2,
        describe: progress,
      });
      await killAndRestart();
    }
    const target = acked() + ACKS_PER_PHASE;
    await waitFor(`${ACKS_PER_PHASE} more acks after the last restart`, () => acked() >= target, { timeoutMs: 30_000, describe: progress });
    stopped = true;
    await Promise.all(loops);

    // Every send settles: acknowledged, or failed and reported through sendFailed.
    await waitFor('every send to settle', () => sends.every((s) => s.status !== 'pending'), { timeoutMs: 30_000, describe: progress });
    expect(server.starts).toBe(3);
    expect(sends.filter((s) => s.queuedOffline).length, 'some sends went through the outbox while disconnected').toBeGreaterThan(0);
    expect(unackedAtKill.every((n) => n > 0), `sends were in flight at every kill: ${unackedAtKill.join(',')}`).toBe(true);

    const failed = sends.filter((s) => s.status === 'failed');
    if (process.env.PLAZA_TEST_VERBOSE) {
      console.info(`durability: ${sends.length} sends, ${acked()} acked, ${failed.length} failed, unacked at kills ${unackedAtKill.join('/')}, ${sends.filter((s) => s.queuedOffline).length} queued while disconnected; failures: ${JSON.stringify(failed.map((s) => s.error?.code))}`);
    }
    for (const s of failed) {
      const p = participants.find((x) => x.userId === s.userId)!;
      expect(p.sendFailed.map((f) => f.clientId), `failed send ${s.clientId} (${s.error?.code}) was reported by sendFailed`).toContain(s.clientId);
    }
    expect(participants.reduce((n, p) => n + p.sendFailed.length, 0), 'sendFailed reports only sends that failed').toBe(failed.length);

    // The server's history of every conversation, read by a member over a raw socket.
    const conversations = [
      { id: group.id, members: participants },
      ...DIRECT_PAIRS.map(([a, b], i) => ({ id: directIds[i]!, members: [participants[a]!, participants[b]!] })),
    ];
    for (const conv of conversations) {
      const history = await fetchHistory(conv.id, await mintToken(conv.members[0]!.userId));
      const lastSeq = history.length === 0 ? 0 : history[history.length - 1]!.seq;
      expect(history.map((m) => m.seq), `history of ${conv.id} is gapless from 1`).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
      const clientIds = history.flatMap((m) => (m.clientId ? [m.clientId] : []));
      expect(new Set(clientIds).size, `no clientId stored twice in ${conv.id}`).toBe(clientIds.length);
      const byClientId = new Map(history.map((m) => [m.clientId, m]));

      const mine = sends.filter((s) => s.conversationId === conv.id);
      for (const s of mine) {
        const stored = byClientId.get(s.clientId);
        if (s.status === 'acked') {
          expect(stored, `acked ${s.clientId} is in the history`).toBeDefined();
          expect({ id: stored!.id, seq: stored!.seq, text: stored!.text }).toEqual({ id: s.message!.id, seq: s.message!.seq, text: s.text });
        } else {
          expect(stored, `failed ${s.clientId} (${s.error?.code}) must not be stored`).toBeUndefined();
        }
      }
      expect(mine.filter((s) => s.status === 'acked').length).toBeGreaterThan(0);
      // The outbox keeps each sender's order: a sender's messages get ascending seqs in send order.
      for (const p of conv.members) {
        const seqs = mine.filter((s) => s.userId === p.userId && s.status === 'acked').map((s) => s.message!.seq);
        expect(seqs, `${p.userId}'s messages in ${conv.id} are stored in the order sent`).toEqual([...seqs].sort((x, y) => x - y));
      }

      // Every member converges on the full history through `message` events.
      for (const p of conv.members) {
        const received = p.received.get(conv.id)!;
        await waitFor(`${p.userId} to receive up to seq ${lastSeq} in ${conv.id}`, () => (received[received.length - 1]?.seq ?? p.startSeq.get(conv.id)!) >= lastSeq, {
          timeoutMs: 20_000,
          describe: () => `${p.userId} has ${received.length} messages, last seq ${received[received.length - 1]?.seq}, state ${p.client.state}`,
        });
        const start = p.startSeq.get(conv.id)!;
        expect(
          received.map((m) => m.seq),
          `${p.userId} received every seq of ${conv.id} once, ascending, without gaps`,
        ).toEqual(Array.from({ length: lastSeq - start }, (_, i) => start + i + 1));
        expect(
          received.map((m) => [m.id, m.seq, m.clientId, m.text]),
          `${p.userId} saw what the server stored in ${conv.id}`,
        ).toEqual(history.slice(start).map((m) => [m.id, m.seq, m.clientId, m.text]));
      }
    }
  }, 150_000);
});
