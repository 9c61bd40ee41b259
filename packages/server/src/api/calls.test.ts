import type { CallInfo, Conversation, Message } from '@plaza/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opusParameters } from '../calls/testing.js';
import { collect, nextEvent, ok, settle, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { apiRequest } from './testing.js';

describe('REST API: calls', () => {
  let t: TestServer;
  const api = <T = any>(method: string, path: string, body?: unknown) => apiRequest<T>(t.url, method, path, body !== undefined ? { body } : {});
  const audit = async (query: string) => (await api<{ data: { actorId: string; details: Record<string, unknown> }[] }>('GET', `/v1/audit?${query}`)).body.data;

  /** A group of `ids` (the first owns it), each connected and in its call. */
  async function callOf(ids: string[], alsoConnected: string[] = []) {
    const conv = (await api<Conversation>('POST', '/v1/conversations', { kind: 'group', title: 'Call', createdBy: ids[0], members: [...ids.slice(1), ...alsoConnected].map((userId) => ({ userId })) })).body;
    const sockets: RawSocket[] = [];
    const joined = [];
    for (const id of ids) {
      const socket = await t.connect(id);
      sockets.push(socket);
      joined.push(await ok(socket, 'call:join', { conversationId: conv.id }));
    }
    const others = await Promise.all(alsoConnected.map((id) => t.connect(id)));
    return { conv, sockets, joined, others, callId: joined[0]!.call.id };
  }

  beforeAll(async () => {
    t = await startTestServer({ mediaWorkers: 1, rtcListenIp: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('listCalls and getCall show live calls with their participants; unknown 404, malformed 400', async () => {
    const { conv, sockets, joined, callId } = await callOf(['lk-ana', 'lk-ben']);
    const list = await api<{ data: CallInfo[] }>('GET', '/v1/calls');
    expect(list.status).toBe(200);
    const mine = list.body.data.find((c) => c.id === callId);
    expect(mine).toMatchObject({ conversationId: conv.id, startedBy: 'lk-ana' });
    expect(mine?.participants.map((p) => [p.id, p.userId])).toEqual([
      [joined[0]!.participantId, 'lk-ana'],
      [joined[1]!.participantId, 'lk-ben'],
    ]);
    expect((await api('GET', `/v1/calls/${callId}`)).body).toEqual(mine);
    const unknown = await api('GET', '/v1/calls/k_nothing');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'CALL_NOT_FOUND']);
    expect((await api('GET', '/v1/calls/not-a-call')).status).toBe(400);
    expect((await api('GET', '/v1/calls?state=live')).status).toBe(400);
    for (const s of sockets) await ok(s, 'call:leave', { callId });
    expect((await api<{ data: CallInfo[] }>('GET', '/v1/calls')).body.data.some((c) => c.id === callId)).toBe(false);
  });

  it("muteParticipant pauses a participant's source: everyone sees mutedBy api:<key>; it is audited", async () => {
    const { sockets, joined, callId } = await callOf(['mu-ana', 'mu-ben']);
    const [ana, ben] = sockets as [RawSocket, RawSocket];
    const b = joined[1]!;
    const { trackId } = await ok(ben, 'call:produce', { callId, transportId: b.sendTransport!.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters() });
    const path = `/v1/calls/${callId}/participants/${b.participantId}/mute`;

    for (const body of [{ source: 'voice' }, {}, { source: 'microphone', muted: true }]) expect((await api('POST', path, body)).status).toBe(400);
    const camera = await api('POST', path, { source: 'camera' });
    expect([camera.status, camera.body.error.code]).toEqual([404, 'MEDIA_NOT_FOUND']);
    const nobody = await api('POST', `/v1/calls/${callId}/participants/p_nobody/mute`, { source: 'microphone' });
    expect([nobody.status, nobody.body.error.code]).toEqual([404, 'PARTICIPANT_NOT_FOUND']);
    expect((await api('POST', `/v1/calls/k_nothing/participants/${b.participantId}/mute`, { source: 'microphone' })).body.error.code).toBe('CALL_NOT_FOUND');
    expect((await api<CallInfo>('GET', `/v1/calls/${callId}`)).body.participants[1]!.tracks[0]!.muted).toBe(false);

    const toBen = nextEvent(ben, 'call:trackUpdated');
    const toAna = nextEvent(ana, 'call:trackUpdated');
    const res = await api('POST', path, { source: 'microphone' });
    expect(res.status).toBe(204);
    expect(await toBen).toMatchObject({ participantId: b.participantId, mutedBy: 'api:PKtest', track: { id: trackId, muted: true } });
    expect((await toAna).mutedBy).toBe('api:PKtest');
    expect((await api<CallInfo>('GET', `/v1/calls/${callId}`)).body.participants[1]!.tracks[0]!.muted).toBe(true);
    // Only its publisher unmutes.
    expect((await ok(ben, 'call:setTrackMuted', { callId, trackId, muted: false })).muted).toBe(false);
    expect((await audit('action=call.muted&actorId=api:PKtest'))[0]?.details).toMatchObject({ callId, participantId: b.participantId, userId: 'mu-ben', source: 'microphone' });
    for (const s of sockets) await ok(s, 'call:leave', { callId });
  });

  it('removeParticipant: the participant is told it was removed, the others too; audited; twice is 404', async () => {
    const { sockets, joined, callId } = await callOf(['rp-ana', 'rp-ben']);
    const [ana, ben] = sockets as [RawSocket, RawSocket];
    const b = joined[1]!;
    expect((await api('DELETE', `/v1/calls/${callId}/participants/rp-ben`)).status).toBe(400);
    expect((await api<CallInfo>('GET', `/v1/calls/${callId}`)).body.participants).toHaveLength(2);

    const toBen = nextEvent(ben, 'call:participantLeft');
    const toAna = nextEvent(ana, 'call:participantLeft');
    const res = await api('DELETE', `/v1/calls/${callId}/participants/${b.participantId}`);
    expect(res.status).toBe(204);
    expect(await toBen).toMatchObject({ participantId: b.participantId, userId: 'rp-ben', reason: 'removed' });
    expect((await toAna).reason).toBe('removed');
    expect((await api<CallInfo>('GET', `/v1/calls/${callId}`)).body.participants.map((p) => p.userId)).toEqual(['rp-ana']);
    expect((await audit('action=call.removed&actorId=api:PKtest'))[0]?.details).toMatchObject({ callId, userId: 'rp-ben', reason: 'removed' });
    const again = await api('DELETE', `/v1/calls/${callId}/participants/${b.participantId}`);
    expect([again.status, again.body.error.code]).toEqual([404, 'PARTICIPANT_NOT_FOUND']);
    await ok(ana, 'call:leave', { callId });
  });

  it('endCall: participants and members get call:ended once, the call is gone, the conversation says so; twice is 404', async () => {
    const { conv, sockets, others, callId } = await callOf(['ec-ana', 'ec-ben'], ['ec-cy']);
    const everyone = [...sockets, ...others];
    for (const s of everyone) await settle(s);
    const ended = everyone.map((s) => collect(s, 'call:ended'));
    const order: string[] = [];
    sockets[0]!.on('call:ended', () => order.push('ended'));
    sockets[0]!.on('call:participantLeft', (e: { reason: string }) => order.push(`left:${e.reason}`));

    const res = await api('DELETE', `/v1/calls/${callId}`);
    expect(res.status).toBe(204);
    for (const s of everyone) await settle(s);
    for (const seen of ended) {
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ callId, conversationId: conv.id });
    }
    // A participant hears that the call ended first (a client then leaves with reason 'ended').
    expect(order[0]).toBe('ended');
    expect(order.slice(1).every((e) => e === 'left:removed')).toBe(true);
    expect(t.server.calls.get(callId)).toBeUndefined();
    expect((await api('GET', `/v1/calls/${callId}`)).status).toBe(404);
    const again = await api('DELETE', `/v1/calls/${callId}`);
    expect([again.status, again.body.error.code]).toEqual([404, 'CALL_NOT_FOUND']);
    const history = (await api<{ data: Message[] }>('GET', `/v1/conversations/${conv.id}/messages`)).body.data;
    expect(history.map((m) => m.kind)).toEqual(['system', 'system']);
    expect(history[1]!.text).toMatch(/^Call ended after /);
    expect((await audit(`action=call.ended&target=${conv.id}`))[0]).toMatchObject({ actorId: 'api:PKtest', details: { callId, participants: 2 } });
    // A new call can start in the conversation.
    const again2 = await ok(sockets[0]!, 'call:join', { conversationId: conv.id });
    expect(again2.call.id).not.toBe(callId);
    await ok(sockets[0]!, 'call:leave', { callId: again2.call.id });
  });

  it('removeMember through the API takes the member out of the live call (reason removed)', async () => {
    const { conv, sockets, joined, callId } = await callOf(['mc-ana', 'mc-ben']);
    const toBen = nextEvent(sockets[1]!, 'call:participantLeft');
    expect((await api('DELETE', `/v1/conversations/${conv.id}/members/mc-ben`)).status).toBe(204);
    expect(await toBen).toMatchObject({ participantId: joined[1]!.participantId, reason: 'removed' });
    expect((await api<CallInfo>('GET', `/v1/calls/${callId}`)).body.participants.map((p) => p.userId)).toEqual(['mc-ana']);
    await ok(sockets[0]!, 'call:leave', { callId });
  });
});
