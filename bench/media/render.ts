import { machineLine, type MachineInfo } from '../lib/machine.js';
import { table } from '../lib/report.js';
import { fmt, fmtRatio, median, percentile } from '../lib/stats.js';
import type { CpuMeasurement, MediaSystem } from './cpuRun.js';
import type { JoinSample } from './joinRun.js';

/** Targets of the media section. */
export const MEDIA_TARGETS = { firstFrameP50Ms: 300, firstFrameRatio: 1.3, cpuPerStreamRatio: 1.1, fps: 30, lossPct: 0 } as const;

/** What the section says about the run. */
export interface MediaContext {
  machine: MachineInfo;
  seconds: number;
  loadEnd: number;
  joins: number;
  sizes: number[];
  reps: number;
  warmupMs: number;
  windowMs: number;
  perProcess: number;
  systems: MediaSystem[];
}

const STEPS = [
  ['connectedMs', 'socket connected'],
  ['signalingMs', 'signaling connected'],
  ['transportMs', 'transport connected'],
  ['firstFrameMs', 'first frame decoded'],
] as const;

const NAMES: Record<MediaSystem, string> = { bare: 'bare mediasoup', plaza: 'Plaza' };

function joinStats(samples: readonly JoinSample[], system: MediaSystem, key: (typeof STEPS)[number][0]) {
  const values = samples.filter((s) => s.system === system && Number.isFinite(s[key])).map((s) => s[key]);
  return { p50: percentile(values, 50), p95: percentile(values, 95), n: values.length };
}

/** The join-to-first-frame table. */
export function joinTable(samples: readonly JoinSample[], systems: readonly MediaSystem[]): string {
  const hasPlaza = systems.includes('plaza');
  const head = ['step (ms from join start)', 'bare p50', 'bare p95', ...(hasPlaza ? ['Plaza p50', 'Plaza p95', 'Plaza / bare (p50)', 'Plaza / bare (p95)'] : [])];
  const rows = STEPS.map(([key, label]) => {
    const bare = joinStats(samples, 'bare', key);
    const plaza = joinStats(samples, 'plaza', key);
    return [label, fmt(bare.p50, 0), fmt(bare.p95, 0), ...(hasPlaza ? [fmt(plaza.p50, 0), fmt(plaza.p95, 0), fmtRatio(plaza.p50 / bare.p50), fmtRatio(plaza.p95 / bare.p95)] : [])];
  });
  const slow = (system: MediaSystem) => {
    const of = samples.filter((s) => s.system === system);
    return `${of.filter((s) => !(s.firstFrameMs <= 1000)).length} of ${of.length}`;
  };
  rows.push(['joins with first frame > 1 s (or none)', slow('bare'), '', ...(hasPlaza ? [slow('plaza'), '', '', ''] : [])]);
  return table(head, rows);
}

function cpuRows(measurements: readonly CpuMeasurement[], system: MediaSystem, n: number) {
  const of = measurements.filter((m) => m.system === system && m.n === n);
  const pick = (f: (m: CpuMeasurement) => number) => median(of.map(f));
  return {
    count: of.length,
    subscribed: pick((m) => m.subscribed),
    cpu: pick((m) => m.serverCpuPct),
    worker: pick((m) => m.workerCpuPct),
    perStream: pick((m) => m.cpuPctPerStream),
    perMbit: pick((m) => m.cpuPctPerMbit),
    rss: pick((m) => m.rssMiB),
    fps: pick((m) => m.fpsMedian),
    fpsMin: of.length ? Math.min(...of.map((m) => m.fpsMin)) : Number.NaN,
    pushed: pick((m) => m.pushedFps),
    loss: of.length ? Math.max(...of.map((m) => m.lossPct)) : Number.NaN,
    kbps: pick((m) => m.kbpsPerSubscriber),
  };
}

/** Server CPU % of one core per forwarded Mbit/s (what the subscribers received in total), median over runs. */
function perMbit(r: ReturnType<typeof cpuRows>): number {
  return r.perMbit;
}

function cpuRowsBySystem(measurements: readonly CpuMeasurement[], systems: readonly MediaSystem[], n: number) {
  return Object.fromEntries(systems.map((s) => [s, cpuRows(measurements, s, n)])) as Record<MediaSystem, ReturnType<typeof cpuRows>>;
}

function sizeLabel(r: Record<MediaSystem, ReturnType<typeof cpuRows>>, systems: readonly MediaSystem[], n: number): string {
  return systems.some((s) => r[s].subscribed !== n) ? `${n} (got ${systems.map((s) => fmt(r[s].subscribed, 0)).join(' / ')})` : String(n);
}

