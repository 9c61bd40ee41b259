import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlazaClient, silentLogger } from '@plaza/client';
import type { Message } from '@plaza/protocol';
import { ServerProcess, stopAllServers } from '../helpers/ServerProcess.js';
import { CHROMIUM, CHROMIUM_FLAGS, startPageServer } from '../helpers/browserPage.js';
import type { PageServer } from '../helpers/browserPage.js';
import { ensureBrowserBundle, nodeOnlyImports } from '../helpers/browserBundle.js';
import { removeTempDirs } from '../helpers/tempDirs.js';
import { mintToken } from '../helpers/tokens.js';
import { waitFor } from '../helpers/waitFor.js';

/**
 * The built browser bundle in real Chromium (Debian's, driven by playwright-core) chats with a
 * Node PlazaClient through a real server process, including across a server crash.
 */

/** Screenshots go here (outside the repository, kept for a look after the run). */
const SCREENSHOT_DIR = join(tmpdir(), 'plaza-e2e-screenshots');

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Plaza e2e chat</title>
<style>body{font:16px system-ui,sans-serif;margin:2rem} li{margin:.25rem 0} .state{color:#555}</style></head>
<body>
<h1>Plaza browser chat</h1>
<p class="state">state: <span id="state">loading</span></p>
<ol id="messages"></ol>
<script type="module">
  import * as Plaza from '/plaza-client.js';
  window.Plaza = Plaza;
  window.plazaLoaded = true;
</script>
</body>
</html>`;

type Seen = { id: string; seq: number; senderId: string; text: string };
const seen = (m: Message): Seen => ({ id: m.id, seq: m.seq, senderId: m.senderId, text: m.text });

let bundlePath: string;
let pageServer: PageServer | undefined;
let pageOrigin: string;
let server: ServerProcess;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  bundlePath = ensureBrowserBundle();
  const bundle = readFileSync(bundlePath);
  pageServer = await startPageServer(bundle, PAGE);
  pageOrigin = pageServer.origin;
  // The page comes from another origin than the Plaza server: it must be on the allow-list.
  server = await ServerProcess.start({ args: ['--allowed-origins', pageOrigin] });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // Chromium reports refused connections (expected while the server is down) as console errors.
    const network = /^Failed to load resource|^WebSocket connection to .* failed/;
    if (message.type() === 'error' && !network.test(message.text())) pageErrors.push(`console.error: ${message.text()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await stopAllServers();
  await pageServer?.close();
  removeTempDirs();
});

describe('browser bundle', () => {
  it('is one self-contained ESM file without Node-only imports', async () => {
    expect(await nodeOnlyImports(bundlePath)).toEqual([]);
  });
});

