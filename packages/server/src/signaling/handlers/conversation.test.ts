import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { collect, fails, nextEvent, ok, settle, startTestServer } from '../../testing/harness.js';
import type { TestServer } from '../../testing/harness.js';

describe('conversation requests', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('create makes the caller owner, adds members and tells their devices', async () => {
    const ana = await t.connect('c-ana');
    const ben = await t.connect('c-ben');
    const added = nextEvent(ben, 'conversation:added');
    const conv = await ok(ana, 'conversation:create', { kind: 'group', title: 'Street lights', memberIds: ['c-ben', 'c-ana'] });
    expect(conv.kind).toBe('group');
    expect(conv.title).toBe('Street lights');
    expect(conv.memberCount).toBe(2);
    expect(conv.self.role).toBe('owner');
    const forBen = await added;
    expect(forBen.id).toBe(conv.id);
    expect(forBen.self.role).toBe('member');
    // ben's socket joined the room: he gets the messages
    const message = nextEvent(ben, 'message:new');
    await ok(ana, 'message:send', { conversationId: conv.id, clientId: 'k1', text: 'hello' });
    expect((await message).text).toBe('hello');
  });

  it('create without the canCreate grant is PERMISSION_DENIED and audited', async () => {
    const socket = await t.connect('c-nogrant', { grants: { canCreate: ['direct'] } });
    expect((await fails(socket, 'conversation:create', { kind: 'channel', title: 'News' })).code).toBe('PERMISSION_DENIED');
    expect((await fails(socket, 'conversation:create', { kind: 'group', title: 'News' })).code).toBe('PERMISSION_DENIED');
    expect(await ok(socket, 'conversation:list', {})).toEqual([]);
    // Audit entries are group-committed a few milliseconds later.
    await vi.waitFor(async () => {
      const audit = await t.server.store.listAudit({ limit: 10, action: 'grant.denied', actorId: 'c-nogrant' });
      expect(audit.length).toBe(2);
    });
  });

  it('openDirect returns the same conversation from both sides', async () => {
    const ana = await t.connect('d-ana');
    const ben = await t.connect('d-ben');
    const added = nextEvent(ben, 'conversation:added');
    const first = await ok(ana, 'conversation:openDirect', { userId: 'd-ben' });
    expect(first.kind).toBe('direct');
    expect((await added).id).toBe(first.id);
    const second = await ok(ben, 'conversation:openDirect', { userId: 'd-ana' });
    expect(second.id).toBe(first.id);
  });

  it('openDirect with yourself is INVALID_REQUEST, without the direct grant PERMISSION_DENIED', async () => {
    const ana = await t.connect('d-self');
    expect((await fails(ana, 'conversation:openDirect', { userId: 'd-self' })).code).toBe('INVALID_REQUEST');
    const nodirect = await t.connect('d-nodirect', { grants: { canCreate: ['group'] } });
    expect((await fails(nodirect, 'conversation:openDirect', { userId: 'd-ana' })).code).toBe('PERMISSION_DENIED');
  });

  it('get and members answer NOT_A_MEMBER to outsiders and CONVERSATION_NOT_FOUND for unknown ids', async () => {
    const ana = await t.connect('g-ana');
    const eve = await t.connect('g-eve');
    const conv = await ok(ana, 'conversation:create', { kind: 'group', title: 'Private' });
    expect((await ok(ana, 'conversation:get', { conversationId: conv.id })).id).toBe(conv.id);
    expect((await ok(ana, 'conversation:members', { conversationId: conv.id })).map((m) => m.userId)).toEqual(['g-ana']);
    expect((await fails(eve, 'conversation:get', { conversationId: conv.id })).code).toBe('NOT_A_MEMBER');
    expect((await fails(eve, 'conversation:members', { conversationId: conv.id })).code).toBe('NOT_A_MEMBER');
    expect((await fails(ana, 'conversation:get', { conversationId: 'c_nope' })).code).toBe('CONVERSATION_NOT_FOUND');
    expect((await ok(ana, 'conversation:list', {})).map((c) => c.id)).toContain(conv.id);
    expect(await ok(eve, 'conversation:list', {})).toEqual([]);
  });

  it('update is for owners and moderators and tells the room', async () => {
    const ana = await t.connect('u-ana');
    const ben = await t.connect('u-ben');
    const conv = await ok(ana, 'conversation:create', { kind: 'group', title: 'Old', memberIds: ['u-ben'] });
    expect((await fails(ben, 'conversation:update', { conversationId: conv.id, title: 'Mine' })).code).toBe('FORBIDDEN_ROLE');
    const updated = nextEvent(ben, 'conversation:updated');
    const result = await ok(ana, 'conversation:update', { conversationId: conv.id, title: 'New', topic: 'lights' });
    expect(result.title).toBe('New');
    expect((await updated).topic).toBe('lights');
    const cleared = await ok(ana, 'conversation:update', { conversationId: conv.id, topic: null });
    expect(cleared.topic).toBeNull();
  });

  it('addMembers by an owner joins the new member’s sockets and tells the room', async () => {
    const ana = await t.connect('a-ana');
    const ben = await t.connect('a-ben');
    const cid = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Team' })).id;
    const added = nextEvent(ben, 'conversation:added');
    const memberUpdated = nextEvent(ana, 'member:updated');
    const result = await ok(ana, 'conversation:addMembers', { conversationId: cid, userIds: ['a-ben', 'a-ben'] });
    expect(result.map((m) => m.userId)).toEqual(['a-ben']);
    expect((await added).id).toBe(cid);
    expect(await memberUpdated).toMatchObject({ conversationId: cid, change: 'added', member: { userId: 'a-ben' } });
    const message = nextEvent(ben, 'message:new');
    await ok(ana, 'message:send', { conversationId: cid, clientId: 'x', text: 'welcome' });
    expect((await message).text).toBe('welcome');
    // plain members cannot add; nobody can add to a direct conversation
    expect((await fails(ben, 'conversation:addMembers', { conversationId: cid, userIds: ['a-cy'] })).code).toBe('FORBIDDEN_ROLE');
    const direct = await ok(ana, 'conversation:openDirect', { userId: 'a-ben' });
    expect((await fails(ana, 'conversation:addMembers', { conversationId: direct.id, userIds: ['a-cy'] })).code).toBe('CONFLICT');
    await vi.waitFor(async () => {
      const audit = await t.server.store.listAudit({ limit: 10, action: 'member.added', actorId: 'a-ana' });
      expect(audit.some((r) => r.target === cid)).toBe(true);
    });
  });

  it('removeMember takes the member out of the room; moderators cannot remove owners', async () => {
    const ana = await t.connect('r-ana');
    const mod = await t.connect('r-mod');
    const ben = await t.connect('r-ben');
    const cid = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Team', memberIds: ['r-ben'] })).id;
    await ok(ana, 'conversation:addMembers', { conversationId: cid, userIds: ['r-mod'], role: 'moderator' });
    expect((await fails(mod, 'conversation:removeMember', { conversationId: cid, userId: 'r-ana' })).code).toBe('FORBIDDEN_ROLE');
    expect((await fails(ben, 'conversation:removeMember', { conversationId: cid, userId: 'r-mod' })).code).toBe('FORBIDDEN_ROLE');
    const removed = nextEvent(ben, 'conversation:removed');
    await ok(mod, 'conversation:removeMember', { conversationId: cid, userId: 'r-ben' });
    expect(await removed).toEqual({ conversationId: cid, reason: 'removed' });
    const after = collect(ben, 'message:new');
    await ok(ana, 'message:send', { conversationId: cid, clientId: 'after', text: 'not for ben' });
    await settle(ben);
    expect(after).toEqual([]);
    expect((await fails(ben, 'conversation:get', { conversationId: cid })).code).toBe('NOT_A_MEMBER');
    expect((await fails(ana, 'conversation:removeMember', { conversationId: cid, userId: 'r-ben' })).code).toBe('NOT_A_MEMBER');
  });

  it('setRole is for owners only and keeps at least one owner', async () => {
    const ana = await t.connect('s-ana');
    const ben = await t.connect('s-ben');
    const cid = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Team', memberIds: ['s-ben'] })).id;
    expect((await fails(ben, 'conversation:setRole', { conversationId: cid, userId: 's-ben', role: 'owner' })).code).toBe('FORBIDDEN_ROLE');
    expect((await fails(ana, 'conversation:setRole', { conversationId: cid, userId: 's-ana', role: 'member' })).code).toBe('CONFLICT');
    const updated = nextEvent(ben, 'member:updated', (e) => e.change === 'role');
    const member = await ok(ana, 'conversation:setRole', { conversationId: cid, userId: 's-ben', role: 'moderator' });
    expect(member.role).toBe('moderator');
    expect((await updated).member.role).toBe('moderator');
    expect((await ok(ben, 'conversation:get', { conversationId: cid })).self.role).toBe('moderator');
  });

  it('join needs the canJoin grant and works for groups and channels', async () => {
    const ana = await t.connect('j-ana');
    const cid = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Open' })).id;
    const outsider = await t.connect('j-out');
    expect((await fails(outsider, 'conversation:join', { conversationId: cid })).code).toBe('PERMISSION_DENIED');
    const invited = await t.connect('j-in', { grants: { canJoin: [cid] } });
    const joined = await ok(invited, 'conversation:join', { conversationId: cid });
    expect(joined.self.role).toBe('member');
    expect(joined.memberCount).toBe(2);
    const anyone = await t.connect('j-any', { grants: { canJoin: ['*'] } });
    expect((await fails(anyone, 'conversation:join', { conversationId: 'c_missing' })).code).toBe('CONVERSATION_NOT_FOUND');
    const direct = await ok(ana, 'conversation:openDirect', { userId: 'j-in' });
    expect((await fails(anyone, 'conversation:join', { conversationId: direct.id })).code).toBe('PERMISSION_DENIED');
  });

  it('leave by the last owner promotes the longest-standing member', async () => {
    const ana = await t.connect('l-ana');
    const ben = await t.connect('l-ben');
    const cid = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Team', memberIds: ['l-ben'] })).id;
    await ok(ana, 'conversation:addMembers', { conversationId: cid, userIds: ['l-cy'] });
    const removed = nextEvent(ana, 'conversation:removed');
    await ok(ana, 'conversation:leave', { conversationId: cid });
    expect(await removed).toEqual({ conversationId: cid, reason: 'left' });
    const members = await ok(ben, 'conversation:members', { conversationId: cid });
    expect(members.find((m) => m.userId === 'l-ben')?.role).toBe('owner');
    expect(members.some((m) => m.userId === 'l-ana')).toBe(false);
    expect((await fails(ana, 'conversation:leave', { conversationId: cid })).code).toBe('NOT_A_MEMBER');
  });
});
