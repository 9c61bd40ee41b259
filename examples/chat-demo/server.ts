/**
 * Plaza chat demo: one process that runs a Plaza server on embedded defaults (SQLite in
 * ./plaza-data), serves a small chat page, and mints access tokens for whoever asks.
 *
 * DEMO ONLY: `POST /demo/token` hands a token to anyone who can reach it. A real integration mints
 * tokens in its own backend, after its own login, with `@plaza/server-sdk` (see docs/quickstart.md).
 * That is why this demo listens on 127.0.0.1 unless you set HOST.
 *
 * Environment: PLAZA_PORT or PORT (default 7700), PLAZA_HOST or HOST (default 127.0.0.1),
 * PLAZA_DATA_DIR (default ./plaza-data),
 * PLAZA_LOG_LEVEL (default warn), PLAZA_API_KEY + PLAZA_API_SECRET (otherwise the server's
 * development key pair in <dataDir>/keys.json is used).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPlazaServer } from '@plaza/server';
import type { PlazaServerOptions } from '@plaza/server';
import { AccessToken } from '@plaza/server-sdk';
import { TownSquare } from './townSquare.js';

// PLAZA_PORT / PLAZA_HOST as for plaza-server; PORT / HOST as most hosting platforms set them.
const port = Number(process.env.PLAZA_PORT ?? process.env.PORT ?? 7700);
const host = process.env.PLAZA_HOST ?? process.env.HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`chat-demo: PLAZA_PORT/PORT must be a port number (0-65535)\n`);
  process.exit(1);
}
const dataDir = process.env.PLAZA_DATA_DIR ?? './plaza-data';
const logLevel = (process.env.PLAZA_LOG_LEVEL ?? 'warn') as PlazaServerOptions['logLevel'];
const envKey = process.env.PLAZA_API_KEY;
const envSecret = process.env.PLAZA_API_SECRET;

// Fail early and clearly when the packages were not built.
const bundle = clientBundlePath();
if (!existsSync(bundle)) {
  process.stderr.write(`The Plaza client browser build is missing (${bundle}).\nRun \`pnpm build\` at the repository root first (\`pnpm start\` does).\n`);
  process.exit(1);
}

/** Prints a start-up problem without a stack trace and exits. */
function fail(message: string): never {
  process.stderr.write(`chat-demo: ${message}\n`);
  process.exit(1);
}

const server = await createPlazaServer({
  port,
  host,
  dataDir,
  logLevel,
  ...(envKey && envSecret ? { apiKeys: { [envKey]: envSecret } } : {}),
}).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));

// The key pair tokens are signed with: the one from the environment, or the development pair the
// server generated into <dataDir>/keys.json on its first start.
const { apiKey, apiSecret } =
  envKey && envSecret
    ? { apiKey: envKey, apiSecret: envSecret }
    : (JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')) as { apiKey: string; apiSecret: string });

const townSquare = new TownSquare(server.store);

// --- static files: the page, its script and style, and the Plaza client browser bundle ---------

const here = dirname(fileURLToPath(import.meta.url));
const publicFile = (name: string) => readFileSync(join(here, 'public', name), 'utf8');

/** Finds the single-file ESM browser build of @plaza/client (built by `pnpm build`). */
function clientBundlePath(): string {
  try {
    return fileURLToPath(import.meta.resolve('@plaza/client/browser'));
  } catch {
    const pkg = createRequire(import.meta.url).resolve('@plaza/client/package.json');
    return join(dirname(pkg), 'dist', 'browser', 'plaza-client.js');
  }
}

const files: Record<string, { type: string; body: () => string }> = {
  '/': { type: 'text/html; charset=utf-8', body: () => publicFile('index.html') },
  '/app.js': { type: 'text/javascript; charset=utf-8', body: () => publicFile('app.js') },
  '/style.css': { type: 'text/css; charset=utf-8', body: () => publicFile('style.css') },
  '/plaza-client.js': { type: 'text/javascript; charset=utf-8', body: () => readFileSync(clientBundlePath(), 'utf8') },
};


for (const [path, file] of Object.entries(files)) {
  server.http.get(path, async (_request, reply) => {
    reply
      .type(file.type)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    return file.body();
  });
}

// --- DEMO ONLY: mint a token for anyone -------------------------------------------------------

server.http.post('/demo/token', async (request, reply) => {
  const body = (request.body ?? {}) as { identity?: unknown; name?: unknown };
  if (typeof body.identity !== 'string' || typeof body.name !== 'string') {
    return reply.code(400).send({ error: 'send {"identity": "...", "name": "..."}' });
  }
  let token: AccessToken;
  try {
    token = new AccessToken(apiKey, apiSecret, { identity: body.identity, name: body.name.trim(), ttl: '10m' });
  } catch (error) {
    return reply.code(400).send({ error: (error as Error).message });
  }
  const conversationId = await townSquare.admit({ id: body.identity, name: body.name.trim() });
  return { token: await token.toJwt(), conversationId };
});

const { url } = await server.listen().catch(async (error: unknown) => {
  await server.close();
  const inUse = (error as { code?: string }).code === 'EADDRINUSE';
  return fail(inUse ? `port ${port} is already in use; start with another one, for example PLAZA_PORT=7701 pnpm start` : String(error));
});
const shown = url.replace('://127.0.0.1:', '://localhost:');
process.stdout.write(`\nPlaza chat demo running: open ${shown} in two browser tabs and chat.\n`);
process.stdout.write('Press Ctrl+C to stop.\n\n');

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
