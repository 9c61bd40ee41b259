import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBrowserBundle } from '../helpers/browserBundle.js';
import { CALL_CHROMIUM_FLAGS, CHROMIUM } from '../helpers/browserPage.js';
import { makeTempDir, removeTempDirs } from '../helpers/tempDirs.js';
import { waitFor } from '../helpers/waitFor.js';

/**
 * examples/video-room as a user meets it: its own server process (`server.ts`, port 0, temp data
 * dir), two people join from Chromium with the fake camera and microphone, see each other, mute,
 * share the screen and leave. Takes the example's README screenshot.
 */

const EXAMPLE_DIR = fileURLToPath(new URL('../../examples/video-room/', import.meta.url));
/**
 * The README's screenshot is rewritten only with PLAZA_UPDATE_SCREENSHOTS=1 (every run differs in
 * its video frames); otherwise it goes to the temp dir, next to the other e2e screenshots.
 */
const SCREENSHOT =
  process.env.PLAZA_UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../examples/video-room/screenshot.png', import.meta.url))
    : joinPath(tmpdir(), 'plaza-e2e-screenshots', 'video-room.png');

let demo: ChildProcess | undefined;
let demoOutput = '';
let url = '';
let browser: Browser;

/** Starts the example exactly as `pnpm start` does after its build step, on a free port. */
function startDemo(): Promise<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PLAZA_')) env[key] = value;
  Object.assign(env, { PLAZA_PORT: '0', PLAZA_DATA_DIR: makeTempDir('plaza-video-room-'), PLAZA_MEDIA_WORKERS: '1', PLAZA_RTC_LISTEN_IP: '127.0.0.1' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], { cwd: EXAMPLE_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  demo = child;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`video-room did not start within 30 s\n${demoOutput}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => (demoOutput += chunk.toString('utf8')));
    child.stdout!.on('data', (chunk: Buffer) => {
      demoOutput += chunk.toString('utf8');
      const match = /\{"msg":"video-room listening","url":"([^"]+)"\}/.exec(demoOutput);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`video-room exited (code=${code} signal=${signal})\n${demoOutput}`));
    });
  });
}

async function join(page: Page, name: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Join call' }).click();
  await page.getByRole('button', { name: 'Leave call' }).waitFor({ timeout: 20_000 });
}

/** The names on tiles whose video shows decoded frames. */
const playingTiles = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLLIElement>('#tiles li')]
      .filter((li) => {
        const video = li.querySelector('video');
        return video !== null && video.videoWidth > 0 && (video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0) > 0;
      })
      .map((li) => li.querySelector('bdi')?.textContent ?? ''),
  );

beforeAll(async () => {
  ensureBrowserBundle();
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

describe('examples/video-room', () => {
  it('two people join, see each other, mute, share the screen and leave (and the README screenshot is taken)', async () => {
    const ana = await (await browser.newContext({ viewport: { width: 1100, height: 470 } })).newPage();
    const ben = await (await browser.newContext({ viewport: { width: 1100, height: 760 } })).newPage();
    const errors: string[] = [];
    for (const page of [ana, ben]) page.on('pageerror', (error) => errors.push(error.message));

    await join(ana, 'Ana María');
    await join(ben, 'Ben');
    await waitFor('both to see each other’s video', async () => (await playingTiles(ana)).includes('Ben') && (await playingTiles(ben)).includes('Ana María'), {
      timeoutMs: 20_000,
      describe: () => `page errors: ${errors.join(' | ')}\n${demoOutput.slice(-2000)}`,
    });
    await expect.poll(() => ana.getByRole('log').filter({ hasText: 'Ben joined.' }).count()).toBe(1);
    await expect.poll(() => ana.getByRole('status').textContent()).toBe('In the call as Ana María. 1 other here.');
    expect(await ana.getByRole('button', { name: 'Join call' }).isVisible()).toBe(false);
    const benTile = ana.locator('#tiles li[data-key$=":camera"]', { hasText: 'Ben' });
    expect(await benTile.getByText('Camera off').isVisible()).toBe(false);

    // Turning the camera off shows on the other side, and back on.
    await ben.getByRole('button', { name: 'Turn camera off' }).click();
    await expect.poll(() => benTile.getByText('Camera off').isVisible()).toBe(true);
    await ben.getByRole('button', { name: 'Turn camera on' }).click();
    await expect.poll(() => benTile.getByText('Camera off').isVisible()).toBe(false);

    // Muting announces itself on the button and on the other side.
    const mute = ben.getByRole('button', { name: 'Mute microphone' });
    await mute.click();
    await expect.poll(() => ben.getByRole('button', { name: 'Unmute microphone' }).count()).toBe(1);
    await expect.poll(() => benTile.locator('.mic').textContent()).toBe(' (muted)');

    await ben.getByRole('button', { name: 'Share screen' }).click();
    await waitFor('Ben’s screen on Ana’s page', async () => (await playingTiles(ana)).includes('Ben (screen)'), { timeoutMs: 15_000 });
    await ana.getByRole('button', { name: 'Mute microphone' }).focus();
    await ana.screenshot({ path: SCREENSHOT });

    await ben.getByRole('button', { name: 'Leave call' }).click();
    await waitFor('Ben’s tiles to be gone on Ana’s page', async () => (await ana.locator('#tiles li', { hasText: 'Ben' }).count()) === 0);
    await expect.poll(() => ana.getByRole('log').filter({ hasText: 'Ben left.' }).count()).toBe(1);
    await expect.poll(() => ben.getByRole('button', { name: 'Join call' }).isVisible()).toBe(true);
    expect(errors).toEqual([]);
  });
});
