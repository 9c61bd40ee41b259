import { defineRoute, pageOf } from '@plaza/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApiDocument } from './openapi.js';
import { renderOpenApiMarkdown } from './renderOpenApiMarkdown.js';

const thing = z.object({ id: z.string().describe('The id | with a pipe'), note: z.string().nullable(), tags: z.array(z.object({ name: z.string() })) });

const routes = [
  defineRoute({
    operationId: 'createThing',
    method: 'POST',
    path: '/v1/things',
    tag: 'Things',
    summary: 'Create a thing',
    description: 'Makes one.\n\nErrors: `INVALID_REQUEST` (400), `409 CONFLICT`, `NOT_A_CODE`.',
    body: z.strictObject({ kind: z.enum(['a', 'b']), size: z.int().min(1).max(9).optional(), labels: z.array(z.string().max(64)).max(5) }),
    status: 201,
    response: thing,
  }),
  defineRoute({
    operationId: 'listThings',
    method: 'GET',
    path: '/v1/things/{ownerId}',
    tag: 'Things',
    summary: 'List things',
    params: z.strictObject({ ownerId: z.string() }),
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
    status: 200,
    response: pageOf(thing),
  }),
  defineRoute({ operationId: 'dropThings', method: 'DELETE', path: '/v1/things', tag: 'Other things', summary: 'Drop all', status: 204, response: null }),
];

describe('renderOpenApiMarkdown', () => {
  const markdown = renderOpenApiMarkdown(buildOpenApiDocument(routes, '9.8.7'));

  it('renders tags in document order, each operation with method, path and summary', () => {
    expect(markdown.indexOf('## Things\n')).toBeLessThan(markdown.indexOf('## Other things\n'));
    expect(markdown).toContain('### createThing\n\n`POST /v1/things` — Create a thing\n');
    expect(markdown).toContain('`DELETE /v1/things` — Drop all');
    expect(markdown).toContain('Version 9.8.7, OpenAPI 3.1.0.');
  });

  it('tables fields with types, requiredness and limits, nested arrays flattened, pipes escaped', () => {
    expect(markdown).toContain('| `kind` | `"a" \\| "b"` | yes |  |');
    expect(markdown).toContain('| `size` | `integer` | no | 1-9 |');
    expect(markdown).toContain('| `labels` | `string[]` | yes | at most 5 items; each: at most 64 characters |');
    expect(markdown).toContain('| `id` | `string` | yes | The id \\| with a pipe |');
    expect(markdown).toContain('| `note` | `string \\| null` | yes |  |');
    expect(markdown).toContain('| `data[].tags[].name` | `string` | yes |  |');
    expect(markdown).toContain('| `ownerId` | path | `string` | yes |  |');
    expect(markdown).toContain('| `limit` | query | `integer` | no | 1-200; default `50` |');
    expect(markdown).toContain('**Response** `204`: no body.');
  });

  it('lists the known error codes of a description with their statuses', () => {
    expect(markdown).toContain('**Errors**: `INVALID_REQUEST` (400), `CONFLICT` (409).');
    expect(markdown).toContain('**Errors**: only those any operation may answer.');
  });
});
