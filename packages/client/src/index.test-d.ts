import type { Member, Message, Presence, SessionInfo, User } from '@plaza/protocol';
import { describe, expectTypeOf, it } from 'vitest';
import { Call, Conversation, ErrorCode, IncomingRing, LocalTrack, Participant, PlazaClient, PlazaError, RemoteParticipant, RemoteTrack } from './index.js';
import type {
  CallInfo,
  CallLeftReason,
  ConnectionQuality,
  PlazaClientOptions,
  PublishTrackOptions,
  TrackSource,
  WebRtcImplementation,
} from './index.js';
import type { Attachment, ConnectionState, FileInfo, HistoryPage, PendingMessage, UploadHandle, UploadProgress, UploadState } from './index.js';

declare const plaza: PlazaClient;
declare const conv: Conversation;

describe('public API types', () => {
  it('send() resolves with the stored Message', () => {
    expectTypeOf(conv.send).returns.toEqualTypeOf<Promise<Message>>();
    expectTypeOf(conv.send).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(conv.edit).returns.toEqualTypeOf<Promise<Message>>();
    expectTypeOf(conv.history).returns.toEqualTypeOf<Promise<HistoryPage>>();
  });

  it('sendFile() returns a handle resolving the Message; uploadFile() one resolving the FileInfo', () => {
    expectTypeOf(conv.sendFile).returns.toEqualTypeOf<UploadHandle<Message>>();
    expectTypeOf(conv.uploadFile).returns.toEqualTypeOf<UploadHandle<FileInfo>>();
    expectTypeOf(conv.sendFile).toBeCallableWith(new Uint8Array(1), { name: 'a.txt', text: 'hi', onProgress: () => {}, sha256: false });
    expectTypeOf(conv.sendFile).toBeCallableWith(new Blob([]));
    expectTypeOf(conv.sendFile).toBeCallableWith(new Blob([]).stream(), { size: 0 });
    const handle = conv.sendFile(new Blob([]));
    expectTypeOf(handle.done).toEqualTypeOf<Promise<Message>>();
    expectTypeOf(handle.progress).toEqualTypeOf<UploadProgress>();
    expectTypeOf(handle.state).toEqualTypeOf<UploadState>();
    expectTypeOf(handle.fileId).toEqualTypeOf<string | null>();
    expectTypeOf(handle.cancel).returns.toEqualTypeOf<Promise<boolean>>();
    expectTypeOf(plaza.files.url).returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf(plaza.files.get).returns.toEqualTypeOf<Promise<FileInfo>>();
    expectTypeOf<Message['attachments']>().toEqualTypeOf<Attachment[]>();
  });

  it('connect() takes a token or a token provider', () => {
    expectTypeOf(plaza.connect).toBeCallableWith('jwt');
    expectTypeOf(plaza.connect).toBeCallableWith(() => 'jwt');
    expectTypeOf(plaza.connect).toBeCallableWith(async () => 'jwt');
    expectTypeOf(plaza.connect).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(plaza.user).toEqualTypeOf<User | null>();
    expectTypeOf(plaza.session).toEqualTypeOf<SessionInfo | null>();
  });

  it('client events carry typed payloads', () => {
    plaza.on('connectionStateChanged', (state) => {
      expectTypeOf(state).toEqualTypeOf<ConnectionState>();
    });
    plaza.on('sendFailed', (message, error) => {
      expectTypeOf(message).toEqualTypeOf<PendingMessage>();
      expectTypeOf(error).toEqualTypeOf<PlazaError>();
      expectTypeOf(error.code).toEqualTypeOf<ErrorCode>();
    });
    // @ts-expect-error unknown event
    plaza.on('nope', () => {});
  });

  it('conversation events carry typed payloads', () => {
    conv.on('message', (m) => expectTypeOf(m).toEqualTypeOf<Message>());
    conv.on('messageUpdated', (m) => expectTypeOf(m).toEqualTypeOf<Message>());
    conv.on('typing', (userId, typing) => {
      expectTypeOf(userId).toEqualTypeOf<string>();
      expectTypeOf(typing).toEqualTypeOf<boolean>();
    });
    conv.on('read', (userId, seq) => {
      expectTypeOf(userId).toEqualTypeOf<string>();
      expectTypeOf(seq).toEqualTypeOf<number>();
    });
    conv.on('memberAdded', (m) => expectTypeOf(m).toEqualTypeOf<Member>());
    conv.on('updated', (c) => expectTypeOf(c).toEqualTypeOf<Conversation>());
    plaza.conversations.on('added', (c) => expectTypeOf(c).toEqualTypeOf<Conversation>());
    plaza.conversations.on('removed', (id, reason) => {
      expectTypeOf(id).toEqualTypeOf<string>();
      expectTypeOf(reason).toEqualTypeOf<'left' | 'removed'>();
    });
    plaza.presence.on('changed', (p) => expectTypeOf(p).toEqualTypeOf<Presence>());
  });

  it('managers return Conversation objects', () => {
    expectTypeOf(plaza.conversations.openDirect).returns.toEqualTypeOf<Promise<Conversation>>();
    expectTypeOf(plaza.conversations.list).returns.toEqualTypeOf<Promise<Conversation[]>>();
    expectTypeOf(plaza.presence.get).returns.toEqualTypeOf<Promise<Presence[]>>();
    expectTypeOf(plaza.outbox.pending).toEqualTypeOf<readonly PendingMessage[]>();
    expectTypeOf(plaza.state).toEqualTypeOf<'disconnected' | 'connecting' | 'connected' | 'reconnecting'>();
  });
});

