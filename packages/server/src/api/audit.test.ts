import { auditRecordSchema } from '@plaza/protocol';
import type { Conversation } from '@plaza/protocol';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { AuditRecord } from '../storage/ChatStore.js';
import { ok, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';
import { apiRequest } from './testing.js';

type Page = { data: AuditRecord[]; nextCursor: string | null };

describe('REST API: audit log', () => {
  let t: TestServer;
  const api = <T = any>(method: string, path: string, body?: unknown) => apiRequest<T>(t.url, method, path, body !== undefined ? { body } : {});
  const list = async (query: string) => {
    const res = await api<Page>('GET', `/v1/audit?${query}`);
    expect(res.status, query).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('the record schema is the stored record', () => {
    expectTypeOf<z.output<typeof auditRecordSchema>>().toEqualTypeOf<AuditRecord>();
  });

  it('lists newest first, pages with a cursor without gaps or repeats, and filters by action and target', async () => {
    const members = ['au-1', 'au-2', 'au-3', 'au-4'].map((userId) => ({ userId }));
    const conv = (await api<Conversation>('POST', '/v1/conversations', { kind: 'group', title: 'Audit', createdBy: 'au-owner', members })).body;
    const all = await list(`action=member.added&target=${conv.id}`);
    expect(all.nextCursor).toBeNull();
    expect(all.data).toHaveLength(5);
    expect(all.data.every((r) => r.action === 'member.added' && r.target === conv.id && r.actorId === 'api:PKtest' && r.outcome === 'allowed')).toBe(true);
    const ids = all.data.map((r) => r.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    expect(all.data.every((r) => Date.parse(r.at) > 0 && r.at.endsWith('Z'))).toBe(true);

    const paged: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await list(`action=member.added&target=${conv.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.data.map((r) => r.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(paged).toEqual(ids);
  });

  it('filters by actorId and outcome: refused requests are api.refused, denied, without an actor', async () => {
    await apiRequest(t.url, 'GET', '/v1/conversations', { auth: { key: 'PKtest', secret: 'wrong' } });
    await apiRequest(t.url, 'GET', '/v1/conversations', { auth: false });
    const denied = await list('outcome=denied&action=api.refused&limit=2');
    expect(denied.data).toHaveLength(2);
    expect(denied.data.map((r) => r.details?.credentials)).toEqual(['missing', 'wrong']);
    expect(denied.data.every((r) => r.actorId === null && r.reason === 'UNAUTHENTICATED' && r.ip !== null)).toBe(true);
    const mine = await list('actorId=api:PKtest&limit=200');
    expect(mine.data.length).toBeGreaterThan(0);
    expect(mine.data.every((r) => r.actorId === 'api:PKtest')).toBe(true);
    expect((await list('actorId=nobody-at-all')).data).toEqual([]);
    const allowed = await list('outcome=allowed&limit=200');
    expect(allowed.data.every((r) => r.outcome === 'allowed')).toBe(true);
  });

  it('since is inclusive, until exclusive; both take any ISO offset', async () => {
    const conv = (await api<Conversation>('POST', '/v1/conversations', { kind: 'group', title: 'Time', createdBy: 'at-owner', members: [{ userId: 'at-ben' }] })).body;
    const [newest] = (await list(`target=${conv.id}&limit=1`)).data;
    expect(newest).toBeDefined();
    const at = newest!.at;
    const since = await list(`target=${conv.id}&since=${encodeURIComponent(at)}`);
    expect(since.data.map((r) => r.id)).toContain(newest!.id);
    const until = await list(`target=${conv.id}&until=${encodeURIComponent(at)}`);
    expect(until.data.every((r) => r.at < at)).toBe(true);
    expect(until.data.map((r) => r.id)).not.toContain(newest!.id);
    // The same instant written with an offset of +02:00.
    const shifted = new Date(Date.parse(at) + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    expect((await list(`target=${conv.id}&since=${encodeURIComponent(shifted)}`)).data.map((r) => r.id)).toContain(newest!.id);
    expect((await list(`target=${conv.id}&since=2999-01-01T00:00:00Z`)).data).toEqual([]);
  });

  it('never holds a token or message text', async () => {
    const token = await t.token('as-ana');
    const socket = await t.connect('as-ana', { token });
    const conv = await ok(socket, 'conversation:create', { kind: 'group', title: 'Secret', memberIds: ['as-ben'] });
    await ok(socket, 'message:send', { conversationId: conv.id, clientId: 'c1', text: 'the-secret-message-text' });
    await api('POST', `/v1/conversations/${conv.id}/messages`, { text: 'another-secret-text', senderId: 'as-ana' });
    await t.connect('as-bad', { token: `${token}x` }).catch(() => undefined);
    const everything = JSON.stringify((await list('limit=200')).data);
    expect(everything).toContain('connection.accepted');
    expect(everything).toContain(conv.id);
    expect(everything).not.toContain('the-secret-message-text');
    expect(everything).not.toContain('another-secret-text');
    expect(everything).not.toContain(token.split('.')[2]!);
    expect(everything).not.toContain('test-secret');
  });

  it('bad filters and cursors are 400 INVALID_REQUEST', async () => {
    for (const query of ['since=yesterday', 'until=2024-13-01T00:00:00Z', 'outcome=maybe', 'cursor=abc', 'cursor=0', 'limit=500', 'actorId=', 'who=me']) {
      const res = await api('GET', `/v1/audit?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
    const wrong = await apiRequest(t.url, 'GET', '/v1/audit', { auth: { key: 'PKnobody', secret: 'x' } });
    expect(wrong.status).toBe(401);
  });
});
