import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, apiRoutes } from '@plaza/protocol';
import type { ApiRoute } from '@plaza/protocol';
import { PlazaApi, PlazaApiError } from '@plaza/server-sdk';
import { TEST_KEY, TEST_SECRET, startTestServer } from '../../packages/server/src/testing/harness.js';
import type { TestServer } from '../../packages/server/src/testing/harness.js';
import { schemaProblems } from '../helpers/jsonSchemaSubset.js';

/**
 * `PlazaApi` checked against the OpenAPI document a real server serves: every operation of the
 * document has a method (and `request` support) with the same HTTP method and path, every method
 * maps to an operation of the document, and real answers conform to the document's response schemas.
 */

interface OpenApiOperation {
  operationId: string;
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}
type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, OpenApiOperation>> };

let server: TestServer;
let document: OpenApiDocument;
/** Every operation of the document: operationId → HTTP method, path and operation object. */
const documented = new Map<string, { method: string; path: string; operation: OpenApiOperation }>();

beforeAll(async () => {
  server = await startTestServer({ calls: false });
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as OpenApiDocument;
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) documented.set(operation.operationId, { method: method.toUpperCase(), path, operation });
  }
});

afterAll(async () => {
  await server?.close();
});

function api(options: { apiSecret?: string; fetch?: typeof fetch; validate?: boolean } = {}): PlazaApi {
  return new PlazaApi({ url: server.url, apiKey: TEST_KEY, apiSecret: TEST_SECRET, retries: 0, ...options });
}

/** The namespaced method at `name` (for example `conversations.members.add`) of `client`, bound to its namespace. */
function methodAt(client: PlazaApi, name: string): ((...args: unknown[]) => Promise<unknown>) | undefined {
  const parts = name.split('.');
  let owner: unknown = client;
  for (const part of parts.slice(0, -1)) owner = (owner as Record<string, unknown> | undefined)?.[part];
  const fn = (owner as Record<string, unknown> | undefined)?.[parts.at(-1) as string];
  return typeof fn === 'function' ? (fn as (...args: unknown[]) => Promise<unknown>).bind(owner) : undefined;
}

/** The PlazaApiError `promise` rejects with. */
async function rejected(promise: Promise<unknown>): Promise<PlazaApiError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlazaApiError);
  return error as PlazaApiError;
}

/** Asserts that `value` conforms to the document's success response schema of `operationId`. */
function expectDocumented(operationId: string, value: unknown): void {
  const entry = documented.get(operationId);
  if (!entry) throw new Error(`${operationId} is not in the document`);
  const success = Object.entries(entry.operation.responses).find(([status]) => status.startsWith('2'));
  const schema = success?.[1].content?.['application/json']?.schema;
  if (!schema) throw new Error(`${operationId} documents no JSON success body`);
  expect(schemaProblems(schema, value, document), `${operationId} answer vs. the document`).toEqual([]);
}

describe('PlazaApi and the OpenAPI document', () => {
  it('every documented operation has exactly one namespaced method, and every method maps to a documented operation', () => {
    expect(documented.size).toBeGreaterThan(0);
    const table = Object.entries(PlazaApi.operations) as [string, string][];
    const client = api();
    for (const [name, operationId] of table) {
      expect(methodAt(client, name), `PlazaApi method ${name}`).toBeTypeOf('function');
      expect(documented.has(operationId), `${name} → ${operationId} is in the document`).toBe(true);
    }
    const mapped = table.map(([, operationId]) => operationId).sort();
    expect(mapped).toEqual([...documented.keys()].sort());
    expect(new Set(mapped).size).toBe(mapped.length);
  });

  it('request() knows every documented operation with the same HTTP method and path', () => {
    const routes = apiRoutes as Record<string, ApiRoute>;
    for (const [operationId, { method, path }] of documented) {
      expect({ operationId, method: routes[operationId]?.method, path: routes[operationId]?.path }).toEqual({ operationId, method, path });
    }
    expect(Object.keys(routes).sort()).toEqual([...documented.keys()].sort());
  });

  it('each namespaced method sends the HTTP method and path its operation documents (path parameters in path order)', async () => {
    const sent: string[] = [];
    const recording: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      sent.push(`${init?.method ?? 'GET'} ${url.pathname}`);
      return fetch(input, init);
    };
    // Without client-side validation, so placeholder arguments reach the server (which refuses most of them).
    const client = api({ fetch: recording, validate: false });
    for (const [name, operationId] of Object.entries(PlazaApi.operations) as [string, string][]) {
      const entry = documented.get(operationId);
      if (!entry) throw new Error(`${operationId} is not in the document`);
      const placeholders = [...entry.path.matchAll(/\{(\w+)\}/g)].map((m, i) => `zz${i}_${m[1]}`);
      sent.length = 0;
      await (methodAt(client, name) as (...args: unknown[]) => Promise<unknown>)(...placeholders, {}).catch((error: unknown) => {
        if (!(error instanceof PlazaApiError)) throw error;
      });
      let i = 0;
      const expected = `${entry.method} ${entry.path.replace(/\{\w+\}/g, () => placeholders[i++] as string)}`;
      expect(sent, name).toEqual([expected]);
    }
  });
});

