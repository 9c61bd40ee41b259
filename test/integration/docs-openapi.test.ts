import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderOpenApiMarkdown } from '../../packages/server/src/api/renderOpenApiMarkdown.js';
import { startTestServer } from '../../packages/server/src/testing/harness.js';
import type { TestServer } from '../../packages/server/src/testing/harness.js';

/**
 * docs/openapi.json and docs/rest-api.md are generated: the document exactly as a real server
 * serves it (pretty-printed) and its Markdown rendering. This test regenerates both and fails when
 * the committed files differ; with PLAZA_UPDATE_DOCS=1 it rewrites them instead.
 */

const UPDATE = process.env.PLAZA_UPDATE_DOCS === '1';
const OPENAPI_JSON = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));
const REST_API_MD = fileURLToPath(new URL('../../docs/rest-api.md', import.meta.url));

let server: TestServer;
let served: Record<string, unknown>;

beforeAll(async () => {
  server = await startTestServer({ calls: false });
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  served = (await response.json()) as Record<string, unknown>;
});

afterAll(async () => {
  await server?.close();
});

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Compares a generated file with the committed one, or rewrites it under PLAZA_UPDATE_DOCS=1. */
function expectCommitted(file: string, generated: string): void {
  if (UPDATE) {
    writeFileSync(file, generated);
    return;
  }
  expect(readOrEmpty(file), `${file} is stale: run PLAZA_UPDATE_DOCS=1 pnpm vitest run test/integration/docs-openapi.test.ts`).toBe(generated);
}

describe('generated REST API docs', () => {
  it('docs/openapi.json is the document the server serves', () => {
    expectCommitted(OPENAPI_JSON, `${JSON.stringify(served, null, 2)}\n`);
  });

  it('docs/rest-api.md is the rendering of that document', () => {
    expectCommitted(REST_API_MD, renderOpenApiMarkdown(served));
  });

  it('the rendering has every operation with its method and path, every tag, and no machine paths', () => {
    const markdown = renderOpenApiMarkdown(served);
    const paths = served.paths as Record<string, Record<string, { operationId: string; tags: string[] }>>;
    for (const [path, methods] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(methods)) {
        expect(markdown).toContain(`### ${op.operationId}\n`);
        expect(markdown).toContain(`\`${method.toUpperCase()} ${path}\``);
        expect(markdown).toContain(`## ${op.tags[0]}\n`);
      }
    }
    expect(markdown).toContain(`Version ${(served.info as { version: string }).version}`);
    expect(markdown).not.toMatch(/\/(home|tmp|Users|work)\//);
    expect(renderOpenApiMarkdown(structuredClone(served))).toBe(markdown);
  });
});
