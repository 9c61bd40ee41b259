import { median, sleep } from '../lib/stats.js';
import { load1 } from '../lib/machine.js';
import { NodeClientProcess, type ChildCounters } from './NodeClients.js';
import type { PlazaNodeConfig } from './nodeSide.js';
import { readTree, treeCpuDelta } from './procTree.js';

/** Which SFU a figure is for. */
export type MediaSystem = 'bare' | 'plaza';

/** One steady-state window of one publisher forwarded to `n` Node subscribers. */
export interface CpuMeasurement {
  system: MediaSystem;
  n: number;
  rep: number;
  /** Subscribers that received the track. */
  subscribed: number;
  windowMs: number;
  /** Server CPU (Node process + mediasoup worker) over the window, % of one core. */
  serverCpuPct: number;
  /** Of that, the mediasoup worker(s). */
  workerCpuPct: number;
  /** `serverCpuPct / subscribed`. */
  cpuPctPerStream: number;
  /** RSS of the server process tree at the end of the window, MiB. */
  rssMiB: number;
  /** Median and lowest frames per second over the subscribers. */
  fpsMedian: number;
  fpsMin: number;
  /** Frames per second the publisher pushed. */
  pushedFps: number;
  /** Packets lost ÷ (lost + received) summed over subscribers, %. */
  lossPct: number;
  /** Mean received video bitrate per subscriber, kbit/s. */
  kbpsPerSubscriber: number;
  /** `serverCpuPct` ÷ the video bitrate all subscribers received together (Mbit/s). */
  cpuPctPerMbit: number;
  load1: number;
}

/** Options of {@link measureCpu}. */
export interface CpuRunOptions {
  system: MediaSystem;
  /** The server process (its descendants — the mediasoup workers — are counted with it). */
  serverPid: number;
  url: string;
  n: number;
  rep: number;
  /** Subscribers per child process. */
  perProcess: number;
  warmupMs: number;
  windowMs: number;
  cwd: string;
  log: (line: string) => void;
  plaza?: PlazaNodeConfig;
}

/**
 * Starts a publisher and `n` subscribers (in child processes) on one system, lets them settle for
 * `warmupMs`, then measures the server's CPU, the subscribers' frames and the RTP counters over
 * `windowMs`, and closes them all.
 */
export async function measureCpu(o: CpuRunOptions): Promise<CpuMeasurement> {
  const base = { system: o.system, url: o.url, ...(o.plaza ? { plaza: o.plaza } : {}) };
  const children: NodeClientProcess[] = [];
  try {
    const publisher = new NodeClientProcess({ ...base, role: 'publisher', count: 0, firstIndex: 0 }, o.cwd, o.log);
    children.push(publisher);
    await publisher.ready();
    const groups: NodeClientProcess[] = [];
    for (let first = 0; first < o.n; first += o.perProcess) {
      const child = new NodeClientProcess({ ...base, role: 'subscribers', count: Math.min(o.perProcess, o.n - first), firstIndex: first }, o.cwd, o.log);
      children.push(child);
      groups.push(child);
    }
    const ready = await Promise.all(groups.map((g) => g.ready()));
    const subscribed = ready.reduce((s, r) => s + r.subscribed, 0);
    const errors = ready.flatMap((r) => r.errors);
    if (errors.length > 0) o.log(`  ${errors.length} subscriber(s) failed: ${errors[0]}`);
    await sleep(o.warmupMs);

    const treeA = readTree(o.serverPid);
    const [pubA, ...subsA] = await Promise.all(children.map((c) => c.counters()));
    await sleep(o.windowMs);
    const treeB = readTree(o.serverPid);
    const [pubB, ...subsB] = await Promise.all(children.map((c) => c.counters()));
    const windowMs = treeB.at - treeA.at;
    const seconds = windowMs / 1000;

    const serverCpuMs = treeCpuDelta(treeA, treeB);
    let workerCpuMs = 0;
    for (const [pid, ms] of treeB.cpuByPid) if (pid !== o.serverPid) workerCpuMs += ms - (treeA.cpuByPid.get(pid) ?? 0);
    const fps: number[] = [];
    let lost = 0;
    let received = 0;
    let bytes = 0;
    subsB.forEach((b, i) => {
      const a = subsA[i] as ChildCounters;
      b.frames.forEach((f, k) => fps.push((f - (a.frames[k] ?? 0)) / seconds));
      lost += b.rtp.packetsLost - a.rtp.packetsLost;
      received += b.rtp.packetsReceived - a.rtp.packetsReceived;
      bytes += b.rtp.bytesReceived - a.rtp.bytesReceived;
    });
    const serverCpuPct = (serverCpuMs / windowMs) * 100;
    return {
      system: o.system,
      n: o.n,
      rep: o.rep,
      subscribed,
      windowMs,
      serverCpuPct,
      workerCpuPct: (workerCpuMs / windowMs) * 100,
      cpuPctPerStream: serverCpuPct / Math.max(1, subscribed),
      rssMiB: treeB.rssMiB,
      fpsMedian: median(fps),
      fpsMin: fps.length ? Math.min(...fps) : Number.NaN,
      pushedFps: ((pubB?.pushed ?? 0) - (pubA?.pushed ?? 0)) / seconds,
      lossPct: lost + received > 0 ? (Math.max(0, lost) / (Math.max(0, lost) + received)) * 100 : Number.NaN,
      kbpsPerSubscriber: (bytes * 8) / 1000 / seconds / Math.max(1, subscribed),
      cpuPctPerMbit: serverCpuPct / ((bytes * 8) / 1e6 / seconds),
      load1: load1(),
    };
  } finally {
    await Promise.all(children.map((c) => c.close()));
  }
}
