import type { BrowserContext, Page } from 'playwright-core';
import { load1 } from '../lib/machine.js';
import type { MediaSystem } from './cpuRun.js';
import type { JoinTimings, PageConfig } from './pageApi.js';

/** One system's pages for the join run. */
export interface JoinSide {
  system: MediaSystem;
  /** Page path on the static server (`/bare.html`, `/plaza.html`). */
  path: string;
  /** What the publisher page gets. */
  publisher: PageConfig;
  /** What subscriber join number `i` gets (a fresh client each time). */
  subscriber(i: number): PageConfig | Promise<PageConfig>;
}

/** One join of a fresh subscriber page. */
export interface JoinSample extends JoinTimings {
  system: MediaSystem;
  index: number;
  load1: number;
}

async function openPage(context: BrowserContext, origin: string, path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}${path}`);
  await page.waitForFunction(() => window.benchMedia !== undefined, undefined, { timeout: 15_000 });
  return page;
}

/** Opens `side`'s publisher page and publishes the fake camera; resolves with the page (close it to stop). */
export async function startPublisherPage(context: BrowserContext, origin: string, side: JoinSide): Promise<Page> {
  const page = await openPage(context, origin, side.path);
  await page.evaluate((config) => window.benchMedia?.publish(config), side.publisher);
  return page;
}

/**
 * Loads `side`'s page in a new tab (so the client starts from nothing), joins and waits for the
 * first decoded frame, then leaves and closes the tab. Only the join itself is timed, inside the page.
 */
export async function joinOnce(context: BrowserContext, origin: string, side: JoinSide, index: number): Promise<JoinSample> {
  const config = await side.subscriber(index);
  const page = await openPage(context, origin, side.path);
  try {
    const timings = await Promise.race([
      page.evaluate((c) => (window.benchMedia as NonNullable<typeof window.benchMedia>).join(c), config),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${side.system} join ${index} got no frame within 20 s`)), 20_000)),
    ]);
    await page.evaluate(() => window.benchMedia?.leave()).catch(() => undefined);
    return { system: side.system, index, ...timings, load1: load1() };
  } finally {
    await page.close().catch(() => undefined);
  }
}
