import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fails, ok, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';

describe('request dispatcher', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ rateLimits: { messages: { perSecond: 0.001, burst: 3 }, requests: { perSecond: 1000, burst: 1000 } } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers UNKNOWN_EVENT to an event that is not part of the protocol', async () => {
    const socket = await t.connect('x-unknown');
    const answer = (await socket.timeout(5000).emitWithAck('conversation:explode', {})) as { ok: boolean; error: { code: string } };
    expect(answer).toMatchObject({ ok: false, error: { code: 'UNKNOWN_EVENT' } });
  });

  it('answers INVALID_REQUEST with the schema issues and changes nothing', async () => {
    const socket = await t.connect('x-invalid');
    const error = await fails(socket, 'conversation:create', { kind: 'group', title: 'T', admin: true });
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.details?.issues?.length).toBeGreaterThan(0);
    expect((await fails(socket, 'conversation:create', 'not an object')).code).toBe('INVALID_REQUEST');
    expect((await fails(socket, 'read:mark', { conversationId: '../etc', seq: -1 })).code).toBe('INVALID_REQUEST');
    expect(await ok(socket, 'conversation:list', {})).toEqual([]);
  });

  it("INVALID_REQUEST's message names the first issue's path and message, like the REST API; every issue is in details", async () => {
    const socket = await t.connect('x-invalid-message');
    const error = await fails(socket, 'request:open', { topicId: 'street-light', description: '', clientId: 'open-1', location: { lat: 91, lng: 0 } });
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toBe('invalid request:open request: description: Too small: expected string to have >=1 characters');
    expect(error.details?.issues).toEqual([
      { path: ['description'], message: 'Too small: expected string to have >=1 characters' },
      { path: ['location', 'lat'], message: 'Too big: expected number to be <=90' },
    ]);
    const located = await fails(socket, 'request:open', { topicId: 'street-light', description: 'Dark', clientId: 'open-1', location: { lat: 91, lng: 0 } });
    expect(located.message).toBe('invalid request:open request: location.lat: Too big: expected number to be <=90');
    // An issue of the payload itself (an unknown key) has no path.
    expect((await fails(socket, 'conversation:create', { kind: 'group', title: 'T', admin: true })).message).toBe(
      'invalid conversation:create request: Unrecognized key: "admin"',
    );
  });

  it('leaves the socket usable after bad requests and requests without an ack', async () => {
    const socket = await t.connect('x-usable');
    socket.emit('message:send', { nonsense: true });
    socket.emit('conversation:list', {});
    await fails(socket, 'message:send', { conversationId: 42 });
    await fails(socket, 'message:send', null);
    expect(socket.connected).toBe(true);
    const session = await ok(socket, 'session:hello', {});
    expect(session.user.id).toBe('x-usable');
  });

  it('rate limits sends per user with RATE_LIMITED and a retry delay', async () => {
    const socket = await t.connect('x-limited');
    const cid = (await ok(socket, 'conversation:create', { kind: 'group', title: 'Flood' })).id;
    for (let i = 0; i < 3; i++) await ok(socket, 'message:send', { conversationId: cid, clientId: `f${i}`, text: 'spam' });
    const error = await fails(socket, 'message:send', { conversationId: cid, clientId: 'f3', text: 'spam' });
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.details?.retryAfterMs).toBeGreaterThan(0);
    // other requests have their own bucket
    await ok(socket, 'conversation:list', {});
    // the limit is per user, not per socket
    const other = await t.connect('x-limited');
    expect((await fails(other, 'message:send', { conversationId: cid, clientId: 'f4', text: 'spam' })).code).toBe('RATE_LIMITED');
    const history = await ok(socket, 'message:history', { conversationId: cid });
    expect(history.messages).toHaveLength(3);
  });

  it('counts requests by event and outcome in the metrics', async () => {
    const socket = await t.connect('x-metrics');
    await ok(socket, 'session:hello', {});
    await fails(socket, 'conversation:get', { conversationId: 'c_missing' });
    const text = await t.server.metrics.registry.metrics();
    expect(text).toMatch(/plaza_requests_total\{event="session:hello",outcome="ok"\} \d+/);
    expect(text).toMatch(/plaza_requests_total\{event="conversation:get",outcome="CONVERSATION_NOT_FOUND"\} \d+/);
  });
});

describe('request dispatcher: the media bucket', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      rateLimits: { requests: { perSecond: 0.001, burst: 3 }, media: { perSecond: 0.001, burst: 20 } },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('spends media requests of calls from their own bucket, so a burst of consumes does not starve other requests', async () => {
    const socket = await t.connect('x-media');
    const resume = { callId: 'k_missing', consumerId: 'c1', paused: false };
    // 20 media requests fit the media bucket although the requests bucket holds only 3
    for (let i = 0; i < 20; i++) expect((await fails(socket, 'call:setConsumerPaused', resume)).code).toBe('CALL_NOT_FOUND');
    expect((await fails(socket, 'call:setConsumerPaused', resume)).code).toBe('RATE_LIMITED');
    // the requests bucket is untouched by them
    for (let i = 0; i < 3; i++) await ok(socket, 'conversation:list', {});
    expect((await fails(socket, 'conversation:list', {})).code).toBe('RATE_LIMITED');
    // joining a call is a request like any other, not media plumbing
    expect((await fails(socket, 'call:join', { conversationId: 'c_missing' })).code).toBe('RATE_LIMITED');
  });
});
