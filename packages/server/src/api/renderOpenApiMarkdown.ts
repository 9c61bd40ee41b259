import { ErrorCode, isErrorCode } from '@plaza/protocol';
import { httpStatusOf } from './httpStatus.js';

/*
 * Renders the OpenAPI document of the REST API as a Markdown reference (docs/rest-api.md). Pure
 * and deterministic: the same document gives the same text, in the document's own order, so a
 * test can regenerate it and compare with the committed file.
 */

type Json = Record<string, unknown>;

interface FieldRow {
  name: string;
  type: string;
  required: boolean;
  description: string;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** Text fit for one table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n+\s*/g, ' ').replace(/\|/g, '\\|').trim();
}

/** `[X, null]` alternatives: the non-null one, and whether null is allowed. */
function splitNullable(schema: Json): { schema: Json; nullable: boolean } {
  const options = records(schema.anyOf);
  if (options.length === 2 && options.some((o) => o.type === 'null')) {
    const other = options.find((o) => o.type !== 'null') as Json;
    return { schema: { ...other, ...(typeof schema.description === 'string' ? { description: schema.description } : {}) }, nullable: true };
  }
  if (Array.isArray(schema.type) && schema.type.includes('null') && schema.type.length === 2) {
    return { schema: { ...schema, type: schema.type.find((t) => t !== 'null') }, nullable: true };
  }
  return { schema, nullable: false };
}

/** A short type expression of a schema, for example `string (date-time)`, `"a" \| "b"`, `Member[]`. */
export function typeOfSchema(input: Json): string {
  const { schema, nullable } = splitNullable(input);
  let type: string;
  if (typeof schema.$ref === 'string') type = schema.$ref.split('/').at(-1) ?? 'object';
  else if (Array.isArray(schema.enum)) type = schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  else if ('const' in schema) type = JSON.stringify(schema.const);
  else if (Array.isArray(schema.anyOf)) type = records(schema.anyOf).map(typeOfSchema).join(' | ');
  else if (schema.type === 'array') type = `${isRecord(schema.items) ? wrap(typeOfSchema(schema.items)) : 'unknown'}[]`;
  else if (typeof schema.type === 'string') type = schema.type + (typeof schema.format === 'string' ? ` (${schema.format})` : '');
  else type = 'any';
  return nullable ? `${type} | null` : type;
}

function wrap(type: string): string {
  return type.includes(' ') ? `(${type})` : type;
}

/** Limits and defaults of a schema, in words: `1-200 characters`, `≥ 1`, `default 50`. */
function constraintsOf(input: Json): string[] {
  const { schema } = splitNullable(input);
  const out: string[] = [];
  const range = (min: unknown, max: unknown, unit: string) => {
    const lo = typeof min === 'number' && min > Number.MIN_SAFE_INTEGER ? min : null;
    const hi = typeof max === 'number' && max < Number.MAX_SAFE_INTEGER ? max : null;
    if (lo !== null && hi !== null) out.push(`${lo}-${hi}${unit}`);
    else if (lo !== null) out.push(`at least ${lo}${unit}`);
    else if (hi !== null) out.push(`at most ${hi}${unit}`);
  };
  range(schema.minLength, schema.maxLength, ' characters');
  range(schema.minimum, schema.maximum, '');
  range(schema.minItems, schema.maxItems, ' items');
  // Short patterns say something to a reader; long ones (a date-time grammar) only add noise.
  if (typeof schema.pattern === 'string' && schema.pattern.length <= 60 && schema.format === undefined) out.push(`pattern \`${schema.pattern}\``);
  if ('default' in input) out.push(`default \`${JSON.stringify(input.default)}\``);
  return out;
}

function describe(schema: Json): string {
  const own = typeof schema.description === 'string' ? schema.description : typeof splitNullable(schema).schema.description === 'string' ? (splitNullable(schema).schema.description as string) : '';
  const limits = constraintsOf(schema);
  // Limits of a scalar array's elements (objects get their own rows instead).
  const items = splitNullable(schema).schema.items;
  if (isRecord(items) && !isRecord(splitNullable(items).schema.properties)) {
    const each = [typeof items.description === 'string' ? items.description.replace(/\.$/, '') : '', ...constraintsOf(items)].filter(Boolean);
    if (each.length > 0) limits.push(`each: ${each.join(', ')}`);
  }
  return cell([own.replace(/\.$/, ''), ...limits].filter(Boolean).join('; '));
}

