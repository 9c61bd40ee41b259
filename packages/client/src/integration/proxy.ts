import { createServer, request } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/** A TCP proxy in front of a server that can stall: bytes stop flowing both ways, sockets stay open. */
export interface StallingProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  url: string;
  /** Stops forwarding (like a server process stopped with SIGSTOP): nothing is read or written. */
  stall(): void;
  /** Forwards again, including what queued up meanwhile. */
  resume(): void;
  close(): Promise<void>;
}

/** Starts a {@link StallingProxy} to `target` (`http://host:port`). */
export async function startStallingProxy(target: string): Promise<StallingProxy> {
  const { hostname, port } = new URL(target);
  const pairs = new Set<[Socket, Socket]>();
  let stalled = false;
  const server = createTcpServer((client) => {
    const upstream = connect(Number(port), hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    if (stalled) for (const s of pair) s.pause();
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stall() {
      stalled = true;
      for (const pair of pairs) for (const s of pair) s.pause();
    },
    resume() {
      stalled = false;
      for (const pair of pairs) for (const s of pair) s.resume();
    },
    async close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Sees each HTTP request the prefix proxy gets (not WebSocket upgrades) with the path it forwards;
 * `'reset'` cuts the client's connection instead of forwarding (a network failure).
 */
export type ProxyRequestHook = (method: string, path: string) => 'forward' | 'reset';

/**
 * An HTTP reverse proxy that serves `target` under `prefix` (for example `/plaza`), stripping the
 * prefix as nginx's `location /plaza/ { proxy_pass http://plaza/; }` does; WebSocket upgrades included.
 */
export async function startPrefixProxy(target: string, prefix: string, onRequest?: ProxyRequestHook): Promise<{ url: string; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const strip = (req: IncomingMessage): string | null => {
    const url = req.url ?? '/';
    return url.startsWith(`${prefix}/`) ? url.slice(prefix.length) : null;
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const path = strip(req);
    if (path === null) {
      res.writeHead(404).end('not under the prefix');
      return;
    }
    if (onRequest?.(req.method ?? 'GET', path) === 'reset') {
      req.socket.destroy();
      return;
    }
    const upstream = request({ host: hostname, port, method: req.method, path, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, client: Socket, head: Buffer) => {
    const path = strip(req);
    if (path === null) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(port), hostname, () => {
      const headers = Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}: ${x}`) : [`${k}: ${v ?? ''}`]));
      upstream.write([`${req.method ?? 'GET'} ${path} HTTP/1.1`, ...headers, '', ''].join('\r\n'));
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
