import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_CHROMIUM_FLAGS, CHROMIUM } from '../helpers/browserPage.js';
import { makeTempDir, removeTempDirs } from '../helpers/tempDirs.js';
import { waitFor } from '../helpers/waitFor.js';

/**
 * examples/citizen-desk as people meet it: its own server process (`server.ts`: Plaza, the seeded
 * city, the Vite-built page; port 0, temp data dir) and three people in Chromium — Clara (a
 * resident), Lena (agent, Public Lighting) and Rafael (agent, Roads). Clara reports a broken street
 * light with a photo and her location using the keyboard only; it reaches Public Lighting's queue;
 * Lena claims it, they chat and hold a video call (decoded frames rising both ways); Lena puts it on
 * hold, resumes it and transfers it to Roads with a note; Rafael claims and resolves it, by keyboard
 * too; Clara sees the resolution. axe-core runs in every state and must report no violation. Takes
 * the README's screenshots.
 */

const EXAMPLE_DIR = fileURLToPath(new URL('../../examples/citizen-desk/', import.meta.url));
/** The README's screenshots are rewritten only with PLAZA_UPDATE_SCREENSHOTS=1 (video frames differ each run). */
const SCREENSHOT_DIR = process.env.PLAZA_UPDATE_SCREENSHOTS === '1' ? EXAMPLE_DIR : joinPath(tmpdir(), 'plaza-e2e-screenshots', 'citizen-desk');
const AXE_SOURCE = readFileSync(createRequire(joinPath(EXAMPLE_DIR, 'package.json')).resolve('axe-core/axe.min.js'), 'utf8');
// sharp is the server's dependency: it draws the photo Clara sends.
const sharp = createRequire(new URL('../../packages/server/package.json', import.meta.url))('sharp') as (
  input: Buffer,
  options: { raw: { width: number; height: number; channels: 3 } },
) => { jpeg(): { toBuffer(): Promise<Buffer> } };

let demo: ChildProcess | undefined;
let demoOutput = '';
let url = '';
let browser: Browser;

/** Starts the example exactly as `pnpm start` does after its build step, on a free port. */
function startDemo(): Promise<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PLAZA_')) env[key] = value;
  Object.assign(env, { PLAZA_PORT: '0', PLAZA_DATA_DIR: makeTempDir('plaza-citizen-desk-'), PLAZA_MEDIA_WORKERS: '1', PLAZA_RTC_LISTEN_IP: '127.0.0.1' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], { cwd: EXAMPLE_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  demo = child;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`citizen-desk did not start within 60 s\n${demoOutput}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => (demoOutput += chunk.toString('utf8')));
    child.stdout!.on('data', (chunk: Buffer) => {
      demoOutput += chunk.toString('utf8');
      const match = /\{"msg":"citizen-desk listening","url":"([^"]+)"\}/.exec(demoOutput);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`citizen-desk exited (code=${code} signal=${signal})\n${demoOutput}`));
    });
  });
}

/** A night street with a lamp post whose light is out: the photo Clara reports. */
async function streetLightPhoto(): Promise<Buffer> {
  const width = 480;
  const height = 320;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const road = y > 230;
      const pole = x >= 236 && x < 244 && y > 60;
      const lamp = y >= 50 && y < 66 && x >= 220 && x < 270;
      const [r, g, b] = pole || lamp ? [70, 70, 78] : road ? [48, 48, 52] : [18 + (y >> 3), 24 + (y >> 3), 60 + (y >> 2)];
      pixels[i] = r;
      pixels[i + 1] = g;
      pixels[i + 2] = b;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg().toBuffer();
}

/** A browser context for one person: fake camera and microphone, a known location, its peer connections recorded. */
async function person(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport,
    permissions: ['geolocation', 'camera', 'microphone'],
    geolocation: { latitude: 52.520008, longitude: 13.404954 },
    locale: 'en-GB',
    timezoneId: 'Europe/Berlin',
  });
  // Record every RTCPeerConnection the page makes, for getStats (before any page script runs).
  await context.addInitScript(() => {
    const w = window as unknown as { __pcs: RTCPeerConnection[]; RTCPeerConnection: typeof RTCPeerConnection };
    w.__pcs = [];
    const Native = w.RTCPeerConnection;
    w.RTCPeerConnection = class extends Native {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        w.__pcs.push(this);
      }
    };
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  return { context, page, errors };
}

/** axe-core's violations on the page as it is now (rule id, impact, first offending nodes). */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) stays in force.
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const { violations } = await axe.run(document, { resultTypes: ['violations'] });
    return violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(', ')}`);
  });
}