/** The CPU-per-forwarded-stream table. */
export function cpuTable(measurements: readonly CpuMeasurement[], systems: readonly MediaSystem[], sizes: readonly number[]): string {
  const hasPlaza = systems.includes('plaza');
  const head = [
    'subscribers',
    ...systems.map((s) => `${NAMES[s]} server CPU % (worker)`),
    ...systems.map((s) => `${NAMES[s]} %/stream`),
    ...(hasPlaza ? ['Plaza / bare per stream'] : []),
    ...systems.map((s) => `${NAMES[s]} % per Mbit/s`),
    ...(hasPlaza ? ['Plaza / bare per Mbit/s'] : []),
  ];
  const rows = sizes.map((n) => {
    const r = cpuRowsBySystem(measurements, systems, n);
    return [
      sizeLabel(r, systems, n),
      ...systems.map((s) => `${fmt(r[s].cpu, 1)} (${fmt(r[s].worker, 1)})`),
      ...systems.map((s) => fmt(r[s].perStream, 2)),
      ...(hasPlaza ? [fmtRatio(r.plaza.perStream / r.bare.perStream)] : []),
      ...systems.map((s) => fmt(perMbit(r[s]), 2)),
      ...(hasPlaza ? [fmtRatio(perMbit(r.plaza) / perMbit(r.bare))] : []),
    ];
  });
  return table(head, rows);
}

/** What the subscribers got in the CPU runs, and the servers' memory. */
export function deliveryTable(measurements: readonly CpuMeasurement[], systems: readonly MediaSystem[], sizes: readonly number[]): string {
  const head = [
    'subscribers',
    ...systems.map((s) => `${NAMES[s]} fps median (min)`),
    ...systems.map((s) => `${NAMES[s]} loss %`),
    ...systems.map((s) => `${NAMES[s]} kbit/s per subscriber`),
    ...systems.map((s) => `${NAMES[s]} publisher fps`),
    ...systems.map((s) => `${NAMES[s]} RSS MiB`),
  ];
  const rows = sizes.map((n) => {
    const r = cpuRowsBySystem(measurements, systems, n);
    return [
      sizeLabel(r, systems, n),
      ...systems.map((s) => `${fmt(r[s].fps, 1)} (${fmt(r[s].fpsMin, 1)})`),
      ...systems.map((s) => fmt(r[s].loss, 2)),
      ...systems.map((s) => fmt(r[s].kbps, 0)),
      ...systems.map((s) => fmt(r[s].pushed, 1)),
      ...systems.map((s) => fmt(r[s].rss, 0)),
    ];
  });
  return table(head, rows);
}

/** Verdict lines for the targets. */
export function verdicts(samples: readonly JoinSample[], measurements: readonly CpuMeasurement[], sizes: readonly number[]): string[] {
  const bare = joinStats(samples, 'bare', 'firstFrameMs');
  const plaza = joinStats(samples, 'plaza', 'firstFrameMs');
  const lines: string[] = [];
  const ok = (b: boolean) => (b ? 'met' : '**not met**');
  if (plaza.n > 0) {
    lines.push(`Join to first frame, Plaza p50 ${fmt(plaza.p50, 0)} ms ≤ ${MEDIA_TARGETS.firstFrameP50Ms} ms: ${ok(plaza.p50 <= MEDIA_TARGETS.firstFrameP50Ms)}; ≤ ${MEDIA_TARGETS.firstFrameRatio}× bare (${fmtRatio(plaza.p50 / bare.p50)}): ${ok(plaza.p50 / bare.p50 <= MEDIA_TARGETS.firstFrameRatio)}.`);
    const ratios = sizes.map((n) => cpuRows(measurements, 'plaza', n).perStream / cpuRows(measurements, 'bare', n).perStream);
    lines.push(`Server CPU per forwarded stream ≤ ${MEDIA_TARGETS.cpuPerStreamRatio}× bare: ${sizes.map((n, i) => `${n} subscribers ${fmtRatio(ratios[i] as number)} ${ok((ratios[i] as number) <= MEDIA_TARGETS.cpuPerStreamRatio)}`).join('; ')}.`);
    const mbit = sizes.map((n) => perMbit(cpuRows(measurements, 'plaza', n)) / perMbit(cpuRows(measurements, 'bare', n)));
    lines.push(`The same per forwarded Mbit/s (evens out runs where one publisher's encoder sent less): ${sizes.map((n, i) => `${n} subscribers ${fmtRatio(mbit[i] as number)}`).join('; ')}.`);
    const plazaRows = sizes.map((n) => cpuRows(measurements, 'plaza', n));
    lines.push(`Plaza subscribers: loss ${plazaRows.map((r) => `${fmt(r.loss, 2)} %`).join(' / ')} (target 0 %), median fps ${plazaRows.map((r) => fmt(r.fps, 1)).join(' / ')} (target ${MEDIA_TARGETS.fps}) at ${sizes.join(' / ')} subscribers.`);
  }
  return lines;
}

/** The tables as printed to stdout. */
export function printMedia(samples: readonly JoinSample[], measurements: readonly CpuMeasurement[], context: MediaContext): string {
  return [
    `\nJoin to first frame in Chromium (${context.joins} joins per system)\n`,
    joinTable(samples, context.systems),
    `\nServer CPU per forwarded stream (medians of ${context.reps} runs, % of one core)\n`,
    cpuTable(measurements, context.systems, context.sizes),
    '\nWhat the subscribers received\n',
    deliveryTable(measurements, context.systems, context.sizes),
    '',
    ...verdicts(samples, measurements, context.sizes),
    '',
  ].join('\n');
}