declare const call: Call;

describe('calls API types', () => {
  it('joinCall() resolves with a Call; the client takes a WebRTC implementation', () => {
    expectTypeOf(conv.joinCall).returns.toEqualTypeOf<Promise<Call>>();
    expectTypeOf(conv.joinCall).toBeCallableWith({ autoSubscribe: false });
    expectTypeOf(conv.joinCall).toBeCallableWith();
    expectTypeOf<PlazaClientOptions['webrtc']>().toEqualTypeOf<WebRtcImplementation | undefined>();
    const wrtcLike = { RTCPeerConnection: class {}, MediaStream: class {}, nonstandard: {} };
    expectTypeOf(PlazaClient).toBeConstructibleWith('http://127.0.0.1:7700', { webrtc: wrtcLike });
  });

  it('publishing resolves with LocalTracks; sources and states are string unions', () => {
    expectTypeOf(call.publishMicrophone).returns.toEqualTypeOf<Promise<LocalTrack>>();
    expectTypeOf(call.publishCamera).toBeCallableWith({ deviceId: 'x', simulcast: false, resolution: { width: 640, height: 360 }, muted: true });
    expectTypeOf(call.publishScreen).toBeCallableWith({ audio: false });
    expectTypeOf(call.publishTrack).parameter(1).toEqualTypeOf<PublishTrackOptions>();
    expectTypeOf(call.unpublish).parameter(0).toEqualTypeOf<TrackSource>();
    expectTypeOf(call.setMuted).toBeCallableWith('camera', true);
    expectTypeOf(call.switchDevice).toBeCallableWith('microphone', 'id');
    // @ts-expect-error only camera and microphone switch devices
    call.switchDevice('screen', 'id');
    expectTypeOf(call.sendData).toBeCallableWith(new Uint8Array(2));
    expectTypeOf(call.sendData).toBeCallableWith('text');
    expectTypeOf(call.state).toEqualTypeOf<'connecting' | 'connected' | 'reconnecting' | 'left'>();
    expectTypeOf(call.localParticipant.tracks).toEqualTypeOf<ReadonlyMap<TrackSource, LocalTrack>>();
    expectTypeOf(call.participants).toEqualTypeOf<ReadonlyMap<string, RemoteParticipant>>();
    expectTypeOf(call.activeSpeakers).toEqualTypeOf<Participant[]>();
  });

  it('tracks attach to media elements and expose their MediaStreamTrack', () => {
    const remote = {} as RemoteTrack;
    expectTypeOf(remote.attach).returns.toEqualTypeOf<HTMLMediaElement>();
    expectTypeOf(remote.mediaStreamTrack).toEqualTypeOf<MediaStreamTrack | null>();
    expectTypeOf(remote.setPreferredLayer).toBeCallableWith(1);
    expectTypeOf(remote.kind).toEqualTypeOf<'audio' | 'video'>();
    const local = {} as LocalTrack;
    expectTypeOf(local.mediaStreamTrack).toEqualTypeOf<MediaStreamTrack>();
    expectTypeOf(local.mute).returns.toEqualTypeOf<Promise<void>>();
  });

  it('call events carry typed payloads', () => {
    call.on('trackSubscribed', (track, p) => {
      expectTypeOf(track).toEqualTypeOf<RemoteTrack>();
      expectTypeOf(p).toEqualTypeOf<RemoteParticipant>();
    });
    call.on('trackMuted', (track, p) => {
      expectTypeOf(track).toEqualTypeOf<RemoteTrack | LocalTrack>();
      expectTypeOf(p).toEqualTypeOf<Participant>();
    });
    call.on('participantLeft', (_p, reason) => expectTypeOf(reason).toEqualTypeOf<'left' | 'removed' | 'disconnected'>());
    call.on('connectionQualityChanged', (q) => expectTypeOf(q).toEqualTypeOf<ConnectionQuality>());
    call.on('data', (data) => expectTypeOf(data).toEqualTypeOf<string | ArrayBuffer>());
    call.on('left', (reason) => expectTypeOf(reason).toEqualTypeOf<CallLeftReason>());
    // @ts-expect-error unknown event
    call.on('nope', () => {});
  });

  it('rings are accepted into a Call; the manager looks up live calls', () => {
    plaza.calls.on('ringing', (ring) => {
      expectTypeOf(ring).toEqualTypeOf<IncomingRing>();
      expectTypeOf(ring.accept).returns.toEqualTypeOf<Promise<Call>>();
      expectTypeOf(ring.decline).returns.toEqualTypeOf<Promise<void>>();
    });
    plaza.calls.on('ringEnded', (e) => expectTypeOf(e.reason).toEqualTypeOf<'answered' | 'declined' | 'timeout' | 'cancelled'>());
    expectTypeOf(plaza.calls.get).returns.toEqualTypeOf<Promise<CallInfo | null>>();
  });
});
