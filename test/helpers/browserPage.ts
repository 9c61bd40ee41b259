import { createServer } from 'node:http';
import type { Server } from 'node:http';

/** Debian's Chromium, or the one named by `PLAZA_CHROMIUM`. */
export const CHROMIUM = process.env.PLAZA_CHROMIUM || '/usr/bin/chromium';

/** Launch flags that work on this kind of machine (see ENVIRONMENT.md): headless, no background traffic, no throttling. */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/**
 * {@link CHROMIUM_FLAGS} plus what calls need: fake camera, microphone and screen without prompts,
 * loopback ICE candidates (tests run in a loopback-only network namespace) and autoplay.
 */
export const CALL_CHROMIUM_FLAGS = [
  ...CHROMIUM_FLAGS,
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

/** A tiny HTTP server on 127.0.0.1 that serves a test page and the client's browser bundle. */
export interface PageServer {
  /** The page's origin, `http://127.0.0.1:<port>` (another origin than the Plaza server's). */
  origin: string;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Serves `html` at `/`, the browser bundle at `/plaza-client.js` and an empty favicon (so Chromium
 * logs no 404), on a free port of 127.0.0.1.
 */
export async function startPageServer(bundle: Buffer, html: string): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/plaza-client.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
    else if (req.url === '/' || req.url === '/index.html') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    else if (req.url === '/favicon.ico') res.writeHead(204).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
