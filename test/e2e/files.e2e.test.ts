import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlazaClient, silentLogger } from '@plaza/client';
import type { Message } from '@plaza/protocol';
import { ServerProcess, stopAllServers } from '../helpers/ServerProcess.js';
import { CHROMIUM, CHROMIUM_FLAGS, startPageServer } from '../helpers/browserPage.js';
import type { PageServer } from '../helpers/browserPage.js';
import { ensureBrowserBundle } from '../helpers/browserBundle.js';
import { removeTempDirs } from '../helpers/tempDirs.js';
import { mintToken } from '../helpers/tokens.js';
import { makeImage, sha256Hex } from '../helpers/files.js';
import { waitFor } from '../helpers/waitFor.js';

/**
 * File sharing from real Chromium (Debian's, driven by playwright-core) through the browser
 * bundle: a file picked in an `<input type=file>` is sent with `conversation.sendFile`, progress
 * is reported, a Node client receives the message with the attachment and downloads the same
 * bytes through a signed URL; the page downloads them too, and an image's thumbnail loads.
 */


const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Plaza e2e files</title></head>
<body>
<h1>Plaza browser files</h1>
<input type="file" id="picker">
<div id="images"></div>
<script type="module">
  import * as Plaza from '/plaza-client.js';
  window.Plaza = Plaza;
  window.plazaLoaded = true;
</script>
</body>
</html>`;

type Progress = { bytesSent: number; bytesTotal: number };

let pageServer: PageServer | undefined;
let pageOrigin: string;
let server: ServerProcess;
let browser: Browser;
let page: Page;
let nodeClient: PlazaClient;
const pageErrors: string[] = [];

beforeAll(async () => {
  const bundle = readFileSync(ensureBrowserBundle());
  pageServer = await startPageServer(bundle, PAGE);
  pageOrigin = pageServer.origin;
  // The page is on another origin than the Plaza server: uploads and downloads are cross-origin.
  server = await ServerProcess.start({ args: ['--allowed-origins', pageOrigin] });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console.error: ${message.text()} (${message.location().url})`);
  });
  nodeClient = new PlazaClient(server.url, { logger: silentLogger });
  await nodeClient.connect(() => mintToken('node-clerk'));

  await page.goto(`${pageOrigin}/`);
  await page.waitForFunction(() => (window as unknown as { plazaLoaded?: boolean }).plazaLoaded === true, undefined, { timeout: 15_000 });
  const token = await mintToken('browser-resident');
  await page.evaluate(
    async ({ url, token: t }) => {
      const w = window as any;
      const plaza = new w.Plaza.PlazaClient(url, { webSocketOnly: true });
      await plaza.connect(t);
      w.plaza = plaza;
      w.conv = await plaza.conversations.openDirect('node-clerk');
    },
    { url: server.url, token },
  );
});

afterAll(async () => {
  await nodeClient?.disconnect();
  await browser?.close();
  await stopAllServers();
  await pageServer?.close();
  removeTempDirs();
});

/** Picks `bytes` as `name` in the page's file input and sends it with `sendFile`, recording progress. */
async function sendFromPage(name: string, mimeType: string, bytes: Buffer, text: string) {
  await page.setInputFiles('#picker', { name, mimeType, buffer: bytes });
  return page.evaluate(
    async ({ text: t }) => {
      const w = window as any;
      const file = (document.getElementById('picker') as HTMLInputElement).files![0]!;
      const progress: { bytesSent: number; bytesTotal: number }[] = [];
      const handle = w.conv.sendFile(file, { text: t, onProgress: (p: any) => progress.push({ bytesSent: p.bytesSent, bytesTotal: p.bytesTotal }) });
      const message = await handle.done;
      return { message: JSON.parse(JSON.stringify(message)), progress, fileName: file.name, fileSize: file.size };
    },
    { text },
  );
}

/** Downloads `url` inside the page and returns the SHA-256 (hex) of what it got, with its status. */
function downloadInPage(url: string): Promise<{ status: number; sha256: string; length: number }> {
  return page.evaluate(async (u) => {
    const response = await fetch(u);
    const bytes = await response.arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    return { status: response.status, sha256, length: bytes.byteLength };
  }, url);
}

