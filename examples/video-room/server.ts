/**
 * Plaza video room: one process that runs a Plaza server on embedded defaults (SQLite in
 * ./plaza-data, one mediasoup SFU worker per core), serves a small call page, and mints access
 * tokens for whoever asks.
 *
 * DEMO ONLY: `POST /demo/token` hands a token to anyone who can reach it. A real integration mints
 * tokens in its own backend, after its own login, with `@plaza/server-sdk` (see docs/quickstart.md).
 * That is why this demo listens on 127.0.0.1 unless you set HOST.
 *
 * Environment: PLAZA_PORT or PORT (default 7800), PLAZA_HOST or HOST (default 127.0.0.1),
 * PLAZA_DATA_DIR (default ./plaza-data), PLAZA_LOG_LEVEL (default warn), PLAZA_API_KEY +
 * PLAZA_API_SECRET (otherwise the server's development key pair in <dataDir>/keys.json),
 * PLAZA_RTC_LISTEN_IP / PLAZA_RTC_ANNOUNCED_IP / PLAZA_MEDIA_WORKERS (media, as for plaza-server).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPlazaServer } from '@plaza/server';
import type { PlazaServerOptions } from '@plaza/server';
import { AccessToken } from '@plaza/server-sdk';
import { VideoRoom } from './room.js';

/** Prints a start-up problem without a stack trace and exits. */
function fail(message: string): never {
  process.stderr.write(`video-room: ${message}\n`);
  process.exit(1);
}

// PLAZA_PORT / PLAZA_HOST as for plaza-server; PORT / HOST as most hosting platforms set them.
const port = Number(process.env.PLAZA_PORT ?? process.env.PORT ?? 7800);
const host = process.env.PLAZA_HOST ?? process.env.HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('PLAZA_PORT/PORT must be a port number (0-65535)');
const dataDir = process.env.PLAZA_DATA_DIR ?? './plaza-data';
const logLevel = (process.env.PLAZA_LOG_LEVEL ?? 'warn') as PlazaServerOptions['logLevel'];
const envKey = process.env.PLAZA_API_KEY;
const envSecret = process.env.PLAZA_API_SECRET;
const mediaWorkers = process.env.PLAZA_MEDIA_WORKERS ? Number(process.env.PLAZA_MEDIA_WORKERS) : undefined;

const here = dirname(fileURLToPath(import.meta.url));
// The single-file ESM browser build of @plaza/client (`pnpm start` builds it first).
const bundle = join(here, '../../packages/client/dist/browser/plaza-client.js');
if (!existsSync(bundle)) fail(`the Plaza client browser build is missing (${bundle}); \`pnpm start\` builds it`);

const server = await createPlazaServer({
  port,
  host,
  dataDir,
  logLevel,
  ...(envKey && envSecret ? { apiKeys: { [envKey]: envSecret } } : {}),
  ...(process.env.PLAZA_RTC_LISTEN_IP ? { rtcListenIp: process.env.PLAZA_RTC_LISTEN_IP } : {}),
  ...(process.env.PLAZA_RTC_ANNOUNCED_IP ? { rtcAnnouncedIp: process.env.PLAZA_RTC_ANNOUNCED_IP } : {}),
  ...(mediaWorkers ? { mediaWorkers } : {}),
}).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));

// The key pair tokens are signed with: the one from the environment, or the development pair the
// server generated into <dataDir>/keys.json on its first start.
const { apiKey, apiSecret } =
  envKey && envSecret
    ? { apiKey: envKey, apiSecret: envSecret }
    : (JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')) as { apiKey: string; apiSecret: string });

const room = new VideoRoom(server.store);

// --- static files: the page, its script and style, and the Plaza client browser bundle ---------

const publicFile = (name: string) => readFileSync(join(here, 'public', name), 'utf8');
const files: Record<string, { type: string; body: () => string }> = {
  '/': { type: 'text/html; charset=utf-8', body: () => publicFile('index.html') },
  '/app.js': { type: 'text/javascript; charset=utf-8', body: () => publicFile('app.js') },
  '/style.css': { type: 'text/css; charset=utf-8', body: () => publicFile('style.css') },
  '/plaza-client.js': { type: 'text/javascript; charset=utf-8', body: () => readFileSync(bundle, 'utf8') },
};
for (const [path, file] of Object.entries(files)) {
  server.http.get(path, async (_request, reply) => {
    reply
      .type(file.type)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('permissions-policy', 'camera=(self), microphone=(self), display-capture=(self)')
      .header('content-security-policy', "default-src 'self'; connect-src 'self'; img-src 'self' data:; media-src 'self' blob:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
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
  const conversationId = await room.admit({ id: body.identity, name: body.name.trim() });
  return { token: await token.toJwt(), conversationId };
});

const { url } = await server.listen().catch(async (error: unknown) => {
  await server.close();
  const inUse = (error as { code?: string }).code === 'EADDRINUSE';
  return fail(inUse ? `port ${port} is already in use; start with another one, for example PLAZA_PORT=7801 pnpm start` : String(error));
});
const shown = url.replace('://127.0.0.1:', '://localhost:');
// One JSON line first, for scripts and tests that start the demo on port 0; then the human line.
process.stdout.write(`${JSON.stringify({ msg: 'video-room listening', url })}\n`);
process.stdout.write(`\nPlaza video room running: open ${shown} in two browser tabs and join the call.\n`);
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
