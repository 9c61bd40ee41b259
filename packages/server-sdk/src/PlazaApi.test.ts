import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@plaza/protocol';
import { PlazaApi } from './PlazaApi.js';
import type { PlazaApiOptions, PlazaApiRetryInfo } from './PlazaApi.js';
import { PlazaApiError } from './PlazaApiError.js';

/** What the test server saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One answer of the test server: status, headers and body, or `'hang'` / `'destroy'`. */
type Answer = { status: number; headers?: Record<string, string>; body?: unknown } | 'hang' | 'destroy';

/** A real HTTP server on port 0 that records requests and answers from a script (the last answer repeats). */
class ScriptedServer {
  readonly seen: Seen[] = [];
  readonly #server: Server;
  readonly #hanging: ServerResponse[] = [];
  #answers: Answer[] = [];
  url = '';

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const answer = this.#answers.length > 1 ? this.#answers.shift() : this.#answers[0];
        if (answer === undefined) throw new Error('no scripted answer');
        if (answer === 'hang') return void this.#hanging.push(res);
        if (answer === 'destroy') return void req.socket.destroy();
        const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status, { ...(text && typeof answer.body !== 'string' ? { 'content-type': 'application/json' } : {}), ...answer.headers });
        res.end(text);
      });
    });
  }

  /** Sets the answers, in order; the last one repeats. */
  answer(...answers: Answer[]): this {
    this.#answers = answers;
    return this;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(...answers: Answer[]): Promise<ScriptedServer> {
  const server = await new ScriptedServer().answer(...answers).start();
  servers.push(server);
  return server;
}

function client(server: ScriptedServer, options: Partial<PlazaApiOptions> = {}): PlazaApi {
  return new PlazaApi({ url: server.url, apiKey: 'PKtest', apiSecret: 'sëcret:with:colons', retryDelayMs: 1, ...options });
}

async function failure(promise: Promise<unknown>): Promise<PlazaApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlazaApiError);
  return error as PlazaApiError;
}

const conversation = {
  id: 'c_1',
  kind: 'group',
  title: 'Elm St',
  topic: null,
  externalRef: 'case-1',
  createdBy: 'clerk',
  createdAt: '2026-01-01T00:00:00.000Z',
  lastSeq: 0,
  lastRev: 0,
  memberCount: 1,
};

