import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_FLAGS, startPageServer } from '../helpers/browserPage.js';
import type { PageServer } from '../helpers/browserPage.js';
import { ensureBrowserBundle } from '../helpers/browserBundle.js';
import { waitFor } from '../helpers/waitFor.js';

/**
 * The browser bundle on a page with a strict Content Security Policy (no `unsafe-eval`), as
 * examples/video-room and examples/citizen-desk serve: loading it must not trip the policy (zod
 * probes `new Function` unless told to stay jitless, and the browser reports the probe).
 */

const PAGE = `<!doctype html>
<html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'">
<title>csp</title>
<script type="module" src="/plaza-client.js"></script>
</head><body></body></html>`;

let pageServer: PageServer;
let browser: Browser;

beforeAll(async () => {
  pageServer = await startPageServer(readFileSync(ensureBrowserBundle()), PAGE);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await pageServer?.close();
});

describe('the browser bundle under a strict CSP', () => {
  it('loads without a CSP violation (no eval probe)', async () => {
    const page = await browser.newPage();
    const console: string[] = [];
    page.on('console', (m) => console.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => console.push(`pageerror: ${e.message}`));
    // Installed by the DevTools protocol, so the page's policy does not block it.
    await page.addInitScript(() => {
      const w = window as unknown as { violations: string[]; loaded: boolean };
      w.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
      window.addEventListener('load', () => (w.loaded = true));
    });
    await page.goto(pageServer.origin);
    await waitFor('the page to load the bundle', () => page.evaluate(() => (window as unknown as { loaded?: boolean }).loaded === true));
    // A violation event is queued as a task after the blocked call: let one more task run.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
    expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
    expect(console.filter((line) => /Content Security Policy|unsafe-eval|pageerror/i.test(line))).toEqual([]);
    await page.close();
  });
});