/** The rows of an object schema's fields, nested objects and arrays of objects flattened (`members[].userId`). */
function fieldsOf(schema: Json, prefix = ''): FieldRow[] {
  const rows: FieldRow[] = [];
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  for (const [name, raw] of Object.entries(properties)) {
    if (!isRecord(raw)) continue;
    const path = `${prefix}${name}`;
    rows.push({ name: path, type: typeOfSchema(raw), required: required.has(name), description: describe(raw) });
    const inner = splitNullable(raw).schema;
    if (isRecord(inner.properties)) rows.push(...fieldsOf(inner, `${path}.`));
    else if (inner.type === 'array' && isRecord(inner.items) && isRecord(splitNullable(inner.items).schema.properties)) {
      rows.push(...fieldsOf(splitNullable(inner.items).schema, `${path}[].`));
    }
  }
  return rows;
}

function fieldTable(rows: FieldRow[]): string[] {
  return [
    '| field | type | required | description |',
    '| ----- | ---- | -------- | ----------- |',
    ...rows.map((r) => `| \`${r.name}\` | ${cell(`\`${r.type}\``)} | ${r.required ? 'yes' : 'no'} | ${r.description} |`),
  ];
}

/** A body schema as Markdown: a field table for objects, otherwise its type. */
function bodyLines(schema: Json): string[] {
  if (isRecord(schema.properties)) {
    const rows = fieldsOf(schema);
    return rows.length > 0 ? fieldTable(rows) : ['An empty JSON object `{}`.'];
  }
  if (schema.type === 'array' && isRecord(schema.items) && isRecord(schema.items.properties)) {
    return [`A JSON array of objects:`, '', ...fieldTable(fieldsOf(schema.items, '[].'))];
  }
  return [`\`${typeOfSchema(schema)}\``];
}

function anchor(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .trim()
    .replace(/ /g, '-');
}

/** Error codes named in an operation's description (`` `CODE` `` or `` `404 CODE` ``), each with its HTTP status. */
function codesIn(description: string): string[] {
  const codes: string[] = [];
  for (const match of description.matchAll(/`(?:\d{3} )?([A-Z][A-Z_]+)`/g)) {
    const code = match[1] as string;
    if (isErrorCode(code) && !codes.includes(code)) codes.push(code);
  }
  return codes.map((code) => `\`${code}\` (${httpStatusOf(code as ErrorCode)})`);
}

interface Operation {
  method: string;
  path: string;
  op: Json;
}

/**
 * Renders the REST API's OpenAPI 3.1 document as a Markdown reference: authentication, the error
 * format, then per tag each operation with its method and path, summary, description, parameters,
 * request body fields, response fields and error codes. Deterministic (no dates, no machine paths);
 * the version is the document's `info.version`.
 *
 * @param document - the OpenAPI document, as `/openapi.json` serves it
 * @returns the Markdown text, ending with a newline
 */