/** The `media` section of docs/benchmarks.md. */
export function mediaSection(samples: readonly JoinSample[], measurements: readonly CpuMeasurement[], context: MediaContext): string {
  const loads = measurements.map((m) => m.load1).concat(samples.map((s) => s.load1));
  return `## Calls: join to first frame, server CPU per forwarded stream

${machineLine(context.machine)} At the end: ${context.loadEnd.toFixed(2)} (range during the measurements: ${fmt(Math.min(...loads), 2)}–${fmt(Math.max(...loads), 2)}). Generated by \`pnpm bench:media\` (whole script: ${Math.round(context.seconds)} s).

### Join to first frame (Chromium)

${joinTable(samples, context.systems)}

### Server CPU per forwarded stream

${cpuTable(measurements, context.systems, context.sizes)}

What the subscribers received in the same runs, and the servers' memory:

${deliveryTable(measurements, context.systems, context.sizes)}

${verdicts(samples, measurements, context.sizes).join('\n')}

**What is compared.** *Bare mediasoup* is \`bench/media/bare-server.ts\`: socket.io signaling and one mediasoup 3.8.4
worker with one router, no Plaza code — no authentication, no validation, no call bookkeeping, no events to
other participants; its clients (\`bench/media/BarePeer.ts\`) use mediasoup-client 3.24 directly. *Plaza* is
\`plaza-server\` (\`packages/server/src/cli.ts\` from source with tsx, \`PLAZA_MEDIA_WORKERS=1\`,
\`PLAZA_RTC_LISTEN_IP=127.0.0.1\`) with the real client (\`conversation.joinCall()\`; the browser bundle's \`Plaza\`
global in Chromium, \`@plaza/client\` with \`webrtc: @roamhq/wrtc\` in Node). Both routers have the same codecs and
transport options (\`bench/media/codecs.ts\`).

**Method.** Everything runs in one loopback-only network namespace (\`unshare -n\`, only \`lo\` up), so media
can only take 127.0.0.1. *Join to first frame:* one Chromium (Debian's, headless, fake camera 640x360 at 30
fps) holds one publisher page per system, each publishing the fake camera with the same three simulcast
encodings; a subscriber page is then loaded in a new tab for every join (a fresh client), joins, consumes the
camera and shows it in a 1280x720 \`<video>\` (wide enough that Plaza's size-based layer choice keeps the top
simulcast layer, which the bare consumer receives by default). Times are taken in the page from just before the socket is opened:
*socket connected* = bare: socket.io \`connect\`; Plaza: \`client.connect(token)\` resolved (authenticated session);
*signaling connected* = the join answer is in and the device and transports are set up (bare: after
\`device.load\` and \`createRecvTransport\`; Plaza: \`joinCall()\` resolved); *transport connected* = the receiving
RTCPeerConnection reached \`connectionState\` 'connected' (observed by the same RTCPeerConnection wrapper on
both pages); *first frame decoded* = the first \`requestVideoFrameCallback\` of the \`<video>\`. ${context.joins}
counted joins per system after one warm-up join each, alternating the systems join by join; nearest-rank p50
and p95. *CPU per forwarded stream:* one Node publisher (\`@roamhq/wrtc\` RTCVideoSource, a synthetic
640x360 I420 picture at 30 fps, one VP8 encoding capped at 800 kbit/s) and N Node subscribers (\`@roamhq/wrtc\`,
${context.perProcess} per child process, each decoding into an RTCVideoSink); after ${context.warmupMs / 1000} s of
warm-up, the server's CPU time (the Node process plus its mediasoup worker, user + system from
\`/proc/<pid>/stat\`) is read over a ${context.windowMs / 1000} s window, with the subscribers' decoded frames and
their peer connections' \`inbound-rtp\` counters (packets lost ÷ (lost + received), bytes). CPU %/stream = the
server's CPU % of one core ÷ subscribers; % per Mbit/s = the server's CPU % ÷ the video bitrate all subscribers
received together — the publisher's encoder lowers its bitrate and frame rate when the machine is busy, which
changes what there is to forward, so this is the fairer comparison when the two systems' runs got different
bitrates. "publisher fps" = frames the synthetic camera pushed per second (its timer slips under load). RSS = the server's Node process plus worker at the end of the window.
N = ${context.sizes.join(', ')}; ${context.reps} runs each, alternating the systems (bare first in runs 1, 3, …),
each run starting its publisher and subscribers afresh; the table shows medians (fps min and loss: the worst
run). The publisher, the subscribers, Chromium and the servers share the machine's ${context.machine.cores}
cores — decoding N streams costs the subscribers far more than forwarding costs the server — and the machine
is shared with other work, so the CPU figures move between runs; compare the two systems within a run.`;
}
