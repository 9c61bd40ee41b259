import { describe, expectTypeOf, it } from 'vitest';
import type { AuditRecordOutput, Conversation, Member, Message } from '@plaza/protocol';
import { PlazaApi } from './PlazaApi.js';
import type { PaginatedOperationId } from './PlazaApi.js';

declare const api: PlazaApi;

describe('PlazaApi types come from the route schemas', () => {
  it('request() takes the operation input and answers its output', () => {
    expectTypeOf(api.request('getConversation', { params: { conversationId: 'c_1' } })).resolves.toEqualTypeOf<Conversation>();
    expectTypeOf(api.request('removeMember', { params: { conversationId: 'c_1', userId: 'u' } })).resolves.toBeUndefined();
    // An operation without required input may be called without any.
    expectTypeOf(api.request('listCalls')).resolves.toHaveProperty('data');
    // @ts-expect-error -- getConversation needs its path parameter
    void api.request('getConversation');
    // @ts-expect-error -- no such operation
    void api.request('dropDatabase', {});
    // @ts-expect-error -- wrong body shape
    void api.request('createConversation', { body: { kind: 'group' } });
    // A body whose fields are all optional may be left out, one with a required field may not.
    expectTypeOf(api.request('redeliverEvent', { params: { eventId: 'evt_1' } })).resolves.toHaveProperty('data');
    // @ts-expect-error -- transferRequest needs departmentId and note
    void api.request('transferRequest', { params: { conversationId: 'c_1' } });
  });

  it('namespaced methods answer the same types', () => {
    expectTypeOf(api.conversations.create).returns.resolves.toEqualTypeOf<Conversation>();
    expectTypeOf(api.conversations.members.update).returns.resolves.toEqualTypeOf<Member>();
    expectTypeOf(api.conversations.messages.post).returns.resolves.toEqualTypeOf<Message>();
    expectTypeOf(api.calls.end).returns.resolves.toBeUndefined();
    expectTypeOf(api.conversations.members.add).parameter(1).toEqualTypeOf<{ userId: string; role?: 'owner' | 'moderator' | 'member' | undefined }[]>();
    // @ts-expect-error -- mute takes a source, not any string
    void api.calls.participants.mute('k_1', 'p_1', 'keyboard');
  });

  it('paginate() accepts only paged lists and yields their items', () => {
    expectTypeOf<'listAudit'>().toExtend<PaginatedOperationId>();
    expectTypeOf<'listMessages'>().not.toExtend<PaginatedOperationId>();
    expectTypeOf(api.paginate('listAudit')).toEqualTypeOf<AsyncGenerator<AuditRecordOutput, void, undefined>>();
    expectTypeOf(api.paginate('listConversations', { query: { topic: 'roads' } })).toEqualTypeOf<AsyncGenerator<Conversation, void, undefined>>();
  });
});
