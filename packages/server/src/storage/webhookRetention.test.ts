import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepRetention } from '../retention.js';
import { createSqliteChatStore } from './SqliteChatStore.js';
import type { SqliteChatStore } from './SqliteChatStore.js';

let dir: string;
let store: SqliteChatStore;
const policy = { outboxRetentionHours: 1, auditRetentionDays: 365 };
const later = () => new Date(Date.now() + 2 * 3_600_000);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plaza-webhook-retention-'));
  store = createSqliteChatStore({ filename: join(dir, 'plaza.db') });
  await store.migrate();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function outboxIds(): Promise<number[]> {
  return (await store.kysely.selectFrom('outbox').select('id').orderBy('id').execute()).map((r) => Number(r.id));
}

describe('outbox retention and webhooks', () => {
  it('keeps events the dispatcher has not fanned out yet, and those with a pending or dead delivery; deletes the rest with their deliveries', async () => {
    await store.webhooks.initCursor();
    const endpoint = await store.webhooks.create({ url: 'https://receiver.example/h', events: ['*'], description: null, enabled: true });
    await store.recordEvents([
      { type: 'call.started', payload: { conversationId: 'c_1' } },
      { type: 'call.ended', payload: { conversationId: 'c_1' } },
      { type: 'participant.joined', payload: { conversationId: 'c_1' } },
    ]);
    const [delivered, dead, pending] = await outboxIds();
    expect(await store.webhooks.fanOut(500)).toEqual({ cursor: pending, created: 3 });
    const due = await store.webhooks.claimDue(new Date().toISOString(), 10, []);
    expect(due.map((d) => d.eventId)).toEqual([delivered, dead, pending]);
    await store.webhooks.recordOutcomes([
      { deliveryId: due[0]!.id, delivered: true, status: 200 },
      { deliveryId: due[1]!.id, delivered: false, attempts: 8, status: 500, error: 'HTTP 500', nextAttemptAt: null },
    ]);
    // Written after the fan-out: above the cursor.
    await store.recordEvents([{ type: 'user.erased', payload: {} }]);
    const [notFannedOut] = (await outboxIds()).slice(-1);

    expect(await sweepRetention(store, policy, later())).toEqual({ outbox: 1, audit: 0 });
    expect(await outboxIds()).toEqual([dead, pending, notFannedOut]);
    const deliveries = await store.kysely.selectFrom('webhook_deliveries').select(['event_id', 'status']).orderBy('event_id').execute();
    expect(deliveries).toEqual([
      { event_id: dead, status: 'dead' },
      { event_id: pending, status: 'pending' },
    ]);

    // Once the endpoint is gone and everything is fanned out, nothing holds them any more.
    expect(await store.webhooks.delete(endpoint.id)).toBe(true);
    await store.webhooks.fanOut(500);
    expect(await sweepRetention(store, policy, later())).toEqual({ outbox: 3, audit: 0 });
    expect(await outboxIds()).toEqual([]);
  });

  it('a store without a dispatcher cursor deletes old events as before', async () => {
    await store.recordEvents([{ type: 'call.started', payload: { conversationId: 'c_1' } }]);
    expect(await sweepRetention(store, policy, later())).toEqual({ outbox: 1, audit: 0 });
  });

  it('the cursor starts at the newest event, so an old backlog is not owed to endpoints created later', async () => {
    await store.recordEvents([{ type: 'call.started', payload: { conversationId: 'c_1' } }]);
    const [first] = await outboxIds();
    expect(await store.webhooks.initCursor()).toBe(first);
    expect(await store.webhooks.initCursor()).toBe(first);
  });
});