/** Asserts axe-core finds nothing to complain about in `state`. */
async function expectAccessible(page: Page, state: string): Promise<void> {
  expect(await axeViolations(page), `axe-core violations (${state})`).toEqual([]);
}

/** What the focused element is called: its label, aria-label or text. */
const focusedName = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return '';
    const labelled = (el as HTMLInputElement).labels?.[0]?.textContent;
    return (el.getAttribute('aria-label') ?? labelled ?? el.textContent ?? '').trim();
  });

/** Presses Tab until the focused element is called `name` (fails after 40 presses): keyboard reachability. */
async function tabTo(page: Page, name: string | RegExp): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const current = await focusedName(page);
    if (typeof name === 'string' ? current === name : name.test(current)) return;
    seen.push(current);
  }
  throw new Error(`Tab never reached ${String(name)}; focus went through: ${seen.join(' | ')}`);
}

/** Signs in as `label` with the mouse (the agents; Clara does it with the keyboard). */
async function signIn(page: Page, label: string): Promise<void> {
  await page.getByLabel(label).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Decoded video frames over every remote video the page receives. */
const framesDecoded = (page: Page) =>
  page.evaluate(async () => {
    let frames = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
      });
    }
    return frames;
  });

/** Whether the page shows a remote video tile with decoded frames whose label is `name`. */
const showsVideoOf = (page: Page, name: string) =>
  page.evaluate((who) => {
    return [...document.querySelectorAll<HTMLLIElement>('.tiles li')].some((li) => {
      const video = li.querySelector('video');
      return li.textContent === who && video !== null && video.videoWidth > 0 && (video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0) > 0;
    });
  }, name);

const status = (page: Page) => page.locator('.request-panel .status-badge').textContent();
const messages = (page: Page) => page.locator('.request-panel .messages li').allTextContents();

beforeAll(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  url = await startDemo();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CALL_CHROMIUM_FLAGS });
});

afterAll(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    demo.kill('SIGTERM');
    await new Promise((resolve) => demo!.once('exit', resolve));
  }
  removeTempDirs();
});

