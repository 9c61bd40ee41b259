import { io, type Socket } from 'socket.io-client';

/** A socket.io client socket with untyped events (the load clients speak both protocols). */
export type LoadSocket = Socket;

/**
 * Opens one WebSocket-only socket.io connection (own engine, no reconnection) and resolves once
 * connected; rejects with the `connect_error` (its `data` carries Plaza's WireError).
 */
export function connectSocket(url: string, auth?: Record<string, unknown>, timeoutMs = 20_000): Promise<LoadSocket> {
  const socket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: timeoutMs,
    ...(auth ? { auth } : {}),
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('connect_error');
      resolve(socket);
    });
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      socket.close();
      const detail = err.data ? ` ${JSON.stringify(err.data)}` : '';
      reject(new Error(`connect to ${url} failed: ${err.message}${detail}`));
    });
  });
}

/** Runs `fn` over `items` with at most `concurrency` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** Emits `event` with `args` and resolves with the ack's answer (rejects after `timeoutMs`). */
export function request<T = unknown>(socket: LoadSocket, event: string, payload: unknown, timeoutMs = 30_000): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}
