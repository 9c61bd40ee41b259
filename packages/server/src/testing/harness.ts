import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '@plaza/protocol';
import type { Ack, Grants, RequestName, RequestOf, ResponseOf, ServerToClientEvents, WireError } from '@plaza/protocol';
import { AccessToken } from '@plaza/server-sdk';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { createPlazaServer } from '../createPlazaServer.js';
import type { PlazaServerOptions } from '../createPlazaServer.js';
import type { PlazaServer } from '../PlazaServer.js';

/** The API key pair every test server accepts. */
export const TEST_KEY = 'PKtest';
/** Secret of {@link TEST_KEY}. */
export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

/** Options of {@link TestServer.connect}. */
export interface ConnectOptions {
  /** Token to send instead of minting one for the identity. */
  token?: string | null;
  /** Grants of the minted token. */
  grants?: Grants;
  /** Lifetime of the minted token. */
  ttl?: number | string;
  /** Protocol version to claim. @default PROTOCOL_VERSION */
  protocolVersion?: unknown;
  /** Extra HTTP headers of the handshake (for example Origin). */
  headers?: Record<string, string>;
}

/** A raw socket.io client socket. */
export type RawSocket = Socket;

/** A real server on port 0 in a temp data dir, and helpers to talk to it with raw sockets. */
export interface TestServer {
  server: PlazaServer;
  url: string;
  /** Mints a token for `identity`. */
  token(identity: string, grants?: Grants, ttl?: number | string): Promise<string>;
  /** Connects a raw socket as `identity`; rejects with the `connect_error` error. */
  connect(identity: string, options?: ConnectOptions): Promise<RawSocket>;
  /** Closes every socket, the server, and deletes the data dir. */
  close(): Promise<void>;
}

/** Starts a {@link TestServer}. */
export async function startTestServer(options: PlazaServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'plaza-server-test-'));
  const server = await createPlazaServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    apiKeys: { [TEST_KEY]: TEST_SECRET },
    logLevel: 'silent',
    // One media worker, on loopback: enough for every test and light on a small machine.
    mediaWorkers: 1,
    rtcListenIp: '127.0.0.1',
    ...options,
  });
  const { url } = await server.listen();
  const sockets: RawSocket[] = [];
  const token = (identity: string, grants: Grants = {}, ttl: number | string = '1h') =>
    new AccessToken(TEST_KEY, TEST_SECRET, { identity, name: `Name of ${identity}`, ttl }).grant(grants).toJwt();
  return {
    server,
    url,
    token,
    async connect(identity, opts = {}) {
      const t = opts.token === undefined ? await token(identity, opts.grants, opts.ttl) : opts.token;
      const auth: Record<string, unknown> = { protocolVersion: opts.protocolVersion ?? PROTOCOL_VERSION };
      if (t !== null) auth.token = t;
      const socket = io(url, {
        auth,
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        extraHeaders: opts.headers ?? {},
      });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (err) => reject(err));
      });
      return socket;
    },
    async close() {
      for (const s of sockets) s.disconnect();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Sends a request and resolves with its raw `Ack`. */
export async function ask<K extends RequestName>(socket: RawSocket, event: K, payload: RequestOf<K>): Promise<Ack<ResponseOf<K>>> {
  return (await socket.timeout(5000).emitWithAck(event, payload)) as Ack<ResponseOf<K>>;
}

/** Sends a request and resolves with its data; throws when the answer is an error. */
export async function ok<K extends RequestName>(socket: RawSocket, event: K, payload: RequestOf<K>): Promise<ResponseOf<K>> {
  const answer = await ask(socket, event, payload);
  if (!answer.ok) throw new Error(`${event} failed: ${answer.error.code} ${answer.error.message}`);
  return answer.data;
}

/** Sends a request that must fail and resolves with its wire error. */
export async function fails<K extends RequestName>(socket: RawSocket, event: K, payload: unknown): Promise<WireError> {
  const answer = (await socket.timeout(5000).emitWithAck(event, payload)) as Ack<unknown>;
  if (answer.ok) throw new Error(`${event} succeeded but was expected to fail`);
  return answer.error;
}

/** Resolves with the next `event` on `socket` that matches `filter`, or rejects after `timeoutMs`. */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: RawSocket,
  event: E,
  filter: (...args: Parameters<ServerToClientEvents[E]>) => boolean = () => true,
  timeoutMs = 5000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      if (!(filter as (...a: unknown[]) => boolean)(...args)) return;
      clearTimeout(timer);
      socket.off(event as string, listener);
      resolve(args[0] as Parameters<ServerToClientEvents[E]>[0]);
    };
    const timer = setTimeout(() => {
      socket.off(event as string, listener);
      reject(new Error(`no ${String(event)} event within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(event as string, listener);
  });
}

/** Collects every `event` on `socket` into an array (for asserting that something did NOT arrive). */
export function collect<E extends keyof ServerToClientEvents>(socket: RawSocket, event: E): Parameters<ServerToClientEvents[E]>[0][] {
  const seen: Parameters<ServerToClientEvents[E]>[0][] = [];
  socket.on(event as string, (payload: Parameters<ServerToClientEvents[E]>[0]) => seen.push(payload));
  return seen;
}

/** Round-trips a cheap request, so every event the server emitted before it has arrived. */
export async function settle(socket: RawSocket): Promise<void> {
  await ok(socket, 'session:hello', {});
}
