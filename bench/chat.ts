/**
 * `pnpm bench:chat` — chat benchmarks, each next to a baseline measured in the same run:
 *  (a/b) fan-out to N members of one group: plain socket.io broadcast vs Plaza `message:send` →
 *        `message:new`, paced (latency) and saturated (throughput), N = 100 and 1,000;
 *  (c)   idle ack round trip: Plaza `message:send` vs a plain socket.io `emitWithAck` echo;
 *  (d)   chat ingest: 1,000 senders in 1,000 direct conversations vs a bare better-sqlite3 loop.
 * Prints tables and rewrites its sections of docs/benchmarks.md.
 *
 * Flags: `--quick` (one repetition, shorter runs; for trying changes, not for the docs),
 * `--no-write` (do not touch docs/benchmarks.md).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load1, machineInfo } from './lib/machine.js';
import { writeSection } from './lib/report.js';
import { ServerProcess } from './lib/ServerProcess.js';
import { sleep } from './lib/stats.js';
import { probeReceivers, runFanout, type FanoutMode, type FanoutResult } from './chat/fanout.js';
import { openDirectRing, runIngest, type IngestResult } from './chat/ingest.js';
import { measureRoundTrips, plainEchoOnce, plazaSendOnce, type RoundTripResult } from './chat/roundTrip.js';
import { runSqliteBaseline, type SqliteBaselineResult } from './chat/sqliteBaseline.js';
import { PlainTarget, PlazaTarget, unwrap, type FanoutTarget } from './chat/targets.js';
import { request, type LoadSocket } from './chat/sockets.js';
import { ackSection, fanoutSection, ingestSection, printAck, printFanout, printIngest, type AckRuns, type FanoutCase } from './chat/render.js';
import type { Ack, ConversationWithState } from '@plaza/protocol';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const quick = process.argv.includes('--quick');
const write = !process.argv.includes('--no-write') && !quick;

/** Benchmark parameters; documented in the generated sections. */
const P = {
  reps: quick ? 1 : 3,
  clients: 1000,
  groups: [100, 1000] as const,
  senders: 50,
  paced: { 100: 100, 1000: 10 } as Record<number, number>,
  window: { 100: 20, 1000: 4 } as Record<number, number>,
  runMs: quick ? 2000 : 4000,
  textLength: 100,
  ack: { count: quick ? 200 : 500, warmup: 50, gapMs: 2 },
  ingest: { senders: 1000, rounds: quick ? 5 : 10, reps: quick ? 1 : 2 },
  sqlite: { perInsertMs: quick ? 1000 : 2500, batchSize: 1000 },
};

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Starts `plaza-server` from source on 127.0.0.1:0 with the bench's API key and `config`. */
async function startPlaza(name: string, dataDir: string, credentials: { apiKey: string; apiSecret: string }, config: object) {
  const configFile = `${dataDir}-config.json`;
  writeFileSync(configFile, JSON.stringify(config));
  // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of the Plaza server there (for finding hot spots).
  const profile = process.env.BENCH_CPU_PROF && name === 'Plaza' ? ['--cpu-prof', '--cpu-prof-dir', resolve(process.env.BENCH_CPU_PROF)] : [];
  return ServerProcess.start({
    name,
    cwd: ROOT,
    args: [...profile, '--import', 'tsx', 'packages/server/src/cli.ts', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--config', configFile],
    env: { PLAZA_API_KEY: credentials.apiKey, PLAZA_API_SECRET: credentials.apiSecret },
  });
}

// Rate limits raised so that the benchmark measures the server, not the limiter (which still runs).
const BENCH_CONFIG = {
  logLevel: 'info',
  rateLimits: { messages: { perSecond: 1_000_000, burst: 1_000_000 }, requests: { perSecond: 1_000_000, burst: 1_000_000 } },
};

/** Marks a phase in the log with the monotonic clock the V8 CPU profile uses (µs), for slicing a profile. */
function phase(name: string): void {
  if (process.env.BENCH_CPU_PROF) log(`phase ${name} at ${process.hrtime.bigint() / 1000n} µs`);
}

/** Waits until `server` has used less than `busyMs` CPU over 250 ms (setup work has drained). */
async function settle(server: ServerProcess, busyMs = 30, maxMs = 60_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const before = server.cpuMs();
    await sleep(250);
    if (server.cpuMs() - before < busyMs) return;
  }
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'plaza-bench-'));
  const dataDir = join(work, 'data');
  const credentials = { apiKey: 'PKbench', apiSecret: randomBytes(32).toString('base64url') };
  if (!existsSync(join(ROOT, 'packages/server/src/cli.ts'))) throw new Error('packages/server/src/cli.ts is missing');

  const [plain, plaza] = await Promise.all([
    ServerProcess.start({ name: 'plain socket.io', cwd: ROOT, args: ['--import', 'tsx', 'bench/plain-server.ts'] }),
    startPlaza('Plaza', dataDir, credentials, BENCH_CONFIG),
  ]);
  const extra: ServerProcess[] = [];
  let plainFleet: PlainTarget | undefined;
  let plazaFleet: PlazaTarget | undefined;
  try {
    log(`servers: plain pid ${plain.pid} port ${plain.port}; Plaza pid ${plaza.pid} port ${plaza.port}`);
    let t = Date.now();
    plainFleet = await PlainTarget.create(plain, P.clients, P.groups);
    log(`plain: ${P.clients} clients connected and joined in ${Date.now() - t} ms`);
    t = Date.now();
    plazaFleet = await PlazaTarget.create(plaza, credentials, P.clients);
    log(`Plaza: ${P.clients} users connected in ${Date.now() - t} ms`);
    for (const n of P.groups) {
      t = Date.now();
      await plazaFleet.createGroup(n);
      await settle(plaza);
      log(`Plaza: group of ${n} created (and its announcements drained) in ${Date.now() - t} ms`);
    }

    // (a/b) fan-out
    const expected = new Map<string, number>();
    for (const target of [plainFleet, plazaFleet] as FanoutTarget[]) {
      for (const n of P.groups) {
        const got = await probeReceivers(target, n);
        expected.set(`${target.name}/${n}`, got);
        log(`${target.name}: a message to the group of ${n} reached ${got} clients`);
        if (got < n) log(`  WARNING: expected ${n}; runs will wait for ${got} per message`);
        // warm-up (JIT, buffers): a short saturated run, not recorded
        await runFanout(target, { n, expected: got, senders: Math.min(P.senders, n), mode: { kind: 'saturate', window: P.window[n]!, durationMs: 1000 } });
      }
    }
    phase('fan-out');
    const cases: FanoutCase[] = [];
    for (const n of P.groups) {
      for (const kind of ['paced', 'saturate'] as const) {
        const mode: FanoutMode =
          kind === 'paced' ? { kind, rate: P.paced[n]!, durationMs: P.runMs } : { kind, window: P.window[n]!, durationMs: P.runMs };
        cases.push({ n, mode, plain: [], plaza: [] });
      }
    }
    for (let rep = 0; rep < P.reps; rep++) {
      for (const c of cases) {
        for (const target of [plainFleet, plazaFleet] as FanoutTarget[]) {
          await settle(target.server);
          const r = await runFanout(target, {
            n: c.n,
            expected: expected.get(`${target.name}/${c.n}`)!,
            senders: Math.min(P.senders, c.n),
            mode: c.mode,
            textLength: P.textLength,
          });
          (target === plainFleet ? c.plain : c.plaza).push(r);
          log(describe(r));
        }
      }
    }
    printFanout(cases);

    // (c) idle ack round trip
    phase('ack');
    const normal = await startPlaza('Plaza (synchronous normal)', join(work, 'data-normal'), credentials, {
      ...BENCH_CONFIG,
      sqliteSynchronous: 'normal',
    });
    extra.push(normal);
    const normalFleet = await PlazaTarget.create(normal, credentials, 1);
    const ackConversation = async (fleet: PlazaTarget) =>
      unwrap(
        await request<Ack<ConversationWithState>>(fleet.sockets[0] as LoadSocket, 'conversation:create', { kind: 'group', title: 'bench ack' }),
        'conversation:create',
      ).id;
    const own = await ackConversation(plazaFleet);
    const ownNormal = await ackConversation(normalFleet);
    await settle(plaza);
    const ack: AckRuns = { plain: [], plaza: [], plazaNormal: [], commits: [] };
    const text = 'z'.repeat(P.textLength);
    const { count, warmup, gapMs } = P.ack;
    for (let rep = 0; rep < P.reps; rep++) {
      const plainSocket = plainFleet.sockets[0] as LoadSocket;
      ack.plain.push(await measureRoundTrips(count, warmup, gapMs, () => plainEchoOnce(plainSocket, text)));
      ack.commits.push(runSqliteBaseline({ perInsertMs: 1000, batchedRows: 0, batchSize: 1, conversations: 1 }));
      const plazaSocket = plazaFleet.sockets[0] as LoadSocket;
      ack.plaza.push(await measureRoundTrips(count, warmup, gapMs, (k) => plazaSendOnce(plazaSocket, own, `ack${rep}-${k}`, text)));
      const normalSocket = normalFleet.sockets[0] as LoadSocket;
      ack.plazaNormal.push(await measureRoundTrips(count, warmup, gapMs, (k) => plazaSendOnce(normalSocket, ownNormal, `ack${rep}-${k}`, text)));
      const f = (r: RoundTripResult | undefined) => `p50 ${r?.p50.toFixed(2)} p99 ${r?.p99.toFixed(2)}${r?.errors ? ` errors ${r.errors}` : ''}`;
      const c = ack.commits.at(-1);
      log(
        `ack rep ${rep + 1}: plain ${f(ack.plain.at(-1))}; SQLite commit p50 ${c?.commitP50.toFixed(2)} p99 ${c?.commitP99.toFixed(2)}; ` +
          `Plaza ${f(ack.plaza.at(-1))}; Plaza (normal) ${f(ack.plazaNormal.at(-1))}`,
      );
    }
    await normal.stop();
    normalFleet.close();
    printAck(ack);

    // (d) ingest
    phase('openDirect');
    t = Date.now();
    const directs = await openDirectRing(plazaFleet, P.ingest.senders);
    await settle(plaza);
    log(`Plaza: ${directs.length} direct conversations opened in ${Date.now() - t} ms`);
    const sqlite: SqliteBaselineResult[] = [];
    const ingest: IngestResult[] = [];
    for (let rep = 0; rep < P.ingest.reps; rep++) {
      sqlite.push(
        runSqliteBaseline({
          perInsertMs: P.sqlite.perInsertMs,
          batchedRows: P.ingest.senders * P.ingest.rounds,
          batchSize: P.sqlite.batchSize,
          conversations: P.ingest.senders,
        }),
      );
      log(`sqlite rep ${rep + 1}: per-insert tx ${Math.round(sqlite.at(-1)!.perInsertPerSecond)}/s, batched ${Math.round(sqlite.at(-1)!.batchedPerSecond)}/s`);
      await settle(plaza);
      phase(`ingest ${rep + 1}`);
      ingest.push(await runIngest(plazaFleet, directs, P.ingest.rounds, `ing${rep}`));
      const last = ingest.at(-1)!;
      log(`ingest rep ${rep + 1}: ${last.acked} acked in ${Math.round(last.elapsedMs)} ms = ${Math.round(last.messagesPerSecond)}/s, errors ${last.errors} ${JSON.stringify(last.errorCodes)}`);
    }
    printIngest(sqlite, ingest);

    phase('end');
    const meta = { machine, params: P, durationS: Math.round((Date.now() - started) / 1000), loadEnd: load1(), plazaRssMiB: plaza.rssMiB(), plainRssMiB: plain.rssMiB(),
      plainPayloadBytes: plainFleet.payloadBytes,
      plazaPayloadBytes: plazaFleet.payloadBytes,
    };
    if (write) {
      writeSection(DOC, 'chat-fanout', fanoutSection(cases, meta));
      writeSection(DOC, 'chat-ack', ackSection(ack, meta));
      writeSection(DOC, 'chat-ingest', ingestSection(sqlite, ingest, meta));
      log(`wrote ${DOC}`);
    }
    log(`total ${meta.durationS} s`);
  } finally {
    // Stop the servers first: a graceful close disconnects everyone without the presence
    // broadcasts that 1,000 clients leaving on their own would cause.
    const stopping = Date.now();
    await Promise.all([plain.stop(), plaza.stop(30_000), ...extra.map((server) => server.stop())]);
    log(`servers stopped in ${Date.now() - stopping} ms`);
    plainFleet?.close();
    plazaFleet?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

function describe(r: FanoutResult): string {
  const errs = r.errors ? ` errors ${r.errors} ${JSON.stringify(r.errorCodes)}` : '';
  const lost = r.deliveries < r.expectedDeliveries ? ` MISSING ${r.expectedDeliveries - r.deliveries}` : '';
  return (
    `${r.target.padEnd(5)} N=${String(r.n).padEnd(4)} ${r.mode.padEnd(8)} sent ${r.sent} → ${r.deliveries} deliveries in ${Math.round(r.elapsedMs)} ms: ` +
    `${Math.round(r.deliveriesPerSecond)}/s p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} ms, server CPU ${r.serverCpuPer1k.toFixed(1)} ms/1k ` +
    `(${Math.round(r.serverCpuShare * 100)}% core), client ${Math.round(r.clientCpuShare * 100)}%${errs}${lost}`
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
