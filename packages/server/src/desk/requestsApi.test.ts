import type { CitizenRequest } from '@plaza/protocol';
import { PlazaApi, PlazaApiError, verifyWebhook } from '@plaza/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../api/testing.js';
import { TEST_KEY, TEST_SECRET, nextEvent, ok, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { WebhookReceiver } from '../webhooks/testing.js';
import { eventually, makeDepartment, nextChange, requestEvents } from './deskTesting.js';

/** Orders strings as the database does (by code unit, not by locale). */
const byteOrder = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

type Page = { data: CitizenRequest[]; nextCursor: string | null };
type WithHistory = CitizenRequest & { history: { change: string; actorId: string | null; fromDepartmentId: string | null; toDepartmentId: string | null; note: string | null }[] };

describe('citizen desk: requests over REST', () => {
  let t: TestServer;
  let citizen: RawSocket;
  let other: RawSocket;
  let waste: RawSocket;
  let parks: RawSocket;
  let n = 0;
  const open = (socket: RawSocket, topicId: string, description: string) => ok(socket, 'request:open', { topicId, description, clientId: `api-${++n}` });
  const api = <T = any>(method: string, path: string, body?: unknown) => apiRequest<T>(t.url, method, path, body !== undefined ? { body } : {});

  beforeAll(async () => {
    t = await startTestServer({ calls: false, webhookRetryBaseMs: 20 });
    await makeDepartment(t, { id: 'waste', name: 'Waste Collection', agentIds: ['ra-waste'], topicId: 'waste' });
    await makeDepartment(t, { id: 'parks', name: 'Parks', agentIds: ['ra-parks'], topicId: 'graffiti' });
    citizen = await t.connect('ra-citizen');
    other = await t.connect('ra-other');
    waste = await t.connect('ra-waste');
    parks = await t.connect('ra-parks');
  });
  afterAll(async () => {
    await t.close();
  });

  it('listRequests filters by department, status, citizen and external reference and pages newest first without gaps or repeats', async () => {
    const a = await open(citizen, 'waste', 'Bin not emptied');
    const b = await open(other, 'waste', 'Bulky waste on the corner');
    const c = await open(citizen, 'graffiti', 'Tag on the bench');
    await ok(waste, 'request:claim', { conversationId: b.conversationId });
    expect((await api('PATCH', `/v1/conversations/${c.conversationId}`, { externalRef: 'crm:c-1' })).status).toBe(200);

    const ids = (page: Page) => page.data.map((r) => r.conversationId);
    // Newest opened first; requests opened in the same millisecond by id, descending.
    const newestFirst = (...requests: CitizenRequest[]) =>
      [...requests].sort((x, y) => byteOrder(y.createdAt, x.createdAt) || byteOrder(y.conversationId, x.conversationId)).map((r) => r.conversationId);
    expect(ids((await api<Page>('GET', '/v1/requests?departmentId=waste')).body)).toEqual(newestFirst(a, b));
    expect(ids((await api<Page>('GET', '/v1/requests?departmentId=waste&status=queued')).body)).toEqual([a.conversationId]);
    expect(ids((await api<Page>('GET', '/v1/requests?citizenId=ra-citizen')).body)).toEqual(newestFirst(a, c));
    const byRef = (await api<Page>('GET', '/v1/requests?externalRef=crm:c-1')).body;
    expect(byRef.data).toHaveLength(1);
    expect(byRef.data[0]).toMatchObject({ conversationId: c.conversationId, externalRef: 'crm:c-1', departmentId: 'parks' });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: Page } = await api<Page>('GET', `/v1/requests?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...ids(res.body));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(newestFirst(a, b, c));

    for (const bad of ['/v1/requests?cursor=bm9wZQ', '/v1/requests?status=lost', '/v1/requests?limit=0', '/v1/requests?colour=red', '/v1/requests?departmentId=Not%20A%20Slug']) {
      const res = await api('GET', bad);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code, bad).toBe('INVALID_REQUEST');
    }
    expect((await apiRequest(t.url, 'GET', '/v1/requests', { auth: false })).status).toBe(401);
  });

  it('transferRequest moves it like an agent would, by the API key; getRequest shows the history with the note', async () => {
    const request = await open(citizen, 'waste', 'Actually graffiti on the bin');
    await ok(waste, 'request:claim', { conversationId: request.conversationId });
    const toParks = nextChange(parks, 'transferred', request.conversationId);
    const told = nextEvent(citizen, 'message:new', (m) => m.conversationId === request.conversationId && m.text === 'Your request was passed to Parks.');
    const removed = nextEvent(waste, 'conversation:removed', (e) => e.conversationId === request.conversationId);
    const res = await api<CitizenRequest>('POST', `/v1/requests/${request.conversationId}/transfer`, { departmentId: 'parks', note: 'Graffiti belongs to Parks' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'queued', departmentId: 'parks', assigneeId: null, transferNote: 'Graffiti belongs to Parks' });
    expect(await toParks).toMatchObject({ actorId: 'api:PKtest', fromDepartmentId: 'waste' });
    await told;
    await removed;

    const got = await api<WithHistory>('GET', `/v1/requests/${request.conversationId}`);
    expect(got.status).toBe(200);
    expect(got.body.history.map((h) => [h.change, h.actorId, h.fromDepartmentId, h.toDepartmentId, h.note])).toEqual([
      ['opened', 'ra-citizen', null, 'waste', null],
      ['claimed', 'ra-waste', null, null, null],
      ['transferred', 'api:PKtest', 'waste', 'parks', 'Graffiti belongs to Parks'],
    ]);
    const audit = await api<{ data: { actorId: string }[] }>('GET', `/v1/audit?action=request.transferred&target=${request.conversationId}`);
    expect(audit.body.data.map((r) => r.actorId)).toEqual(['api:PKtest']);
  });

  it('transferRequest and resolveRequest with bad input or unknown ids answer a stable error and change nothing', async () => {
    const request = await open(citizen, 'waste', 'Overflowing bin');
    const id = request.conversationId;
    const cases: [string, string, unknown, number, string][] = [
      ['POST', `/v1/requests/${id}/transfer`, { departmentId: 'parks' }, 400, 'INVALID_REQUEST'],
      ['POST', `/v1/requests/${id}/transfer`, { departmentId: 'parks', note: '   ' }, 400, 'INVALID_REQUEST'],
      ['POST', `/v1/requests/${id}/transfer`, { departmentId: 'parks', note: 'x', extra: 1 }, 400, 'INVALID_REQUEST'],
      ['POST', `/v1/requests/${id}/transfer`, { departmentId: 'nowhere', note: 'x' }, 404, 'DEPARTMENT_NOT_FOUND'],
      ['POST', `/v1/requests/${id}/transfer`, { departmentId: 'waste', note: 'x' }, 409, 'CONFLICT'],
      ['POST', '/v1/requests/c_unknownRequest000000/transfer', { departmentId: 'parks', note: 'x' }, 404, 'REQUEST_NOT_FOUND'],
      ['POST', `/v1/requests/${id}/transfer`, { departmentId: 'parks', note: 'graffiti\u0000' }, 400, 'INVALID_REQUEST'],
      ['POST', `/v1/requests/${id}/resolve`, { resolution: 'x'.repeat(2001) }, 400, 'INVALID_REQUEST'],
      ['POST', `/v1/requests/${id}/resolve`, { resolution: 'emptied \u001b[2J' }, 400, 'INVALID_REQUEST'],
      ['POST', '/v1/requests/c_unknownRequest000000/resolve', {}, 404, 'REQUEST_NOT_FOUND'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await api(method, path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(status);
      expect(res.body.error.code, `${path} ${JSON.stringify(body)}`).toBe(code);
    }
    expect((await api('GET', '/v1/requests/c_unknownRequest000000')).body.error.code).toBe('REQUEST_NOT_FOUND');
    const after = await api<WithHistory>('GET', `/v1/requests/${id}`);
    expect(after.body).toMatchObject({ status: 'queued', departmentId: 'waste', transferNote: null, resolution: null });
    expect(after.body.history.map((h) => h.change)).toEqual(['opened']);
  });

  it('resolveRequest resolves an open request for the citizen, a webhook receiver gets request.resolved with the external reference, a second resolve is CONFLICT', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const hook = await api<{ id: string; secret: string }>('POST', '/v1/webhooks', { url: receiver.url, events: ['request.resolved'] });
      expect(hook.status).toBe(201);
      const request = await open(citizen, 'graffiti', 'Graffiti on the playground wall');
      await api('PATCH', `/v1/conversations/${request.conversationId}`, { externalRef: 'crm:r-9' });
      const toCitizen = nextChange(citizen, 'resolved', request.conversationId);
      const posted = nextEvent(citizen, 'message:new', (m) => m.conversationId === request.conversationId && m.kind === 'system' && m.text.startsWith('Your request was resolved'));
      const res = await api<CitizenRequest>('POST', `/v1/requests/${request.conversationId}/resolve`, { resolution: 'Wall cleaned' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'resolved', resolution: 'Wall cleaned', externalRef: 'crm:r-9', slaDueAt: null });
      expect(res.body.resolvedAt).not.toBeNull();
      expect((await toCitizen).actorId).toBe('api:PKtest');
      expect((await posted).text).toBe('Your request was resolved: Wall cleaned');

      const delivered = await eventually(async () => receiver.requests.find((r) => r.status === 204 && r.body.includes(request.conversationId)), 15_000);
      const event = verifyWebhook(delivered.body, delivered.headers as Record<string, string>, hook.body.secret);
      expect(event.type).toBe('request.resolved');
      expect(event.data).toMatchObject({ actorId: 'api:PKtest', request: { conversationId: request.conversationId, status: 'resolved', externalRef: 'crm:r-9' } });

      const again = await api('POST', `/v1/requests/${request.conversationId}/resolve`, {});
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('CONFLICT');
      expect(await requestEvents(t, 'request.resolved', request.conversationId)).toHaveLength(1);
      await api('DELETE', `/v1/webhooks/${hook.body.id}`);
    } finally {
      await receiver.close();
    }
  });

  it('PlazaApi.requests lists, reads, transfers and resolves; a missing request is PlazaApiError REQUEST_NOT_FOUND', async () => {
    const plaza = new PlazaApi({ url: t.url, apiKey: TEST_KEY, apiSecret: TEST_SECRET, retries: 0 });
    const request = await open(other, 'waste', 'Glass container full');
    const page = await plaza.requests.list({ citizenId: 'ra-other', status: 'queued' });
    expect(page.data.map((r) => r.conversationId)).toContain(request.conversationId);
    const moved = await plaza.requests.transfer(request.conversationId, { departmentId: 'parks', note: 'Container is in the park' });
    expect(moved).toMatchObject({ departmentId: 'parks', transferNote: 'Container is in the park' });
    const resolved = await plaza.requests.resolve(request.conversationId);
    expect(resolved).toMatchObject({ status: 'resolved', resolution: null });
    const read = await plaza.requests.get(request.conversationId);
    expect(read.history.map((h) => h.change)).toEqual(['opened', 'transferred', 'resolved']);
    const missing = await plaza.requests.get('c_unknownRequest000000').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(PlazaApiError);
    expect((missing as PlazaApiError).code).toBe('REQUEST_NOT_FOUND');
  });
});
