import { z } from 'zod';

/** HTTP methods the REST API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One REST operation: where it lives, what it accepts and what it answers, as zod schemas. The
 * server validates every request with these schemas, the OpenAPI document is generated from them,
 * and `PlazaApi` in `@plaza/server-sdk` is typed by them — one definition for all three.
 */
export interface ApiRoute {
  /** Stable name of the operation (the OpenAPI `operationId`), for example `createConversation`. */
  operationId: string;
  method: HttpMethod;
  /** Path with `{name}` placeholders, for example `/v1/conversations/{conversationId}`. */
  path: string;
  /** One line for the reference. */
  summary: string;
  /** More detail for the reference (Markdown). */
  description?: string;
  /** Group in the reference, for example `Conversations`. */
  tag: string;
  /** Path parameters, one string field per placeholder. */
  params?: z.ZodObject;
  /** Query string parameters (strings on the wire: use `z.coerce` for numbers). */
  query?: z.ZodObject;
  /** JSON request body. */
  body?: z.ZodType;
  /**
   * The first path parameter names personal data that must not outlive an erasure (a user id):
   * the audit record of this operation is written without a target.
   */
  redactAuditTarget?: boolean;
  /** HTTP status of success. */
  status: 200 | 201 | 202 | 204;
  /** JSON body of success; `null` for 204. */
  response: z.ZodType | null;
}

/** Declares a route, keeping its literal types (so inputs and outputs can be inferred from it). */
export function defineRoute<const R extends ApiRoute>(route: R): R {
  return route;
}

/**
 * What a caller passes to an operation: `params`, `query` and `body`, each present only when the
 * route has it; `body` may be left out when every field of it is optional.
 */
export type RouteInput<R extends ApiRoute> = (R['params'] extends z.ZodType ? { params: z.input<R['params']> } : { params?: undefined }) &
  (R['query'] extends z.ZodType ? { query?: z.input<R['query']> } : { query?: undefined }) &
  (R['body'] extends z.ZodType
    ? // A body whose fields are all optional may be left out: the server reads a missing one as `{}`.
      Record<string, never> extends z.input<R['body']>
      ? { body?: z.input<R['body']> }
      : { body: z.input<R['body']> }
    : { body?: undefined });

/** What the server's handler receives: the parsed (output) types of `params`, `query` and `body`. */
export type RouteParsedInput<R extends ApiRoute> = {
  params: R['params'] extends z.ZodType ? z.output<R['params']> : Record<string, never>;
  query: R['query'] extends z.ZodType ? z.output<R['query']> : Record<string, never>;
  body: R['body'] extends z.ZodType ? z.output<R['body']> : undefined;
};

/** What a successful call answers (`undefined` for 204). */
export type RouteOutput<R extends ApiRoute> = R['response'] extends z.ZodType ? z.output<R['response']> : undefined;

/**
 * A page of a list: `data` in the documented order and `nextCursor` to pass as `cursor` for the
 * next page, `null` on the last page.
 *
 * @param item - schema of one element
 */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}

/** `?limit=` of list operations: 1-200, default 50. */
export const pageLimitSchema = z.coerce.number().int().min(1).max(200).default(50);

/** `?cursor=` of list operations: opaque, from the previous page's `nextCursor`. */
export const cursorSchema = z.string().min(1).max(200);

/** The JSON body of every REST error: `{ "error": { code, message, details? } }`. */
export const apiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
