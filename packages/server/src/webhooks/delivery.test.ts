import { verifyWebhook } from '@plaza/server-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../api/testing.js';
import { sweepRetention } from '../retention.js';
import { ok, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { WebhookReceiver } from './testing.js';

/**
 * Deliveries to a real receiver (node:http on 127.0.0.1): retries until accepted, dead letters and
 * redelivery, filters, secret rotation, deletion. Retries are fast here (`webhookRetryBaseMs: 20`).
 */

let t: TestServer;
let alice: RawSocket;
const receivers: WebhookReceiver[] = [];
const MAX_ATTEMPTS = 4;

beforeAll(async () => {
  t = await startTestServer({ calls: false, webhookRetryBaseMs: 20, webhookMaxAttempts: MAX_ATTEMPTS });
  alice = await t.connect('alice');
});
afterEach(async () => {
  // Endpoints of one test must not receive the next test's events.
  const list = await apiRequest(t.url, 'GET', '/v1/webhooks?limit=200');
  for (const w of list.body.data as { id: string }[]) await apiRequest(t.url, 'DELETE', `/v1/webhooks/${w.id}`);
  for (const r of receivers.splice(0)) await r.close();
});
afterAll(async () => {
  await t.close();
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start();
  receivers.push(r);
  return r;
}

async function endpoint(url: string, events: string[]): Promise<{ id: string; secret: string }> {
  const res = await apiRequest(t.url, 'POST', '/v1/webhooks', { body: { url, events } });
  expect(res.status).toBe(201);
  return res.body;
}

/** Polls until `cond` holds (no fixed sleeps). */
async function until<T>(what: string, cond: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await cond();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Creates a group; resolves with its id and the id of its `conversation.created` event. */
async function newConversation(title: string): Promise<{ conversationId: string; eventId: string }> {
  const c = await ok(alice, 'conversation:create', { kind: 'group', title });
  const res = await apiRequest(t.url, 'GET', '/v1/events?type=conversation.created&limit=200');
  const event = (res.body.data as { id: string; data: { conversationId: string } }[]).find((e) => e.data.conversationId === c.id);
  if (!event) throw new Error('no conversation.created event');
  return { conversationId: c.id, eventId: event.id };
}

async function deliveryOf(eventId: string, webhookId: string) {
  const res = await apiRequest(t.url, 'GET', `/v1/events/${eventId}`);
  expect(res.status).toBe(200);
  return (res.body.deliveries as { webhookId: string; status: string; attempts: number; lastStatus: number | null; lastError: string | null }[]).find(
    (d) => d.webhookId === webhookId,
  );
}

describe('webhook delivery', () => {
  it('a receiver that fails the first 3 deliveries then succeeds gets the event exactly once as accepted, and the signature verifies', async () => {
    const r = await receiver();
    r.behaviour = (_req, n) => (n < 3 ? 500 : 204);
    const w = await endpoint(r.url, ['conversation.*']);
    const { conversationId, eventId } = await newConversation('Retries');

    await until('the event to be accepted', () => r.accepted(eventId) === 1);
    const delivery = await until('the delivery to be recorded as delivered', async () => {
      const d = await deliveryOf(eventId, w.id);
      return d?.status === 'delivered' ? d : null;
    });
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 4, lastStatus: 204, lastError: null });

    const requests = r.of(eventId);
    expect(requests.map((q) => q.status)).toEqual([500, 500, 500, 204]);
    expect(r.accepted(eventId)).toBe(1);
    for (const req of requests) {
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['user-agent']).toMatch(/^Plaza-Webhooks\/\d+\.\d+\.\d+/);
      expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      const event = verifyWebhook(req.body, req.headers, w.secret);
      expect(event).toMatchObject({ id: eventId, type: 'conversation.created', data: { conversationId, conversation: { id: conversationId, title: 'Retries' } } });
      expect(Object.keys(event).sort()).toEqual(['createdAt', 'data', 'id', 'type']);
    }
    // Still once after the retry window: nothing is sent again.
    await ok(alice, 'conversation:create', { kind: 'group', title: 'later' });
    await until('the later event to arrive', () => r.requests.some((q) => q.eventId !== eventId && q.status === 204));
    expect(r.accepted(eventId)).toBe(1);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/plaza_webhook_deliveries_total\{outcome="failed"\} [3-9]/);
    expect(metrics).toMatch(/plaza_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
  });

  it('a delivery that fails every attempt becomes a dead letter, listed through the API, and redeliverEvent delivers it', async () => {
    const r = await receiver();
    r.behaviour = () => 503;
    const w = await endpoint(r.url, ['conversation.created']);
    const { eventId } = await newConversation('Dead');

    const dead = await until('a dead letter', async () => {
      const res = await apiRequest(t.url, 'GET', `/v1/webhooks/dead-letters?webhookId=${w.id}`);
      return (res.body.data as { eventId: string }[]).find((d) => d.eventId === eventId);
    });
    expect(dead).toMatchObject({ webhookId: w.id, eventId, eventType: 'conversation.created', status: 'dead', attempts: MAX_ATTEMPTS, lastStatus: 503, lastError: 'HTTP 503', nextAttemptAt: null, deliveredAt: null });
    expect(r.of(eventId)).toHaveLength(MAX_ATTEMPTS);
    const all = await apiRequest(t.url, 'GET', '/v1/webhooks/dead-letters');
    expect(all.body.data).toContainEqual(dead);
    const byStatus = await apiRequest(t.url, 'GET', `/v1/webhooks/${w.id}/deliveries?status=dead`);
    expect(byStatus.body.data).toEqual([dead]);
    expect((await apiRequest(t.url, 'GET', `/v1/webhooks/${w.id}/deliveries?status=delivered`)).body.data).toEqual([]);

    // Outbox retention keeps an event that is still owed, however old.
    await sweepRetention(t.server.store, { outboxRetentionHours: 1, auditRetentionDays: 365 }, new Date(Date.now() + 48 * 3_600_000));
    expect((await apiRequest(t.url, 'GET', `/v1/events/${eventId}`)).status).toBe(200);

    r.behaviour = () => 200;
    const again = await apiRequest(t.url, 'POST', `/v1/events/${eventId}/redeliver`, { body: {} });
    expect(again.status).toBe(202);
    expect(again.body.data).toEqual([expect.objectContaining({ webhookId: w.id, eventId, status: 'pending', attempts: 0 })]);
    await until('the redelivery to be accepted', () => r.accepted(eventId) === 1);
    await until('the delivery to be recorded', async () => (await deliveryOf(eventId, w.id))?.status === 'delivered');
    expect((await apiRequest(t.url, 'GET', `/v1/webhooks/dead-letters?webhookId=${w.id}`)).body.data).toEqual([]);
    expect(verifyWebhook(r.of(eventId).at(-1)!.body, r.of(eventId).at(-1)!.headers, w.secret).id).toBe(eventId);

    // A delivered event can be sent again too, and to an endpoint that never had it.
    const other = await receiver();
    const w2 = await endpoint(other.url, ['message.*']);
    const res = await apiRequest(t.url, 'POST', `/v1/events/${eventId}/redeliver`, { body: { webhookId: w2.id } });
    expect(res.body.data).toEqual([expect.objectContaining({ webhookId: w2.id, eventId, status: 'pending' })]);
    await until('the event at the second endpoint', () => other.accepted(eventId) === 1);
    expect(verifyWebhook(other.of(eventId)[0]!.body, other.of(eventId)[0]!.headers, w2.secret).type).toBe('conversation.created');
  });

  it('filters: message.* gets message events and not member events; * gets everything', async () => {
    const messages = await receiver();
    const everything = await receiver();
    const wm = await endpoint(messages.url, ['message.*']);
    await endpoint(everything.url, ['*']);
    const { conversationId } = await newConversation('Filters');
    await ok(alice, 'conversation:addMembers', { conversationId, userIds: ['bob'] });
    const sent = await ok(alice, 'message:send', { conversationId, clientId: 'f1', text: 'filtered' });
    await ok(alice, 'message:edit', { conversationId, messageId: sent.id, text: 'edited' });

    const typesAt = (r: WebhookReceiver) =>
      r.requests.map((q) => JSON.parse(q.body) as { type: string; data: { conversationId?: string } }).filter((e) => e.data.conversationId === conversationId).map((e) => e.type);
    await until('every event at the * endpoint', () => typesAt(everything).length === 4);
    await until('the message events at the message.* endpoint', () => typesAt(messages).length === 2);
    expect(typesAt(everything).sort()).toEqual(['conversation.created', 'member.added', 'message.created', 'message.updated']);
    expect(typesAt(messages).sort()).toEqual(['message.created', 'message.updated']);
    const deliveries = await apiRequest(t.url, 'GET', `/v1/webhooks/${wm.id}/deliveries`);
    expect(new Set((deliveries.body.data as { eventType: string }[]).map((d) => d.eventType))).toEqual(new Set(['message.created', 'message.updated']));
  });

  it('events written while an endpoint is disabled wait as pending deliveries and go out once it is enabled again; events before an endpoint existed are not sent to it', async () => {
    const before = await newConversation('Before');
    const r = await receiver();
    const w = await endpoint(r.url, ['conversation.created']);
    // A second endpoint shows when an event has been fanned out (to every endpoint, in one transaction).
    const witness = await receiver();
    await endpoint(witness.url, ['conversation.created']);
    expect((await apiRequest(t.url, 'PATCH', `/v1/webhooks/${w.id}`, { body: { enabled: false } })).status).toBe(200);
    const whileDisabled = await newConversation('Disabled');
    await until('the event while disabled to be fanned out', () => witness.accepted(whileDisabled.eventId) === 1);
    const waiting = await apiRequest(t.url, 'GET', `/v1/webhooks/${w.id}/deliveries?status=pending`);
    expect((waiting.body.data as { eventId: string }[]).map((d) => d.eventId)).toEqual([whileDisabled.eventId]);
    expect(r.of(whileDisabled.eventId)).toEqual([]);
    expect((await apiRequest(t.url, 'PATCH', `/v1/webhooks/${w.id}`, { body: { enabled: true } })).status).toBe(200);
    await until('the event written while disabled, after re-enabling', () => r.accepted(whileDisabled.eventId) === 1);
    const after = await newConversation('Enabled');
    await until('the event after re-enabling', () => r.accepted(after.eventId) === 1);
    expect(r.of(before.eventId)).toEqual([]);
  });

  it('during a secret rotation both signatures verify (old and new secret); afterwards only the new one is used for new endpoints', async () => {
    const r = await receiver();
    const w = await endpoint(r.url, ['conversation.created']);
    const rotated = await apiRequest(t.url, 'POST', `/v1/webhooks/${w.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const { eventId } = await newConversation('Rotation');
    await until('the event', () => r.accepted(eventId) === 1);
    const [req] = r.of(eventId);
    expect(String(req!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyWebhook(req!.body, req!.headers, rotated.body.secret).id).toBe(eventId);
    expect(verifyWebhook(req!.body, req!.headers, w.secret).id).toBe(eventId);
  });

  it('deleting an endpoint drops its pending deliveries: nothing more is sent to it', async () => {
    const r = await receiver();
    r.behaviour = () => 500;
    const w = await endpoint(r.url, ['conversation.created']);
    const { eventId } = await newConversation('Dropped');
    await until('a first attempt', () => r.of(eventId).length >= 1);
    expect((await apiRequest(t.url, 'DELETE', `/v1/webhooks/${w.id}`)).status).toBe(204);
    expect(await deliveryOf(eventId, w.id)).toBeUndefined();
    const seen = r.of(eventId).length;
    // A later event fans out and gets sent to a second endpoint; by then retries would have happened.
    const r2 = await receiver();
    await endpoint(r2.url, ['conversation.created']);
    const later = await newConversation('Later');
    await until('the later event', () => r2.accepted(later.eventId) === 1);
    // At most the attempt that was already on its way when the endpoint was deleted.
    expect(r.of(eventId).length).toBeLessThanOrEqual(seen + 1);
    expect(r.of(later.eventId)).toEqual([]);
  });
});

describe('webhook timeout', () => {
  let slow: TestServer;
  beforeAll(async () => {
    slow = await startTestServer({ calls: false, webhookRetryBaseMs: 20, webhookMaxAttempts: 2, webhookTimeoutMs: 300 });
  });
  afterAll(async () => {
    await slow.close();
  });

  it('a receiver that does not answer in time counts as a failed attempt (then the next attempt is accepted)', async () => {
    const r = await receiver();
    r.behaviour = (_req, n) => (n === 0 ? 'hang' : 204);
    const res = await apiRequest(slow.url, 'POST', '/v1/webhooks', { body: { url: r.url, events: ['conversation.created'] } });
    const socket = await slow.connect('carol');
    await ok(socket, 'conversation:create', { kind: 'group', title: 'Slow' });
    const eventId = await until('an event request', () => r.requests[0]?.eventId);
    await until('the second attempt to be accepted', () => r.accepted(eventId) === 1);
    expect(r.of(eventId).map((q) => q.status)).toEqual([null, 204]);
    const event = await apiRequest(slow.url, 'GET', `/v1/events/${eventId}`);
    await until('the delivery to be recorded', async () => (await apiRequest(slow.url, 'GET', `/v1/events/${eventId}`)).body.deliveries[0].status === 'delivered');
    expect(event.status).toBe(200);
    const metrics = await (await fetch(`${slow.url}/metrics`)).text();
    expect(metrics).toMatch(/plaza_webhook_deliveries_total\{outcome="failed"\} 1\b/);

    // With every attempt timing out, the delivery is a dead letter saying so.
    r.behaviour = () => 'hang';
    await ok(socket, 'conversation:create', { kind: 'group', title: 'Slower' });
    const dead = await until('a dead letter', async () => (await apiRequest(slow.url, 'GET', '/v1/webhooks/dead-letters')).body.data[0]);
    expect(dead).toMatchObject({ webhookId: res.body.id, attempts: 2, lastStatus: null, lastError: 'no answer in time' });
  });
});
