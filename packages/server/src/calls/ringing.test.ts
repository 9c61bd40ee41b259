import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, fails, nextEvent, ok, settle, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';

describe('calls: ringing', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ mediaWorkers: 1, rtcListenIp: '127.0.0.1', ringTimeoutSec: 1 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('ring reaches every device of the other members; a decline ends it for the callee and the caller', async () => {
    const ana = await t.connect('r1-ana');
    const benPhone = await t.connect('r1-ben');
    const benLaptop = await t.connect('r1-ben');
    const conv = await ok(ana, 'conversation:openDirect', { userId: 'r1-ben' });
    const joined = await ok(ana, 'call:join', { conversationId: conv.id });
    const callId = joined.call.id;
    const onPhone = nextEvent(benPhone, 'call:ringing');
    const onLaptop = nextEvent(benLaptop, 'call:ringing');
    const answer = await ok(ana, 'call:ring', { callId });
    expect(answer.ringing).toEqual(['r1-ben']);
    const ring = await onPhone;
    expect(ring).toMatchObject({ callId, conversationId: conv.id, callerId: 'r1-ana', callerName: 'Name of r1-ana' });
    expect(Date.parse(ring.expiresAt)).toBeGreaterThan(Date.now());
    await onLaptop;
    const endedForCaller = nextEvent(ana, 'call:ringEnded');
    const endedForLaptop = nextEvent(benLaptop, 'call:ringEnded');
    await ok(benPhone, 'call:decline', { callId });
    expect(await endedForCaller).toEqual({ callId, conversationId: conv.id, userId: 'r1-ben', reason: 'declined' });
    expect((await endedForLaptop).reason).toBe('declined');
    await ok(ana, 'call:leave', { callId });
  });

  it('joining answers the ring; a ring nobody answers times out', async () => {
    const ana = await t.connect('r2-ana');
    const ben = await t.connect('r2-ben');
    const cy = await t.connect('r2-cy');
    const conv = await ok(ana, 'conversation:create', { kind: 'group', title: 'Night shift', memberIds: ['r2-ben', 'r2-cy'] });
    const joined = await ok(ana, 'call:join', { conversationId: conv.id });
    const callId = joined.call.id;
    const ended = collect(ana, 'call:ringEnded');
    expect((await ok(ana, 'call:ring', { callId })).ringing.sort()).toEqual(['r2-ben', 'r2-cy']);
    const answered = nextEvent(ben, 'call:ringEnded');
    await ok(ben, 'call:join', { conversationId: conv.id });
    expect((await answered).reason).toBe('answered');
    const timedOut = await nextEvent(cy, 'call:ringEnded', () => true, 5000);
    expect(timedOut).toMatchObject({ userId: 'r2-cy', reason: 'timeout' });
    await settle(ana);
    expect(ended.map((e) => `${e.userId}:${e.reason}`).sort()).toEqual(['r2-ben:answered', 'r2-cy:timeout']);
    await ok(ana, 'call:leave', { callId });
    await ok(ben, 'call:leave', { callId });
  });

  it('cancelRing and the caller leaving cancel the ring; only members of direct and small group conversations are rung', async () => {
    const ana = await t.connect('r3-ana', { grants: { canCreate: ['direct', 'group', 'channel'] } });
    const ben = await t.connect('r3-ben');
    const conv = await ok(ana, 'conversation:create', { kind: 'group', title: 'Ops', memberIds: ['r3-ben'] });
    const joined = await ok(ana, 'call:join', { conversationId: conv.id });
    const callId = joined.call.id;
    expect((await fails(ana, 'call:ring', { callId, userIds: ['r3-stranger'] })).code).toBe('NOT_A_MEMBER');
    expect((await fails(ben, 'call:ring', { callId })).code).toBe('PARTICIPANT_NOT_FOUND');
    await ok(ana, 'call:ring', { callId, userIds: ['r3-ben'] });
    const cancelled = nextEvent(ben, 'call:ringEnded');
    await ok(ana, 'call:cancelRing', { callId });
    expect((await cancelled).reason).toBe('cancelled');
    await ok(ana, 'call:ring', { callId, userIds: ['r3-ben'] });
    const onLeave = nextEvent(ben, 'call:ringEnded');
    await ok(ana, 'call:leave', { callId });
    expect((await onLeave).reason).toBe('cancelled');

    const channel = await ok(ana, 'conversation:create', { kind: 'channel', title: 'News', memberIds: ['r3-ben'] });
    const inChannel = await ok(ana, 'call:join', { conversationId: channel.id });
    expect((await fails(ana, 'call:ring', { callId: inChannel.call.id })).code).toBe('CONFLICT');
    await ok(ana, 'call:leave', { callId: inChannel.call.id });
  });
});
