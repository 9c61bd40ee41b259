/**
 * Plaza citizen desk: one process that runs a Plaza server on embedded defaults (SQLite in
 * ./plaza-data-citizen-desk, one mediasoup SFU worker per core), seeds the demo city through the
 * REST API (departments with agents and opening hours, topics routed to them), builds the page
 * with Vite and serves it, and mints access tokens for the demo's people.
 *
 * DEMO ONLY: `POST /demo/token` hands a token for any demo identity (resident or agent) to anyone
 * who can reach it. A real integration mints tokens in its own backend, after its own login, with
 * `@plaza/server-sdk` (see docs/quickstart.md). That is why this demo listens on 127.0.0.1 unless
 * you set HOST.
 *
 * Environment: PLAZA_PORT or PORT (default 7710), PLAZA_HOST or HOST (default 127.0.0.1),
 * PLAZA_DATA_DIR (default ./plaza-data-citizen-desk), PLAZA_LOG_LEVEL (default warn),
 * PLAZA_API_KEY + PLAZA_API_SECRET (otherwise the server's development key pair in
 * <dataDir>/keys.json), PLAZA_RTC_LISTEN_IP / PLAZA_RTC_ANNOUNCED_IP / PLAZA_MEDIA_WORKERS (media,
 * as for plaza-server).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPlazaServer } from '@plaza/server';
import type { PlazaServerOptions } from '@plaza/server';
import { AccessToken, PlazaApi } from '@plaza/server-sdk';
import { buildApp } from './buildApp.js';
import { IDENTITIES } from './city.js';
import { seedCity } from './seed.js';

/** Prints a start-up problem without a stack trace and exits. */
function fail(message: string): never {
  process.stderr.write(`citizen-desk: ${message}\n`);
  process.exit(1);
}

// PLAZA_PORT / PLAZA_HOST as for plaza-server; PORT / HOST as most hosting platforms set them.
const port = Number(process.env.PLAZA_PORT ?? process.env.PORT ?? 7710);
const host = process.env.PLAZA_HOST ?? process.env.HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('PLAZA_PORT/PORT must be a port number (0-65535)');
const dataDir = process.env.PLAZA_DATA_DIR ?? './plaza-data-citizen-desk';
const logLevel = (process.env.PLAZA_LOG_LEVEL ?? 'warn') as PlazaServerOptions['logLevel'];
const envKey = process.env.PLAZA_API_KEY;
const envSecret = process.env.PLAZA_API_SECRET;
const mediaWorkers = process.env.PLAZA_MEDIA_WORKERS ? Number(process.env.PLAZA_MEDIA_WORKERS) : undefined;

// Build the page first: a broken build should stop the demo before anything listens.
const files = await buildApp().catch((error: unknown) => fail(`the page did not build: ${error instanceof Error ? error.message : String(error)}`));

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

// The key pair tokens and REST calls are signed with: the one from the environment, or the
// development pair the server generated into <dataDir>/keys.json on its first start.
const { apiKey, apiSecret } =
  envKey && envSecret
    ? { apiKey: envKey, apiSecret: envSecret }
    : (JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')) as { apiKey: string; apiSecret: string });

// --- the page, as Vite built it ---------------------------------------------------------------

const securityHeaders = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(self), microphone=(self), geolocation=(self)',
  // blob: for the photo preview and call video; signed file URLs are same-origin.
  'content-security-policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};
for (const [path, file] of files) {
  server.http.get(path, async (_request, reply) => reply.type(file.type).headers(securityHeaders).send(file.body));
}

// --- DEMO ONLY: mint a token for any demo identity ----------------------------------------------

server.http.post('/demo/token', async (request, reply) => {
  const body = (request.body ?? {}) as { identity?: unknown };
  const identity = IDENTITIES.find((p) => p.id === body.identity);
  if (!identity) return reply.code(400).send({ error: `send {"identity": one of ${IDENTITIES.map((p) => p.id).join(', ')}}` });
  const token = new AccessToken(apiKey, apiSecret, { identity: identity.id, name: identity.name, ttl: '10m' });
  return { token: await token.toJwt() };
});

const { url } = await server.listen().catch(async (error: unknown) => {
  await server.close();
  const inUse = (error as { code?: string }).code === 'EADDRINUSE';
  return fail(inUse ? `port ${port} is already in use; start with another one, for example PLAZA_PORT=7711 pnpm start` : String(error));
});

// The city, through the same REST API a city's own systems would use.
try {
  await seedCity(new PlazaApi({ url, apiKey, apiSecret }));
} catch (error) {
  await server.close();
  fail(`seeding the demo city failed: ${error instanceof Error ? error.message : String(error)}`);
}

const shown = url.replace('://127.0.0.1:', '://localhost:');
// One JSON line first, for scripts and tests that start the demo on port 0; then the human line.
process.stdout.write(`${JSON.stringify({ msg: 'citizen-desk listening', url })}\n`);
process.stdout.write(`\nPlaza citizen desk running: open ${shown} in one tab as a resident and in another as an agent.\n`);
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