describe('PlazaApi requests', () => {
  it('encodes path parameters, sends the JSON body and Basic credentials (UTF-8, colons kept)', async () => {
    const server = await serve({ status: 200, body: { userId: 'dept/ä?x#1', name: 'n', role: 'moderator', lastReadSeq: 0, joinedAt: 'x' } });
    const member = await client(server).conversations.members.update('c_1', 'dept/ä?x#1', { role: 'moderator' });
    expect(member.role).toBe('moderator');
    const [req] = server.seen;
    expect(req?.method).toBe('PATCH');
    expect(req?.url).toBe('/v1/conversations/c_1/members/dept%2F%C3%A4%3Fx%231');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req?.body ?? '')).toEqual({ role: 'moderator' });
    const credentials = Buffer.from((req?.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');
    expect(credentials).toBe('PKtest:sëcret:with:colons');
  });

  it('builds the query string from the defined values only and keeps a path prefix of the base URL', async () => {
    const server = await serve({ status: 200, body: { data: [], nextCursor: null } });
    const api = new PlazaApi({ url: `${server.url}/plaza/`, apiKey: 'k', apiSecret: 's' });
    await api.audit.list({ action: 'member.added', target: undefined, limit: 5, since: '2026-01-01T00:00:00Z' });
    expect(server.seen[0]?.url).toBe('/plaza/v1/audit?action=member.added&limit=5&since=2026-01-01T00%3A00%3A00Z');
    expect(server.seen[0]?.method).toBe('GET');
  });

  it('answers undefined for 204 and sends no body or content type without one', async () => {
    const server = await serve({ status: 204 });
    await expect(client(server).conversations.members.remove('c_1', 'u1')).resolves.toBeUndefined();
    expect(server.seen[0]).toMatchObject({ method: 'DELETE', url: '/v1/conversations/c_1/members/u1', body: '' });
    expect(server.seen[0]?.headers['content-type']).toBeUndefined();
  });

  it('request() by operationId is the same request as the namespaced method', async () => {
    const server = await serve({ status: 201, body: conversation });
    const api = client(server);
    const body = { kind: 'group', createdBy: 'clerk', externalRef: 'case-1' } as const;
    const viaRequest = await api.request('createConversation', { body });
    const viaMethod = await api.conversations.create(body);
    expect(viaRequest).toEqual(conversation);
    expect(viaMethod).toEqual(conversation);
    expect(server.seen.map((r) => [r.method, r.url, r.body])).toEqual([
      ['POST', '/v1/conversations', JSON.stringify(body)],
      ['POST', '/v1/conversations', JSON.stringify(body)],
    ]);
  });

  it('refuses bad input with INVALID_REQUEST and the schema issues before any request', async () => {
    const server = await serve({ status: 201, body: conversation });
    const api = client(server);
    // @ts-expect-error -- 'direct' conversations cannot be created through the API
    const error = await failure(api.conversations.create({ kind: 'direct', createdBy: 'clerk' }));
    expect(error.code).toBe(ErrorCode.INVALID_REQUEST);
    expect(error.status).toBeNull();
    expect(error.details?.issues?.[0]?.path).toEqual(['body', 'kind']);
    const unknownKey = await failure(api.request('getConversation', { params: { conversationId: 'c_1', extra: 'x' } as never }));
    expect(unknownKey.details?.issues?.[0]?.path).toEqual(['params']);
    const emptyId = await failure(api.conversations.get(''));
    expect(emptyId.code).toBe(ErrorCode.INVALID_REQUEST);
    expect(server.seen).toHaveLength(0);
  });

  it('a body whose fields are all optional may be left out, as the server allows: {} is sent; a required one is still refused', async () => {
    const server = await serve({ status: 202, body: { data: [] } });
    const api = client(server);
    await api.request('redeliverEvent', { params: { eventId: 'evt_1' } });
    await client(server, { validate: false }).request('redeliverEvent', { params: { eventId: 'evt_1' } });
    await api.request('resolveRequest', { params: { conversationId: 'c_1' } });
    expect(server.seen.map((r) => [r.method, r.url, r.headers['content-type'], r.body])).toEqual([
      ['POST', '/v1/events/evt_1/redeliver', 'application/json', '{}'],
      ['POST', '/v1/events/evt_1/redeliver', 'application/json', '{}'],
      ['POST', '/v1/requests/c_1/resolve', 'application/json', '{}'],
    ]);
    const missing = await failure(api.request('transferRequest', { params: { conversationId: 'c_1' } } as never));
    expect(missing.code).toBe(ErrorCode.INVALID_REQUEST);
    expect(missing.details?.issues?.[0]?.path).toEqual(['body']);
    expect(server.seen).toHaveLength(3);
  });

  it('with validate: false sends what it is given and the server decides', async () => {
    const server = await serve({ status: 400, body: { error: { code: 'INVALID_REQUEST', message: 'invalid request: body.kind: bad', details: { issues: [{ path: ['body', 'kind'], message: 'bad' }] } } } });
    // @ts-expect-error -- deliberately wrong
    const error = await failure(client(server, { validate: false }).conversations.create({ kind: 'direct', createdBy: 'clerk' }));
    expect(error).toMatchObject({ code: 'INVALID_REQUEST', status: 400, message: 'invalid request: body.kind: bad', operationId: 'createConversation' });
    expect(error.details?.issues).toEqual([{ path: ['body', 'kind'], message: 'bad' }]);
    expect(server.seen).toHaveLength(1);
  });

  it('refuses an unknown operation and bad options with TypeError', async () => {
    const server = await serve({ status: 200, body: {} });
    await expect(client(server).request('noSuchOperation' as 'listCalls')).rejects.toThrow(TypeError);
    expect(() => new PlazaApi({ url: 'ftp://x', apiKey: 'k', apiSecret: 's' })).toThrow(TypeError);
    expect(() => new PlazaApi({ url: 'not a url', apiKey: 'k', apiSecret: 's' })).toThrow(TypeError);
    expect(() => new PlazaApi({ url: 'http://user:pw@127.0.0.1', apiKey: 'k', apiSecret: 's' })).toThrow(TypeError);
    expect(() => new PlazaApi({ url: server.url, apiKey: '', apiSecret: 's' })).toThrow(TypeError);
    expect(() => new PlazaApi({ url: server.url, apiKey: 'k', apiSecret: 's', retries: -1 })).toThrow(TypeError);
    expect(() => new PlazaApi({ url: server.url, apiKey: 'k', apiSecret: 's', timeoutMs: 0 })).toThrow(TypeError);
    expect(server.seen).toHaveLength(0);
  });
});

