import { apiErrorSchema } from '@plaza/protocol';
import type { ApiRoute } from '@plaza/protocol';
import { z } from 'zod';

/** JSON Schema of a zod schema, as OpenAPI 3.1 embeds it. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'Invalid request (`INVALID_REQUEST`, with `details.issues`)',
  '401': 'Missing or wrong API key and secret (`UNAUTHENTICATED`)',
  '404': 'No such resource (a `*_NOT_FOUND` code)',
  '409': 'Conflicts with the current state (`CONFLICT`)',
  '413': 'Body larger than the limit (`PAYLOAD_TOO_LARGE`)',
  '503': 'Shutting down or not ready (`UNAVAILABLE`)',
};

/**
 * The OpenAPI 3.1 document of the REST API, generated from the same zod schemas the server
 * validates requests with.
 *
 * @param routes - every REST operation
 * @param version - the server's version, as `info.version`
 */
export function buildOpenApiDocument(routes: readonly ApiRoute[], version: string): Record<string, unknown> {
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
    for (const [status, description] of Object.entries(ERROR_RESPONSES)) {
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
  return {
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
}
