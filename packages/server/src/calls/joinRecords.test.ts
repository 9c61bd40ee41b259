import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../api/testing.js';
import { createSqliteChatStore } from '../storage/SqliteChatStore.js';
import type { ChatStore } from '../storage/ChatStore.js';
import type { NewOutboxEvent } from '../storage/outbox.js';
import { nextEvent, ok, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';

/*
 * A join's records (its outbox events and "started a call") are written beside the join, not
 * before its answer: a durable commit waits for an fdatasync of the database log, which on a busy
 * disk took longer than the rest of the join. The store here is the real SQLite store whose
 * `recordEvents` waits for a gate to open first, as on a disk that is slow to sync.
 */

let t: TestServer;
let dir: string;
let store: ChatStore;
let gate: Promise<void> = Promise.resolve();
let openGate: () => void = () => undefined;

function closeGate(): void {
  gate = new Promise((resolve) => (openGate = resolve));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plaza-join-records-'));
  const real = createSqliteChatStore({ filename: join(dir, 'plaza.db'), synchronous: 'full' });
  await real.migrate();
  store = new Proxy(real, {
    get(target, key, receiver) {
      if (key === 'recordEvents') return async (events: readonly NewOutboxEvent[]) => gate.then(() => target.recordEvents(events));
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  t = await startTestServer({ store });
});
afterAll(async () => {
  openGate();
  await t.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function callEventTypes(conversationId: string): Promise<string[]> {
  const res = await apiRequest(t.url, 'GET', '/v1/events?limit=200');
  const list = res.body.data as { type: string; data: { conversationId?: string } }[];
  return list.filter((e) => e.data.conversationId === conversationId && /^(call|participant)\./.test(e.type)).map((e) => e.type);
}

describe('recording a join', () => {
  it('call:join answers while its outbox events are still being stored; they are stored after it, before a later leave answers, in order', async () => {
    const ana = await t.connect('jr-ana');
    const ben = await t.connect('jr-ben');
    const conversation = await ok(ana, 'conversation:create', { kind: 'group', title: 'Records', memberIds: ['jr-ben'] });
    const started = nextEvent(ben, 'message:new');
    closeGate();
    const a = await ok(ana, 'call:join', { conversationId: conversation.id });
    const b = await ok(ben, 'call:join', { conversationId: conversation.id });
    // Both answered with the writes held back: nothing is in the outbox yet.
    expect(b.call.participants.map((p) => p.id)).toEqual([a.participantId, b.participantId]);
    expect(await callEventTypes(conversation.id)).toEqual([]);
    openGate();
    expect((await started).text).toContain('started a call');
    await ok(ben, 'call:leave', { callId: b.call.id });
    await ok(ana, 'call:leave', { callId: a.call.id });
    // Each leave waits for its own record, asked for after the joins': all of them are stored now.
    expect(await callEventTypes(conversation.id)).toEqual(['call.started', 'participant.joined', 'participant.joined', 'participant.left', 'participant.left', 'call.ended']);
  });
});
