import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../api/testing.js';
import { ok, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';
import { TEST_KEY } from '../testing/harness.js';

/** The REST operations of webhooks and events: shapes, bad input, credentials, not found. */

let t: TestServer;
const hook = 'https://receiver.example/plaza';

beforeAll(async () => {
  t = await startTestServer({ calls: false });
});
afterAll(async () => {
  await t.close();
});

async function countWebhooks(): Promise<number> {
  const res = await apiRequest(t.url, 'GET', '/v1/webhooks?limit=200');
  expect(res.status).toBe(200);
  return res.body.data.length;
}

async function create(body: Record<string, unknown> = { url: hook, events: ['message.*'] }) {
  const res = await apiRequest(t.url, 'POST', '/v1/webhooks', { body });
  expect(res.status).toBe(201);
  return res.body;
}

/** The outbox event of `type` about `conversationId`. */
async function eventAbout(type: string, conversationId: string) {
  const res = await apiRequest(t.url, 'GET', `/v1/events?type=${type}&limit=200`);
  expect(res.status).toBe(200);
  return res.body.data.find((e: { data: { conversationId?: string } }) => e.data.conversationId === conversationId);
}

describe('webhook endpoints', () => {
  it('createWebhook answers 201 with the endpoint and its secret, which getWebhook and listWebhooks never show', async () => {
    const created = await create({ url: hook, events: ['message.created', 'member.*'], description: 'CRM sync' });
    expect(created).toMatchObject({ url: hook, events: ['message.created', 'member.*'], description: 'CRM sync', enabled: true, previousSecretExpiresAt: null });
    expect(created.id).toMatch(/^wh_[A-Za-z0-9]{20}$/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(32);

    const got = await apiRequest(t.url, 'GET', `/v1/webhooks/${created.id}`);
    expect(got.status).toBe(200);
    const { secret: _secret, ...withoutSecret } = created;
    expect(got.body).toEqual(withoutSecret);
    expect(JSON.stringify(got.body)).not.toContain(created.secret.slice(6));
    const list = await apiRequest(t.url, 'GET', '/v1/webhooks?limit=200');
    expect(list.body.data).toContainEqual(withoutSecret);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
  });

  it('listWebhooks pages oldest first with nextCursor', async () => {
    const a = await create();
    const b = await create({ url: hook, events: ['*'], enabled: false });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { data: { id: string }[]; nextCursor: string | null } } = await apiRequest(
        t.url,
        'GET',
        `/v1/webhooks?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(1);
      seen.push(...res.body.data.map((w) => w.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen.indexOf(a.id)).toBeLessThan(seen.indexOf(b.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(await countWebhooks());
  });

  it('refuses a bad URL, an unknown event type, repeated filters and unknown keys with 400 INVALID_REQUEST, storing nothing', async () => {
    const before = await countWebhooks();
    const bad: [Record<string, unknown>, string][] = [
      [{ url: 'ftp://files.example/x', events: ['*'] }, 'body.url'],
      [{ url: 'javascript:alert(1)', events: ['*'] }, 'body.url'],
      [{ url: 'not a url', events: ['*'] }, 'body.url'],
      [{ url: hook, events: ['message.exploded'] }, 'body.events.0'],
      [{ url: hook, events: ['nothing.*'] }, 'body.events.0'],
      [{ url: hook, events: [] }, 'body.events'],
      [{ url: hook, events: ['*', '*'] }, 'body.events'],
      [{ url: hook, events: ['*'], secret: 'whsec_mine' }, 'body'],
      [{ events: ['*'] }, 'body.url'],
    ];
    for (const [body, path] of bad) {
      const res = await apiRequest(t.url, 'POST', '/v1/webhooks', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
      expect(res.body.error.details.issues.map((i: { path: string[] }) => i.path.join('.'))).toContain(path);
    }
    expect(await countWebhooks()).toBe(before);
  });

  it('answers 401 to missing or wrong credentials and stores nothing', async () => {
    const before = await countWebhooks();
    for (const auth of [false, { key: TEST_KEY, secret: 'wrong-secret-wrong-secret-wrong-secret' }, { key: 'PKnobody', secret: 'x'.repeat(40) }] as const) {
      const res = await apiRequest(t.url, 'POST', '/v1/webhooks', { body: { url: hook, events: ['*'] }, auth });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHENTICATED');
      expect((await apiRequest(t.url, 'GET', '/v1/webhooks', { auth })).status).toBe(401);
      expect((await apiRequest(t.url, 'GET', '/v1/events', { auth })).status).toBe(401);
      expect((await apiRequest(t.url, 'GET', '/v1/webhooks/dead-letters', { auth })).status).toBe(401);
    }
    expect(await countWebhooks()).toBe(before);
  });

  it('updateWebhook changes the given fields; description null clears it; no field or a bad one is 400 and changes nothing', async () => {
    const w = await create({ url: hook, events: ['message.*'], description: 'first' });
    const res = await apiRequest(t.url, 'PATCH', `/v1/webhooks/${w.id}`, { body: { events: ['call.*', 'participant.joined'], description: null, enabled: false } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: w.id, url: hook, events: ['call.*', 'participant.joined'], description: null, enabled: false, createdAt: w.createdAt });
    expect(res.body.updatedAt >= w.updatedAt).toBe(true);

    for (const body of [{}, { url: 'ftp://x.example' }, { events: ['user.*', 'bogus'] }, { enabled: 'yes' }, { colour: 'red' }]) {
      const bad = await apiRequest(t.url, 'PATCH', `/v1/webhooks/${w.id}`, { body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.error.code).toBe('INVALID_REQUEST');
    }
    expect((await apiRequest(t.url, 'GET', `/v1/webhooks/${w.id}`)).body).toEqual(res.body);
  });

  it('rotateWebhookSecret returns a new secret and keeps the old one signing for 24 hours', async () => {
    const w = await create();
    const before = Date.now();
    const res = await apiRequest(t.url, 'POST', `/v1/webhooks/${w.id}/rotate-secret`);
    expect(res.status).toBe(200);
    expect(res.body.secret).toMatch(/^whsec_/);
    expect(res.body.secret).not.toBe(w.secret);
    const expires = Date.parse(res.body.previousSecretExpiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 24 * 3_600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000 + 1000);
    expect((await apiRequest(t.url, 'GET', `/v1/webhooks/${w.id}`)).body.previousSecretExpiresAt).toBe(res.body.previousSecretExpiresAt);
  });

  it('deleteWebhook answers 204, then the endpoint is gone (404 on every operation, also a second delete)', async () => {
    const w = await create();
    const del = await apiRequest(t.url, 'DELETE', `/v1/webhooks/${w.id}`);
    expect(del.status).toBe(204);
    expect(del.body).toBeUndefined();
    expect((await apiRequest(t.url, 'GET', '/v1/webhooks?limit=200')).body.data.map((x: { id: string }) => x.id)).not.toContain(w.id);
    for (const [method, path, body] of [
      ['GET', `/v1/webhooks/${w.id}`, undefined],
      ['PATCH', `/v1/webhooks/${w.id}`, { enabled: true }],
      ['DELETE', `/v1/webhooks/${w.id}`, undefined],
      ['POST', `/v1/webhooks/${w.id}/rotate-secret`, undefined],
      ['GET', `/v1/webhooks/${w.id}/deliveries`, undefined],
    ] as const) {
      const res = await apiRequest(t.url, method, path, body ? { body } : {});
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('WEBHOOK_NOT_FOUND');
    }
  });

  it('refuses malformed webhook ids and query parameters with 400', async () => {
    for (const path of ['/v1/webhooks/has%20space', '/v1/webhooks?limit=0', '/v1/webhooks?limit=abc', '/v1/webhooks?sort=desc', '/v1/webhooks?cursor=@@@', '/v1/webhooks/dead-letters?cursor=abc', '/v1/webhooks/dead-letters?status=dead']) {
      const res = await apiRequest(t.url, 'GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
    const w = await create();
    expect((await apiRequest(t.url, 'GET', `/v1/webhooks/${w.id}/deliveries?status=lost`)).status).toBe(400);
    expect((await apiRequest(t.url, 'POST', `/v1/webhooks/${w.id}/rotate-secret`, { body: { now: true } })).status).toBe(400);
  });
});

describe('events', () => {
  it('listEvents and getEvent show outbox events as webhooks carry them; type, after and cursor page through them', async () => {
    // No endpoint (the dispatcher fans a commit out at once, so earlier tests' endpoints would get deliveries).
    const endpoints = await apiRequest(t.url, 'GET', '/v1/webhooks?limit=200');
    for (const w of endpoints.body.data as { id: string }[]) expect((await apiRequest(t.url, 'DELETE', `/v1/webhooks/${w.id}`)).status).toBe(204);
    const alice = await t.connect('alice');
    const a = await ok(alice, 'conversation:create', { kind: 'group', title: 'Events A' });
    await ok(alice, 'conversation:addMembers', { conversationId: a.id, userIds: ['bob'] });
    await ok(alice, 'message:send', { conversationId: a.id, clientId: 'c1', text: 'hello' });

    const created = await eventAbout('conversation.created', a.id);
    expect(created).toMatchObject({ type: 'conversation.created', data: { conversationId: a.id, conversation: { id: a.id, title: 'Events A' } } });
    expect(created.id).toMatch(/^evt_\d+$/);
    expect(Number.isNaN(Date.parse(created.createdAt))).toBe(false);

    const one = await apiRequest(t.url, 'GET', `/v1/events/${created.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ ...created, deliveries: [] });

    const members = await apiRequest(t.url, 'GET', `/v1/events?type=member.*&after=${created.id}`);
    expect(members.body.data.map((e: { type: string }) => e.type)).toEqual(['member.added']);
    const message = await eventAbout('message.created', a.id);
    expect(message.data.message.text).toBe('hello');

    // Everything after the conversation's creation, one event per page.
    const types: string[] = [];
    let page = await apiRequest(t.url, 'GET', `/v1/events?after=${created.id}&limit=1`);
    for (;;) {
      types.push(...page.body.data.filter((e: { data: { conversationId?: string } }) => e.data.conversationId === a.id).map((e: { type: string }) => e.type));
      if (!page.body.nextCursor) break;
      page = await apiRequest(t.url, 'GET', `/v1/events?limit=1&cursor=${page.body.nextCursor}`);
    }
    expect(types).toEqual(['member.added', 'message.created']);
  });

  it('answers EVENT_NOT_FOUND for unknown events and 400 for malformed ids, types and cursors', async () => {
    for (const [method, path] of [
      ['GET', '/v1/events/evt_999999999'],
      ['POST', '/v1/events/evt_999999999/redeliver'],
    ] as const) {
      const res = await apiRequest(t.url, method, path, method === 'POST' ? { body: {} } : {});
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('EVENT_NOT_FOUND');
    }
    for (const path of ['/v1/events/42', '/v1/events/evt_0', '/v1/events/evt_x', '/v1/events?type=message.exploded', '/v1/events?type=nothing.*', '/v1/events?after=42', '/v1/events?cursor=evt_1']) {
      const res = await apiRequest(t.url, 'GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
  });

  it('redeliverEvent answers WEBHOOK_NOT_FOUND for an unknown endpoint and 400 for unknown keys', async () => {
    // No endpoint (earlier tests' disabled ones would get deliveries too): the event gets none.
    const endpoints = await apiRequest(t.url, 'GET', '/v1/webhooks?limit=200');
    for (const w of endpoints.body.data as { id: string }[]) expect((await apiRequest(t.url, 'DELETE', `/v1/webhooks/${w.id}`)).status).toBe(204);
    const alice = await t.connect('alice');
    const c = await ok(alice, 'conversation:create', { kind: 'group', title: 'Redeliver' });
    const event = await eventAbout('conversation.created', c.id);
    const res = await apiRequest(t.url, 'POST', `/v1/events/${event.id}/redeliver`, { body: { webhookId: 'wh_nobody' } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('WEBHOOK_NOT_FOUND');
    const bad = await apiRequest(t.url, 'POST', `/v1/events/${event.id}/redeliver`, { body: { webhookId: 'wh_x', now: true } });
    expect(bad.status).toBe(400);
    // Without deliveries and without webhookId there is nothing to deliver again.
    const none = await apiRequest(t.url, 'POST', `/v1/events/${event.id}/redeliver`, { body: {} });
    expect(none.status).toBe(202);
    expect(none.body).toEqual({ data: [] });
  });

  it('the OpenAPI document lists every webhook and event operation', async () => {
    const res = await fetch(`${t.url}/openapi.json`);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    for (const id of ['createWebhook', 'listWebhooks', 'getWebhook', 'updateWebhook', 'deleteWebhook', 'rotateWebhookSecret', 'listWebhookDeliveries', 'listDeadLetters', 'redeliverEvent', 'listEvents', 'getEvent']) {
      expect(ops).toContain(id);
    }
  });
});
