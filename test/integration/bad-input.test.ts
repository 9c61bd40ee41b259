import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, requestSchemas } from '@plaza/protocol';
import type { Ack, ConversationWithState, ErrorCode as Code, HistoryPage, Member, Message } from '@plaza/protocol';
import { ServerProcess, stopAllServers } from '../helpers/ServerProcess.js';
import { closeRawSockets, openRawSocket, rawRequest, request, requestOk } from '../helpers/rawSocket.js';
import type { RawSocket } from '../helpers/rawSocket.js';
import { makeTempDir, removeTempDirs } from '../helpers/tempDirs.js';
import { mintToken } from '../helpers/tokens.js';

/**
 * Bad input against a real server process: every request name with wrong shapes, wrong types,
 * non-object payloads, `__proto__` keys, unknown ids, oversize text, missing grants and
 * non-member access. Each must answer its stable error code, change nothing, and leave the
 * connection usable.
 */

const MAX_TEXT = 16 * 1024;
const NO_SUCH_CONVERSATION = 'c_doesnotexist0000';
const NO_SUCH_MESSAGE = 'm_doesnotexist0000';
const NO_SUCH_USER = 'nobody-ever-connected';
const NO_SUCH_FILE = 'f_doesnotexist0000';
const NO_SUCH_CALL = 'k_doesnotexist0000';
const NO_SUCH_PARTICIPANT = 'p_doesnotexist0000';
const NO_SUCH_MEDIA = 'doesnotexist0000';
/** Valid-looking call media parameters (the call they are sent to does not exist). */
const OPUS = { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 1234 }] };
const DTLS = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: Array.from({ length: 32 }, () => 'AB').join(':') }] };

type Actor = 'alice' | 'bob' | 'carol' | 'dave' | 'erin';

let server: ServerProcess;
const sockets = {} as Record<Actor, RawSocket>;
let groupId = '';
let channelId = '';
let firstMessage: Message;

