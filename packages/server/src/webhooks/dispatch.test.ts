import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyWebhook } from '@plaza/server-sdk';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { waitFor } from '../../../../test/helpers/waitFor.js';
import { apiRequest } from '../api/testing.js';
import { createMetrics } from '../metrics.js';
import { createSqliteChatStore } from '../storage/SqliteChatStore.js';
import type { SqliteChatStore } from '../storage/SqliteChatStore.js';
import { startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';
import { WebhookReceiver } from './testing.js';
import { WebhookDispatcher } from './WebhookDispatcher.js';

/**
 * The dispatcher under load and its wake-up: many events each delivered once (outcomes are
 * group-committed, so a delivery must never be claimed again while its outcome waits for its batch),
 * and a commit starting a delivery without waiting for the poll.
 */

const receivers: WebhookReceiver[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  for (const r of receivers) await r.close();
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start();
  receivers.push(r);
  return r;
}

describe('webhook dispatch', () => {
  it('delivers each of 500 messages posted 16 at a time exactly once to a receiver that answers 204, and records every delivery', async () => {
    // The REST rate limit raised: the load is the point here.
    const t: TestServer = await startTestServer({ calls: false, rateLimits: { api: { perSecond: 10_000, burst: 10_000 } } });
    cleanups.push(() => t.close());
    const r = await receiver();
    const hook = await apiRequest(t.url, 'POST', '/v1/webhooks', { body: { url: r.url, events: ['message.created'] } });
    expect(hook.status).toBe(201);
    const conversation = await apiRequest(t.url, 'POST', '/v1/conversations', { body: { kind: 'group', title: 'Load', createdBy: 'alice' } });
    expect(conversation.status).toBe(201);

    const total = 500;
    let next = 0;
    const posted: string[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = next++; i < total; i = next++) {
          const res = await apiRequest(t.url, 'POST', `/v1/conversations/${conversation.body.id}/messages`, { body: { text: `message ${i}` } });
          expect(res.status).toBe(201);
          posted.push(res.body.id as string);
        }
      }),
    );

    const arrived = () => new Set(r.requests.map((q) => (JSON.parse(q.body) as { data: { message: { id: string } } }).data.message.id));
    await waitFor('every message to arrive', () => arrived().size === total, { timeoutMs: 30_000, describe: () => `${arrived().size} of ${total}` });
    await waitFor('no delivery to be pending', async () => {
      const pending = await apiRequest(t.url, 'GET', `/v1/webhooks/${hook.body.id}/deliveries?status=pending&limit=1`);
      return pending.body.data.length === 0;
    });

    expect([...arrived()].sort()).toEqual([...posted].sort());
    const perEvent = new Map<string, number>();
    for (const q of r.requests) perEvent.set(q.eventId, (perEvent.get(q.eventId) ?? 0) + 1);
    expect([...perEvent.values()].filter((n) => n !== 1)).toEqual([]);
    expect(r.requests).toHaveLength(total);
    for (const q of r.requests) expect(verifyWebhook(q.body, q.headers, hook.body.secret as string)).toMatchObject({ type: 'message.created' });

    let delivered = 0;
    let cursor: string | null = null;
    do {
      const page = await apiRequest(t.url, 'GET', `/v1/webhooks/${hook.body.id}/deliveries?status=delivered&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      for (const d of page.body.data as { attempts: number; lastStatus: number }[]) {
        expect(d).toMatchObject({ attempts: 1, lastStatus: 204 });
        delivered += 1;
      }
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(delivered).toBe(total);
  }, 60_000);

  it('a commit wakes the dispatcher: events arrive long before its 5 s poll would have found them', async () => {
    const { store, dispatcher } = await dispatcherOnFreshStore('plaza-webhook-wake-', { pollIntervalMs: 5000 });
    await dispatcher.start();
    const r = await receiver();
    await store.webhooks.create({ url: r.url, events: ['message.created', 'conversation.updated'], description: null, enabled: true });
    const conversation = await store.createConversation({ kind: 'group', title: 'Wake', topic: null, externalRef: null, createdBy: 'alice', members: [{ userId: 'alice', role: 'owner' }] });
    const typesArrived = () => r.requests.map((q) => (JSON.parse(q.body) as { type: string }).type);
    // Well under the poll interval: only a wake-up can explain an arrival in time.
    const soon = { timeoutMs: 2500, intervalMs: 5 };

    // A message through the group commit of appends.
    const append = () =>
      store.appendMessage({ conversationId: conversation.id, senderId: 'alice', clientId: null, kind: 'user', text: 'hi', replyTo: null, mentions: [] });
    await append();
    await waitFor('the first message to arrive', () => typesArrived().length === 1, soon);
    await waitFor('its delivery to be recorded', async () => (await store.webhooks.countPending()) === 0, soon);
    // Once idle, again: the next commit wakes it too (not only the start or a finished delivery).
    await append();
    await waitFor('the second message to arrive', () => typesArrived().length === 2, soon);
    // Another store write (a Kysely transaction) wakes it the same way.
    await store.updateConversation(conversation.id, { title: 'Woken' });
    await waitFor('conversation.updated to arrive', () => typesArrived().includes('conversation.updated'), soon);
    expect(typesArrived()).toEqual(['message.created', 'message.created', 'conversation.updated']);
  }, 30_000);

  it('without endpoints a commit neither fans out nor moves the cursor; an endpoint created later gets the events written after it, none before', async () => {
    // Only the start's check runs in full: every later one is a commit's.
    const { store, dispatcher } = await dispatcherOnFreshStore('plaza-webhook-none-', { pollIntervalMs: 60_000 });
    // Spies that call through: they only count what the dispatcher asks of the real store.
    const fanOut = vi.spyOn(store.webhooks, 'fanOut');
    const endpointLookups = vi.spyOn(store.webhooks, 'list');
    const pendingCounts = vi.spyOn(store.webhooks, 'countPending');
    await dispatcher.start();
    // The start's full check ends by counting the pending deliveries (for the gauge).
    await waitFor("the start's check to finish", () => pendingCounts.mock.calls.length > 0);
    const cursorBefore = await store.webhooks.initCursor();

    const conversation = await store.createConversation({ kind: 'group', title: 'None', topic: null, externalRef: null, createdBy: 'alice', members: [{ userId: 'alice', role: 'owner' }] });
    const append = (text: string) =>
      store.appendMessage({ conversationId: conversation.id, senderId: 'alice', clientId: null, kind: 'user', text, replyTo: null, mentions: [] });
    let last = (await append('before 1')).message;
    last = (await append('before 2')).message;
    await waitFor('a commit to wake the dispatcher', () => endpointLookups.mock.calls.length > 0);
    expect(fanOut).not.toHaveBeenCalled();
    expect(await store.webhooks.initCursor()).toBe(cursorBefore);

    // The endpoint is created a millisecond after the last event, so none of those is owed to it.
    await waitFor('the clock to pass the last event', () => new Date().toISOString() > last.createdAt, { intervalMs: 1 });
    const r = await receiver();
    await store.webhooks.create({ url: r.url, events: ['message.created'], description: null, enabled: true });
    const after = (await append('after')).message;
    const arrivedIds = () => r.requests.map((q) => (JSON.parse(q.body) as { data: { message: { id: string } } }).data.message.id);
    await waitFor('the message written after the endpoint to arrive', () => arrivedIds().length > 0);
    await waitFor('its delivery to be recorded', async () => (await store.webhooks.countPending()) === 0);
    expect(arrivedIds()).toEqual([after.id]);
    expect(fanOut).toHaveBeenCalled();
    expect(await store.webhooks.initCursor()).toBe(await store.webhooks.lastEventId());
  }, 30_000);

  it('without endpoints the poll waits idleCheckIntervalMs and claims nothing; an endpoint of this process brings the regular poll back, its deletion the idle one', async () => {
    const { store, dispatcher } = await dispatcherOnFreshStore('plaza-webhook-idle-', { pollIntervalMs: 10, idleCheckIntervalMs: 60_000 });
    const endpointLookups = vi.spyOn(store.webhooks, 'list');
    const outboxReads = vi.spyOn(store.webhooks, 'lastEventId');
    const claims = vi.spyOn(store.webhooks, 'claimDue');
    const pendingCounts = vi.spyOn(store.webhooks, 'countPending');
    const reads = () => endpointLookups.mock.calls.length + outboxReads.mock.calls.length + claims.mock.calls.length;
    await dispatcher.start();
    await waitFor("the start's check to finish", () => pendingCounts.mock.calls.length > 0);
    // No endpoint, so nothing can be due: the start's check moved the cursor and claimed nothing.
    expect(claims).not.toHaveBeenCalled();
    const afterStart = reads();
    const startedAt = Date.now();
    await waitFor('30 regular poll intervals to pass', () => Date.now() - startedAt >= 300);
    expect(reads()).toBe(afterStart);

    // Created in this process: the next poll comes after pollIntervalMs again, and claims.
    const endpoint = await store.webhooks.create({ url: 'http://127.0.0.1:9/never', events: ['message.created'], description: null, enabled: true });
    await waitFor('the regular poll to claim', () => claims.mock.calls.length >= 3);

    // Deleted: the poll after it finds no endpoint and waits idleCheckIntervalMs again.
    const lookupsAtDelete = endpointLookups.mock.calls.length;
    expect(await store.webhooks.delete(endpoint.id)).toBe(true);
    await waitFor('a poll to look for endpoints after the deletion', () => endpointLookups.mock.calls.length > lookupsAtDelete);
    // Checks run one at a time, so the one that just looked (and found none) claims nothing, and no later one runs.
    const claimsAfter = claims.mock.calls.length;
    const deletedAt = Date.now();
    await waitFor('30 regular poll intervals to pass', () => Date.now() - deletedAt >= 300);
    expect(claims.mock.calls.length).toBe(claimsAfter);
  }, 30_000);

  it('without endpoints the idle poll still moves the cursor past new events, so the outbox retention is not held back', async () => {
    const { store, dispatcher } = await dispatcherOnFreshStore('plaza-webhook-idle-cursor-', { pollIntervalMs: 10, idleCheckIntervalMs: 50 });
    const fanOut = vi.spyOn(store.webhooks, 'fanOut');
    await dispatcher.start();
    await store.recordEvents([{ type: 'call.started', payload: { conversationId: 'c_1' } }]);
    const last = await store.webhooks.lastEventId();
    await waitFor('an idle poll to move the cursor to the newest event', async () => (await store.webhooks.initCursor()) === last);
    // Moved by the poll's fan-out (a commit without endpoints leaves the cursor alone), creating no delivery.
    expect(fanOut).toHaveBeenCalled();
    expect(await store.webhooks.countPending()).toBe(0);
  }, 30_000);
});

/** A dispatcher with test settings on a migrated store in a temp dir, both closed after the file's tests. */
async function dispatcherOnFreshStore(
  prefix: string,
  timing: { pollIntervalMs: number; idleCheckIntervalMs?: number },
): Promise<{ store: SqliteChatStore; dispatcher: WebhookDispatcher }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const store: SqliteChatStore = createSqliteChatStore({ filename: join(dir, 'plaza.db') });
  await store.migrate();
  const dispatcher = new WebhookDispatcher({
    store,
    metrics: createMetrics(),
    logger: pino({ level: 'silent' }),
    retryBaseMs: 5000,
    maxAttempts: 3,
    timeoutMs: 5000,
    concurrency: 8,
    userAgent: 'Plaza-Webhooks/test',
    ...timing,
  });
  cleanups.push(async () => {
    await dispatcher.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, dispatcher };
}
