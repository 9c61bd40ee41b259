import type { CitizenRequest, ConversationWithState, Message, QueueItem } from '@plaza/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../api/testing.js';
import { collect, fails, nextEvent, ok, settle, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { makeDepartment, nextChange, requestEvents } from './deskTesting.js';
import { DESK_SENDER_ID } from './requestNotices.js';

describe('citizen desk: request lifecycle over sockets', () => {
  let t: TestServer;
  let citizen: RawSocket;
  let lighting1: RawSocket;
  let lighting2: RawSocket;
  let roads: RawSocket;
  let outsider: RawSocket;
  let n = 0;
  const clientId = () => `req-${++n}`;
  const history = async (socket: RawSocket, conversationId: string): Promise<Message[]> =>
    (await ok(socket, 'message:history', { conversationId, limit: 100 })).messages;

  beforeAll(async () => {
    t = await startTestServer();
    await makeDepartment(t, { id: 'public-lighting', name: 'Public Lighting', agentIds: ['lc-agent-1', 'lc-agent-2'], topicId: 'street-light' });
    await makeDepartment(t, { id: 'roads', name: 'Roads', agentIds: ['rd-agent'], topicId: 'pothole' });
    citizen = await t.connect('lc-citizen');
    lighting1 = await t.connect('lc-agent-1');
    lighting2 = await t.connect('lc-agent-2');
    roads = await t.connect('rd-agent');
    outsider = await t.connect('lc-outsider');
  });
  afterAll(async () => {
    await t.close();
  });

  it('request:open routes by topic to the department queue: the conversation, the description, the notice, request:updated and request.opened', async () => {
    const added = nextEvent(citizen, 'conversation:added', (c) => c.kind === 'request');
    const toCitizen = nextChange(citizen, 'opened');
    const toAgent = nextChange(lighting1, 'opened');
    const roadsSaw = collect(roads, 'request:updated');
    const request = await ok(citizen, 'request:open', {
      topicId: 'street-light',
      description: 'The lamp on Elm St 4 is dark',
      location: { lat: 52.52, lng: 13.4, address: 'Elm St 4' },
      clientId: clientId(),
    });
    expect(request).toMatchObject({
      topicId: 'street-light',
      departmentId: 'public-lighting',
      citizenId: 'lc-citizen',
      status: 'queued',
      assigneeId: null,
      description: 'The lamp on Elm St 4 is dark',
      location: { lat: 52.52, lng: 13.4, address: 'Elm St 4' },
      externalRef: null,
      slaDueAt: null,
      slaMissed: false,
    });
    const conversation: ConversationWithState = await added;
    expect(conversation).toMatchObject({ id: request.conversationId, kind: 'request', topic: 'street-light', self: { role: 'member' } });
    expect((await toCitizen).request).toEqual(request);
    expect(await toAgent).toMatchObject({ change: 'opened', actorId: 'lc-citizen', request: { conversationId: request.conversationId } });
    await settle(roads);
    expect(roadsSaw).toEqual([]);

    const messages = await history(citizen, request.conversationId);
    expect(messages.map((m) => [m.senderId, m.kind, m.text])).toEqual([
      ['lc-citizen', 'user', 'The lamp on Elm St 4 is dark'],
      [DESK_SENDER_ID, 'system', 'Your request is with Public Lighting.'],
    ]);
    const members = await ok(citizen, 'conversation:members', { conversationId: request.conversationId });
    expect(members.map((m) => [m.userId, m.role])).toEqual([['lc-citizen', 'member']]);
    const events = await requestEvents(t, 'request.opened', request.conversationId);
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ actorId: 'lc-citizen', request: { status: 'queued', externalRef: null, departmentId: 'public-lighting' } });
  });

  it('request:open with the same clientId twice answers the first request and opens one conversation', async () => {
    const key = clientId();
    const first = await ok(citizen, 'request:open', { topicId: 'street-light', description: 'Flickering lamp', clientId: key });
    const again = await ok(citizen, 'request:open', { topicId: 'street-light', description: 'Flickering lamp', clientId: key });
    expect(again).toEqual(first);
    const mine = await ok(citizen, 'request:mine', {});
    expect(mine.filter((r) => r.description === 'Flickering lamp')).toHaveLength(1);
    expect(await requestEvents(t, 'request.opened', first.conversationId)).toHaveLength(1);
    expect(await history(citizen, first.conversationId)).toHaveLength(2);
  });

  it('request:open of an unknown topic is TOPIC_NOT_FOUND and opens nothing', async () => {
    const before = (await ok(citizen, 'request:mine', {})).length;
    const error = await fails(citizen, 'request:open', { topicId: 'no-such-topic', description: 'x', clientId: clientId() });
    expect(error.code).toBe('TOPIC_NOT_FOUND');
    expect(await ok(citizen, 'request:mine', {})).toHaveLength(before);
  });

  it('request:open with a control character in the description is INVALID_REQUEST and opens nothing; tabs, line breaks and bidi marks are kept', async () => {
    const before = (await ok(citizen, 'request:mine', {})).length;
    for (const c of ['\u0000', '\u001b', '\u007f']) {
      const error = await fails(citizen, 'request:open', { topicId: 'street-light', description: `Lamp${c} is dark`, clientId: clientId() });
      expect(error.code).toBe('INVALID_REQUEST');
    }
    expect(await ok(citizen, 'request:mine', {})).toHaveLength(before);
    const description = 'Lamp at\tElm St 4\r\nمصباح\u200F is dark';
    const request = await ok(citizen, 'request:open', { topicId: 'street-light', description, clientId: clientId() });
    expect(request.description).toBe(description);
    expect((await history(citizen, request.conversationId))[0]?.text).toBe(description);
  });

  it('queue:list lists the waiting requests oldest first with their waiting time, only to agents of the department', async () => {
    const a = await ok(citizen, 'request:open', { topicId: 'pothole', description: 'Hole one', clientId: clientId() });
    const b = await ok(citizen, 'request:open', { topicId: 'pothole', description: 'Hole two', clientId: clientId() });
    const queue: QueueItem[] = await ok(roads, 'queue:list', { departmentId: 'roads' });
    // Oldest first; two opened in the same millisecond by id.
    const oldestFirst = [a, b].sort((x, y) => (x.createdAt === y.createdAt ? (x.conversationId < y.conversationId ? -1 : 1) : x.createdAt < y.createdAt ? -1 : 1));
    expect(queue.map((q) => q.conversationId)).toEqual(oldestFirst.map((r) => r.conversationId));
    expect(queue[0]?.citizenName).toBe('Name of lc-citizen');
    expect(queue[0]?.waitingMs).toBeGreaterThanOrEqual(queue[1]?.waitingMs ?? Infinity);
    expect(queue.every((q) => q.waitingMs >= 0 && q.status === 'queued')).toBe(true);
    expect((await fails(lighting1, 'queue:list', { departmentId: 'roads' })).code).toBe('PERMISSION_DENIED');
    expect((await fails(roads, 'queue:list', { departmentId: 'no-such-dept' })).code).toBe('DEPARTMENT_NOT_FOUND');
  });

  it('two agents claiming at once: one wins and becomes a moderator member, the other gets CONFLICT', async () => {
    const request = await ok(citizen, 'request:open', { topicId: 'street-light', description: 'Race lamp', clientId: clientId() });
    const citizenSaw = nextChange(citizen, 'claimed', request.conversationId);
    const answers = await Promise.all([
      lighting1.timeout(5000).emitWithAck('request:claim', { conversationId: request.conversationId }),
      lighting2.timeout(5000).emitWithAck('request:claim', { conversationId: request.conversationId }),
    ]);
    const won = answers.filter((a) => a.ok);
    const lost = answers.filter((a) => !a.ok);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.ok === false && lost[0].error.code).toBe('CONFLICT');
    const claimed = won[0]?.ok ? (won[0].data as CitizenRequest) : null;
    const winner = claimed?.assigneeId;
    expect(claimed?.status).toBe('claimed');
    expect((await citizenSaw).request.assigneeId).toBe(winner);
    const members = await ok(citizen, 'conversation:members', { conversationId: request.conversationId });
    expect(members.map((m) => [m.userId, m.role]).sort()).toEqual([
      ['lc-citizen', 'member'],
      [winner, 'moderator'],
    ].sort());
    const messages = await history(citizen, request.conversationId);
    expect(messages.at(-1)).toMatchObject({ kind: 'system', text: `Name of ${winner} of Public Lighting is now handling your request.` });
    expect(await requestEvents(t, 'request.claimed', request.conversationId)).toHaveLength(1);
  });

  it('the claim puts the conversation on the agent\'s devices; the agent\'s first message is the first response', async () => {
    const request = await ok(citizen, 'request:open', { topicId: 'street-light', description: 'Dark corner', clientId: clientId() });
    const added = nextEvent(lighting1, 'conversation:added', (c) => c.id === request.conversationId);
    await ok(lighting1, 'request:claim', { conversationId: request.conversationId });
    expect((await added).self.role).toBe('moderator');
    const toCitizen = nextEvent(citizen, 'message:new', (m) => m.conversationId === request.conversationId && m.senderId === 'lc-agent-1');
    await ok(lighting1, 'message:send', { conversationId: request.conversationId, clientId: 'hello-1', text: 'We are on it' });
    expect((await toCitizen).text).toBe('We are on it');
    const after = await ok(citizen, 'request:get', { conversationId: request.conversationId });
    expect(after.firstResponseAt).not.toBeNull();
    expect(after.slaDueAt).toBeNull();
  });

  it('transfer moves it to the other queue with a note for agents only; the citizen is told, the assignee leaves', async () => {
    const request = await ok(citizen, 'request:open', { topicId: 'street-light', description: 'Actually a pothole', clientId: clientId() });
    await ok(lighting1, 'request:claim', { conversationId: request.conversationId });
    // Everything the claim sent the citizen has arrived before the transfer's events are awaited.
    await settle(citizen);
    const removed = nextEvent(lighting1, 'conversation:removed', (e) => e.conversationId === request.conversationId);
    const toRoads = nextChange(roads, 'transferred', request.conversationId);
    const toLighting2 = nextChange(lighting2, 'transferred', request.conversationId);
    const toCitizen = nextChange(citizen, 'transferred', request.conversationId);
    const notice = nextEvent(citizen, 'message:new', (m) => m.conversationId === request.conversationId && m.kind === 'system');
    const moved = await ok(lighting1, 'request:transfer', { conversationId: request.conversationId, departmentId: 'roads', note: 'Not a lamp: the road is broken' });
    expect(moved).toMatchObject({ status: 'queued', departmentId: 'roads', assigneeId: null, transferNote: 'Not a lamp: the road is broken' });
    const seen = await toRoads;
    expect(seen).toMatchObject({ change: 'transferred', actorId: 'lc-agent-1', fromDepartmentId: 'public-lighting', request: { transferNote: 'Not a lamp: the road is broken' } });
    expect((await toLighting2).fromDepartmentId).toBe('public-lighting');
    expect((await toCitizen).request.departmentId).toBe('roads');
    expect((await notice).text).toBe('Your request was passed to Roads.');
    expect(await removed).toMatchObject({ reason: 'removed' });
    const texts = (await history(citizen, request.conversationId)).map((m) => m.text);
    expect(texts.some((text) => text.includes('Not a lamp'))).toBe(false);
    expect((await ok(roads, 'queue:list', { departmentId: 'roads' })).map((q) => q.conversationId)).toContain(request.conversationId);
    expect((await ok(lighting1, 'queue:list', { departmentId: 'public-lighting', view: 'all' })).map((q) => q.conversationId)).not.toContain(request.conversationId);
    const members = await ok(citizen, 'conversation:members', { conversationId: request.conversationId });
    expect(members.map((m) => m.userId)).toEqual(['lc-citizen']);
    const [event] = await requestEvents(t, 'request.transferred', request.conversationId);
    expect(event?.data).toMatchObject({ fromDepartmentId: 'public-lighting', actorId: 'lc-agent-1', request: { departmentId: 'roads' } });
    // The agent who gave it away may no longer see it; the new department may.
    expect((await fails(lighting1, 'request:get', { conversationId: request.conversationId })).code).toBe('PERMISSION_DENIED');
    expect((await ok(roads, 'request:get', { conversationId: request.conversationId })).transferNote).toBe('Not a lamp: the road is broken');
  });

  it('hold, resume, resolve and reopen post for the citizen, emit request:updated to citizen and agents and write events carrying the external reference', async () => {
    const request = await ok(citizen, 'request:open', { topicId: 'street-light', description: 'Lamp post leaning', clientId: clientId() });
    const patched = await apiRequest(t.url, 'PATCH', `/v1/conversations/${request.conversationId}`, { body: { externalRef: 'crm:777' } });
    expect(patched.status).toBe(200);
    const id = request.conversationId;
    const steps: [string, () => Promise<CitizenRequest>, string, string][] = [
      ['claimed', () => ok(lighting2, 'request:claim', { conversationId: id }), 'claimed', 'Name of lc-agent-2 of Public Lighting is now handling your request.'],
      ['on_hold', () => ok(lighting2, 'request:hold', { conversationId: id, note: 'waiting for the repair crew' }), 'on_hold', 'Your request is on hold: waiting for the repair crew'],
      ['resumed', () => ok(lighting2, 'request:resume', { conversationId: id }), 'claimed', 'Work on your request has resumed.'],
      ['resolved', () => ok(lighting2, 'request:resolve', { conversationId: id, resolution: 'Post straightened' }), 'resolved', 'Your request was resolved: Post straightened'],
      ['reopened', () => ok(citizen, 'request:reopen', { conversationId: id, reason: 'It leans again' }), 'queued', 'Your request was reopened and is back with Public Lighting. Reason: It leans again'],
    ];
    for (const [change, act, status, text] of steps) {
      const toCitizen = nextChange(citizen, change as 'claimed', id);
      const toAgent = nextChange(lighting1, change as 'claimed', id);
      const posted = nextEvent(citizen, 'message:new', (m) => m.conversationId === id && m.kind === 'system');
      const result = await act();
      expect(result.status, change).toBe(status);
      expect(result.externalRef, change).toBe('crm:777');
      expect((await toCitizen).request.status, change).toBe(status);
      expect((await toAgent).request.externalRef, change).toBe('crm:777');
      expect((await posted).text, change).toBe(text);
      const events = await requestEvents(t, `request.${change}`, id);
      expect(events, change).toHaveLength(1);
      expect(events[0]?.data.request, change).toMatchObject({ status, externalRef: 'crm:777' });
    }
    const final = await ok(citizen, 'request:get', { conversationId: id });
    expect(final).toMatchObject({ status: 'queued', assigneeId: null, resolution: null, resolvedAt: null });
    const members = await ok(citizen, 'conversation:members', { conversationId: id });
    expect(members.map((m) => m.userId)).toEqual(['lc-citizen']);
  });

  it('only agents may claim, only the assignee may hold, resume or resolve, and a wrong status is CONFLICT; nothing changes', async () => {
    const request = await ok(citizen, 'request:open', { topicId: 'street-light', description: 'Permission lamp', clientId: clientId() });
    const id = request.conversationId;
    expect((await fails(outsider, 'request:claim', { conversationId: id })).code).toBe('PERMISSION_DENIED');
    expect((await fails(citizen, 'request:claim', { conversationId: id })).code).toBe('PERMISSION_DENIED');
    expect((await fails(roads, 'request:claim', { conversationId: id })).code).toBe('PERMISSION_DENIED');
    expect((await fails(outsider, 'request:get', { conversationId: id })).code).toBe('PERMISSION_DENIED');
    expect((await fails(lighting1, 'request:hold', { conversationId: id })).code).toBe('FORBIDDEN_ROLE');
    expect((await fails(lighting1, 'request:resolve', { conversationId: id })).code).toBe('FORBIDDEN_ROLE');
    const reopenQueued = await fails(lighting1, 'request:reopen', { conversationId: id });
    expect(reopenQueued.code).toBe('CONFLICT');
    expect(reopenQueued.message).toBe(`cannot reopen request ${id}: it is queued`);
    await ok(lighting1, 'request:claim', { conversationId: id });
    expect((await fails(lighting1, 'request:claim', { conversationId: id })).code).toBe('CONFLICT');
    expect((await fails(lighting2, 'request:hold', { conversationId: id })).code).toBe('FORBIDDEN_ROLE');
    expect((await fails(lighting2, 'request:transfer', { conversationId: id, departmentId: 'roads', note: 'mine now' })).code).toBe('FORBIDDEN_ROLE');
    expect((await fails(outsider, 'request:resolve', { conversationId: id })).code).toBe('PERMISSION_DENIED');
    expect((await fails(citizen, 'request:resolve', { conversationId: id })).code).toBe('PERMISSION_DENIED');
    const resumeClaimed = await fails(lighting1, 'request:resume', { conversationId: id });
    expect(resumeClaimed.code).toBe('CONFLICT');
    expect(resumeClaimed.message).toBe(`cannot resume request ${id}: it is claimed`);
    expect((await fails(lighting1, 'request:transfer', { conversationId: id, departmentId: 'public-lighting', note: 'same' })).code).toBe('CONFLICT');
    expect((await fails(lighting1, 'request:transfer', { conversationId: id, departmentId: 'no-such-dept', note: 'where?' })).code).toBe('DEPARTMENT_NOT_FOUND');
    expect((await fails(lighting1, 'request:claim', { conversationId: 'c_doesNotExist00000000' })).code).toBe('REQUEST_NOT_FOUND');
    const after = await ok(citizen, 'request:get', { conversationId: id });
    expect(after).toMatchObject({ status: 'claimed', assigneeId: 'lc-agent-1', departmentId: 'public-lighting' });
    expect(await requestEvents(t, 'request.on_hold', id)).toEqual([]);
    expect(await requestEvents(t, 'request.transferred', id)).toEqual([]);
  });

  it('the membership of a request is managed by the desk: member, role, leave, update and join requests are CONFLICT', async () => {
    const request = await ok(citizen, 'request:open', { topicId: 'street-light', description: 'Guarded lamp', clientId: clientId() });
    const id = request.conversationId;
    await ok(lighting1, 'request:claim', { conversationId: id });
    const refusals = [
      await fails(lighting1, 'conversation:addMembers', { conversationId: id, userIds: ['lc-outsider'] }),
      await fails(lighting1, 'conversation:removeMember', { conversationId: id, userId: 'lc-citizen' }),
      await fails(lighting1, 'conversation:setRole', { conversationId: id, userId: 'lc-citizen', role: 'moderator' }),
      await fails(citizen, 'conversation:leave', { conversationId: id }),
      await fails(citizen, 'conversation:removeMember', { conversationId: id, userId: 'lc-citizen' }),
      await fails(lighting1, 'conversation:update', { conversationId: id, title: 'Renamed' }),
    ];
    for (const error of refusals) {
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toContain('managed by the desk');
    }
    const admin = await t.connect('lc-admin', { grants: { canJoin: ['*'] } });
    expect((await fails(admin, 'conversation:join', { conversationId: id })).code).toBe('CONFLICT');
    const rest = await apiRequest(t.url, 'POST', `/v1/conversations/${id}/members`, { body: { members: [{ userId: 'lc-outsider' }] } });
    expect(rest.status).toBe(409);
    const members = await ok(citizen, 'conversation:members', { conversationId: id });
    expect(members.map((m) => [m.userId, m.role]).sort()).toEqual([
      ['lc-agent-1', 'moderator'],
      ['lc-citizen', 'member'],
    ]);
  });
});
