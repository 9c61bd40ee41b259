import { TEST_KEY, TEST_SECRET } from '../testing/harness.js';

/** What {@link apiRequest} answers. */
export interface ApiTestResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or `undefined` for an empty body. */
  body: T;
}

/** Options of {@link apiRequest}. */
export interface ApiRequestOptions {
  /** JSON body (serialised), or a raw string sent as it is. */
  body?: unknown;
  /** `false` for no Authorization header, a pair for other credentials. @default the test key pair */
  auth?: false | { key: string; secret: string };
  /** Extra headers. */
  headers?: Record<string, string>;
}

/**
 * One real HTTP request to a test server's REST API (tests only): Basic auth with the test key
 * pair unless told otherwise, JSON in and out.
 *
 * @param baseUrl - the server's URL (`TestServer.url`)
 * @param method - HTTP method
 * @param path - path and query, for example `/v1/conversations?limit=2`
 */
export async function apiRequest<T = any>(baseUrl: string, method: string, path: string, options: ApiRequestOptions = {}): Promise<ApiTestResponse<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  const auth = options.auth === undefined ? { key: TEST_KEY, secret: TEST_SECRET } : options.auth;
  if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.key}:${auth.secret}`).toString('base64')}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(new URL(path, baseUrl), { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}
