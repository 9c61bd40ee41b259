import { createServer, type Server } from 'node:http';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, or the one named by `PLAZA_CHROMIUM`. */
export const CHROMIUM = process.env.PLAZA_CHROMIUM || '/usr/bin/chromium';

/**
 * Flags for headless Chromium on this kind of machine: no background traffic, no throttling of
 * background pages, loopback candidates allowed, the fake 640x360 camera at 30 fps.
 */
const FLAGS = [
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
  '--autoplay-policy=no-user-gesture-required',
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream=fps=30',
];

/** A launched Chromium. */
export interface BenchBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Launches headless Chromium (playwright gives it a fresh empty profile in a temp dir). */
export async function launchChromium(): Promise<BenchBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  return { browser, close: () => browser.close().catch(() => undefined) };
}

/** Bundles a page script for the browser (IIFE; `@plaza/*` resolved through the root tsconfig paths). */
export async function bundlePage(entry: string, tsconfig: string): Promise<string> {
  const result = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'iife', target: 'es2022', write: false, tsconfig, logLevel: 'silent' });
  return result.outputFiles[0]?.text ?? '';
}

/** A static HTTP server on 127.0.0.1 (pages need an http origin for `navigator.mediaDevices`). */
export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves `files` (path → [content type, body]) on a free port of 127.0.0.1. */
export async function startStaticServer(files: Record<string, [string, string | Buffer]>): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0] as string];
    if (file) res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
    else res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An HTML page that loads `scripts` in order. */
export function pageHtml(title: string, scripts: readonly string[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${scripts.map((s) => `<script src="${s}"></script>`).join('')}</body></html>`;
}
