import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlazaClient, silentLogger } from '@plaza/client';
import { ensureBrowserBundle } from '../helpers/browserBundle.js';
import { CALL_CHROMIUM_FLAGS, CHROMIUM, startPageServer } from '../helpers/browserPage.js';
import type { PageServer } from '../helpers/browserPage.js';
import { CALL_PAGE_HTML, CallPage, progress, risingTracks } from '../helpers/callPage.js';
import type { PageTrackStats } from '../helpers/callPage.js';
import { readMetric } from '../helpers/metrics.js';
import { ServerProcess, stopAllServers } from '../helpers/ServerProcess.js';
import { removeTempDirs } from '../helpers/tempDirs.js';
import { mintToken } from '../helpers/tokens.js';
import { waitFor } from '../helpers/waitFor.js';

/**
 * Calls in real Chromium (Debian's, fake camera, microphone and screen) through a real server with
 * one mediasoup worker: one browser, one page (own context) per participant. Media must stay on
 * loopback: `pnpm test` runs this inside a loopback-only network namespace (scripts/isolated.mjs).
 */

let server: ServerProcess;
let pageServer: PageServer | undefined;
let browser: Browser;
let organiser: PlazaClient;
let groupId: string;
const pages: CallPage[] = [];
const userIds = ['ana', 'ben', 'cleo', 'dev'];
const names: Record<string, string> = { ana: 'Ana', ben: 'Ben', cleo: 'Cleo', dev: 'Dev' };

const errorsOf = (list: CallPage[]) =>
  list.map((p) => `${p.name}: ${p.errors.join(' | ') || 'no page errors'}; warnings: ${p.warnings.slice(-5).join(' | ') || 'none'}`).join('\n');

/**
 * Waits until, on every page of `list`, the remote tracks of `sources` from every other page in
 * `list` keep rising (decoded video frames / received audio packets between two samples).
 */
async function waitAllFlowing(list: CallPage[], sources: string[], timeoutMs = 20_000): Promise<void> {
  let last = new Map<CallPage, PageTrackStats[]>();
  await waitFor(
    `${sources.join('+')} of every other participant flowing on ${list.map((p) => p.name).join(', ')}`,
    async () => {
      last = await risingTracks(list, 700);
      return list.every((page) =>
        list
          .filter((other) => other !== page)
          .every((other) => sources.every((source) => (last.get(page) ?? []).some((s) => s.userId === other.name.toLowerCase() && s.source === source))),
      );
    },
    { timeoutMs, intervalMs: 0, describe: () => `rising: ${JSON.stringify([...last].map(([p, s]) => [p.name, s.map((t) => `${t.userId}:${t.source}`)]))}\n${errorsOf(list)}` },
  );
}

/** Pids of the server's mediasoup worker processes (its children running mediasoup-worker). */
function mediasoupWorkers(): string[] {
  const out = execFileSync('pgrep', ['-P', String(server.pid), '-f', 'mediasoup-worker'], { encoding: 'utf8' });
  return out.trim().split('\n').filter(Boolean);
}

beforeAll(async () => {
  const bundle = readFileSync(ensureBrowserBundle());
  pageServer = await startPageServer(bundle, CALL_PAGE_HTML);
  server = await ServerProcess.start({
    args: ['--allowed-origins', pageServer.origin],
    env: { PLAZA_MEDIA_WORKERS: '1', PLAZA_RTC_LISTEN_IP: '127.0.0.1' },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CALL_CHROMIUM_FLAGS });
  for (const id of userIds) {
    const page = await CallPage.open(browser, pageServer.origin, { name: names[id]! });
    await page.connect(server.url, await mintToken(id, { name: names[id]! }));
    pages.push(page);
  }
  organiser = new PlazaClient(server.url, { logger: silentLogger });
  await organiser.connect(() => mintToken('organiser'));
  groupId = (await organiser.conversations.create({ kind: 'group', title: 'Harbour works', memberIds: userIds })).id;
});