describe('files between Chromium and Node', () => {
  it('a file picked in the page arrives at the Node client with the same bytes; progress rises to the total', async () => {
    const nodeConv = await nodeClient.conversations.openDirect('browser-resident');
    const received: Message[] = [];
    nodeConv.on('message', (m: Message) => received.push(m));
    const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3 * 1024 * 1024)]);

    const sent = await sendFromPage('Bauantrag 2026.pdf', 'application/pdf', bytes, 'the application form');
    const total = bytes.length;
    expect(sent.fileSize).toBe(total);
    const sentMessage = sent.message as Message;
    expect(sentMessage.attachments).toHaveLength(1);
    expect(sentMessage.attachments[0]).toMatchObject({ name: 'Bauantrag 2026.pdf', size: total, sha256: sha256Hex(bytes), mimeType: 'application/pdf' });

    const sentBytes = (sent.progress as Progress[]).map((p) => p.bytesSent);
    expect(sentBytes.length).toBeGreaterThan(0);
    for (let i = 1; i < sentBytes.length; i++) expect(sentBytes[i], `progress event ${i}: ${sentBytes.join(',')}`).toBeGreaterThan(sentBytes[i - 1] as number);
    expect(sent.progress.at(-1)).toEqual({ bytesSent: total, bytesTotal: total });
    for (const p of sent.progress as Progress[]) expect(p.bytesTotal).toBe(total);

    const got = await waitFor('the Node client to receive the message', () => received.find((m) => m.id === sentMessage.id), { timeoutMs: 20_000 });
    expect(got.text).toBe('the application form');
    expect(got.attachments).toEqual(sentMessage.attachments);
    const fileId = got.attachments[0]!.fileId;

    const nodeUrl = await nodeClient.files.url(fileId);
    expect(nodeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//);
    const downloaded = Buffer.from(await (await fetch(nodeUrl)).arrayBuffer());
    expect(sha256Hex(downloaded)).toBe(sha256Hex(bytes));

    const pageUrl = await page.evaluate(async (id) => (window as any).plaza.files.url(id) as Promise<string>, fileId);
    // A page on an allowed origin may read the bytes with fetch(): the download answers with CORS headers.
    const corsCheck = await fetch(pageUrl, { headers: { Origin: pageOrigin } });
    await corsCheck.arrayBuffer();
    expect(corsCheck.headers.get('access-control-allow-origin'), 'Access-Control-Allow-Origin on GET /files/:id').toBe(pageOrigin);
    const inPage = await downloadInPage(pageUrl);
    expect(inPage).toEqual({ status: 200, sha256: sha256Hex(bytes), length: total });
    // A suffix range is not a CORS-safelisted Range: Chromium asks with a preflight first.
    const tail = await page.evaluate(async (u) => {
      const response = await fetch(u, { headers: { Range: 'bytes=-16' } });
      return { status: response.status, range: response.headers.get('content-range'), bytes: [...new Uint8Array(await response.arrayBuffer())] };
    }, pageUrl);
    expect(tail).toEqual({ status: 206, range: `bytes ${total - 16}-${total - 1}/${total}`, bytes: [...bytes.subarray(total - 16)] });
    expect(pageErrors).toEqual([]);
  });

  it('an image sent from the page has a thumbnail URL that loads in an <img>', async () => {
    const png = await makeImage(900, 600);
    const sent = await sendFromPage('street light.png', 'image/png', png, '');
    const attachment = (sent.message as Message).attachments[0]!;
    expect(attachment).toMatchObject({ mimeType: 'image/png', image: { width: 900, height: 600, hasThumbnail: true } });
    const loaded = await page.evaluate(async (a) => {
      const w = window as any;
      const url: string = await w.conv.attachmentUrl(a, 'thumbnail');
      const img = document.createElement('img');
      document.getElementById('images')!.append(img);
      await new Promise<void>((resolve, reject) => {
        img.onload = () => resolve();
        img.onerror = () => reject(new Error(`thumbnail did not load: ${url}`));
        img.src = url;
      });
      return { url, width: img.naturalWidth, height: img.naturalHeight };
    }, attachment);
    expect(loaded.url).toContain('variant=thumbnail');
    expect(Math.max(loaded.width, loaded.height)).toBeLessThanOrEqual(320);
    expect(loaded.width).toBeGreaterThan(0);
    expect(loaded.width / loaded.height).toBeCloseTo(1.5, 1);
    const original = await page.evaluate(async (a) => (window as any).conv.attachmentUrl(a) as Promise<string>, attachment);
    expect(await downloadInPage(original)).toEqual({ status: 200, sha256: sha256Hex(png), length: png.length });
  });
});
