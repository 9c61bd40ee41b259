import { createRequire } from 'node:module';
import { PROTOCOL_VERSION } from '@plaza/protocol';
import type { Ack, WireError } from '@plaza/protocol';

// socket.io-client is a dependency of @plaza/client, not of the repository root: load it from there.
const requireFromClient = createRequire(new URL('../../packages/client/package.json', import.meta.url));

/** The engine.io socket under a socket.io-client socket (the parts tests use). */
export interface RawEngine {
  write(data: string): void;
  on(event: 'packet', listener: (packet: { type: string; data?: unknown }) => void): unknown;
  off(event: 'packet', listener: (packet: { type: string; data?: unknown }) => void): unknown;
}

/** The parts of a socket.io-client `Socket` the tests use. */
export interface RawSocket {
  readonly connected: boolean;
  readonly id: string | undefined;
  readonly io: { engine: RawEngine };
  emit(event: string, ...args: unknown[]): RawSocket;
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
  on(event: string, listener: (...args: any[]) => void): RawSocket;
  once(event: string, listener: (...args: any[]) => void): RawSocket;
  off(event: string, listener?: (...args: any[]) => void): RawSocket;
  connect(): RawSocket;
  disconnect(): RawSocket;
}

type IoFactory = (url: string, options: Record<string, unknown>) => RawSocket;
const { io } = requireFromClient('socket.io-client') as { io: IoFactory };

/** Options of {@link openRawSocket}. */
export interface RawSocketOptions {
  /** Handshake token; `undefined` sends none. */
  token?: string | undefined;
  /** Handshake protocol version. @default PROTOCOL_VERSION */
  protocolVersion?: unknown;
  /** Replace the whole handshake `auth` object. */
  auth?: Record<string, unknown>;
  /** Extra HTTP headers (Node only), for example `Origin`. */
  headers?: Record<string, string>;
  /** Transports. @default ['websocket'] */
  transports?: string[];
}

/** A socket.io connect refusal: the `Error` with the server's `WireError` in `data`. */
export interface ConnectRefusal extends Error {
  data?: WireError;
}

const openSockets = new Set<RawSocket>();

/** Creates a raw socket.io-client socket (no reconnection, not yet connected). */
export function createRawSocket(url: string, options: RawSocketOptions = {}): RawSocket {
  const auth = options.auth ?? {
    ...(options.token === undefined ? {} : { token: options.token }),
    protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
  };
  const socket = io(url, {
    auth,
    autoConnect: false,
    reconnection: false,
    forceNew: true,
    transports: options.transports ?? ['websocket'],
    extraHeaders: options.headers,
  });
  openSockets.add(socket);
  return socket;
}

/** Connects a raw socket; resolves once connected, rejects with the refusal (`err.data`). */
export function openRawSocket(url: string, options: RawSocketOptions = {}, timeoutMs = 10_000): Promise<RawSocket> {
  const socket = createRawSocket(url, options);
  return new Promise<RawSocket>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.disconnect();
      reject(new Error(`raw socket to ${url} neither connected nor was refused within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error: ConnectRefusal) => {
      clearTimeout(timer);
      socket.disconnect();
      reject(error);
    });
    socket.connect();
  });
}

/** Connects and expects a refusal; resolves with it (and fails if the connection is accepted). */
export async function expectRefused(url: string, options: RawSocketOptions): Promise<ConnectRefusal> {
  try {
    const socket = await openRawSocket(url, options);
    socket.disconnect();
  } catch (error) {
    return error as ConnectRefusal;
  }
  throw new Error('connection was accepted but should have been refused');
}

/** Sends a request through socket.io's ack mechanism and resolves with the server's answer. */
export async function request<T = unknown>(socket: RawSocket, name: string, payload?: unknown, timeoutMs = 5_000): Promise<Ack<T>> {
  const args = payload === undefined ? [] : [payload];
  return (await socket.timeout(timeoutMs).emitWithAck(name, ...args)) as Ack<T>;
}

/** Like {@link request} but throws unless the answer is `ok`, and returns its data. */
export async function requestOk<T = unknown>(socket: RawSocket, name: string, payload?: unknown): Promise<T> {
  const answer = await request<T>(socket, name, payload);
  if (!answer.ok) throw new Error(`${name} failed: ${JSON.stringify(answer.error)}`);
  return answer.data;
}

let nextRawAckId = 1_000_000;

/**
 * Sends an EVENT packet whose arguments are given as raw JSON text (for example with a
 * `"__proto__"` key, which a JavaScript object literal cannot carry), with an ack id, and
 * resolves with the server's ack arguments. The server's socket.io parser `JSON.parse`s it.
 */
export function rawRequest(socket: RawSocket, name: string, payloadJson: string, timeoutMs = 5_000): Promise<unknown[]> {
  const id = nextRawAckId++;
  const engine = socket.io.engine;
  return new Promise<unknown[]>((resolve, reject) => {
    const onPacket = (packet: { type: string; data?: unknown }) => {
      if (packet.type !== 'message' || typeof packet.data !== 'string') return;
      const prefix = `3${id}[`;
      if (!packet.data.startsWith(prefix)) return;
      engine.off('packet', onPacket);
      clearTimeout(timer);
      resolve(JSON.parse(packet.data.slice(prefix.length - 1)) as unknown[]);
    };
    const timer = setTimeout(() => {
      engine.off('packet', onPacket);
      reject(new Error(`no ack for raw ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    engine.on('packet', onPacket);
    engine.write(`2${id}[${JSON.stringify(name)},${payloadJson}]`);
  });
}

/** Disconnects every raw socket created so far. */
export function closeRawSockets(): void {
  for (const socket of openSockets) socket.disconnect();
  openSockets.clear();
}