describe('PlazaApi errors', () => {
  it('turns an error answer into PlazaApiError with code, status, message and details', async () => {
    const server = await serve({ status: 404, body: { error: { code: 'CONVERSATION_NOT_FOUND', message: 'no conversation c_9', details: { conversationId: 'c_9' } } } });
    const error = await failure(client(server).conversations.get('c_9'));
    expect(error).toMatchObject({ name: 'PlazaApiError', code: 'CONVERSATION_NOT_FOUND', status: 404, message: 'no conversation c_9', operationId: 'getConversation', retryAfterMs: null });
    expect(error.details).toEqual({ conversationId: 'c_9' });
  });

  it('derives the code from the status when the body is not a Plaza error or the code is unknown', async () => {
    const server = await serve(
      { status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad gateway</html>' },
      { status: 409, body: { error: { code: 'SOMETHING_NEWER', message: 'a newer server' } } },
      { status: 401, body: '' },
    );
    const api = client(server);
    expect(await failure(api.conversations.update('c_1', { title: 'x' }))).toMatchObject({ code: 'UNAVAILABLE', status: 502 });
    expect(await failure(api.conversations.update('c_1', { title: 'x' }))).toMatchObject({ code: 'CONFLICT', status: 409, message: 'a newer server' });
    expect(await failure(api.conversations.update('c_1', { title: 'x' }))).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });

  it('a success that is not JSON fails with INTERNAL', async () => {
    const server = await serve({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(await failure(client(server).calls.list())).toMatchObject({ code: 'INTERNAL', status: 200 });
  });

  it('fails with TIMEOUT when no answer arrives in timeoutMs, and does not retry it', async () => {
    const server = await serve('hang');
    const error = await failure(client(server, { timeoutMs: 200 }).calls.list());
    expect(error).toMatchObject({ code: 'TIMEOUT', status: null, operationId: 'listCalls' });
    expect(server.seen).toHaveLength(1);
  });

  it("rejects with the caller's abort reason when the signal aborts", async () => {
    const server = await serve('hang');
    const controller = new AbortController();
    const call = client(server).calls.list({ signal: controller.signal });
    await expect.poll(() => server.seen.length).toBe(1);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
  });
});

describe('PlazaApi retries', () => {
  it('repeats a GET after 503 and 429 and answers the eventual success', async () => {
    const server = await serve(
      { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'starting' } } },
      { status: 429, body: { error: { code: 'RATE_LIMITED', message: 'slow down', details: { retryAfterMs: 5 } } } },
      { status: 200, body: { data: [] } },
    );
    const retries: PlazaApiRetryInfo[] = [];
    const calls = await client(server, { onRetry: (info) => retries.push(info) }).calls.list();
    expect(calls).toEqual({ data: [] });
    expect(server.seen).toHaveLength(3);
    expect(retries.map((r) => [r.attempt, r.error.code])).toEqual([
      [1, 'UNAVAILABLE'],
      [2, 'RATE_LIMITED'],
    ]);
    expect(retries[1]?.delayMs).toBe(5);
  });

  it('honours Retry-After in seconds', async () => {
    const server = await serve({ status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'RATE_LIMITED', message: 'slow down' } } }, { status: 204 });
    const retries: PlazaApiRetryInfo[] = [];
    await client(server, { onRetry: (info) => retries.push(info) }).calls.end('k_1');
    expect(retries.map((r) => r.delayMs)).toEqual([1000]);
    expect(server.seen.map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('gives up at once when Retry-After is longer than maxRetryDelayMs, telling how long to wait', async () => {
    const server = await serve({ status: 503, headers: { 'retry-after': '120' }, body: { error: { code: 'UNAVAILABLE', message: 'maintenance' } } });
    const error = await failure(client(server).calls.list());
    expect(error).toMatchObject({ code: 'UNAVAILABLE', status: 503, retryAfterMs: 120_000 });
    expect(server.seen).toHaveLength(1);
  });

  it('stops after `retries` repeats', async () => {
    const server = await serve({ status: 503, body: { error: { code: 'UNAVAILABLE', message: 'down' } } });
    expect(await failure(client(server, { retries: 3 }).webhooks.list())).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    expect(server.seen).toHaveLength(4);
  });

  it('never repeats a POST or PATCH (not idempotent)', async () => {
    const server = await serve({ status: 503, body: { error: { code: 'UNAVAILABLE', message: 'down' } } });
    const api = client(server, { retries: 5 });
    await failure(api.conversations.messages.post('c_1', { text: 'hello' }));
    await failure(api.conversations.update('c_1', { title: 'x' }));
    expect(server.seen.map((r) => r.method)).toEqual(['POST', 'PATCH']);
  });

  it('does not repeat other errors (404)', async () => {
    const server = await serve({ status: 404, body: { error: { code: 'CALL_NOT_FOUND', message: 'gone' } } });
    expect(await failure(client(server).calls.get('k_1'))).toMatchObject({ code: 'CALL_NOT_FOUND' });
    expect(server.seen).toHaveLength(1);
  });

  it('repeats a PUT after a network error and reports DISCONNECTED when every attempt fails', async () => {
    const server = await serve('destroy', { status: 200, body: { conversationId: 'c_1', retentionSeconds: 3600 } });
    await expect(client(server).conversations.retention.set('c_1', 3600)).resolves.toEqual({ conversationId: 'c_1', retentionSeconds: 3600 });
    expect(server.seen).toHaveLength(2);

    const broken = await serve('destroy');
    const error = await failure(client(broken, { retries: 1 }).conversations.retention.get('c_1'));
    expect(error).toMatchObject({ code: 'DISCONNECTED', status: null });
    expect(broken.seen).toHaveLength(2);
  });
});

describe('PlazaApi.paginate', () => {
  it('follows nextCursor until null, keeping the other query parameters', async () => {
    const server = await serve(
      { status: 200, body: { data: [{ ...conversation, id: 'c_3' }, { ...conversation, id: 'c_2' }], nextCursor: 'cur/1' } },
      { status: 200, body: { data: [{ ...conversation, id: 'c_1' }], nextCursor: null } },
    );
    const ids: string[] = [];
    for await (const c of client(server).paginate('listConversations', { query: { topic: 'roads', limit: 2 } })) ids.push(c.id);
    expect(ids).toEqual(['c_3', 'c_2', 'c_1']);
    expect(server.seen.map((r) => r.url)).toEqual(['/v1/conversations?topic=roads&limit=2', '/v1/conversations?topic=roads&limit=2&cursor=cur%2F1']);
  });

  it('fetches the next page only when the loop gets there', async () => {
    const server = await serve({ status: 200, body: { data: [conversation, conversation], nextCursor: 'next' } });
    for await (const c of client(server).paginate('listConversations')) {
      expect(c.id).toBe('c_1');
      break;
    }
    expect(server.seen).toHaveLength(1);
  });
});
