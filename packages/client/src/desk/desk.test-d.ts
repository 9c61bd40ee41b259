import type { Alert, CitizenRequest, Department, QueueItem, RequestChange, Topic } from '@plaza/protocol';
import { describe, expectTypeOf, it } from 'vitest';
import type { Conversation, LiveQueue, Message, OpenedRequest, PlazaClient, QueueView } from '../index.js';

declare const plaza: PlazaClient;

describe('citizen desk API types', () => {
  it('requests: open() takes photos as sendFile accepts them and resolves the request with its conversation', () => {
    expectTypeOf(plaza.requests.topics).returns.toEqualTypeOf<Promise<Topic[]>>();
    expectTypeOf(plaza.requests.open).toBeCallableWith({ topicId: 'street-light', description: 'out', photos: [new Blob([]), new Uint8Array(1)] });
    expectTypeOf(plaza.requests.open).toBeCallableWith({ topicId: 'pothole', description: 'hole', location: { lat: 1, lng: 2, address: 'Elm St' }, clientId: 'k1' });
    expectTypeOf(plaza.requests.open).returns.toEqualTypeOf<Promise<OpenedRequest>>();
    expectTypeOf<OpenedRequest['conversation']>().toEqualTypeOf<Conversation>();
    expectTypeOf<OpenedRequest['request']>().toEqualTypeOf<CitizenRequest>();
    expectTypeOf<OpenedRequest['photos']>().toEqualTypeOf<Message | null>();
    expectTypeOf(plaza.requests.mine).toBeCallableWith('resolved');
    expectTypeOf(plaza.requests.mine).returns.toEqualTypeOf<Promise<CitizenRequest[]>>();
    plaza.requests.on('requestUpdated', (change) => expectTypeOf(change).toEqualTypeOf<RequestChange>());
  });

  it('desk: queues, live queues and the agent actions', () => {
    expectTypeOf(plaza.desk.myDepartments).returns.toEqualTypeOf<Promise<Department[]>>();
    expectTypeOf(plaza.desk.queue).returns.toEqualTypeOf<Promise<QueueItem[]>>();
    expectTypeOf(plaza.desk.queue).parameter(1).toEqualTypeOf<QueueView | undefined>();
    expectTypeOf(plaza.desk.watchQueue).returns.toEqualTypeOf<Promise<LiveQueue>>();
    expectTypeOf(plaza.desk.claim).returns.toEqualTypeOf<Promise<CitizenRequest>>();
    expectTypeOf(plaza.desk.transfer).parameters.toEqualTypeOf<[conversationId: string, departmentId: string, note: string]>();
    expectTypeOf<LiveQueue['items']>().toEqualTypeOf<QueueItem[]>();
    const queue = {} as LiveQueue;
    queue.on('changed', (items) => expectTypeOf(items).toEqualTypeOf<QueueItem[]>());
  });

  it('alerts: list, acknowledge and the two events carry Alert', () => {
    expectTypeOf(plaza.alerts.list).returns.toEqualTypeOf<Promise<Alert[]>>();
    expectTypeOf(plaza.alerts.acknowledge).returns.toEqualTypeOf<Promise<Alert>>();
    plaza.alerts.on('alert', (a) => expectTypeOf(a).toEqualTypeOf<Alert>());
    plaza.alerts.on('alertUpdated', (a) => expectTypeOf(a).toEqualTypeOf<Alert>());
  });
});