function expectErrorCode(answer: Ack<unknown>, codes: Code | Code[], label: string): void {
  const wanted = Array.isArray(codes) ? codes : [codes];
  expect(answer.ok, `${label}: expected an error ${wanted.join('|')}, got ${JSON.stringify(answer).slice(0, 300)}`).toBe(false);
  if (answer.ok) return;
  expect(wanted, `${label}: got ${answer.error.code} (${answer.error.message})`).toContain(answer.error.code);
  expect(typeof answer.error.message, `${label}: error message`).toBe('string');
  expect(JSON.stringify(answer.error), `${label}: no stack traces on the wire`).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

/** Everything a bad request might wrongly change, as seen by the users involved. */
async function snapshot(): Promise<string> {
  const lists = await Promise.all(
    (['alice', 'bob', 'carol', 'dave'] as const).map(async (actor) =>
      (await requestOk<ConversationWithState[]>(sockets[actor], 'conversation:list', {}))
        .map((c) => ({ id: c.id, kind: c.kind, title: c.title, topic: c.topic, lastSeq: c.lastSeq, lastRev: c.lastRev, members: c.memberCount, self: c.self }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    ),
  );
  const history = await requestOk<HistoryPage>(sockets.alice, 'message:history', { conversationId: groupId, afterSeq: 0, limit: 200 });
  const members = await Promise.all(
    [groupId, channelId].map(async (conversationId) =>
      (await requestOk<Member[]>(sockets.alice, 'conversation:members', { conversationId }))
        .map((m) => ({ userId: m.userId, role: m.role, lastReadSeq: m.lastReadSeq }))
        .sort((a, b) => a.userId.localeCompare(b.userId)),
    ),
  );
  const presence = await requestOk<{ userId: string; status: string; statusText: string | null }[]>(sockets.alice, 'presence:get', {
    userIds: ['alice', 'bob', 'carol'],
  });
  return JSON.stringify({ lists, history, members, presence: presence.map((p) => [p.userId, p.status, p.statusText]) }, null, 1);
}

/** Runs `act`, then checks that the state is unchanged and the socket still answers requests. */
async function expectNoChange(actor: Actor, label: string, act: () => Promise<void>): Promise<void> {
  const before = await snapshot();
  await act();
  const socket = sockets[actor];
  expect(socket.connected, `${label}: the socket is still connected`).toBe(true);
  const hello = await request(socket, 'session:hello', {});
  expect(hello.ok, `${label}: a valid request afterwards succeeds`).toBe(true);
  expect(await snapshot(), `${label}: state unchanged`).toBe(before);
}

/** A request whose answer must be one of `codes`, with no state change. */
async function expectRefusal(actor: Actor, name: string, payload: unknown, codes: Code | Code[], label: string): Promise<void> {
  await expectNoChange(actor, `${name} ${label}`, async () => {
    expectErrorCode(await request(sockets[actor], name, payload), codes, `${name} ${label}`);
  });
}

beforeAll(async () => {
  const dir = makeTempDir('plaza-bad-input-');
  const config = join(dir, 'config.json');
  // Generous rate limits here: this file fires hundreds of requests from one user on purpose.
  // The rate limiter itself is tested below against a server with tiny limits.
  writeFileSync(config, JSON.stringify({ rateLimits: { requests: { perSecond: 10000, burst: 10000 }, messages: { perSecond: 10000, burst: 10000 } } }));
  server = await ServerProcess.start({ args: ['--config', config] });
  const grants: Record<Actor, Parameters<typeof mintToken>[1]> = {
    alice: { grants: { canCreate: ['direct', 'group', 'channel'] } },
    bob: {},
    carol: {},
    dave: { grants: { canCreate: [] } },
    erin: { grants: { canJoin: ['*'] } },
  };
  for (const actor of Object.keys(grants) as Actor[]) {
    sockets[actor] = await openRawSocket(server.url, { token: await mintToken(actor, grants[actor]) });
  }
  const group = await requestOk<ConversationWithState>(sockets.alice, 'conversation:create', { kind: 'group', title: 'Street lights', memberIds: ['bob'] });
  groupId = group.id;
  const channel = await requestOk<ConversationWithState>(sockets.alice, 'conversation:create', { kind: 'channel', title: 'Announcements', memberIds: ['bob'] });
  channelId = channel.id;
  firstMessage = await requestOk<Message>(sockets.alice, 'message:send', { conversationId: groupId, clientId: 'first-message', text: 'The light on Elm St is out' });
}, 60_000);

afterAll(async () => {
  closeRawSockets();
  await stopAllServers();
  removeTempDirs();
});

/** A valid payload for every request (used as the base of malformed variants). */
function validPayloads(): Record<keyof typeof requestSchemas, Record<string, unknown>> {
  return {
    'session:hello': {},
    'conversation:create': { kind: 'group', title: 'Potholes', memberIds: ['bob'] },
    'conversation:openDirect': { userId: 'bob' },
    'conversation:list': {},
    'conversation:get': { conversationId: groupId },
    'conversation:members': { conversationId: groupId },
    'conversation:update': { conversationId: groupId, title: 'Renamed' },
    'conversation:addMembers': { conversationId: groupId, userIds: ['carol'] },
    'conversation:removeMember': { conversationId: groupId, userId: 'bob' },
    'conversation:setRole': { conversationId: groupId, userId: 'bob', role: 'moderator' },
    'conversation:join': { conversationId: groupId },
    'conversation:leave': { conversationId: groupId },
    'message:send': { conversationId: groupId, clientId: 'valid-base', text: 'hello' },
    'message:edit': { conversationId: groupId, messageId: firstMessage.id, text: 'edited' },
    'message:delete': { conversationId: groupId, messageId: firstMessage.id },
    'message:react': { conversationId: groupId, messageId: firstMessage.id, emoji: '👍', add: true },
    'message:history': { conversationId: groupId, limit: 10 },
    'message:sync': { conversationId: groupId, afterRev: 0 },
    'read:mark': { conversationId: groupId, seq: 1 },
    'typing:set': { conversationId: groupId, typing: true },
    'presence:set': { status: 'busy', statusText: 'in a meeting' },
    'presence:get': { userIds: ['bob'] },
    'file:url': { fileId: NO_SUCH_FILE, variant: 'original' },
    'file:get': { fileId: NO_SUCH_FILE },
    ...validCallPayloads(),
    ...validDeskPayloads(),
  };
}

/** A valid payload for every call request; every call id is unknown (see the CALL_NOT_FOUND test). */
function validCallPayloads() {
  const call = { callId: NO_SUCH_CALL };
  return {
    'call:join': { conversationId: groupId },
    'call:get': { conversationId: groupId },
    'call:leave': call,
    'call:connectTransport': { ...call, transportId: NO_SUCH_MEDIA, dtlsParameters: DTLS },
    'call:restartIce': { ...call, transportId: NO_SUCH_MEDIA },
    'call:produce': { ...call, transportId: NO_SUCH_MEDIA, kind: 'audio', source: 'microphone', rtpParameters: OPUS },
    'call:unpublish': { ...call, trackId: NO_SUCH_MEDIA },
    'call:setTrackMuted': { ...call, trackId: NO_SUCH_MEDIA, muted: true },
    'call:consume': { ...call, trackId: NO_SUCH_MEDIA, rtpCapabilities: { codecs: [] } },
    'call:setConsumerPaused': { ...call, consumerId: NO_SUCH_MEDIA, paused: false },
    'call:setConsumerLayers': { ...call, consumerId: NO_SUCH_MEDIA, spatialLayer: 1 },
    'call:produceData': { ...call, transportId: NO_SUCH_MEDIA, sctpStreamParameters: { streamId: 0 } },
    'call:consumeData': { ...call, dataProducerId: NO_SUCH_MEDIA },
    'call:ring': { ...call, userIds: ['bob'] },
    'call:cancelRing': call,
    'call:decline': call,
    'call:muteParticipant': { ...call, participantId: NO_SUCH_PARTICIPANT, source: 'microphone' },
    'call:removeParticipant': { ...call, participantId: NO_SUCH_PARTICIPANT },
  } satisfies Partial<Record<keyof typeof requestSchemas, Record<string, unknown>>>;
}

/** Wrong shapes and wrong types per call request. */
function malformedCallPayloads() {
  const call = { callId: NO_SUCH_CALL };
  return {
    'call:join': { conversationId: groupId, participantId: 'not-a-participant' },
    'call:get': { conversationId: ['x'] },
    'call:leave': { callId: 'c_not-a-call' },
    'call:connectTransport': { ...call, transportId: NO_SUCH_MEDIA, dtlsParameters: { fingerprints: [{ algorithm: 'md5', value: 'AB' }] } },
    'call:restartIce': { ...call, transportId: '../t' },
    'call:produce': { ...call, transportId: NO_SUCH_MEDIA, kind: 'audio', source: 'hologram', rtpParameters: OPUS },
    'call:unpublish': { ...call, trackId: 7 },
    'call:setTrackMuted': { ...call, trackId: NO_SUCH_MEDIA, muted: 'yes' },
    'call:consume': { ...call, trackId: NO_SUCH_MEDIA, rtpCapabilities: { codecs: 'all' } },
    'call:setConsumerPaused': { ...call, consumerId: NO_SUCH_MEDIA, paused: 0 },
    'call:setConsumerLayers': { ...call, consumerId: NO_SUCH_MEDIA, spatialLayer: 9 },
    'call:produceData': { ...call, transportId: NO_SUCH_MEDIA, sctpStreamParameters: { streamId: -1 } },
    'call:consumeData': { ...call, dataProducerId: { $ne: null } },
    'call:ring': { ...call, userIds: [] },
    'call:cancelRing': { callId: '' },
    'call:decline': { callId: null },
    'call:muteParticipant': { ...call, participantId: NO_SUCH_PARTICIPANT, source: 'camera', extra: true },
    'call:removeParticipant': { ...call, participantId: 'alice' },
  } satisfies Partial<Record<keyof typeof requestSchemas, Record<string, unknown>>>;
}

/** A valid payload for every citizen-desk request (ids need not exist). */
function validDeskPayloads() {
  const request = { conversationId: groupId };
  return {
    'desk:topics': {},
    'desk:myDepartments': {},
    'request:open': { topicId: 'street-light', description: 'The light on Elm St is out', clientId: 'open-1' },
    'request:get': request,
    'request:mine': {},
    'queue:list': { departmentId: 'public-lighting' },
    'request:claim': request,
    'request:transfer': { ...request, departmentId: 'roads', note: 'This is a pothole' },
    'request:hold': request,
    'request:resume': request,
    'request:resolve': request,
    'request:reopen': request,
    'alert:list': {},
    'alert:acknowledge': { alertId: 'al_nothing' },
  } satisfies Partial<Record<keyof typeof requestSchemas, Record<string, unknown>>>;
}

/** Wrong shapes and wrong types per citizen-desk request. */
function malformedDeskPayloads() {
  const request = { conversationId: groupId };
  return {
    'desk:topics': { all: true },
    'desk:myDepartments': { userId: 'bob' },
    'request:open': { topicId: 'Street Light!', description: '', clientId: 'open-1', location: { lat: 91, lng: 0 } },
    'request:get': { conversationId: 7 },
    'request:mine': { status: 'lost' },
    'queue:list': { departmentId: '../roads', view: 'everything' },
    'request:claim': { conversationId: ['x'] },
    'request:transfer': { ...request, departmentId: 'roads', note: '   ' },
    'request:hold': { ...request, note: 5 },
    'request:resume': { conversationId: '' },
    'request:resolve': { ...request, resolution: 'x'.repeat(2001) },
    'request:reopen': { ...request, reason: null },
    'alert:list': { limit: 0 },
    'alert:acknowledge': { alertId: { $gt: '' } },
  } satisfies Partial<Record<keyof typeof requestSchemas, Record<string, unknown>>>;
}

/** Wrong shapes and wrong types per request, each answered with INVALID_REQUEST. */
function malformedPayloads(): Record<keyof typeof requestSchemas, Record<string, unknown>> {
  const conv = { conversationId: groupId };
  return {
    'session:hello': { user: 'alice' },
    'conversation:create': { kind: 'direct', title: 7 },
    'conversation:openDirect': { userId: ['bob'] },
    'conversation:list': { limit: 5 },
    'conversation:get': { conversationId: 12345 },
    'conversation:members': { conversationId: '../../etc/passwd' },
    'conversation:update': { ...conv, title: { $set: 'x' } },
    'conversation:addMembers': { ...conv, userIds: 'carol' },
    'conversation:removeMember': { ...conv, userId: '' },
    'conversation:setRole': { ...conv, userId: 'bob', role: 'king' },
    'conversation:join': { conversationId: null },
    'conversation:leave': { conversationId: 'c with spaces' },
    'message:send': { ...conv, clientId: 'has space', text: 'hi' },
    'message:edit': { ...conv, messageId: firstMessage.id, text: 42 },
    'message:delete': { ...conv, messageId: true },
    'message:react': { ...conv, messageId: firstMessage.id, emoji: 'a b', add: 'yes' },
    'message:history': { ...conv, limit: 0, beforeSeq: -1 },
    'message:sync': { ...conv, afterRev: 1.5 },
    'read:mark': { ...conv, seq: -1 },
    'typing:set': { ...conv, typing: 'yes' },
    'presence:set': { status: 'offline' },
    'presence:get': { userIds: [] },
    'file:url': { fileId: '../etc/passwd', variant: 'huge' },
    'file:get': { fileId: 42 },
    ...malformedCallPayloads(),
    ...malformedDeskPayloads(),
  };
}

const requestNames = Object.keys(requestSchemas) as (keyof typeof requestSchemas)[];

describe('every request refuses malformed payloads with INVALID_REQUEST and changes nothing', () => {
  it('the test covers every request name of the protocol', () => {
    expect(Object.keys(validPayloads()).sort()).toEqual([...requestNames].sort());
    expect(Object.keys(malformedPayloads()).sort()).toEqual([...requestNames].sort());
  });

  for (const name of requestNames) {
    describe(name, () => {
      it('refuses payloads that are not objects', async () => {
        for (const payload of ['text', 42, null, true, [validPayloads()[name]]]) {
          await expectRefusal('alice', name, payload, ErrorCode.INVALID_REQUEST, `payload ${JSON.stringify(payload)}`);
        }
        // A request whose schema is the empty object may leave its payload out; others may not.
        if (Object.keys(validPayloads()[name]).length > 0) {
          await expectRefusal('alice', name, undefined, ErrorCode.INVALID_REQUEST, 'without payload');
        }
      });

      it('refuses wrong shapes and wrong types', async () => {
        await expectRefusal('alice', name, malformedPayloads()[name], ErrorCode.INVALID_REQUEST, 'malformed');
        await expectRefusal('alice', name, { ...validPayloads()[name], unexpected: 1 }, ErrorCode.INVALID_REQUEST, 'with an unknown key');
        const required = Object.keys(validPayloads()[name]);
        if (required.length > 0) {
          const [first] = required;
          const { [first as string]: _dropped, ...missing } = validPayloads()[name];
          await expectRefusal('alice', name, missing, ErrorCode.INVALID_REQUEST, `without ${first}`);
        }
      });

      it('refuses a "__proto__" key sent as raw JSON', async () => {
        const valid = JSON.stringify(validPayloads()[name]);
        const polluted = `{"__proto__":{"admin":true,"polluted":1}${valid === '{}' ? '' : ','}${valid.slice(1)}`;
        await expectNoChange('alice', `${name} with __proto__`, async () => {
          const [answer] = await rawRequest(sockets.alice, name, polluted);
          expectErrorCode(answer as Ack<unknown>, ErrorCode.INVALID_REQUEST, `${name} with __proto__`);
        });
      });
    });
  }

  it('call:produce without an encoding (rtpParameters.encodings: [] or left out) is refused', async () => {
    const valid = validPayloads()['call:produce'];
    await expectRefusal('alice', 'call:produce', { ...valid, rtpParameters: { ...OPUS, encodings: [] } }, ErrorCode.INVALID_REQUEST, 'encodings: []');
    const { encodings: _none, ...withoutEncodings } = OPUS;
    await expectRefusal('alice', 'call:produce', { ...valid, rtpParameters: withoutEncodings }, ErrorCode.INVALID_REQUEST, 'no encodings');
  });
});

/** Every request that acts on one conversation the caller must belong to. */
const CONVERSATION_REQUESTS = [
  'conversation:get',
  'conversation:members',
  'conversation:update',
  'conversation:addMembers',
  'conversation:removeMember',
  'conversation:setRole',
  'conversation:leave',
  'message:send',
  'message:edit',
  'message:delete',
  'message:react',
  'message:history',
  'message:sync',
  'read:mark',
  'typing:set',
  'call:join',
  'call:get',
] as const;

/** Every call request that names a call by id. */
const CALL_REQUESTS = Object.keys(requestSchemas).filter((name) => name.startsWith('call:') && name !== 'call:join' && name !== 'call:get') as Exclude<
  Extract<keyof typeof requestSchemas, `call:${string}`>,
  'call:join' | 'call:get'
>[];

describe('unknown ids, missing grants, non-members and roles get their stable codes and change nothing', () => {
  it('unknown conversation ids answer CONVERSATION_NOT_FOUND', async () => {
    for (const name of CONVERSATION_REQUESTS) {
      await expectRefusal('alice', name, { ...validPayloads()[name], conversationId: NO_SUCH_CONVERSATION }, ErrorCode.CONVERSATION_NOT_FOUND, 'unknown conversation');
    }
    await expectRefusal('erin', 'conversation:join', { conversationId: NO_SUCH_CONVERSATION }, ErrorCode.CONVERSATION_NOT_FOUND, 'unknown conversation');
  });

  it('unknown message ids answer MESSAGE_NOT_FOUND', async () => {
    for (const name of ['message:edit', 'message:delete', 'message:react'] as const) {
      await expectRefusal('alice', name, { ...validPayloads()[name], messageId: NO_SUCH_MESSAGE }, ErrorCode.MESSAGE_NOT_FOUND, 'unknown message');
    }
    await expectRefusal('alice', 'message:send', { ...validPayloads()['message:send'], clientId: 'reply-to-nothing', replyTo: NO_SUCH_MESSAGE }, ErrorCode.MESSAGE_NOT_FOUND, 'replyTo an unknown message');
  });

  it('unknown call ids answer CALL_NOT_FOUND', async () => {
    expect(CALL_REQUESTS.length).toBe(16);
    for (const name of CALL_REQUESTS) {
      await expectRefusal('alice', name, validPayloads()[name], ErrorCode.CALL_NOT_FOUND, 'unknown call');
      await expectRefusal('carol', name, validPayloads()[name], ErrorCode.CALL_NOT_FOUND, 'unknown call, by a non-member');
    }
  });

  it('unknown file ids answer FILE_NOT_FOUND', async () => {
    for (const name of ['file:url', 'file:get'] as const) {
      await expectRefusal('alice', name, validPayloads()[name], ErrorCode.FILE_NOT_FOUND, 'unknown file');
    }
  });

  // Users who never connected may be added (an integrator pre-provisions them), so only the
  // requests that act on an existing membership refuse users who are not members.
  it('acting on users who are not members answers NOT_A_MEMBER', async () => {
    for (const userId of [NO_SUCH_USER, 'carol']) {
      await expectRefusal('alice', 'conversation:removeMember', { conversationId: groupId, userId }, [ErrorCode.NOT_A_MEMBER], `${userId}, not a member`);
      await expectRefusal('alice', 'conversation:setRole', { conversationId: groupId, userId, role: 'moderator' }, [ErrorCode.NOT_A_MEMBER], `${userId}, not a member`);
    }
  });

  it('opening a direct conversation with yourself answers INVALID_REQUEST', async () => {
    await expectRefusal('alice', 'conversation:openDirect', { userId: 'alice' }, ErrorCode.INVALID_REQUEST, 'with yourself');
  });

  it('actions without the grant they need answer PERMISSION_DENIED', async () => {
    await expectRefusal('bob', 'conversation:create', { kind: 'channel', title: 'Bob TV' }, ErrorCode.PERMISSION_DENIED, 'channel without canCreate channel');
    await expectRefusal('dave', 'conversation:create', { kind: 'group', title: 'Dave club' }, ErrorCode.PERMISSION_DENIED, 'group without canCreate group');
    await expectRefusal('dave', 'conversation:openDirect', { userId: 'bob' }, ErrorCode.PERMISSION_DENIED, 'direct without canCreate direct');
    await expectRefusal('carol', 'conversation:join', { conversationId: groupId }, ErrorCode.PERMISSION_DENIED, 'join without canJoin');
  });

  it('non-members answer NOT_A_MEMBER for every conversation request', async () => {
    for (const name of CONVERSATION_REQUESTS) {
      await expectRefusal('carol', name, validPayloads()[name], ErrorCode.NOT_A_MEMBER, 'by a non-member');
    }
  });

  it('members without the role answer FORBIDDEN_ROLE', async () => {
    await expectRefusal('bob', 'conversation:addMembers', { conversationId: groupId, userIds: ['carol'] }, ErrorCode.FORBIDDEN_ROLE, 'by a plain member');
    await expectRefusal('bob', 'conversation:removeMember', { conversationId: groupId, userId: 'alice' }, ErrorCode.FORBIDDEN_ROLE, 'owner by a plain member');
    await expectRefusal('bob', 'conversation:setRole', { conversationId: groupId, userId: 'bob', role: 'owner' }, ErrorCode.FORBIDDEN_ROLE, 'self-promotion');
    await expectRefusal('bob', 'message:delete', { conversationId: groupId, messageId: firstMessage.id }, ErrorCode.FORBIDDEN_ROLE, "someone else's message");
    await expectRefusal('bob', 'message:edit', { conversationId: groupId, messageId: firstMessage.id, text: 'mine now' }, [ErrorCode.FORBIDDEN_ROLE, ErrorCode.PERMISSION_DENIED], "someone else's message");
    await expectRefusal('bob', 'message:send', { conversationId: channelId, clientId: 'channel-post', text: 'hi all' }, ErrorCode.FORBIDDEN_ROLE, 'in a channel by a plain member');
  });
});

describe('message size limit', () => {
  it(`text of ${MAX_TEXT} + 1 bytes answers PAYLOAD_TOO_LARGE with the limit, and stores nothing`, async () => {
    await expectRefusal('alice', 'message:send', { conversationId: groupId, clientId: 'too-big-ascii', text: 'a'.repeat(MAX_TEXT + 1) }, ErrorCode.PAYLOAD_TOO_LARGE, 'ascii');
    // 8192 two-byte characters are exactly the limit; one more byte is over it.
    await expectRefusal('alice', 'message:send', { conversationId: groupId, clientId: 'too-big-utf8', text: `${'é'.repeat(MAX_TEXT / 2)}a` }, ErrorCode.PAYLOAD_TOO_LARGE, 'utf-8');
    await expectRefusal('alice', 'message:edit', { conversationId: groupId, messageId: firstMessage.id, text: 'a'.repeat(MAX_TEXT + 1) }, ErrorCode.PAYLOAD_TOO_LARGE, 'edit');
    const answer = await request(sockets.alice, 'message:send', { conversationId: groupId, clientId: 'too-big-details', text: 'a'.repeat(MAX_TEXT + 1) });
    expect(answer.ok ? null : answer.error.details?.limit).toBe(MAX_TEXT);
  });

  it(`text of exactly ${MAX_TEXT} bytes is accepted and stored intact`, async () => {
    for (const [clientId, text] of [
      ['exact-ascii', 'a'.repeat(MAX_TEXT)],
      ['exact-utf8', 'é'.repeat(MAX_TEXT / 2)],
    ] as const) {
      const stored = await requestOk<Message>(sockets.alice, 'message:send', { conversationId: groupId, clientId, text });
      expect(stored.text).toBe(text);
      const page = await requestOk<HistoryPage>(sockets.bob, 'message:history', { conversationId: groupId, afterSeq: stored.seq - 1, limit: 1 });
      expect(page.messages[0]?.text).toBe(text);
    }
  });
});

describe('control characters in message text', () => {
  it('NUL, ESC, BEL, the other C0 controls and DEL are refused with INVALID_REQUEST in sends and edits, and nothing is stored', async () => {
    const controls = ['\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u000c', '\u001b', '\u001f', '\u007f'];
    for (const c of controls) {
      const label = `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      await expectRefusal('alice', 'message:send', { conversationId: groupId, clientId: `ctl-${c.charCodeAt(0)}`, text: `before${c}after` }, ErrorCode.INVALID_REQUEST, label);
      await expectRefusal('alice', 'message:edit', { conversationId: groupId, messageId: firstMessage.id, text: `edited${c}` }, ErrorCode.INVALID_REQUEST, `edit ${label}`);
    }
  });

  it('tab, line feed, carriage return and right-to-left marks are text and stored intact', async () => {
    const text = 'line 1\r\n\tline 2\nمرحبا\u200F \u200E(ok)';
    const stored = await requestOk<Message>(sockets.alice, 'message:send', { conversationId: groupId, clientId: 'ctl-allowed', text });
    expect(stored.text).toBe(text);
  });
});

describe('control characters in citizen-desk text', () => {
  // A request's description becomes the citizen's first message and notes are posted into the
  // conversation: they follow the rules of message text.
  it('NUL, ESC, BEL and DEL in a description, a transfer or hold note, a resolution or a reopen reason are refused with INVALID_REQUEST', async () => {
    const request = { conversationId: groupId };
    for (const c of ['\u0000', '\u0007', '\u001b', '\u007f']) {
      const label = `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      const payloads: [string, Record<string, unknown>][] = [
        ['request:open', { topicId: 'street-light', description: `The light${c} is out`, clientId: `desk-ctl-${c.charCodeAt(0)}` }],
        ['request:transfer', { ...request, departmentId: 'roads', note: `pothole${c}` }],
        ['request:hold', { ...request, note: `${c}waiting` }],
        ['request:resolve', { ...request, resolution: `fixed${c}` }],
        ['request:reopen', { ...request, reason: `still dark${c}` }],
      ];
      for (const [name, payload] of payloads) await expectRefusal('alice', name, payload, ErrorCode.INVALID_REQUEST, label);
    }
  });
});

describe('unknown events and missing acks', () => {
  it('an unknown event name answers UNKNOWN_EVENT and the connection stays usable', async () => {
    await expectNoChange('alice', 'unknown event', async () => {
      expectErrorCode(await request(sockets.alice, 'admin:dropDatabase', {}), ErrorCode.UNKNOWN_EVENT, 'admin:dropDatabase');
      expectErrorCode(await request(sockets.alice, '__proto__', {}), ErrorCode.UNKNOWN_EVENT, '__proto__ event');
      expectErrorCode(await request(sockets.alice, 'constructor', {}), ErrorCode.UNKNOWN_EVENT, 'constructor event');
    });
  });

  it('requests without an ack callback do not break the connection', async () => {
    await expectNoChange('alice', 'no ack', async () => {
      sockets.alice.emit('conversation:get', { conversationId: 5 });
      sockets.alice.emit('admin:dropDatabase');
      sockets.alice.emit('message:history', { conversationId: NO_SUCH_CONVERSATION });
    });
  });
});

describe('packet size limit', () => {
  it('a packet over maxPacketBytes closes only that connection; nothing is stored and others are unaffected', async () => {
    const hello = await requestOk<{ limits: { maxPacketBytes: number } }>(sockets.alice, 'session:hello', {});
    const before = await snapshot();
    const greedy = await openRawSocket(server.url, { token: await mintToken('alice') });
    const closed = new Promise<string>((resolve) => greedy.once('disconnect', (reason: string) => resolve(reason)));
    greedy.emit('message:send', { conversationId: groupId, clientId: 'huge-packet', text: 'a'.repeat(hello.limits.maxPacketBytes + 1) });
    await closed;
    expect(greedy.connected).toBe(false);
    expect(sockets.alice.connected, "alice's other connection stays up").toBe(true);
    expect(await snapshot()).toBe(before);
  });
});
