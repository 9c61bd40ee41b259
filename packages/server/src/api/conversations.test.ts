import type { Conversation, Member, Message } from '@plaza/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, nextEvent, ok, settle, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';
import { apiRequest } from './testing.js';

const WRONG = { key: 'PKtest', secret: 'not-the-secret' };

describe('REST API: conversations and members', () => {
  let t: TestServer;
  const api = <T = any>(method: string, path: string, body?: unknown, auth?: false | { key: string; secret: string }) =>
    apiRequest<T>(t.url, method, path, { ...(body !== undefined ? { body } : {}), ...(auth !== undefined ? { auth } : {}) });
  const create = async (body: Record<string, unknown>): Promise<Conversation> => {
    const res = await api<Conversation>('POST', '/v1/conversations', body);
    expect(res.status).toBe(201);
    return res.body;
  };
  const audit = async (query: string) => (await api<{ data: { action: string; actorId: string; target: string; details: Record<string, unknown> }[] }>('GET', `/v1/audit?${query}`)).body.data;

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('createConversation makes createdBy the owner, adds members, tells their devices and audits it by the API key', async () => {
    const ben = await t.connect('rc-ben');
    const added = nextEvent(ben, 'conversation:added');
    const conv = await create({
      kind: 'group',
      title: 'Case 4711',
      topic: 'street-light',
      externalRef: 'crm:4711',
      createdBy: 'rc-agent',
      members: [{ userId: 'rc-ben' }, { userId: 'rc-mod', role: 'moderator' }, { userId: 'rc-ben', role: 'owner' }],
    });
    expect(conv).toMatchObject({ kind: 'group', title: 'Case 4711', topic: 'street-light', externalRef: 'crm:4711', createdBy: 'rc-agent', memberCount: 3, lastSeq: 0 });
    expect(conv.id).toMatch(/^c_/);
    expect(Date.parse(conv.createdAt)).not.toBeNaN();
    const forBen = await added;
    expect(forBen).toMatchObject({ id: conv.id, self: { role: 'member' } });

    const members = (await api<{ data: Member[] }>('GET', `/v1/conversations/${conv.id}/members`)).body.data;
    expect(members.map((m) => [m.userId, m.role])).toEqual([
      ['rc-agent', 'owner'],
      ['rc-ben', 'member'],
      ['rc-mod', 'moderator'],
    ]);
    expect((await api('GET', `/v1/conversations/${conv.id}`)).body).toEqual(conv);
    const records = await audit(`action=member.added&target=${conv.id}`);
    expect(records.map((r) => r.details.userId).sort()).toEqual(['rc-agent', 'rc-ben', 'rc-mod']);
    expect(records.every((r) => r.actorId === 'api:PKtest')).toBe(true);
    expect((await audit(`action=api.createConversation&actorId=api:PKtest`)).length).toBeGreaterThan(0);
  });

  it('createConversation with bad input is 400 INVALID_REQUEST and creates nothing', async () => {
    const bad = [
      { kind: 'group', createdBy: 'rc-x', externalRef: 'crm:bad', extra: 1 },
      { kind: 'direct', createdBy: 'rc-x', externalRef: 'crm:bad' },
      { kind: 'group', externalRef: 'crm:bad' },
      { kind: 'group', createdBy: 'has space', externalRef: 'crm:bad' },
      { kind: 'group', createdBy: 'rc-x', title: '\u202Eevil', externalRef: 'crm:bad' },
      { kind: 'group', createdBy: 'rc-x', members: [{ userId: 'rc-y', role: 'king' }], externalRef: 'crm:bad' },
    ];
    for (const body of bad) {
      const res = await api('POST', '/v1/conversations', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
      expect(res.body.error.details.issues[0].path[0]).toBe('body');
    }
    expect((await api('GET', '/v1/conversations?externalRef=crm:bad')).body.data).toEqual([]);
    const refused = await api('POST', '/v1/conversations', { kind: 'group', createdBy: 'rc-x', externalRef: 'crm:bad' }, WRONG);
    expect(refused.status).toBe(401);
    expect((await api('GET', '/v1/conversations?externalRef=crm:bad')).body.data).toEqual([]);
  });

  it('listConversations filters by externalRef, topic and member and pages newest first without gaps or repeats', async () => {
    const made: Conversation[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(await create({ kind: 'group', title: `Page ${i}`, topic: i % 2 === 0 ? 'lc-even' : 'lc-odd', externalRef: `lc:${i}`, createdBy: 'lc-owner', members: i < 2 ? [{ userId: 'lc-ben' }] : [] }));
    }
    expect((await api('GET', '/v1/conversations?externalRef=lc:3')).body).toEqual({ data: [made[3]], nextCursor: null });
    expect((await api<{ data: Conversation[] }>('GET', '/v1/conversations?topic=lc-even')).body.data.map((c) => c.id)).toEqual([made[4], made[2], made[0]].map((c) => c!.id));
    expect((await api<{ data: Conversation[] }>('GET', '/v1/conversations?memberId=lc-ben')).body.data.map((c) => c.id)).toEqual([made[1], made[0]].map((c) => c!.id));
    expect((await api('GET', '/v1/conversations?memberId=lc-ben&topic=lc-odd')).body.data.map((c: Conversation) => c.id)).toEqual([made[1]!.id]);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { data: Conversation[]; nextCursor: string | null } } = await api('GET', `/v1/conversations?memberId=lc-owner&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...res.body.data.map((c) => c.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...made].reverse().map((c) => c.id));
  });

  it('listConversations refuses a foreign cursor, a bad limit and unknown parameters with 400', async () => {
    for (const query of ['cursor=not-ours', 'limit=0', 'limit=201', 'limit=abc', 'colour=red', `cursor=${Buffer.from('[1,2]').toString('base64url')}`]) {
      const res = await api('GET', `/v1/conversations?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
  });

  it('getConversation: unknown id is 404 CONVERSATION_NOT_FOUND, a malformed id 400', async () => {
    expect((await api('GET', '/v1/conversations/c_nothing')).body.error.code).toBe('CONVERSATION_NOT_FOUND');
    expect((await api('GET', '/v1/conversations/c_nothing')).status).toBe(404);
    expect((await api('GET', `/v1/conversations/${encodeURIComponent('bad id!')}`)).status).toBe(400);
  });

  it('updateConversation changes title, topic and externalRef, clears with null and tells connected members', async () => {
    const ben = await t.connect('uc-ben');
    const conv = await create({ kind: 'group', title: 'Old', topic: 'uc-topic', externalRef: 'uc:1', createdBy: 'uc-owner', members: [{ userId: 'uc-ben' }] });
    await settle(ben);
    const updated = nextEvent(ben, 'conversation:updated', (c) => c.id === conv.id);
    const res = await api<Conversation>('PATCH', `/v1/conversations/${conv.id}`, { title: 'New', topic: null, externalRef: 'uc:2' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: conv.id, title: 'New', topic: null, externalRef: 'uc:2' });
    expect(await updated).toMatchObject({ title: 'New', topic: null, externalRef: 'uc:2' });
    const cleared = await api<Conversation>('PATCH', `/v1/conversations/${conv.id}`, { externalRef: null });
    expect(cleared.body).toMatchObject({ title: 'New', externalRef: null });
    expect((await api('PATCH', `/v1/conversations/${conv.id}`, {})).body).toMatchObject({ title: 'New' });
  });

  it('updateConversation with bad input is 400 and changes nothing; unknown is 404; a direct title is 409', async () => {
    const conv = await create({ kind: 'group', title: 'Keep', createdBy: 'ub-owner' });
    for (const body of [{ title: '' }, { title: null }, { title: 'x'.repeat(201) }, { externalRef: 'a\u0000b' }, { kind: 'channel' }]) {
      const res = await api('PATCH', `/v1/conversations/${conv.id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await api('GET', `/v1/conversations/${conv.id}`)).body).toEqual(conv);
    expect((await api('PATCH', '/v1/conversations/c_nothing', { title: 'x' })).status).toBe(404);

    const ana = await t.connect('ub-ana');
    const direct = await ok(ana, 'conversation:openDirect', { userId: 'ub-ben' });
    const res = await api('PATCH', `/v1/conversations/${direct.id}`, { title: 'Mine' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
    expect((await api('GET', `/v1/conversations/${direct.id}`)).body.title).toBeNull();
  });

  it('listMembers of an unknown conversation is 404', async () => {
    const res = await api('GET', '/v1/conversations/c_nothing/members');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('CONVERSATION_NOT_FOUND');
  });

  it('addMembers adds only newcomers, tells them and the members live, and audits each as member.added', async () => {
    const ana = await t.connect('am-ana');
    const cy = await t.connect('am-cy');
    const conv = await create({ kind: 'group', title: 'Add', createdBy: 'am-owner', members: [{ userId: 'am-ana' }] });
    await settle(ana);
    const toCy = nextEvent(cy, 'conversation:added', (c) => c.id === conv.id);
    const toAna = nextEvent(ana, 'member:updated', (e) => e.conversationId === conv.id && e.member.userId === 'am-cy');
    const res = await api<{ added: Member[] }>('POST', `/v1/conversations/${conv.id}/members`, {
      members: [{ userId: 'am-cy', role: 'moderator' }, { userId: 'am-ana', role: 'owner' }, { userId: 'am-cy' }],
    });
    expect(res.status).toBe(200);
    expect(res.body.added.map((m) => [m.userId, m.role])).toEqual([['am-cy', 'moderator']]);
    expect((await toCy).self.role).toBe('moderator');
    expect((await toAna).change).toBe('added');
    const members = (await api<{ data: Member[] }>('GET', `/v1/conversations/${conv.id}/members`)).body.data;
    expect(members.find((m) => m.userId === 'am-ana')?.role).toBe('member');
    // cy's socket is in the room now: messages reach it.
    const live = nextEvent(cy, 'message:new', (m) => m.conversationId === conv.id);
    await api('POST', `/v1/conversations/${conv.id}/messages`, { text: 'welcome' });
    expect((await live).text).toBe('welcome');
    const records = await audit(`action=member.added&target=${conv.id}&actorId=api:PKtest`);
    expect(records.filter((r) => r.details.userId === 'am-cy')).toHaveLength(1);
  });

  it('addMembers: bad input is 400 and adds nobody; unknown conversation 404; direct conversation 409', async () => {
    const conv = await create({ kind: 'group', title: 'Add bad', createdBy: 'ab-owner' });
    for (const body of [{ members: [] }, { members: [{ userId: '' }] }, { members: [{ userId: 'ab-x', role: 'boss' }] }, { userIds: ['ab-x'] }, {}]) {
      const res = await api('POST', `/v1/conversations/${conv.id}/members`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await api('GET', `/v1/conversations/${conv.id}/members`)).body.data).toHaveLength(1);
    expect((await api('POST', '/v1/conversations/c_nothing/members', { members: [{ userId: 'ab-x' }] })).status).toBe(404);
    const ana = await t.connect('ab-ana');
    const direct = await ok(ana, 'conversation:openDirect', { userId: 'ab-ben' });
    const res = await api('POST', `/v1/conversations/${direct.id}/members`, { members: [{ userId: 'ab-x' }] });
    expect(res.status).toBe(409);
    expect((await api('GET', `/v1/conversations/${direct.id}/members`)).body.data).toHaveLength(2);
  });

  it('updateMember changes a role live and keeps at least one owner', async () => {
    const ben = await t.connect('um-ben');
    const conv = await create({ kind: 'group', title: 'Roles', createdBy: 'um-owner', members: [{ userId: 'um-ben' }] });
    await settle(ben);
    const seen = nextEvent(ben, 'member:updated', (e) => e.change === 'role');
    const res = await api<Member>('PATCH', `/v1/conversations/${conv.id}/members/um-ben`, { role: 'moderator' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: 'um-ben', role: 'moderator' });
    expect((await seen).member.role).toBe('moderator');
    expect((await audit(`action=role.changed&target=${conv.id}`))[0]).toMatchObject({ actorId: 'api:PKtest', details: { userId: 'um-ben', role: 'moderator', from: 'member' } });

    const last = await api('PATCH', `/v1/conversations/${conv.id}/members/um-owner`, { role: 'member' });
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe('CONFLICT');
    expect((await api('PATCH', `/v1/conversations/${conv.id}/members/um-ben`, { role: 'owner' })).body.role).toBe('owner');
    expect((await api('PATCH', `/v1/conversations/${conv.id}/members/um-owner`, { role: 'member' })).body.role).toBe('member');
  });

  it('updateMember: bad role 400, non-member 403 NOT_A_MEMBER, unknown conversation 404, nothing changed', async () => {
    const conv = await create({ kind: 'group', title: 'Roles bad', createdBy: 'ux-owner', members: [{ userId: 'ux-ben' }] });
    expect((await api('PATCH', `/v1/conversations/${conv.id}/members/ux-ben`, { role: 'admin' })).status).toBe(400);
    expect((await api('PATCH', `/v1/conversations/${conv.id}/members/ux-ben`, { role: 'owner', note: 1 })).status).toBe(400);
    const stranger = await api('PATCH', `/v1/conversations/${conv.id}/members/ux-nobody`, { role: 'owner' });
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.code).toBe('NOT_A_MEMBER');
    expect((await api('PATCH', '/v1/conversations/c_nothing/members/ux-ben', { role: 'owner' })).status).toBe(404);
    const members = (await api<{ data: Member[] }>('GET', `/v1/conversations/${conv.id}/members`)).body.data;
    expect(members.map((m) => [m.userId, m.role])).toEqual([
      ['ux-owner', 'owner'],
      ['ux-ben', 'member'],
    ]);
  });

  it('removeMember takes the member out live (reason removed), promotes an heir for the last owner and audits it', async () => {
    const ben = await t.connect('rm-ben');
    const conv = await create({ kind: 'group', title: 'Remove', createdBy: 'rm-owner', members: [{ userId: 'rm-ben' }, { userId: 'rm-cy' }] });
    await settle(ben);
    const removed = nextEvent(ben, 'conversation:removed', (e) => e.conversationId === conv.id);
    const res = await api('DELETE', `/v1/conversations/${conv.id}/members/rm-ben`);
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect(await removed).toEqual({ conversationId: conv.id, reason: 'removed' });
    // ben's socket left the room: no more messages reach it.
    const after = collect(ben, 'message:new');
    await api('POST', `/v1/conversations/${conv.id}/messages`, { text: 'not for ben' });
    await settle(ben);
    expect(after).toEqual([]);

    const again = await api('DELETE', `/v1/conversations/${conv.id}/members/rm-ben`);
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('NOT_A_MEMBER');

    expect((await api('DELETE', `/v1/conversations/${conv.id}/members/rm-owner`)).status).toBe(204);
    const members = (await api<{ data: Member[] }>('GET', `/v1/conversations/${conv.id}/members`)).body.data;
    expect(members.map((m) => [m.userId, m.role])).toEqual([['rm-cy', 'owner']]);
    const records = await audit(`action=member.removed&target=${conv.id}`);
    expect(records.map((r) => [r.details.userId, r.details.reason, r.actorId])).toEqual([
      ['rm-owner', 'removed', 'api:PKtest'],
      ['rm-ben', 'removed', 'api:PKtest'],
    ]);
    expect((await api('DELETE', '/v1/conversations/c_nothing/members/rm-cy')).status).toBe(404);
    expect((await api('DELETE', `/v1/conversations/${conv.id}/members/${encodeURIComponent('a b')}`)).status).toBe(400);
  });
});

describe('REST API: messages', () => {
  let t: TestServer;
  const api = <T = any>(method: string, path: string, body?: unknown) => apiRequest<T>(t.url, method, path, body !== undefined ? { body } : {});
  const history = async (conversationId: string) => (await api<{ data: Message[]; hasMore: boolean }>('GET', `/v1/conversations/${conversationId}/messages?limit=200`)).body.data;

  beforeAll(async () => {
    t = await startTestServer({ maxTextBytes: 100 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('postMessage without senderId posts a system message that connected members receive live', async () => {
    const ana = await t.connect('pm-ana');
    const conv = (await api<Conversation>('POST', '/v1/conversations', { kind: 'group', title: 'Msgs', createdBy: 'pm-owner', members: [{ userId: 'pm-ana' }] })).body;
    await settle(ana);
    const live = nextEvent(ana, 'message:new', (m) => m.conversationId === conv.id);
    const res = await api<Message>('POST', `/v1/conversations/${conv.id}/messages`, { text: 'Your case was opened' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ conversationId: conv.id, seq: 1, kind: 'system', senderId: 'api:PKtest', text: 'Your case was opened', clientId: null });
    expect(await live).toEqual(res.body);
    expect(await history(conv.id)).toEqual([res.body]);
  });

  it('postMessage with senderId posts as that member; clientId makes a retry store one message', async () => {
    const ana = await t.connect('pb-ana');
    const conv = (await api<Conversation>('POST', '/v1/conversations', { kind: 'group', title: 'Bot', createdBy: 'pb-ana', members: [{ userId: 'pb-bot' }] })).body;
    await settle(ana);
    const seen = collect(ana, 'message:new');
    const first = await api<Message>('POST', `/v1/conversations/${conv.id}/messages`, { text: 'Hello, I am the FAQ bot', senderId: 'pb-bot', clientId: 'faq-1', mentions: ['pb-ana', 'pb-stranger'] });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ kind: 'user', senderId: 'pb-bot', clientId: 'faq-1', mentions: ['pb-ana'] });
    const retry = await api<Message>('POST', `/v1/conversations/${conv.id}/messages`, { text: 'Hello, I am the FAQ bot', senderId: 'pb-bot', clientId: 'faq-1' });
    expect(retry.body.id).toBe(first.body.id);
    const reply = await api<Message>('POST', `/v1/conversations/${conv.id}/messages`, { text: 'Thanks', senderId: 'pb-ana', replyTo: first.body.id });
    expect(reply.body).toMatchObject({ seq: 2, replyTo: first.body.id });
    await settle(ana);
    expect(seen.map((m) => m.id)).toEqual([first.body.id, reply.body.id]);
    expect((await history(conv.id)).map((m) => m.seq)).toEqual([1, 2]);
  });

  it('postMessage refuses non-members, plain members in channels, blank and oversized text, unknown replyTo; nothing is stored', async () => {
    const conv = (await api<Conversation>('POST', '/v1/conversations', { kind: 'channel', title: 'News', createdBy: 'px-owner', members: [{ userId: 'px-reader' }] })).body;
    const cases: [unknown, number, string][] = [
      [{ text: 'hi', senderId: 'px-stranger' }, 403, 'NOT_A_MEMBER'],
      [{ text: 'hi', senderId: 'px-reader' }, 403, 'FORBIDDEN_ROLE'],
      [{ text: ' \u200B ' }, 400, 'INVALID_REQUEST'],
      [{ text: 'x'.repeat(101) }, 413, 'PAYLOAD_TOO_LARGE'],
      [{ text: 'é'.repeat(51) }, 413, 'PAYLOAD_TOO_LARGE'],
      [{ text: 'hi', replyTo: 'm_nothing' }, 404, 'MESSAGE_NOT_FOUND'],
      [{ text: 'hi', clientId: 'has space' }, 400, 'INVALID_REQUEST'],
      [{ text: 'hi', kind: 'user' }, 400, 'INVALID_REQUEST'],
      [{ text: 42 }, 400, 'INVALID_REQUEST'],
      [{}, 400, 'INVALID_REQUEST'],
      // C0 control characters other than tab, line feed and carriage return, and DEL.
      [{ text: 'a\u0000b' }, 400, 'INVALID_REQUEST'],
      [{ text: 'red \u001b[31mtext' }, 400, 'INVALID_REQUEST'],
      [{ text: 'ding\u0007' }, 400, 'INVALID_REQUEST'],
      [{ text: 'del\u007f' }, 400, 'INVALID_REQUEST'],
    ];
    for (const [body, status, code] of cases) {
      const res = await api('POST', `/v1/conversations/${conv.id}/messages`, body);
      expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([status, code]);
    }
    expect(await history(conv.id)).toEqual([]);
    expect((await api('POST', '/v1/conversations/c_nothing/messages', { text: 'hi' })).status).toBe(404);
    expect((await api('POST', `/v1/conversations/${conv.id}/messages`, { text: 'x'.repeat(100), senderId: 'px-owner' })).status).toBe(201);
    // Tabs, line breaks and right-to-left marks are text.
    const rtl = await api<Message>('POST', `/v1/conversations/${conv.id}/messages`, { text: 'a\tb\r\nשלום\u200F!', senderId: 'px-owner' });
    expect([rtl.status, rtl.body.text]).toEqual([201, 'a\tb\r\nשלום\u200F!']);
  });

  it('listMessages pages with beforeSeq and afterSeq; both at once is 400; unknown conversation 404', async () => {
    const conv = (await api<Conversation>('POST', '/v1/conversations', { kind: 'group', title: 'History', createdBy: 'lm-owner' })).body;
    for (let i = 1; i <= 5; i++) await api('POST', `/v1/conversations/${conv.id}/messages`, { text: `m${i}` });
    const latest = await api<{ data: Message[]; hasMore: boolean }>('GET', `/v1/conversations/${conv.id}/messages?limit=2`);
    expect(latest.status).toBe(200);
    expect([latest.body.data.map((m) => m.text), latest.body.hasMore]).toEqual([['m4', 'm5'], true]);
    const before = await api<{ data: Message[]; hasMore: boolean }>('GET', `/v1/conversations/${conv.id}/messages?beforeSeq=4&limit=2`);
    expect([before.body.data.map((m) => m.seq), before.body.hasMore]).toEqual([[2, 3], true]);
    const after = await api<{ data: Message[]; hasMore: boolean }>('GET', `/v1/conversations/${conv.id}/messages?afterSeq=3`);
    expect([after.body.data.map((m) => m.seq), after.body.hasMore]).toEqual([[4, 5], false]);
    for (const query of ['beforeSeq=3&afterSeq=1', 'beforeSeq=-1', 'limit=0', 'afterSeq=x', 'since=1']) {
      const res = await api('GET', `/v1/conversations/${conv.id}/messages?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
    }
    expect((await api('GET', '/v1/conversations/c_nothing/messages')).status).toBe(404);
  });
});