describe('examples/citizen-desk', () => {
  it('report with photo → routed → claimed → chat → video call both ways → transfer → resolved, by keyboard, with no axe violation', async () => {
    const clara = await person({ width: 1200, height: 900 });
    const lena = await person({ width: 1200, height: 900 });
    const describe = () => `clara: ${clara.errors.join(' | ')}\nlena: ${lena.errors.join(' | ')}\n${demoOutput.slice(-3000)}`;

    // --- the sign-in page -------------------------------------------------------------------
    await clara.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expectAccessible(clara.page, 'sign-in');

    // --- Clara reports a broken street light, keyboard only ---------------------------------
    await tabTo(clara.page, 'Clara Schmidt (resident)');
    await clara.page.keyboard.press('Space');
    await tabTo(clara.page, 'Sign in');
    await clara.page.keyboard.press('Enter');
    await clara.page.getByRole('heading', { name: 'Report a problem' }).waitFor();
    await expect.poll(() => clara.page.locator('#topic option').count()).toBeGreaterThan(1);
    await expectAccessible(clara.page, 'citizen, empty report form');

    await tabTo(clara.page, 'What is it about?');
    await clara.page.keyboard.type('Broken'); // type-ahead in a closed <select>
    expect(await clara.page.locator('#topic').inputValue()).toBe('street-light');
    await tabTo(clara.page, 'What happened?');
    await clara.page.keyboard.type('The street light in front of number 12 has been dark for three nights.');
    await tabTo(clara.page, 'Photo (optional)');
    const chooser = clara.page.waitForEvent('filechooser');
    await clara.page.keyboard.press('Space');
    await (await chooser).setFiles({ name: 'street-light.jpg', mimeType: 'image/jpeg', buffer: await streetLightPhoto() });
    await expect.poll(() => clara.page.getByRole('img', { name: 'Preview of the photo you chose' }).evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(480);
    await tabTo(clara.page, 'Address or place');
    await clara.page.keyboard.type('Linienstraße 12');
    await tabTo(clara.page, 'Use my location');
    await clara.page.keyboard.press('Enter');
    await expect.poll(() => clara.page.getByLabel('Latitude').inputValue()).toBe('52.520008');
    expect(await clara.page.getByLabel('Longitude').inputValue()).toBe('13.404954');
    await expectAccessible(clara.page, 'citizen, filled report form with photo preview');
    await tabTo(clara.page, 'Send report');
    await clara.page.keyboard.press('Enter');

    // Routed: the request opens, waiting for Public Lighting; the desk says so in the conversation.
    await clara.page.getByRole('heading', { name: 'Broken street light', level: 2 }).waitFor();
    await expect.poll(() => status(clara.page)).toBe('Waiting for an agent of Public Lighting');
    await expect.poll(async () => (await messages(clara.page)).some((m) => m.includes('Public Lighting'))).toBe(true);
    await expect.poll(() => clara.page.locator('.messages img.photo').evaluate((img: HTMLImageElement) => img.naturalWidth > 0)).toBe(true);
    expect(await clara.page.locator('.request-panel dd').allTextContents()).toContain('Linienstraße 12 (52.52001, 13.40495)');
    await expectAccessible(clara.page, 'citizen, request waiting in the queue');

    // --- Lena sees it in Public Lighting's queue and claims it --------------------------------
    await signIn(lena.page, 'Lena Fischer (agent, Public Lighting)');
    const item = lena.page.locator('.queue-item', { hasText: 'Broken street light' });
    await item.waitFor();
    expect(await item.textContent()).toContain('Clara Schmidt');
    expect(await item.locator('.waiting').textContent()).toMatch(/^Waiting /);
    await expectAccessible(lena.page, 'agent, queue with one request');
    await item.getByRole('button', { name: 'Claim' }).click();
    await lena.page.getByRole('heading', { name: 'Broken street light', level: 2 }).waitFor();
    await expect.poll(() => status(lena.page)).toBe('Claimed by Lena Fischer (Public Lighting)');
    await expect.poll(() => lena.page.locator('.messages img.photo').evaluate((img: HTMLImageElement) => img.naturalWidth > 0)).toBe(true);
    await expect.poll(() => status(clara.page)).toBe('Public Lighting is working on it');
    expect(await lena.page.locator('.queue-item').count()).toBe(0);
    await expectAccessible(lena.page, 'agent, claimed request');

    // --- chat both ways (Clara by keyboard: Enter sends) -------------------------------------
    await lena.page.getByLabel('Your message').fill('Hello Clara, thank you. Can you show me the lamp on a video call?');
    await lena.page.getByRole('button', { name: 'Send message' }).click();
    await expect.poll(async () => (await messages(clara.page)).some((m) => m.includes('Lena Fischer: Hello Clara'))).toBe(true);
    await tabTo(clara.page, 'Your message');
    await clara.page.keyboard.type('Yes, I am standing next to it.');
    await clara.page.keyboard.press('Enter');
    await expect.poll(async () => (await messages(lena.page)).some((m) => m.includes('Clara Schmidt: Yes, I am standing next to it.'))).toBe(true);
    await expectAccessible(clara.page, 'citizen, chat');

    // --- video call: Clara starts it (keyboard), Lena is rung and joins ------------------------
    await tabTo(clara.page, 'Start video call');
    await clara.page.keyboard.press('Enter');
    await lena.page.getByText('Clara Schmidt is calling.').waitFor({ timeout: 20_000 });
    await lena.page.getByRole('button', { name: 'Join video call' }).click();
    await waitFor('video both ways', async () => (await showsVideoOf(clara.page, 'Lena Fischer')) && (await showsVideoOf(lena.page, 'Clara Schmidt')), { timeoutMs: 30_000, describe });
    const before = await Promise.all([framesDecoded(clara.page), framesDecoded(lena.page)]);
    await waitFor(
      'decoded frames to keep rising on both sides',
      async () => {
        const now = await Promise.all([framesDecoded(clara.page), framesDecoded(lena.page)]);
        return now[0]! > before[0]! + 10 && now[1]! > before[1]! + 10;
      },
      { timeoutMs: 20_000, describe },
    );
    await expect.poll(() => clara.page.locator('.call-state').textContent()).toBe('In the call with Lena Fischer.');
    await expectAccessible(clara.page, 'citizen, in the video call');
    await expectAccessible(lena.page, 'agent, in the video call');
    await clara.page.evaluate(() => window.scrollTo(0, 0));
    await clara.page.screenshot({ path: joinPath(SCREENSHOT_DIR, 'screenshot-citizen.png') });
    await lena.page.evaluate(() => window.scrollTo(0, 0));
    await lena.page.screenshot({ path: joinPath(SCREENSHOT_DIR, 'screenshot-agent.png'), fullPage: true });
    await lena.page.getByRole('button', { name: 'Leave call' }).click();
    await expect.poll(() => clara.page.getByRole('status').filter({ hasText: 'Lena Fischer left the call.' }).count()).toBe(1);
    // Each side's own leave is announced too, not only the other side's.
    await expect.poll(() => lena.page.getByRole('status').filter({ hasText: 'You left the call.' }).count()).toBe(1);
    await tabTo(clara.page, 'Leave call');
    await clara.page.keyboard.press('Enter');
    await clara.page.getByRole('button', { name: 'Start video call' }).waitFor();
    await expect.poll(() => clara.page.getByRole('status').filter({ hasText: 'You left the call.' }).count()).toBe(1);

    // --- Lena puts it on hold (her note reaches Clara) and resumes it -------------------------
    await lena.page.getByLabel('Note for the citizen (optional)').fill('I am asking the night crew to look at it.');
    await lena.page.getByRole('button', { name: 'Put on hold' }).click();
    await expect.poll(() => status(clara.page)).toBe('On hold at Public Lighting');
    await expect.poll(async () => (await messages(clara.page)).some((m) => m.includes('I am asking the night crew to look at it.'))).toBe(true);
    await expectAccessible(lena.page, 'agent, request on hold');
    await lena.page.getByRole('button', { name: 'Resume request' }).click();
    await expect.poll(() => status(clara.page)).toBe('Public Lighting is working on it');

    // --- Lena transfers it to Roads with a note for the next agent ----------------------------
    const note = 'The pole was hit by a truck and the kerb is broken; Roads needs to repair it first.';
    await lena.page.getByLabel('Transfer to').selectOption({ label: 'Roads' });
    await lena.page.getByLabel('Note for the next agent').fill(note);
    await lena.page.getByRole('button', { name: 'Transfer request' }).click();
    await expect.poll(() => lena.page.locator('.request-panel').count()).toBe(0);
    await expect.poll(() => status(clara.page)).toBe('Waiting for an agent of Roads');
    await expect.poll(async () => (await messages(clara.page)).some((m) => m.includes('Roads'))).toBe(true);
    expect(await clara.page.content()).not.toContain(note); // the note is for agents only
    await expectAccessible(lena.page, 'agent, after the transfer');

    // --- Rafael (Roads) claims and resolves it ------------------------------------------------
    const rafael = await person({ width: 1200, height: 900 });
    await signIn(rafael.page, 'Rafael Costa (agent, Roads)');
    const transferred = rafael.page.locator('.queue-item', { hasText: 'Broken street light' });
    await transferred.waitFor();
    expect(await transferred.textContent()).toContain(`Transfer note: ${note}`);
    await expectAccessible(rafael.page, 'agent of the other department, queue with the transferred request');
    // Rafael works by keyboard only: the details of the queued request, claim, resolve.
    await tabTo(rafael.page, 'Details');
    await rafael.page.keyboard.press('Enter');
    await rafael.page.getByRole('heading', { name: 'Broken street light', level: 2 }).waitFor();
    expect(await rafael.page.locator('.request-panel').textContent()).toContain(`Transfer note: ${note}`);
    await tabTo(rafael.page, 'Claim request');
    await rafael.page.keyboard.press('Enter');
    await expect.poll(() => status(rafael.page)).toBe('Claimed by Rafael Costa (Roads)');
    await expect.poll(async () => (await messages(rafael.page)).some((m) => m.includes('Yes, I am standing next to it.'))).toBe(true);
    await tabTo(rafael.page, 'Resolution (the citizen reads it)');
    await rafael.page.keyboard.type('The kerb is repaired and a new street light is in place.');
    await tabTo(rafael.page, 'Resolve request');
    await rafael.page.keyboard.press('Enter');
    await expect.poll(() => status(rafael.page)).toBe('Resolved');

    // --- Clara sees the resolution ------------------------------------------------------------
    await expect.poll(() => status(clara.page)).toBe('Resolved');
    const resolution = clara.page.getByRole('region', { name: 'Resolution' });
    await expect.poll(() => resolution.textContent()).toContain('The kerb is repaired and a new street light is in place.');
    expect(await clara.page.getByRole('button', { name: 'Reopen request' }).isVisible()).toBe(true);
    await expectAccessible(clara.page, 'citizen, resolved request');
    await expectAccessible(rafael.page, 'agent, resolved request');
    await clara.page.evaluate(() => window.scrollTo(0, 0));
    await clara.page.screenshot({ path: joinPath(SCREENSHOT_DIR, 'screenshot-resolved.png'), fullPage: true });

    expect([...clara.errors, ...lena.errors, ...rafael.errors]).toEqual([]);
    await Promise.all([clara.context.close(), lena.context.close(), rafael.context.close()]);
  });
});
