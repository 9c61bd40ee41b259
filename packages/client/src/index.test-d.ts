import type { Member, Message, Presence, SessionInfo, User } from '@plaza/protocol';
import { describe, expectTypeOf, it } from 'vitest';
import { Conversation, ErrorCode, PlazaClient, PlazaError } from './index.js';
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
