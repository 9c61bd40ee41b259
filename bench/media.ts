/**
 * `pnpm bench:media` — calls through Plaza next to a bare mediasoup SFU measured in the same run:
 * join to first frame in Chromium (signaling / transport / first frame, p50 and p95) and the
 * server's CPU per forwarded stream with 10, 20 and 30 Node subscribers. Runs inside a
 * loopback-only network namespace (re-executes itself through scripts/isolated.mjs, i.e.
 * `unshare -n`; needs root). Prints tables
 * and rewrites its section of docs/benchmarks.md.
 *
 * Flags: `--no-write` (print only), `--bare-only` (only the baseline; never writes), `--joins N`
 * (counted joins per system, default 20), `--sizes 10,20,30`, `--reps N` (CPU runs per size and
 * system, default 3), `--window S` (CPU window in seconds, default 12), `--only joins|cpu` (one part;
 * never writes).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load1, machineInfo } from './lib/machine.js';
import { writeSection } from './lib/report.js';
import { ServerProcess } from './lib/ServerProcess.js';
import { sleep } from './lib/stats.js';
import { bundlePage, launchChromium, pageHtml, startStaticServer } from './media/browser.js';
import { measureCpu, type CpuMeasurement, type MediaSystem } from './media/cpuRun.js';
import { joinOnce, startPublisherPage, type JoinSample, type JoinSide } from './media/joinRun.js';
import { isIsolated, reexecIsolated } from './media/netns.js';
import { PEER_CONNECTION_PROBE } from './media/pageApi.js';
import { PlazaMedia } from './media/PlazaMedia.js';
import { mediaSection, printMedia } from './media/render.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SELF), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const bareOnly = flag('--bare-only');
const only = option('--only', '');
const write = !flag('--no-write') && !bareOnly && only === '';
const JOINS = Number(option('--joins', '20'));
const SIZES = option('--sizes', '10,20,30').split(',').map(Number);
const REPS = Number(option('--reps', '3'));
const WINDOW_MS = Number(option('--window', '12')) * 1000;
const WARMUP_MS = 5000;
const PER_PROCESS = 10;

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const started = Date.now();
  const machine = machineInfo();
  const systems: MediaSystem[] = bareOnly ? ['bare'] : ['bare', 'plaza'];
  const work = mkdtempSync(join(tmpdir(), 'plaza-bench-media-'));
  const cleanups: (() => Promise<void>)[] = [];
  const samples: JoinSample[] = [];
  const measurements: CpuMeasurement[] = [];
  try {
    // The page server first: Plaza's CORS allow-list needs its origin.
    const files: Record<string, [string, string | Buffer]> = {};
    const pages = await startStaticServer(files);
    cleanups.push(() => pages.close());
    const bare = await ServerProcess.start({ name: 'bare mediasoup', cwd: ROOT, args: ['--import', 'tsx', 'bench/media/bare-server.ts'] });
    cleanups.push(() => bare.stop());
    const plaza = bareOnly ? undefined : await PlazaMedia.start({ root: ROOT, work, pageOrigin: pages.origin, subscribers: Math.max(...SIZES), log });
    if (plaza) cleanups.push(() => plaza.close());
    log(`bare SFU ${bare.url} (pid ${bare.pid})${plaza ? `, Plaza ${plaza.server.url} (pid ${plaza.server.pid})` : ''}; load ${load1().toFixed(2)}`);

    // --- Join to first frame in Chromium ---
    const tsconfig = join(ROOT, 'tsconfig.json');
    files['/bare.html'] = ['text/html', pageHtml('bare', ['/bare.js'])];
    files['/bare.js'] = ['text/javascript', await bundlePage(join(ROOT, 'bench/media/bare-page.ts'), tsconfig)];
    if (plaza) Object.assign(files, await plaza.pageFiles(tsconfig));
    const chromium = await launchChromium();
    const context = await chromium.browser.newContext();
    await context.addInitScript({ content: PEER_CONNECTION_PROBE });
    const runJoins = only !== 'cpu';
    const sides: JoinSide[] = [{ system: 'bare', path: '/bare.html', publisher: { url: bare.url }, subscriber: () => ({ url: bare.url }) }];
    if (plaza) sides.push(plaza.joinSide());
    try {
      if (runJoins) for (const side of sides) await startPublisherPage(context, pages.origin, side);
      await sleep(runJoins ? 2000 : 0);
      if (runJoins) for (const side of sides) await joinOnce(context, pages.origin, side, -1); // warm-up
      for (let i = 0; i < (runJoins ? JOINS : 0); i++) {
        for (const side of i % 2 === 0 ? sides : [...sides].reverse()) {
          try {
            const s = await joinOnce(context, pages.origin, side, i);
            samples.push(s);
            log(`join ${side.system.padEnd(5)} #${i + 1}: socket ${s.connectedMs.toFixed(0)} ms, signaling ${s.signalingMs.toFixed(0)} ms, transport ${s.transportMs.toFixed(0)} ms, first frame ${s.firstFrameMs.toFixed(0)} ms (load ${s.load1.toFixed(2)})`);
          } catch (error) {
            log(`join ${side.system} #${i + 1} failed: ${error instanceof Error ? error.message : String(error)}`);
            samples.push({ system: side.system, index: i, connectedMs: Number.NaN, signalingMs: Number.NaN, transportMs: Number.NaN, firstFrameMs: Number.NaN, load1: load1() });
          }
        }
      }
    } finally {
      await chromium.close();
    }

    // --- Server CPU per forwarded stream ---
    const servers: Record<MediaSystem, { pid: number; url: string } | undefined> = { bare: { pid: bare.pid, url: bare.url }, plaza: plaza && { pid: plaza.server.pid, url: plaza.server.url } };
    for (let rep = 0; rep < (only === 'joins' ? 0 : REPS); rep++) {
      for (const n of SIZES) {
        for (const system of rep % 2 === 0 ? systems : [...systems].reverse()) {
          const server = servers[system] as { pid: number; url: string };
          await sleep(1000);
          const m = await measureCpu({ system, serverPid: server.pid, url: server.url, n, rep, perProcess: PER_PROCESS, warmupMs: WARMUP_MS, windowMs: WINDOW_MS, cwd: ROOT, log, ...(system === 'plaza' && plaza ? { plaza: plaza.nodeConfig() } : {}) });
          measurements.push(m);
          log(
            `cpu ${system.padEnd(5)} ${n} subs run ${rep + 1}: server ${m.serverCpuPct.toFixed(1)} % (worker ${m.workerCpuPct.toFixed(1)} %), ${m.cpuPctPerStream.toFixed(2)} %/stream, RSS ${m.rssMiB.toFixed(0)} MiB, fps ${m.fpsMedian.toFixed(1)} (min ${m.fpsMin.toFixed(1)}, pushed ${m.pushedFps.toFixed(1)}), loss ${m.lossPct.toFixed(2)} %, ${m.kbpsPerSubscriber.toFixed(0)} kbit/s, ${m.subscribed}/${n} subscribed (load ${m.load1.toFixed(2)})`,
          );
        }
      }
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }

  const context = { machine, seconds: (Date.now() - started) / 1000, loadEnd: load1(), joins: JOINS, sizes: SIZES, reps: REPS, warmupMs: WARMUP_MS, windowMs: WINDOW_MS, perProcess: PER_PROCESS, systems };
  process.stdout.write(printMedia(samples, measurements, context));
  if (write) {
    writeSection(DOC, 'media', mediaSection(samples, measurements, context));
    log(`wrote the media section of ${DOC}`);
  }
}

async function entry(): Promise<void> {
  if (isIsolated()) {
    // Set by scripts/isolated.mjs; not for the servers' own configuration.
    delete process.env.PLAZA_ISOLATED;
    delete process.env.PLAZA_REQUIRE_ISOLATION;
    return main();
  }
  if (process.env.PLAZA_ISOLATED === '1') throw new Error('scripts/isolated.mjs reported isolation but other interfaces are visible');
  // Outside the namespace: install Chromium if needed (that needs the network), then re-run inside.
  const ensure = spawnSync(process.execPath, [join(ROOT, 'scripts/ensure-chromium.mjs')], { stdio: ['ignore', 2, 2] });
  if (ensure.status !== 0) throw new Error('Chromium is missing and could not be installed (scripts/ensure-chromium.mjs)');
  process.exit(await reexecIsolated(ROOT, SELF, args));
}

entry().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench:media failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
