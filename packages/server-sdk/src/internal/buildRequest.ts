import { ErrorCode } from '@plaza/protocol';
import type { ApiRoute, WireIssue } from '@plaza/protocol';
import type { z } from 'zod';
import { PlazaApiError } from '../PlazaApiError.js';

/** What a caller passes to any operation, untyped (the typed form is `ApiInput<K>`). */
export interface LooseInput {
  params?: Record<string, unknown> | undefined;
  query?: Record<string, unknown> | undefined;
  body?: unknown;
}

/** An HTTP request ready for `fetch`. */
export interface BuiltRequest {
  method: string;
  /** Path and query string, for example `/v1/conversations/c%2F1?limit=2`. */
  pathAndQuery: string;
  /**
   * JSON text of the body: `{}` when none was given and every body field is optional; `undefined`
   * when the operation takes none (or a required body is missing and not validated).
   */
  body: string | undefined;
}

/**
 * What a missing body stands for: `{}` where that is a valid body (every field optional), as the
 * server reads it; otherwise `undefined`, which the operation's schema then refuses.
 */
function missingBody(route: ApiRoute): Record<string, never> | undefined {
  return route.body?.safeParse({}).success ? {} : undefined;
}

function issuesOf(where: 'params' | 'query' | 'body', error: z.ZodError): WireIssue[] {
  return error.issues.map((issue) => ({ path: [where, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], message: issue.message }));
}

/**
 * Checks `input` with the route's own zod schemas, the ones the server validates with, so a bad
 * request fails here with the issues the server would report, without a round trip.
 *
 * @throws PlazaApiError `INVALID_REQUEST` with `details.issues`
 */
export function validateInput(route: ApiRoute, input: LooseInput): void {
  const issues: WireIssue[] = [];
  for (const where of ['params', 'query', 'body'] as const) {
    const schema = route[where];
    const value = input[where];
    if (!schema) {
      if (value !== undefined && !(where !== 'body' && typeof value === 'object' && value !== null && Object.keys(value).length === 0)) {
        issues.push({ path: [where], message: `${route.operationId} takes no ${where}` });
      }
      continue;
    }
    const result = schema.safeParse(value ?? (where === 'body' ? missingBody(route) : {}));
    if (!result.success) issues.push(...issuesOf(where, result.error));
  }
  const first = issues[0];
  if (first) {
    throw new PlazaApiError(ErrorCode.INVALID_REQUEST, `invalid request: ${first.path.join('.')}: ${first.message}`, {
      details: { issues },
      operationId: route.operationId,
    });
  }
}

function bodyText(body: unknown): string | undefined {
  return body === undefined ? undefined : JSON.stringify(body);
}

function queryValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * The HTTP request of one operation: `{name}` placeholders replaced by the URL-encoded path
 * parameters, the query string from `input.query` (undefined and null values left out, arrays
 * repeated), the body as JSON (`{}` for a missing body whose fields are all optional).
 *
 * @throws PlazaApiError `INVALID_REQUEST` when a path parameter is missing or empty
 */
export function buildRequest(route: ApiRoute, input: LooseInput): BuiltRequest {
  const params = input.params ?? {};
  const path = route.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = params[name];
    if ((typeof value !== 'string' && typeof value !== 'number') || value === '') {
      throw new PlazaApiError(ErrorCode.INVALID_REQUEST, `invalid request: params.${name}: ${route.operationId} needs a non-empty ${name}`, {
        details: { issues: [{ path: ['params', name], message: 'required' }] },
        operationId: route.operationId,
      });
    }
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(input.query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const one of Array.isArray(value) ? value : [value]) search.append(name, queryValue(one));
  }
  const query = search.toString();
  return {
    method: route.method,
    pathAndQuery: query ? `${path}?${query}` : path,
    body: route.body ? bodyText(input.body ?? missingBody(route)) : undefined,
  };
}
