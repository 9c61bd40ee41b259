import { ErrorCode } from '@plaza/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryRateLimiter } from '../ratelimit/MemoryRateLimiter.js';
import { TEST_KEY, TEST_SECRET, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';
import { RefusalThrottle } from './RefusalThrottle.js';
import { apiRequest } from './testing.js';

/** A second key pair, with its own bucket. */
const OTHER = { key: 'PKother', secret: 'other-secret-that-is-long-enough-0123456789' };

describe('REST rate limits', () => {
  let t: TestServer;
  beforeAll(async () => {
    // Refills so slowly (one token per 100 s) that no token comes back during the test.
    t = await startTestServer({
      apiKeys: { [TEST_KEY]: TEST_SECRET, [OTHER.key]: OTHER.secret },
      rateLimits: { api: { perSecond: 0.01, burst: 3 }, apiRefused: { perSecond: 0.01, burst: 2 } },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('an API key over its rate gets 429 RATE_LIMITED with Retry-After and details.retryAfterMs; another key is not affected', async () => {
    for (let i = 0; i < 3; i++) expect((await apiRequest(t.url, 'GET', '/v1/conversations')).status).toBe(200);
    const limited = await apiRequest(t.url, 'POST', '/v1/conversations', { body: { kind: 'group', title: 'Over', createdBy: 'rl-ann' } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe(ErrorCode.RATE_LIMITED);
    expect(limited.body.error.details.retryAfterMs).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBe(Math.ceil(limited.body.error.details.retryAfterMs / 1000));
    // Nothing was created, and the 429 is not audited: once the other key's create (recorded after
    // it) is in the audit log, it is the only one there.
    const other = await apiRequest(t.url, 'GET', '/v1/conversations', { auth: OTHER });
    expect([other.status, other.body.data]).toEqual([200, []]);
    const created = await apiRequest(t.url, 'POST', '/v1/conversations', { auth: OTHER, body: { kind: 'group', title: 'Other', createdBy: 'rl-ann' } });
    expect(created.status).toBe(201);
    await vi.waitFor(async () => {
      const audited = await t.server.store.listAudit({ limit: 10, action: 'api.createConversation' });
      expect(audited.map((r) => r.actorId)).toEqual([`api:${OTHER.key}`]);
    });
  });

  it('a flood of wrong secrets is refused (401) every time but audited only up to the rate: one record says the rest are counted', async () => {
    for (let i = 0; i < 30; i++) {
      const res = await apiRequest(t.url, 'GET', '/v1/conversations', { auth: { key: TEST_KEY, secret: `wrong-${i}` } });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe(ErrorCode.UNAUTHENTICATED);
    }
    // A record written after the flood: once it is stored, every refusal's record (if any) is too.
    expect((await apiRequest(t.url, 'DELETE', '/v1/webhooks/wh_none', { auth: OTHER })).status).toBe(404);
    await vi.waitFor(async () => expect(await t.server.store.listAudit({ limit: 1, action: 'api.deleteWebhook' })).toHaveLength(1));
    const refused = await t.server.store.listAudit({ limit: 100, action: 'api.refused' });
    expect(refused.map((r) => r.details?.rateLimited ?? false)).toEqual([true, false, false]);
    expect(refused.every((r) => r.outcome === 'denied' && r.reason === ErrorCode.UNAUTHENTICATED && r.ip !== null)).toBe(true);
  });
});

describe('RefusalThrottle', () => {
  it('counts the refusals over the rate and reports them with the next audited one', async () => {
    let now = 0;
    const throttle = new RefusalThrottle(new MemoryRateLimiter({ perSecond: 1, burst: 1 }, { now: () => now, sweepMs: 0 }));
    expect(await throttle.check('10.0.0.1')).toEqual({ audit: true, suppressed: 0, rateLimited: false });
    expect(await throttle.check('10.0.0.1')).toEqual({ audit: true, suppressed: 0, rateLimited: true });
    for (let i = 0; i < 5; i++) expect(await throttle.check('10.0.0.1')).toEqual({ audit: false });
    // Another address has its own bucket.
    expect(await throttle.check('10.0.0.2')).toEqual({ audit: true, suppressed: 0, rateLimited: false });
    now += 1000;
    expect(await throttle.check('10.0.0.1')).toEqual({ audit: true, suppressed: 5, rateLimited: false });
    expect(await throttle.check('10.0.0.1')).toEqual({ audit: true, suppressed: 0, rateLimited: true });
    throttle.close();
  });

  it('tracks at most maxTracked addresses: beyond, refusals over the rate are not audited', async () => {
    const throttle = new RefusalThrottle(new MemoryRateLimiter({ perSecond: 0.01, burst: 1 }, { sweepMs: 0 }), 1);
    await throttle.check('a');
    expect((await throttle.check('a')).audit).toBe(true);
    await throttle.check('b');
    expect(await throttle.check('b')).toEqual({ audit: false });
    throttle.close();
  });
});
