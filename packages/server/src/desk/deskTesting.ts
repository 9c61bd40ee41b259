import type { Department, OpeningHours, RequestChange, RequestChangeKind } from '@plaza/protocol';
import { apiRequest } from '../api/testing.js';
import { nextEvent } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';

/*
 * Helpers of the citizen desk's tests (tests only): departments and topics straight in the
 * server's store, the outbox through the REST API, and waiting for `request:updated`.
 */

/** Creates a department with agents and a topic routed to it in the test server's store. */
export async function makeDepartment(
  t: TestServer,
  input: { id: string; name: string; agentIds: string[]; topicId?: string; sla?: number | null; hours?: OpeningHours | null },
): Promise<Department> {
  const department = await t.server.store.directory.createDepartment({
    id: input.id,
    name: input.name,
    description: null,
    openingHours: input.hours ?? null,
    firstResponseSlaSec: input.sla ?? null,
    agentIds: input.agentIds,
  });
  if (input.topicId) {
    await t.server.store.directory.createTopic({ id: input.topicId, name: `Topic ${input.topicId}`, description: null, departmentId: input.id });
  }
  return department;
}

/** The next `request:updated` of `change` for the request `conversationId` (any request when omitted). */
export function nextChange(socket: RawSocket, change: RequestChangeKind, conversationId?: string): Promise<RequestChange> {
  return nextEvent(socket, 'request:updated', (e) => e.change === change && (conversationId === undefined || e.request.conversationId === conversationId));
}

/** An outbox event as `GET /v1/events` lists it. */
export interface ListedEvent {
  id: string;
  type: string;
  data: { conversationId: string; request: { conversationId: string; status: string; externalRef: string | null; departmentId: string }; actorId: string | null; fromDepartmentId?: string };
}

/** Every outbox event of type `type` about the request `conversationId`, oldest first. */
export async function requestEvents(t: TestServer, type: string, conversationId: string): Promise<ListedEvent[]> {
  const found: ListedEvent[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `/v1/events?type=${encodeURIComponent(type)}&limit=200${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await apiRequest<{ data: ListedEvent[]; nextCursor: string | null }>(t.url, 'GET', query);
    if (res.status !== 200) throw new Error(`GET /v1/events answered ${res.status}`);
    found.push(...res.body.data.filter((e) => e.data.conversationId === conversationId));
    cursor = res.body.nextCursor;
  } while (cursor);
  return found;
}

/** Polls `check` every 50 ms until it returns a value other than `undefined`, or throws after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