describe('chat between Chromium and Node', () => {
  it('messages go both ways with the same seqs on both sides, also after a server crash', async () => {
    const nodeClient = new PlazaClient(server.url, { logger: silentLogger, reconnectPolicy: { nextDelayMs: () => 100 } });
    await nodeClient.connect(() => mintToken('node-agent', { name: 'Agent (Node)' }));
    const nodeConv = await nodeClient.conversations.openDirect('browser-resident');
    const nodeSeen: Seen[] = [];
    nodeConv.on('message', (m: Message) => nodeSeen.push(seen(m)));

    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction(() => (window as unknown as { plazaLoaded?: boolean }).plazaLoaded === true, undefined, { timeout: 15_000 });

    const browserToken = await mintToken('browser-resident', { name: 'Resident (browser)' });
    const conversationId = await page.evaluate(
      async ({ url, token, peer }) => {
        const w = window as any;
        // WebSocket only: see the default-transports test below for why.
        const plaza = new w.Plaza.PlazaClient(url, { webSocketOnly: true, reconnectPolicy: { nextDelayMs: () => 100 } });
        const stateEl = document.getElementById('state')!;
        plaza.on('connectionStateChanged', (state: string) => (stateEl.textContent = state));
        await plaza.connect(token);
        stateEl.textContent = plaza.state;
        const conv = await plaza.conversations.openDirect(peer);
        w.seen = [];
        conv.on('message', (m: any) => {
          w.seen.push({ id: m.id, seq: m.seq, senderId: m.senderId, text: m.text });
          const li = document.createElement('li');
          li.textContent = `#${m.seq} ${m.senderId}: ${m.text}`;
          document.getElementById('messages')!.append(li);
        });
        w.plaza = plaza;
        w.conv = conv;
        return conv.id as string;
      },
      { url: server.url, token: browserToken, peer: 'node-agent' },
    );
    expect(conversationId).toBe(nodeConv.id);

    const browserSend = (text: string) =>
      page.evaluate(async (t) => {
        const m = await (window as any).conv.send(t);
        return { id: m.id as string, seq: m.seq as number };
      }, text);
    const browserSeen = () => page.evaluate(() => (window as any).seen as Seen[]);

    const fromBrowser = await browserSend('The street light on Elm St is out');
    const fromNode = await nodeConv.send('Thanks, a crew is on the way');
    await waitFor('both sides to see both messages', async () => nodeSeen.length >= 2 && (await browserSeen()).length >= 2, {
      describe: () => `node saw ${JSON.stringify(nodeSeen)}; page errors: ${pageErrors.join('; ')}`,
    });
    expect(nodeSeen.map((m) => [m.seq, m.id, m.text])).toEqual([
      [fromBrowser.seq, fromBrowser.id, 'The street light on Elm St is out'],
      [fromNode.seq, fromNode.id, 'Thanks, a crew is on the way'],
    ]);
    expect(await browserSeen()).toEqual(nodeSeen);
    expect(nodeSeen.map((m) => m.senderId)).toEqual(['browser-resident', 'node-agent']);

    // Crash the server; the browser queues a message while it is gone and delivers it after.
    await server.kill('SIGKILL');
    await waitFor('the page to notice the crash', async () => (await page.evaluate(() => (window as any).plaza.state)) !== 'connected');
    const queued = browserSend('Is it fixed yet?');
    await server.restart();
    const afterCrash = await queued;
    const reply = await nodeConv.send('Yes, fixed this morning');
    await waitFor('both sides to see all four messages', async () => nodeSeen.length >= 4 && (await browserSeen()).length >= 4, {
      timeoutMs: 20_000,
      describe: () => `node saw ${JSON.stringify(nodeSeen)}; page errors: ${pageErrors.join('; ')}`,
    });
    expect(nodeSeen.map((m) => m.seq)).toEqual([1, 2, 3, 4].map((i) => i + fromBrowser.seq - 1));
    expect(nodeSeen.slice(2).map((m) => [m.id, m.text])).toEqual([
      [afterCrash.id, 'Is it fixed yet?'],
      [reply.id, 'Yes, fixed this morning'],
    ]);
    expect(await browserSeen()).toEqual(nodeSeen);
    expect(await page.evaluate(() => (window as any).plaza.state)).toBe('connected');

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'browser-chat.png') });
    expect(pageErrors).toEqual([]);
    await nodeClient.disconnect();
    await page.evaluate(() => (window as any).plaza.disconnect());
  });

  // The default transports start with HTTP long-polling, which a browser only allows across
  // origins when the server answers with CORS headers for the allowed origins.
  it('a page on an allowed origin connects with the default transports (long-polling first)', async () => {
    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction(() => (window as unknown as { plazaLoaded?: boolean }).plazaLoaded === true, undefined, { timeout: 15_000 });
    const token = await mintToken('browser-polling', { name: 'Resident (polling)' });
    const outcome = await page.evaluate(
      async ({ url, token }) => {
        const plaza = new (window as any).Plaza.PlazaClient(url, { reconnectPolicy: { nextDelayMs: () => null } });
        try {
          await plaza.connect(token);
          const hello = plaza.user?.id as string;
          await plaza.disconnect();
          return `connected as ${hello}`;
        } catch (error) {
          return `failed: ${(error as Error).message}`;
        }
      },
      { url: server.url, token },
    );
    expect(outcome).toBe('connected as browser-polling');
  });
});
