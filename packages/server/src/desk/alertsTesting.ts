import type { Alert, AlertChannel } from '@plaza/protocol';
import { apiRequest } from '../api/testing.js';
import type { TestServer } from '../testing/harness.js';

/*
 * Helpers of the alert tests (tests only): channels and alerts through the REST API, and the
 * outbox's alert events through `GET /v1/events`.
 */

/** Creates an alert channel through the REST API; throws unless it answers 201. */
export async function createAlertChannel(t: TestServer, body: Record<string, unknown>): Promise<AlertChannel> {
  const res = await apiRequest<AlertChannel>(t.url, 'POST', '/v1/alert-channels', { body });
  if (res.status !== 201) throw new Error(`createAlertChannel answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Posts an alert through the REST API; throws unless it answers 201. */
export async function postAlert(t: TestServer, channelId: string, body: Record<string, unknown>): Promise<Alert> {
  const res = await apiRequest<Alert>(t.url, 'POST', `/v1/alert-channels/${channelId}/alerts`, { body });
  if (res.status !== 201) throw new Error(`postAlert answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** An outbox event as `GET /v1/events` lists it. */
export interface ListedAlertEvent {
  id: string;
  type: string;
  data: { conversationId: string; alert: Alert; userId?: string; departmentId?: string | null };
}

/** Every outbox event of `type` about the alert `alertId`, oldest first. */
export async function alertEvents(t: TestServer, type: string, alertId: string): Promise<ListedAlertEvent[]> {
  const found: ListedAlertEvent[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `/v1/events?type=${encodeURIComponent(type)}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await apiRequest<{ data: ListedAlertEvent[]; nextCursor: string | null }>(t.url, 'GET', query);
    if (res.status !== 200) throw new Error(`GET /v1/events answered ${res.status}`);
    found.push(...res.body.data.filter((e) => e.data.alert?.id === alertId));
    cursor = res.body.nextCursor;
  } while (cursor);
  return found;
}