export function renderOpenApiMarkdown(document: Record<string, unknown>): string {
  const info = isRecord(document.info) ? document.info : {};
  const components = isRecord(document.components) ? document.components : {};
  const schemas = isRecord(components.schemas) ? components.schemas : {};
  const paths = isRecord(document.paths) ? document.paths : {};

  const byTag = new Map<string, Operation[]>();
  const errorStatuses = new Map<string, string>();
  for (const [path, methods] of Object.entries(paths)) {
    if (!isRecord(methods)) continue;
    for (const [method, op] of Object.entries(methods)) {
      if (!isRecord(op)) continue;
      const tag = Array.isArray(op.tags) && typeof op.tags[0] === 'string' ? op.tags[0] : 'Other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)?.push({ method: method.toUpperCase(), path, op });
      for (const [status, response] of Object.entries(isRecord(op.responses) ? op.responses : {})) {
        if (!status.startsWith('2') && isRecord(response) && typeof response.description === 'string') errorStatuses.set(status, response.description);
      }
    }
  }

  const title = typeof info.title === 'string' ? info.title : 'REST API';
  const lines: string[] = [
    `# ${title}`,
    '',
    '<!-- Generated from the OpenAPI document by renderOpenApiMarkdown (packages/server/src/api/renderOpenApiMarkdown.ts). Do not edit:',
    '     regenerate with `PLAZA_UPDATE_DOCS=1 pnpm vitest run test/integration/docs-openapi.test.ts`. -->',
    '',
    `Version ${String(info.version ?? '')}, OpenAPI ${String(document.openapi ?? '')}. Every Plaza server serves this document at`,
    '`GET /openapi.json` (no credentials needed); the same document is in [openapi.json](openapi.json). From Node,',
    '`PlazaApi` in `@plaza/server-sdk` calls every operation below with types taken from it.',
    '',
  ];
  if (typeof info.description === 'string') lines.push(info.description, '');

  lines.push('## Authentication', '');
  const schemes = isRecord(components.securitySchemes) ? components.securitySchemes : {};
  for (const [name, scheme] of Object.entries(schemes)) {
    if (!isRecord(scheme)) continue;
    lines.push(`\`${name}\`: HTTP \`${String(scheme.scheme)}\`${typeof scheme.description === 'string' ? ` (${scheme.description})` : ''}.`);
  }
  lines.push(
    '',
    'Every operation needs `Authorization: Basic base64(apiKey:apiSecret)`. A missing or wrong pair answers',
    '`401 UNAUTHENTICATED` (with `WWW-Authenticate`) and is recorded in the audit log as `api.refused`. Every',
    'request that changes something is audited as `api.<operationId>` with `api:<apiKey>` as actor.',
    '',
    '```sh',
    'curl -u "$PLAZA_API_KEY:$PLAZA_API_SECRET" https://plaza.example/v1/conversations?limit=10',
    '```',
    '',
    '## Errors',
    '',
    'Every error answers a JSON body `{ "error": { "code", "message", "details"? } }`: `code` is a stable',
    'error code (below), `message` a human-readable explanation, `details` machine-readable facts (for',
    '`INVALID_REQUEST` the schema `issues`, each with a `path` starting with `params`, `query` or `body`; for',
    '`RATE_LIMITED` `retryAfterMs`, also sent as `Retry-After`). Bad input changes nothing.',
    '',
  );
  const errorSchema = schemas.Error;
  if (isRecord(errorSchema)) lines.push(...bodyLines(errorSchema), '');
  lines.push('| status | meaning |', '| ------ | ------- |');
  for (const status of [...errorStatuses.keys()].sort()) lines.push(`| ${status} | ${cell(errorStatuses.get(status) as string)} |`);
  lines.push('', 'Each operation lists the codes it answers besides `UNAUTHENTICATED` (401) and `UNAVAILABLE` (503), which any may answer.', '');

  lines.push('## Operations', '');
  for (const [tag, operations] of byTag) {
    lines.push(`- **${tag}**: ${operations.map(({ op }) => `[${String(op.operationId)}](#${anchor(String(op.operationId))})`).join(', ')}`);
  }
  lines.push('');

  for (const [tag, operations] of byTag) {
    lines.push(`## ${tag}`, '');
    for (const { method, path, op } of operations) {
      lines.push(`### ${String(op.operationId)}`, '', `\`${method} ${path}\` — ${String(op.summary ?? '')}`, '');
      const description = typeof op.description === 'string' ? op.description : '';
      if (description) lines.push(description, '');

      const parameters = records(op.parameters);
      if (parameters.length > 0) {
        lines.push('**Parameters**', '', '| name | in | type | required | description |', '| ---- | -- | ---- | -------- | ----------- |');
        for (const p of parameters) {
          const schema = isRecord(p.schema) ? p.schema : {};
          lines.push(`| \`${String(p.name)}\` | ${String(p.in)} | ${cell(`\`${typeOfSchema(schema)}\``)} | ${p.required === true ? 'yes' : 'no'} | ${describe(schema)} |`);
        }
        lines.push('');
      }

      const requestBody = isRecord(op.requestBody) && isRecord(op.requestBody.content) ? op.requestBody.content['application/json'] : undefined;
      if (isRecord(requestBody) && isRecord(requestBody.schema)) lines.push('**Request body** (JSON)', '', ...bodyLines(requestBody.schema), '');
      else lines.push('**Request body**: none.', '');

      const responses = isRecord(op.responses) ? op.responses : {};
      for (const [status, response] of Object.entries(responses)) {
        if (!status.startsWith('2') || !isRecord(response)) continue;
        const content = isRecord(response.content) ? response.content['application/json'] : undefined;
        if (isRecord(content) && isRecord(content.schema)) lines.push(`**Response** \`${status}\` (JSON)`, '', ...bodyLines(content.schema), '');
        else lines.push(`**Response** \`${status}\`: no body.`, '');
      }

      const codes = codesIn(description);
      lines.push(`**Errors**: ${codes.length > 0 ? codes.join(', ') : 'only those any operation may answer'}.`, '');
    }
  }
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
