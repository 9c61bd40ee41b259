import { apiRoutes } from '@plaza/protocol';
import type { ApiRoute, Conversation } from '@plaza/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';
import { apiRequest } from './testing.js';

const routes = Object.values(apiRoutes) as ApiRoute[];

/** A concrete path of `route`: every `{param}` filled with a well-formed value. */
function concrete(route: ApiRoute): string {
  const values: Record<string, string> = { callId: 'k_core', participantId: 'p_core', eventId: 'evt_1' };
  return route.path.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? 'core-id');
}

type AuditPage = { data: { action: string; actorId: string | null; target: string | null; outcome: string; reason: string | null; ip: string | null; details: Record<string, unknown> | null }[] };

describe('REST API core', () => {
  let t: TestServer;
  beforeAll(async () => {
    // Every refused request below must be audited: no throttling of refusals here (see rateLimit.test.ts).
    t = await startTestServer({ rateLimits: { apiRefused: { perSecond: 1, burst: 1000 } } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /openapi.json is an OpenAPI 3.1 document with every operation, without credentials', async () => {
    const res = await fetch(new URL('/openapi.json', t.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; tags: string[]; summary: string }>>;
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'basic' });
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`));
    expect(listed.sort()).toEqual(routes.map((r) => `${r.method} ${r.path} ${r.operationId}`).sort());
    for (const route of routes) {
      const op = doc.paths[route.path]![route.method.toLowerCase()]!;
      expect(op.responses[String(route.status)], route.operationId).toBeDefined();
      expect(op.responses['401'], route.operationId).toBeDefined();
      expect(op.summary.length, route.operationId).toBeGreaterThan(0);
      expect(op.tags, route.operationId).toEqual([route.tag]);
    }
    // A conversation's response schema names its fields.
    const created = doc.paths['/v1/conversations']!.post!.responses['201'] as { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } };
    expect(Object.keys(created.content['application/json'].schema.properties)).toEqual(expect.arrayContaining(['id', 'kind', 'externalRef', 'memberCount']));
  });

  it("each operation declares the error statuses it can answer: the common ones and those of the codes its description names", async () => {
    const doc = (await (await fetch(new URL('/openapi.json', t.url))).json()) as {
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, { description: string }>; requestBody?: { content: { 'application/json': { schema: { properties: Record<string, { description?: string }> } } } } }>>;
    };
    const ops = new Map(Object.values(doc.paths).flatMap((p) => Object.values(p).map((op) => [op.operationId, op] as const)));
    for (const [id, op] of ops) {
      for (const status of ['400', '401', '429', '503']) expect(op.responses[status], `${id} ${status}`).toBeDefined();
      expect(Object.keys(op.responses).filter((s) => s === '413').length, id).toBe(op.requestBody ? 1 : 0);
    }
    const errors = (id: string) => Object.keys(ops.get(id)!.responses).filter((s) => s >= '400').sort();
    expect(errors('listConversations')).toEqual(['400', '401', '429', '503']);
    expect(errors('listAudit')).toEqual(['400', '401', '429', '503']);
    expect(errors('getConversation')).toEqual(['400', '401', '404', '429', '503']);
    expect(errors('postMessage')).toEqual(['400', '401', '403', '404', '409', '413', '429', '503']);
    expect(ops.get('postMessage')!.responses['404']!.description).toContain('CONVERSATION_NOT_FOUND');
    // The text limit is the server's, not the schema's hard bound.
    const text = ops.get('postMessage')!.requestBody!.content['application/json'].schema.properties.text!;
    expect(text.description).toContain('at most 16384 UTF-8 bytes');
  });

  it('every operation without or with wrong credentials is 401 UNAUTHENTICATED with WWW-Authenticate, and audited as api.refused', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(16);
    const wrongs = [false, { key: 'PKtest', secret: 'wrong' }, { key: 'PKnobody', secret: 'test-secret-that-is-long-enough-0123456789' }] as const;
    for (const route of routes) {
      for (const auth of wrongs) {
        const res = await apiRequest(t.url, route.method, concrete(route), { auth, ...(route.body ? { body: {} } : {}) });
        const label = `${route.operationId} ${JSON.stringify(auth)}`;
        expect(res.status, label).toBe(401);
        expect(res.headers.get('www-authenticate'), label).toBe('Basic realm="plaza"');
        expect(res.body.error.code, label).toBe('UNAUTHENTICATED');
      }
    }
    const audit = await apiRequest<AuditPage>(t.url, 'GET', '/v1/audit?action=api.refused&limit=200');
    const operations = new Set(audit.body.data.map((r) => r.details?.operation));
    for (const route of routes) expect(operations.has(route.operationId), route.operationId).toBe(true);
    expect(audit.body.data.every((r) => r.outcome === 'denied' && r.reason === 'UNAUTHENTICATED' && r.actorId === null)).toBe(true);
    // Nothing was created by any of them.
    expect((await apiRequest(t.url, 'GET', '/v1/conversations')).body.data).toEqual([]);
  });

  it('query parameters an operation does not take are refused, also where it takes none', async () => {
    const withoutQuery = Object.values(apiRoutes).find((r) => r.method === 'GET' && !('query' in r) && r.path.includes('{'));
    expect(withoutQuery).toBeDefined();
    const path = (withoutQuery as { path: string }).path.replace(/\{\w+\}/g, 'x_1');
    const res = await apiRequest(t.url, 'GET', `${path}?admin=true`);
    expect([res.status, res.body.error.code, res.body.error.details.issues[0].path]).toEqual([400, 'INVALID_REQUEST', ['query', 'admin']]);
    const listed = await apiRequest(t.url, 'GET', '/v1/conversations?admin=true');
    expect([listed.status, listed.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('a malformed Authorization header is 401 too', async () => {
    for (const authorization of ['Bearer abc', 'Basic', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
      const res = await apiRequest(t.url, 'GET', '/v1/conversations', { auth: false, headers: { authorization } });
      expect(res.status, authorization).toBe(401);
    }
  });

  it('an unknown /v1 path is 404 NOT_FOUND; a known path with another method too', async () => {
    for (const [method, path] of [
      ['GET', '/v1/nothing'],
      ['GET', '/v1/conversations/c_1/nothing'],
      ['PUT', '/v1/calls'],
    ] as const) {
      const res = await apiRequest(t.url, method, path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });

  it('a path that is not valid percent-encoding is 400 INVALID_REQUEST and an unknown path outside /v1 is 404 NOT_FOUND, in the API error shape', async () => {
    for (const path of ['/v1/conversations/%ZZ', '/v1/conversations/%ED%A0%80', '/v1/conversations/%C0%AF', '/v1/users/%E0%A4%A/export', '/files/%ZZ']) {
      const res = await apiRequest(t.url, 'GET', path);
      expect([res.status, Object.keys(res.body), res.body.error.code], path).toEqual([400, ['error'], 'INVALID_REQUEST']);
      expect(res.body.error.message, path).toEqual(expect.any(String));
    }
    for (const [method, path] of [
      ['GET', '/v2/x'],
      ['GET', '/V1/conversations'],
      ['POST', '/'],
      ['DELETE', '/healthz/x'],
    ] as const) {
      const res = await apiRequest(t.url, method, path);
      expect([res.status, Object.keys(res.body), res.body.error.code], path).toEqual([404, ['error'], 'NOT_FOUND']);
    }
    // The routes outside /v1 answer as before.
    expect((await fetch(new URL('/healthz', t.url))).status).toBe(200);
    expect((await fetch(new URL('/readyz', t.url))).status).toBe(200);
    expect((await fetch(new URL('/openapi.json', t.url))).status).toBe(200);
    expect((await fetch(new URL('/metrics', t.url))).status).toBe(200);
  });

  it('an empty body with Content-Type: application/json is no body: DELETE and body-less POSTs work, an optional-only body may be left out', async () => {
    const json = { 'content-type': 'application/json' };
    const hook = await apiRequest(t.url, 'POST', '/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook', events: ['*'] } });
    expect(hook.status).toBe(201);
    const rotated = await apiRequest(t.url, 'POST', `/v1/webhooks/${hook.body.id}/rotate-secret`, { headers: json });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(hook.body.secret);
    // redeliverEvent's body has only an optional field: without a body (with or without the header) it is `{}`.
    for (const headers of [json, {}]) {
      const redeliver = await apiRequest(t.url, 'POST', '/v1/events/evt_999999/redeliver', { headers });
      expect([redeliver.status, redeliver.body.error.code]).toEqual([404, 'EVENT_NOT_FOUND']);
    }
    expect((await apiRequest(t.url, 'DELETE', `/v1/webhooks/${hook.body.id}`, { headers: json })).status).toBe(204);
    // A body that is required is still required, and JSON is still parsed safely.
    const none = await apiRequest(t.url, 'POST', '/v1/conversations', { headers: json });
    expect([none.status, none.body.error.code, none.body.error.details.issues[0].path]).toEqual([400, 'INVALID_REQUEST', ['body']]);
    const poisoned = await apiRequest(t.url, 'POST', '/v1/conversations', { body: '{"kind":"group","createdBy":"core-p","__proto__":{"admin":true}}' });
    expect([poisoned.status, poisoned.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('malformed JSON, a non-JSON body, an unknown key and a body larger than 1 MiB are refused and change nothing', async () => {
    const malformed = await apiRequest(t.url, 'POST', '/v1/conversations', { body: '{"kind": "group",' });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    const text = await apiRequest(t.url, 'POST', '/v1/conversations', { body: 'kind=group', headers: { 'content-type': 'text/plain' } });
    expect([text.status, text.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    const unknown = await apiRequest(t.url, 'POST', '/v1/conversations', { body: { kind: 'group', createdBy: 'core-a', admin: true } });
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(unknown.body.error.details.issues[0].path).toEqual(['body']);
    const huge = await apiRequest(t.url, 'POST', '/v1/conversations', { body: { kind: 'group', createdBy: 'core-a', title: 'x'.repeat(1024 * 1024) } });
    expect([huge.status, huge.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const noBody = await apiRequest(t.url, 'DELETE', '/v1/calls/k_core', { body: { x: 1 } });
    expect([noBody.status, noBody.body.error.details.issues[0].path]).toEqual([400, ['body']]);
    expect((await apiRequest(t.url, 'GET', '/v1/conversations')).body.data).toEqual([]);
  });

  it('mutations are audited as api.<operationId> by api:<key> with target and outcome; reads are not', async () => {
    const created = await apiRequest<Conversation>(t.url, 'POST', '/v1/conversations', { body: { kind: 'group', title: 'Audited', createdBy: 'core-owner' } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await apiRequest(t.url, 'PATCH', `/v1/conversations/${id}`, { body: { title: 'Renamed' } });
    await apiRequest(t.url, 'PATCH', `/v1/conversations/${id}`, { body: { title: '' } });
    await apiRequest(t.url, 'GET', `/v1/conversations/${id}`);
    await apiRequest(t.url, 'DELETE', `/v1/conversations/${id}/members/core-nobody`);

    const page = await apiRequest<AuditPage>(t.url, 'GET', '/v1/audit?actorId=api:PKtest&limit=200');
    // The newest four: earlier tests' refused bodies were audited as denied api.createConversation too.
    const api = page.body.data.filter((r) => r.action.startsWith('api.')).slice(0, 4);
    expect(api.map((r) => [r.action, r.target, r.outcome, r.reason])).toEqual([
      ['api.removeMember', id, 'denied', 'NOT_A_MEMBER'],
      ['api.updateConversation', id, 'denied', 'INVALID_REQUEST'],
      ['api.updateConversation', id, 'allowed', null],
      ['api.createConversation', id, 'allowed', null],
    ]);
    expect(api.every((r) => r.ip !== null)).toBe(true);
    expect(page.body.data.some((r) => r.action === 'api.getConversation' || r.action === 'api.listAudit')).toBe(false);
  });
});
