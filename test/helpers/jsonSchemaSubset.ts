/**
 * A small JSON Schema (draft 2020-12) checker for the subset the OpenAPI document of the REST API
 * uses, so tests can check answers against the document itself rather than against the zod schemas
 * it was generated from. A keyword it does not know is an error, never silently ignored: a checker
 * that skips what it cannot read would pass anything.
 */

type Schema = Record<string, unknown> | boolean;

/** Keywords that describe and never constrain. */
const ANNOTATIONS = new Set(['description', 'title', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', '$comment']);
const CHECKED = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'minItems',
  'maxItems',
  'enum',
  'const',
  'anyOf',
  'oneOf',
  'allOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  '$ref',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Problems of `value` against `schema`, as `path: what` lines (empty when it conforms).
 *
 * @param schema - a JSON Schema of the subset
 * @param value - the value to check
 * @param root - the document `$ref`s resolve against (`#/components/schemas/…`)
 * @throws Error on a keyword or format outside the subset
 */
export function schemaProblems(schema: Schema, value: unknown, root: Record<string, unknown>, path = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value allowed`];
  for (const key of Object.keys(schema)) {
    if (!CHECKED.has(key) && !ANNOTATIONS.has(key)) throw new Error(`jsonSchemaSubset: unsupported keyword ${key} at ${path}`);
  }
  const problems: string[] = [];
  const fail = (what: string) => problems.push(`${path}: ${what}`);

  if (typeof schema.$ref === 'string') {
    const target = schema.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, part) => (isRecord(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), root);
    if (!isRecord(target) && typeof target !== 'boolean') throw new Error(`jsonSchemaSubset: unresolvable $ref ${schema.$ref}`);
    problems.push(...schemaProblems(target as Schema, value, root, path));
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return [`${path}: expected ${types.join(' or ')}, got ${actual}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) {
    fail(`expected one of ${JSON.stringify(schema.enum)}, got ${JSON.stringify(value)}`);
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) fail(`expected ${JSON.stringify(schema.const)}`);
  for (const [keyword, combine] of [
    ['anyOf', (n: number) => n >= 1],
    ['oneOf', (n: number) => n === 1],
  ] as const) {
    const options = schema[keyword];
    if (!Array.isArray(options)) continue;
    const matching = options.filter((option: Schema) => schemaProblems(option, value, root, path).length === 0).length;
    if (!combine(matching)) fail(`${keyword}: ${matching} of ${options.length} alternatives match`);
  }
  if (Array.isArray(schema.allOf)) for (const part of schema.allOf as Schema[]) problems.push(...schemaProblems(part, value, root, path));

  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength) fail(`shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength) fail(`longer than ${schema.maxLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) fail(`does not match ${schema.pattern}`);
    if (typeof schema.format === 'string') {
      if (schema.format === 'date-time') {
        if (Number.isNaN(Date.parse(value)) || !/^\d{4}-\d\d-\d\dT/.test(value)) fail('not a date-time');
      } else if (schema.format === 'uri') {
        if (!URL.canParse(value)) fail('not a URI');
      } else {
        throw new Error(`jsonSchemaSubset: unsupported format ${schema.format} at ${path}`);
      }
    }
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) fail(`below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) fail(`above ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) fail(`not above ${schema.exclusiveMinimum}`);
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) fail(`not below ${schema.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail(`fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) fail(`more than ${schema.maxItems} items`);
    if (schema.items !== undefined) value.forEach((item, i) => problems.push(...schemaProblems(schema.items as Schema, item, root, `${path}[${i}]`)));
  }
  if (isRecord(value)) {
    const properties = isRecord(schema.properties) ? (schema.properties as Record<string, Schema>) : {};
    for (const name of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
      if (!(name in value)) fail(`missing required property ${name}`);
    }
    for (const [name, item] of Object.entries(value)) {
      const where = `${path}.${name}`;
      if (schema.propertyNames !== undefined) problems.push(...schemaProblems(schema.propertyNames as Schema, name, root, `${where} (name)`));
      const known = properties[name];
      if (known !== undefined) problems.push(...schemaProblems(known, item, root, where));
      else if (schema.additionalProperties !== undefined) {
        problems.push(...(schema.additionalProperties === false ? [`${where}: not allowed`] : schemaProblems(schema.additionalProperties as Schema, item, root, where)));
      }
    }
  }
  return problems;
}
