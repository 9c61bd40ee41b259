import { apiErrorSchema, isErrorCode, limitDefaults } from '@plaza/protocol';
import type { ApiRoute, ErrorCode } from '@plaza/protocol';
import { z } from 'zod';
import { httpStatusOf } from './httpStatus.js';

/** JSON Schema of a zod schema, as OpenAPI 3.1 embeds it. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** Errors every operation can answer, whatever its description lists. */
const COMMON_ERRORS: Record<string, string> = {
  '400': 'Invalid request (`INVALID_REQUEST`, with `details.issues`)',
  '401': 'Missing or wrong API key and secret (`UNAUTHENTICATED`)',
  '429': 'Too many requests for this API key (`RATE_LIMITED`, with `Retry-After` and `details.retryAfterMs`)',
  '503': 'Shutting down or not ready (`UNAVAILABLE`)',
};

/** What a status means, for the codes an operation's description lists. */
const STATUS_MEANING: Record<string, string> = {
  '403': 'Not allowed',
  '404': 'Not found',
  '409': 'Conflicts with the current state',
  '413': 'Too large',
  '415': 'Unsupported type',
  '500': 'Failed',
};

/**
 * The error responses of one operation: the common ones, 413 when it takes a body (every body has
 * a size limit), and the status of every error code its description names (`httpStatusOf`).
 */
function errorResponses(route: ApiRoute): Record<string, string> {
  const codes = new Map<string, Set<string>>();
  for (const word of new Set(route.description?.match(/\b[A-Z][A-Z0-9_]+[A-Z0-9]\b/g) ?? [])) {
    if (!isErrorCode(word)) continue;
    const status = String(httpStatusOf(word as ErrorCode));
    if (status in COMMON_ERRORS) continue;
    (codes.get(status) ?? codes.set(status, new Set()).get(status)!).add(word);
  }
  if (route.body) (codes.get('413') ?? codes.set('413', new Set()).get('413')!).add('PAYLOAD_TOO_LARGE');
  const responses: Record<string, string> = { ...COMMON_ERRORS };
  for (const [status, names] of codes) {
    responses[status] = `${STATUS_MEANING[status] ?? 'Error'} (${[...names].map((c) => `\`${c}\``).join(', ')})`;
  }
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)));
}

/** Options of {@link buildOpenApiDocument}. */
export interface OpenApiOptions {
  /** The server's message text limit in UTF-8 bytes, stated where a description says `{maxTextBytes}`. @default limitDefaults.maxTextBytes */
  maxTextBytes?: number;
}

/**
 * The OpenAPI 3.1 document of the REST API, generated from the same zod schemas the server
 * validates requests with.
 *
 * @param routes - every REST operation
 * @param version - the server's version, as `info.version`
 * @param options - the server's limits that descriptions state
 */
export function buildOpenApiDocument(routes: readonly ApiRoute[], version: string, options: OpenApiOptions = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorRef = { $ref: '#/components/schemas/Error' };
  for (const route of routes) {
    const parameters: Record<string, unknown>[] = [];
    for (const [where, schema] of [['path', route.params], ['query', route.query]] as const) {
      if (!schema) continue;
      const shape = (schema as z.ZodObject).shape as Record<string, z.ZodType>;
      for (const [name, field] of Object.entries(shape)) {
        const fieldSchema = jsonSchema(field, 'input');
        const optional = where === 'query' && field.safeParse(undefined).success;
        parameters.push({
          name,
          in: where,
          required: !optional,
          ...(typeof fieldSchema.description === 'string' ? { description: fieldSchema.description } : {}),
          schema: fieldSchema,
        });
      }
    }
    const responses: Record<string, unknown> = {
      [String(route.status)]: route.response
        ? { description: 'Success', content: { 'application/json': { schema: jsonSchema(route.response, 'output') } } }
        : { description: 'Success (no body)' },
    };
    for (const [status, description] of Object.entries(errorResponses(route))) {
      responses[status] = { description, content: { 'application/json': { schema: errorRef } } };
    }
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
      responses,
    };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'Plaza REST API',
      version,
      description: 'Manage conversations, members, messages, calls, webhooks, users and the audit log of a Plaza server. Authenticate with HTTP Basic: the API key as user name, its secret as password.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'basic', description: 'API key as user name, API secret as password' } },
      schemas: { Error: jsonSchema(apiErrorSchema, 'output') },
    },
    paths,
  };
  // Limits the server configures, written into the descriptions that name them.
  const maxTextBytes = String(options.maxTextBytes ?? limitDefaults.maxTextBytes);
  return JSON.parse(JSON.stringify(document).replaceAll('{maxTextBytes}', maxTextBytes)) as Record<string, unknown>;
}