afterAll(async () => {
  await Promise.allSettled(pages.map((p) => p.close()));
  await browser?.close();
  await organiser?.disconnect();
  await stopAllServers();
  await pageServer?.close();
  removeTempDirs();
});

describe('calls in Chromium', () => {
  it('two participants decode each other’s camera video and receive each other’s microphone audio', async () => {
    const [ana, ben] = pages as [CallPage, CallPage];
    for (const page of [ana, ben]) {
      await page.join(groupId);
      await page.publish('camera');
      await page.publish('microphone');
    }
    await waitAllFlowing([ana, ben], ['camera', 'microphone']);
    const atBen = await ben.stats();
    expect(atBen.find((s) => s.userId === 'ana' && s.source === 'microphone')?.totalAudioEnergy).toBeGreaterThan(0);
    expect(atBen.find((s) => s.userId === 'ana' && s.source === 'camera')?.framesShown).toBeGreaterThan(0);
  });

  it('four participants each decode every other’s video and receive their audio', async () => {
    for (const page of pages.slice(2)) {
      await page.join(groupId);
      await page.publish('camera');
      await page.publish('microphone');
    }
    await waitAllFlowing(pages, ['camera', 'microphone'], 30_000);
    expect((await readMetric(server.url, 'plaza_call_participants')).get('')).toBe(4);
  });

  it('a screen share arrives at every other participant', async () => {
    const [ana, ...others] = pages as [CallPage, ...CallPage[]];
    await ana.publish('screen');
    await waitFor('Ana’s screen to be decoded on every other page', async () => {
      const rising = await risingTracks(others, 700);
      return others.every((page) => (rising.get(page) ?? []).some((s) => s.userId === 'ana' && s.source === 'screen'));
    }, { timeoutMs: 20_000, intervalMs: 0, describe: () => errorsOf(pages) });
    await ana.page.evaluate(() => (window as any).harness.unpublish('screen'));
    await waitFor('the screen track to be gone on every other page', async () =>
      (await Promise.all(others.map((p) => p.stats()))).every((stats) => !stats.some((s) => s.source === 'screen')),
    );
  });

  it('muting the camera stops its frames on the other pages (track muted), unmuting restarts them', async () => {
    const [, ben, ...rest] = pages as [CallPage, CallPage, ...CallPage[]];
    const watchers = [pages[0]!, ...rest];
    const benCamera = async (page: CallPage) => (await page.stats()).find((s) => s.userId === 'ben' && s.source === 'camera');

    await ben.setMuted('camera', true);
    await waitFor('Ben’s camera to show as muted on every other page', async () =>
      (await Promise.all(watchers.map(benCamera))).every((s) => s?.muted === true),
    );
    // Frames already on the way may still be decoded; after that the count stands still.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const still = await risingTracks(watchers, 1500);
    for (const page of watchers) expect((still.get(page) ?? []).filter((s) => s.userId === 'ben' && s.source === 'camera')).toEqual([]);
    // Ben's microphone is not affected.
    for (const page of watchers) expect((still.get(page) ?? []).some((s) => s.userId === 'ben' && s.source === 'microphone')).toBe(true);

    await ben.setMuted('camera', false);
    await waitFor('Ben’s camera to be decoded again everywhere', async () => {
      const rising = await risingTracks(watchers, 700);
      return watchers.every((page) => (rising.get(page) ?? []).some((s) => s.userId === 'ben' && s.source === 'camera' && !s.muted));
    }, { timeoutMs: 15_000, intervalMs: 0, describe: () => errorsOf(pages) });
  });

  it('after SIGKILL of the mediasoup worker mid-call, video flows again on every page within 5 s', async () => {
    const workers = mediasoupWorkers();
    expect(workers).toHaveLength(1); // PLAZA_MEDIA_WORKERS=1
    const before = new Set((await Promise.all(pages.map((p) => p.stats()))).flat().map((s) => s.trackId));
    const deathsBefore = (await readMetric(server.url, 'plaza_media_worker_deaths_total')).get('') ?? 0;

    process.kill(Number(workers[0]), 'SIGKILL');
    const killedAt = Date.now();
    // A page is flowing again when, for every other participant, a camera track that did not exist
    // before the kill (the rebuilt one) decodes more frames than in the previous sample.
    let previous = new Map<string, number>();
    let recoveredMs = -1;
    let lastStats: PageTrackStats[][] = [];
    while (Date.now() - killedAt < 15_000) {
      lastStats = await Promise.all(pages.map((p) => p.stats()));
      const now = new Map(lastStats.flatMap((list, i) => list.map((s) => [`${i}/${s.trackId}`, progress(s)] as const)));
      const flowing = pages.every((page, i) =>
        pages
          .filter((other) => other !== page)
          .every((other) =>
            (lastStats[i] ?? []).some(
              (s) =>
                s.userId === other.name.toLowerCase() &&
                s.source === 'camera' &&
                !before.has(s.trackId) &&
                s.framesDecoded > (previous.get(`${i}/${s.trackId}`) ?? Infinity),
            ),
          ),
      );
      if (flowing) {
        recoveredMs = Date.now() - killedAt;
        break;
      }
      previous = now;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    process.stdout.write(`worker SIGKILL → video decoding again on all ${pages.length} pages after ${recoveredMs} ms\n`);
    if (recoveredMs < 0) {
      const events = await Promise.all(pages.map(async (p) => `${p.name}: ${JSON.stringify((await p.events()).filter((e) => e.at >= killedAt))}`));
      expect.fail(`not recovered within 15 s; last stats ${JSON.stringify(lastStats)}\nevents since the kill:\n${events.join('\n')}\n${errorsOf(pages)}\n${server.tail(3000)}`);
    }
    expect(recoveredMs).toBeLessThan(5000);
    expect((await readMetric(server.url, 'plaza_media_worker_deaths_total')).get('')).toBe(deathsBefore + 1);
    expect(mediasoupWorkers()).toHaveLength(1);
    // Audio is back too.
    await waitAllFlowing(pages, ['camera', 'microphone']);
    // The same track objects came back: no unsubscribe/subscribe churn, and the grid of every page
    // still holds exactly one playing video per other participant (no dead tiles piling up).
    for (const page of pages) {
      const churn = (await page.events()).filter((e) => e.at >= killedAt && ['trackUnsubscribed', 'trackSubscribed', 'trackUnpublished', 'trackPublished'].includes(e.event));
      expect(churn, page.name).toEqual([]);
      const videos = (await page.mediaElements()).filter((e) => e.kind === 'video');
      expect(videos.map((v) => v.playing && v.width > 0), page.name).toEqual([true, true, true]);
    }
  });

  it('a participant who leaves disappears from every other page', async () => {
    const dev = pages[3]!;
    const others = pages.slice(0, 3);
    await dev.leave();
    await waitFor('Dev to be gone from every other page', async () => {
      const [participants, stats] = await Promise.all([Promise.all(others.map((p) => p.participants())), Promise.all(others.map((p) => p.stats()))]);
      return participants.every((list) => !list.some((p) => p.userId === 'dev')) && stats.every((list) => !list.some((s) => s.userId === 'dev'));
    });
    for (const page of others) {
      const left = (await page.events()).filter((e) => e.event === 'participantLeft' && e.userId === 'dev');
      expect(left.map((e) => e.reason)).toEqual(['left']);
      // Dev's tiles went with Dev (detach() removed the elements attach() created).
      expect((await page.mediaElements()).filter((e) => e.kind === 'video')).toHaveLength(2);
    }
    expect((await readMetric(server.url, 'plaza_call_participants')).get('')).toBe(3);
    expect(pages.flatMap((p) => p.errors)).toEqual([]);
  });
});
