import { webhookEventTypes } from '@plaza/protocol';
import { verifyWebhook } from '@plaza/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../api/testing.js';
import { OutboxEventType } from '../storage/outbox.js';
import { ok, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';
import { WebhookReceiver } from './testing.js';

/** Calls and participants as outbox events, delivered to a `call.*` + `participant.*` endpoint. */

let t: TestServer;
let receiver: WebhookReceiver;

beforeAll(async () => {
  t = await startTestServer({ webhookRetryBaseMs: 20 });
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await receiver.close();
  await t.close();
});

async function until<T>(what: string, cond: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await cond();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('call events', () => {
  it('the server writes every event type the API accepts as a filter', () => {
    expect(Object.values(OutboxEventType).sort()).toEqual([...webhookEventTypes].sort());
  });

  it('a call writes call.started, participant.joined, participant.left and call.ended, in that order, and they are delivered', async () => {
    const created = await apiRequest(t.url, 'POST', '/v1/webhooks', { body: { url: receiver.url, events: ['call.*', 'participant.*'] } });
    expect(created.status).toBe(201);
    const alice = await t.connect('alice');
    const bob = await t.connect('bob');
    const conversation = await ok(alice, 'conversation:create', { kind: 'group', title: 'Call', memberIds: ['bob'] });
    const a = await ok(alice, 'call:join', { conversationId: conversation.id });
    const b = await ok(bob, 'call:join', { conversationId: conversation.id });
    await ok(bob, 'call:leave', { callId: b.call.id });
    await ok(alice, 'call:leave', { callId: a.call.id });

    const ours = (e: { data: { conversationId?: string } }) => e.data.conversationId === conversation.id;
    const events = await until('the call events in the outbox', async () => {
      const res = await apiRequest(t.url, 'GET', '/v1/events?limit=200');
      const list = (res.body.data as { id: string; type: string; data: Record<string, unknown> & { conversationId?: string } }[]).filter(ours);
      return list.some((e) => e.type === 'call.ended') ? list : null;
    });
    const callEvents = events.filter((e) => /^(call|participant)\./.test(e.type));
    expect(callEvents.map((e) => e.type)).toEqual(['call.started', 'participant.joined', 'participant.joined', 'participant.left', 'participant.left', 'call.ended']);
    const call = { id: a.call.id, conversationId: conversation.id, startedBy: 'alice', startedAt: a.call.startedAt };
    expect(callEvents[0]!.data).toEqual({ conversationId: conversation.id, call });
    expect(callEvents[1]!.data).toMatchObject({ callId: a.call.id, participant: { id: a.participantId, userId: 'alice', name: 'Name of alice' } });
    expect(callEvents[2]!.data).toMatchObject({ callId: a.call.id, participant: { id: b.participantId, userId: 'bob' } });
    expect(callEvents[3]!.data).toMatchObject({ callId: a.call.id, participant: { id: b.participantId, userId: 'bob' }, reason: 'left' });
    expect(callEvents[4]!.data).toMatchObject({ participant: { userId: 'alice' }, reason: 'left' });
    expect(callEvents[5]!.data).toMatchObject({ conversationId: conversation.id, call });
    expect(typeof callEvents[5]!.data.durationMs).toBe('number');

    // The endpoint gets exactly these (not the conversation or message events around them).
    await until('all six at the receiver', () => receiver.requests.filter((q) => q.status === 204).length === 6);
    const received = receiver.requests.map((q) => verifyWebhook(q.body, q.headers, created.body.secret as string));
    expect(received.map((e) => e.id).sort()).toEqual(callEvents.map((e) => e.id).sort());
  });
});