describe('PlazaApi against a real server', () => {
  it('creates a conversation, adds members, posts and reads messages, reads the audit log; every answer matches the document', async () => {
    const client = api();
    const created = await client.conversations.create({ kind: 'group', title: 'Street light Elm St', topic: 'roads', externalRef: 'case-4711', createdBy: 'clerk-7' });
    expectDocumented('createConversation', created);
    expect(created).toMatchObject({ kind: 'group', externalRef: 'case-4711', createdBy: 'clerk-7' });

    expectDocumented('getConversation', await client.conversations.get(created.id));
    const listed = await client.conversations.list({ externalRef: 'case-4711' });
    expectDocumented('listConversations', listed);
    expect(listed.data.map((c) => c.id)).toEqual([created.id]);

    const added = await client.conversations.members.add(created.id, [{ userId: 'resident-42' }, { userId: 'faq-bot', role: 'moderator' }]);
    expectDocumented('addMembers', added);
    expect(added.added.map((m) => m.userId).sort()).toEqual(['faq-bot', 'resident-42']);
    expectDocumented('listMembers', await client.conversations.members.list(created.id));
    expectDocumented('updateMember', await client.conversations.members.update(created.id, 'resident-42', { role: 'moderator' }));

    const system = await client.conversations.messages.post(created.id, { text: 'We received your request.' });
    expectDocumented('postMessage', system);
    expect(system.kind).toBe('system');
    const asBot = await client.conversations.messages.post(created.id, { text: 'Hello, I am the FAQ bot.', senderId: 'faq-bot', clientId: 'cid-1' });
    expect(asBot).toMatchObject({ kind: 'user', senderId: 'faq-bot', seq: system.seq + 1 });
    const history = await client.conversations.messages.list(created.id, { limit: 10 });
    expectDocumented('listMessages', history);
    expect(history.data.map((m) => m.text)).toEqual(['We received your request.', 'Hello, I am the FAQ bot.']);

    const audit = await client.audit.list({ action: 'api.addMembers', target: created.id });
    expectDocumented('listAudit', audit);
    expect(audit.data.length).toBeGreaterThan(0);
    // paginate() walks pages of the real server with its real cursors: one entry per page here.
    const viaPages: unknown[] = [];
    for await (const record of client.paginate('listAudit', { query: { target: created.id, limit: 1 } })) viaPages.push(record);
    const all = await client.audit.list({ target: created.id, limit: 200 });
    expect(viaPages).toEqual(all.data);
    expect(viaPages.length).toBeGreaterThan(1);
  });

  it('webhooks create, list and get, events list, calls list, retention and a user export match the document', async () => {
    const client = api();
    const webhook = await client.webhooks.create({ url: 'https://receiver.example/plaza', events: ['message.*'] });
    expectDocumented('createWebhook', webhook);
    expect(webhook.secret).toMatch(/^whsec_/);
    const webhooks = await client.webhooks.list();
    expectDocumented('listWebhooks', webhooks);
    expect(webhooks.data.map((w) => w.id)).toContain(webhook.id);
    expectDocumented('getWebhook', await client.webhooks.get(webhook.id));

    const conversation = await client.conversations.create({ kind: 'group', createdBy: 'exported-user', members: [{ userId: 'resident-7' }] });
    await client.conversations.messages.post(conversation.id, { text: 'my data', senderId: 'exported-user' });
    expectDocumented('listEvents', await client.events.list({ limit: 5 }));
    expectDocumented('listCalls', await client.calls.list());
    expectDocumented('setRetention', await client.conversations.retention.set(conversation.id, 86_400));
    expectDocumented('getRetention', await client.conversations.retention.get(conversation.id));

    const exported = await client.users.export('exported-user');
    expectDocumented('exportUser', exported);
    expect(JSON.stringify(exported)).toContain('my data');
  });

  it('the checker rejects an answer that differs from the document (missing, extra or mistyped fields)', async () => {
    const created = await api().conversations.create({ kind: 'channel', createdBy: 'checker' });
    const { id: _id, ...missing } = created;
    const schema = documented.get('getConversation')?.operation.responses['200']?.content?.['application/json']?.schema ?? {};
    expect(schemaProblems(schema, missing, document)).toEqual(['$: missing required property id']);
    expect(schemaProblems(schema, { ...created, extra: 1 }, document)).toEqual(['$.extra: not allowed']);
    expect(schemaProblems(schema, { ...created, memberCount: '1' }, document)).toEqual(['$.memberCount: expected integer, got string']);
  });

  it('wrong credentials fail with PlazaApiError UNAUTHENTICATED, status 401', async () => {
    const error = await rejected(api({ apiSecret: 'not-the-secret' }).conversations.list());
    expect(error).toMatchObject({ code: ErrorCode.UNAUTHENTICATED, status: 401, operationId: 'listConversations' });
  });

  it('the server refuses what the client refuses, with the same issue paths; nothing is created', async () => {
    const bad = { kind: 'group' as const, createdBy: 'clerk', members: [{ userId: 'has space' }] };
    const local = await rejected(api().conversations.create(bad));
    const remote = await rejected(api({ validate: false }).conversations.create(bad));
    expect(local).toMatchObject({ code: 'INVALID_REQUEST', status: null });
    expect(remote).toMatchObject({ code: 'INVALID_REQUEST', status: 400 });
    expect(remote.details?.issues?.map((i) => i.path)).toEqual(local.details?.issues?.map((i) => i.path));
    expect((await api().conversations.list({ memberId: 'clerk' })).data).toEqual([]);
  });

  it('a missing resource is its documented 404 code', async () => {
    expect(await rejected(api().conversations.get('c_missing'))).toMatchObject({ code: 'CONVERSATION_NOT_FOUND', status: 404 });
    expect(await rejected(api().webhooks.delete('w_missing'))).toMatchObject({ code: 'WEBHOOK_NOT_FOUND', status: 404 });
  });
});
