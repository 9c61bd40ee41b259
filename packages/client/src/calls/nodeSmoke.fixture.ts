/**
 * Smoke check of calls against a running Plaza server, from Node with @roamhq/wrtc: two clients
 * join the call of a new group, one publishes generated VP8 video (and sends a data message), the
 * other counts the frames it receives. Prints one JSON line and exits (0 when frames arrived).
 *
 * It starts nothing itself. Run it from the repository root inside a loopback-only namespace:
 *   PLAZA_URL=http://127.0.0.1:7700 PLAZA_API_KEY=… PLAZA_API_SECRET=… \
 *   unshare -n sh -c 'ip link set lo up && exec node --import tsx packages/client/src/calls/nodeSmoke.fixture.ts'
 * Optional: SMOKE_MS (how long to count frames, default 3000); SMOKE_SIZE (generated frame size,
 * default 640x480); SMOKE_SIMULCAST=1 (three layers; off by default because wrtc's simulcast is
 * unreliable: at 640x480 it sometimes stops after the first frame, at 320x240 nothing arrives);
 * SMOKE_LOG=debug (client log on stderr); SMOKE_TIMEOUT_MS (default 30000).
 *
 * SMOKE_CUT=alice|bob puts that client (alice publishes, bob receives) behind a TCP proxy and, once
 * frames arrive, cuts its Plaza connection and refuses new ones for SMOKE_CUT_MS (default 500).
 * Shorter than the server's callRejoinGraceMs, the call resumes (ICE restart on the same
 * transports); longer, it is rebuilt (new transports, tracks published and received again).
 * Frames are then counted again for SMOKE_MS after the call's 'reconnected'.
 *
 * SMOKE_BLACKOUT_MS=<ms> takes `lo` down for that long (`ip link set lo down`; root in the
 * namespace): the media transports go `disconnected` and the SDK restarts ICE (or, if the Plaza
 * sockets dropped too, rejoins); frames are counted again after Bob's call reconnected.
 *
 * Bob joins by accepting Alice's ring (SMOKE_RING=0: directly); a second join of his is refused.
 *
 * SMOKE_KILL_WORKER_OF=<server pid> instead SIGKILLs that server's mediasoup worker once frames
 * arrive: both calls get `call:rebuild`, and frames are counted again after both reconnected.
 *
 * A process that carried media through wrtc must end with process.exit() (it aborts at a natural
 * exit), so every path below ends there.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import wrtc from '@roamhq/wrtc';
import { AccessToken } from '@plaza/server-sdk';
import { PlazaClient, createLogger } from '../index.js';
import type { Call, IncomingRing, RemoteTrack } from '../index.js';

const { RTCVideoSource, RTCVideoSink } = wrtc.nonstandard;

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`set ${name}`);
  return value;
};

const startedAt = performance.now();
const ms = () => Math.round(performance.now() - startedAt);
const marks: Record<string, number> = {};
const result: Record<string, unknown> = { ok: false, marks };
const cleanups: (() => unknown)[] = [];

function finish(code: number, error?: unknown): never {
  for (const fn of cleanups.reverse()) {
    try {
      fn();
    } catch {
      // closing what is left; nothing to report
    }
  }
  if (error !== undefined) result['error'] = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(code);
}

/** A TCP proxy whose connections can be cut, refusing new ones for a while (a lost network). */
async function startCutProxy(target: string): Promise<{ url: string; cut(downMs: number): void; close(): void }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let downUntil = 0;
  const server = createServer((client) => {
    if (Date.now() < downUntil) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s)).on('error', () => s.destroy());
    }
    client.pipe(upstream).on('close', () => client.destroy());
    upstream.pipe(client).on('close', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut(downMs) {
      downUntil = Date.now() + downMs;
      for (const s of sockets) s.destroy();
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** Pids of the `mediasoup-worker` children of `parent` (from /proc). */
function mediasoupWorkers(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = /\(([^)]*)\)/.exec(stat)?.[1] ?? '';
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && name.startsWith('mediasoup-work')) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

const watchdog = setTimeout(() => finish(1, new Error('timed out')), Number(process.env['SMOKE_TIMEOUT_MS'] || 30_000));

async function main(): Promise<void> {
  const url = env('PLAZA_URL');
  const apiKey = env('PLAZA_API_KEY');
  const apiSecret = env('PLAZA_API_SECRET');
  const countMs = Number(process.env['SMOKE_MS'] || 3000);
  const simulcast = process.env['SMOKE_SIMULCAST'] === '1';
  const suffix = Math.random().toString(36).slice(2, 8);
  const token = (identity: string) => new AccessToken(apiKey, apiSecret, { identity, name: identity, ttl: '10m' }).toJwt();
  const logger = createLogger((process.env['SMOKE_LOG'] as 'debug' | 'info' | undefined) || 'warn', (level, message, context) =>
    process.stderr.write(`[${ms()}ms] ${level} ${message} ${JSON.stringify(context ?? {}, (_k, v: unknown) => (v instanceof Error ? v.message : v))}\n`),
  );

  const cutWho = process.env['SMOKE_CUT'] || '';
  const cutMs = Number(process.env['SMOKE_CUT_MS'] || 500);
  const proxy = cutWho ? await startCutProxy(url) : null;
  if (proxy) cleanups.push(() => proxy.close());
  const reconnectPolicy = { nextDelayMs: () => 200 };
  const alice = new PlazaClient(cutWho === 'alice' && proxy ? proxy.url : url, { webrtc: wrtc, logger, reconnectPolicy });
  const bob = new PlazaClient(cutWho === 'bob' && proxy ? proxy.url : url, { webrtc: wrtc, logger, reconnectPolicy });
  cleanups.push(() => void alice.disconnect(), () => void bob.disconnect());
  await alice.connect(await token(`smoke-a-${suffix}`));
  await bob.connect(await token(`smoke-b-${suffix}`));
  const group = await alice.conversations.create({ kind: 'group', title: 'calls smoke', memberIds: [`smoke-b-${suffix}`] });
  const bobConv = await bob.conversations.get(group.id);
  marks['connected'] = ms();

  // Alice starts the call and rings; Bob joins by accepting the ring (SMOKE_RING=0: Bob joins directly).
  const rings: string[] = [];
  result['rings'] = rings;
  const ringing = new Promise<IncomingRing>((resolve) => bob.calls.once('ringing', (ring) => resolve(ring)));
  for (const [who, c] of [['alice', alice], ['bob', bob]] as const) c.calls.on('ringEnded', (e) => rings.push(`${ms()}ms ${who} ringEnded ${e.reason}`));
  const aliceCall: Call = await group.joinCall();
  let bobCall: Call;
  if (process.env['SMOKE_RING'] === '0') {
    bobCall = await bobConv.joinCall();
  } else {
    rings.push(`${ms()}ms alice rang ${(await aliceCall.ring()).join(',')}`);
    const ring = await ringing;
    rings.push(`${ms()}ms bob ringing from ${ring.callerId}`);
    bobCall = await ring.accept();
  }
  const second = await bobConv.joinCall().catch((error: unknown) => (error as { code?: string }).code ?? String(error));
  result['secondJoin'] = second;
  cleanups.push(() => void aliceCall.leave(), () => void bobCall.leave());
  marks['joined'] = ms();

  let frames = 0;
  let firstFrameAt = 0;
  let size = '';
  const data: string[] = [];
  const events: string[] = [];
  result['events'] = events;
  for (const [who, c] of [['alice', aliceCall], ['bob', bobCall]] as const) {
    for (const name of ['reconnecting', 'reconnected', 'participantJoined', 'participantLeft', 'trackPublished', 'trackUnpublished', 'trackSubscribed', 'trackUnsubscribed', 'left'] as const) {
      c.on(name, (...args: unknown[]) => {
        const reason = args.find((a): a is string => typeof a === 'string');
        events.push(`${ms()}ms ${who} ${name}${reason ? ` (${reason})` : ''}`);
      });
    }
  }
  /** Counts frames of the track bob receives now; a new sink whenever it is subscribed (again). */
  let sink: InstanceType<typeof RTCVideoSink> | null = null;
  cleanups.push(() => sink?.stop());
  const sinkOn = (track: RemoteTrack) => {
    sink?.stop();
    const media = track.mediaStreamTrack;
    if (!media) throw new Error('subscribed without a mediaStreamTrack');
    sink = new RTCVideoSink(media as never);
    sink.onframe = (({ frame: f }: { frame: { width: number; height: number } }) => {
      if (frames++ === 0) firstFrameAt = ms();
      size = `${f.width}x${f.height}`;
    }) as never;
  };
  bobCall.on('trackSubscribed', (track) => sinkOn(track));
  const subscribed = new Promise<RemoteTrack>((resolve) => bobCall.once('trackSubscribed', (track) => resolve(track)));
  bobCall.on('data', (d) => data.push(typeof d === 'string' ? d : `<${d.byteLength} bytes>`));

  const [W, H] = (process.env['SMOKE_SIZE'] || '640x480').split('x').map(Number) as [number, number];
  const source = new RTCVideoSource();
  const track = source.createTrack();
  const frame = { width: W, height: H, data: new Uint8ClampedArray(W * H * 1.5) };
  let tick = 0;
  const pump = setInterval(() => {
    tick++;
    for (let i = 0; i < W * H; i++) frame.data[i] = (i + tick * 4) & 0xff;
    frame.data.fill(128, W * H);
    source.onFrame(frame as unknown as { width: number; height: number; data: Uint8Array });
  }, 1000 / 30);
  cleanups.push(() => clearInterval(pump), () => track.stop());

  const local = await aliceCall.publishTrack(track as unknown as MediaStreamTrack, { source: 'camera', simulcast });
  marks['published'] = ms();
  const remote = await subscribed;
  marks['subscribed'] = ms();
  // Data sent before the receiver's data consumer exists is not delivered: send once both sides are set up.
  const sendData = setInterval(() => data.length === 0 && aliceCall.sendData(`hello from alice at ${ms()} ms`), 300);
  cleanups.push(() => clearInterval(sendData));
  await new Promise((r) => setTimeout(r, countMs));

  const killWorkerOf = Number(process.env['SMOKE_KILL_WORKER_OF'] || 0);
  if (killWorkerOf > 0) {
    const workers = mediasoupWorkers(killWorkerOf);
    if (workers.length === 0) throw new Error(`no mediasoup worker under pid ${killWorkerOf}`);
    const before = frames;
    const both = Promise.all([aliceCall, bobCall].map((c) => new Promise<void>((resolve) => c.once('reconnected', () => resolve()))));
    marks['killed'] = ms();
    for (const pid of workers) process.kill(pid, 'SIGKILL');
    await both;
    marks['reconnected'] = ms();
    const at = frames;
    await new Promise((r) => setTimeout(r, countMs));
    Object.assign(result, { killedWorkers: workers, framesBeforeKill: before, framesAfterReconnected: frames - at });
  }

  const blackoutMs = Number(process.env['SMOKE_BLACKOUT_MS'] || 0);
  if (blackoutMs > 0) {
    const before = frames;
    const reconnected = new Promise<void>((resolve) => bobCall.once('reconnected', () => resolve()));
    marks['blackout'] = ms();
    execFileSync('ip', ['link', 'set', 'lo', 'down']);
    cleanups.push(() => execFileSync('ip', ['link', 'set', 'lo', 'up'], { stdio: 'ignore' }));
    await new Promise((r) => setTimeout(r, blackoutMs));
    execFileSync('ip', ['link', 'set', 'lo', 'up']);
    marks['blackoutEnd'] = ms();
    await reconnected;
    marks['reconnected'] = ms();
    const at = frames;
    await new Promise((r) => setTimeout(r, countMs));
    Object.assign(result, { blackoutMs, framesBeforeBlackout: before, framesAfterReconnected: frames - at });
  }

  if (proxy) {
    const cutCall = cutWho === 'alice' ? aliceCall : bobCall;
    const before = frames;
    const reconnected = new Promise<void>((resolve) => cutCall.once('reconnected', () => resolve()));
    marks['cut'] = ms();
    proxy.cut(cutMs);
    await reconnected;
    marks['reconnected'] = ms();
    const at = frames;
    await new Promise((r) => setTimeout(r, countMs));
    Object.assign(result, { cutWho, cutMs, framesBeforeCut: before, framesDuringCut: at - before, framesAfterReconnected: frames - at });
  }
  Object.assign(result, {
    ok: frames > 0 && second === 'CONFLICT' && (!(proxy || killWorkerOf > 0 || blackoutMs > 0) || (result['framesAfterReconnected'] as number) > 0),
    frames,
    framesPushed: tick,
    size,
    simulcast,
    firstFrameMs: firstFrameAt > 0 ? firstFrameAt - (marks['subscribed'] ?? 0) : null,
    trackId: local.id,
    remoteTrack: { id: remote.id, source: remote.source, kind: remote.kind, layers: remote.layers },
    data,
    states: { alice: aliceCall.state, bob: bobCall.state },
  });
  clearTimeout(watchdog);
  await bobCall.leave();
  await aliceCall.leave();
  finish(result['ok'] ? 0 : 1);
}

main().catch((error: unknown) => finish(1, error));
