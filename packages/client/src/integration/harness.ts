import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPlazaServer } from '@plaza/server';
import type { PlazaServer, PlazaServerOptions } from '@plaza/server';
import { AccessToken } from '@plaza/server-sdk';
import { PlazaClient } from '../PlazaClient.js';
import type { PlazaClientOptions } from '../PlazaClient.js';
import { createLogger } from '../logger.js';

/** The API key every harness server accepts (for REST calls in tests). */
export const KEY = 'PKclienttests';
/** Secret of {@link KEY}. */
export const SECRET = 'client-integration-secret-0123456789abcdef';

/** A real Plaza server in-process on a free port with a temp data dir, plus client helpers. */
export interface Harness {
  url: string;
  /** The server's data directory (its SQLite file is `plaza.db`). */
  dataDir: string;
  server: PlazaServer;
  /** Mints a real token for `identity`. */
  token(identity: string, ttl?: number | string): Promise<string>;
  /** A connected client for `identity` (closed by `close()`). */
  client(identity: string, options?: PlazaClientOptions): Promise<PlazaClient>;
  /** A client that is not connected yet (closed by `close()`). */
  newClient(options?: PlazaClientOptions): PlazaClient;
  /** Stops the server (graceful close); clients start reconnecting. */
  stop(): Promise<void>;
  /** Starts the server again on the same port with the same data dir. */
  start(): Promise<void>;
  /** Disconnects every client, closes the server and deletes the data dir. */
  close(): Promise<void>;
}

/** Reconnect quickly in tests. */
export const fastPolicy = { nextDelayMs: () => 50 };

/** Starts a {@link Harness}; `serverOptions` are passed to every start of the server. */
export async function startHarness(serverOptions: PlazaServerOptions = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'plaza-client-test-'));
  const make = (port: number) =>
    createPlazaServer({ ...serverOptions, port, host: '127.0.0.1', dataDir, apiKeys: { [KEY]: SECRET }, logLevel: 'silent' });
  let server = await make(0);
  const { url, port } = await server.listen();
  const clients: PlazaClient[] = [];
  const newClient = (options: PlazaClientOptions = {}) => {
    const c = new PlazaClient(url, { webSocketOnly: true, reconnectPolicy: fastPolicy, logger: createLogger('error'), ...options });
    clients.push(c);
    return c;
  };
  const token = (identity: string, ttl: number | string = '1h') =>
    new AccessToken(KEY, SECRET, { identity, name: `Name of ${identity}`, ttl }).toJwt();
  let running = true;
  return {
    url,
    dataDir,
    get server() {
      return server;
    },
    token,
    newClient,
    async client(identity, options) {
      const c = newClient(options);
      await c.connect(() => token(identity));
      return c;
    },
    async stop() {
      running = false;
      await server.close();
    },
    async start() {
      server = await make(port);
      await server.listen();
      running = true;
    },
    async close() {
      await Promise.all(clients.map((c) => c.disconnect()));
      if (running) await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `predicate` holds, polling; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
