/**
 * `pnpm bench:files` — file upload and download throughput through Plaza (real `plaza-server`
 * process, real client: `conversation.uploadFile` over tus, downloads through signed URLs), each
 * next to a plain Node HTTP stream-to-disk / disk-to-socket server measured in the same run.
 * Sizes 1 MiB, 100 MiB and 1 GiB at concurrency 1 and 8; alternating runs, medians. Prints tables
 * and rewrites its section of docs/benchmarks.md.
 *
 * Flags / env: `--no-write` (print only), `BENCH_FILES_SKIP_1G=1` (leave out the 1 GiB size),
 * `BENCH_FILES_SIZES=1MiB,100MiB` (only these sizes), `BENCH_FILES_REPS=N` (repetitions per size; default 3, 2 for 1 GiB), `BENCH_FILES_CHUNK_MIB=N` (the
 * client's `uploadChunkBytes`, for trying chunk sizes; the documented figures use the default).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load1, machineInfo } from './lib/machine.js';
import { writeSection } from './lib/report.js';
import { ServerProcess } from './lib/ServerProcess.js';
import { median } from './lib/stats.js';
import { PlazaSide } from './files/plaza.js';
import { filesSection, printFiles, type Measurement, type Direction, type SystemName } from './files/render.js';
import { deleteUrl, downloadToNull, putBytes, timed } from './files/transfer.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const write = !process.argv.includes('--no-write');
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Sizes, how many rounds of `concurrency` transfers make one measurement, and repetitions. */
const SIZES = [
  { label: '1 MiB', bytes: MiB, rounds: 32, reps: 3 },
  { label: '100 MiB', bytes: 100 * MiB, rounds: 1, reps: 3 },
  { label: '1 GiB', bytes: GiB, rounds: 1, reps: 2 },
]
  .filter((s) => !(process.env.BENCH_FILES_SKIP_1G === '1' && s.bytes === GiB))
  .filter((s) => !process.env.BENCH_FILES_SIZES || process.env.BENCH_FILES_SIZES.split(',').includes(s.label.replace(' ', '')));
const CONCURRENCY = [1, 8] as const;
const repsOverride = process.env.BENCH_FILES_REPS ? Number(process.env.BENCH_FILES_REPS) : undefined;

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Free bytes on the filesystem holding `dir`. */
function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

interface System {
  name: SystemName;
  server: ServerProcess;
  /** Uploads `bytes`; resolves with the name/id to download it by. */
  upload(bytes: Uint8Array, tag: string): Promise<string>;
  /** A URL to GET the stored object. */
  url(id: string): Promise<string>;
  /** Frees the disk space of the given objects. */
  remove(ids: string[]): Promise<void>;
}

async function main(): Promise<void> {
  const started = Date.now();
  const machine = machineInfo();
  const work = mkdtempSync(join(tmpdir(), 'plaza-bench-files-'));
  const credentials = { apiKey: 'PKbench', apiSecret: randomBytes(32).toString('base64url') };
  const plainDir = join(work, 'plain');
  mkdirSync(plainDir);
  const plazaDir = join(work, 'plaza');
  const configFile = join(work, 'plaza-config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      logLevel: 'warn',
      maxFileBytes: 2 * GiB,
      userQuotaBytes: 1024 * GiB,
      rateLimits: { messages: { perSecond: 1_000_000, burst: 1_000_000 }, requests: { perSecond: 1_000_000, burst: 1_000_000 } },
    }),
  );
  const biggest = Math.max(...SIZES.map((s) => s.bytes));
  const needed = biggest * (1 + Math.max(...CONCURRENCY)) * 1.2;
  if (freeBytes(work) < needed) {
    throw new Error(`not enough disk space in ${work}: need ${(needed / GiB).toFixed(1)} GiB free, have ${(freeBytes(work) / GiB).toFixed(1)} GiB (BENCH_FILES_SKIP_1G=1 leaves out the 1 GiB size)`);
  }

  log(`work dir ${work}; generating ${biggest / MiB} MiB of source data`);
  // A PDF header first: the server sniffs content and accepts PDFs by default; the rest is random.
  const source = randomBytes(biggest);
  source.write('%PDF-1.7\n', 0, 'latin1');

  const plainServer = await ServerProcess.start({ name: 'plain HTTP', cwd: ROOT, args: ['--import', 'tsx', 'bench/files/plain-file-server.ts', plainDir] });
  // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of the Plaza server there (for finding hot spots).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', resolve(process.env.BENCH_CPU_PROF)] : [];
  const plazaServer = await ServerProcess.start({
    name: 'Plaza',
    cwd: ROOT,
    args: [...profile, '--import', 'tsx', 'packages/server/src/cli.ts', '--port', '0', '--host', '127.0.0.1', '--data-dir', plazaDir, '--config', configFile],
    env: { PLAZA_API_KEY: credentials.apiKey, PLAZA_API_SECRET: credentials.apiSecret },
  });
  const chunkMiB = process.env.BENCH_FILES_CHUNK_MIB ? Number(process.env.BENCH_FILES_CHUNK_MIB) : undefined;
  const plaza = await PlazaSide.connect(plazaServer.url, credentials, chunkMiB ? chunkMiB * MiB : undefined);
  let counter = 0;
  const systems: System[] = [
    {
      name: 'plain',
      server: plainServer,
      upload: async (bytes) => {
        const id = `obj${counter++}`;
        await putBytes(`${plainServer.url}/f/${id}`, bytes);
        return id;
      },
      url: async (id) => `${plainServer.url}/f/${id}`,
      remove: async (ids) => {
        await Promise.all(ids.map((id) => deleteUrl(`${plainServer.url}/f/${id}`)));
      },
    },
    {
      name: 'Plaza',
      server: plazaServer,
      upload: (bytes, tag) => plaza.upload(bytes, `bench-${tag}.pdf`),
      url: (id) => plaza.url(id),
      remove: (ids) => plaza.remove(ids),
    },
  ];

  const measurements: Measurement[] = [];
  try {
    // Warm-up: one small upload and download on each, not counted.
    for (const system of systems) {
      const id = await system.upload(source.subarray(0, MiB), 'warmup');
      await downloadToNull(await system.url(id), MiB);
      await system.remove([id]);
    }
    for (const size of SIZES) {
      const bytes = source.subarray(0, size.bytes);
      const reps = repsOverride ?? size.reps;
      for (let rep = 0; rep < reps; rep++) {
        const order = rep % 2 === 0 ? systems : [...systems].reverse();
        for (const system of order) {
          for (const concurrency of CONCURRENCY) {
            const ids: string[] = [];
            const total = size.bytes * concurrency * size.rounds;
            if (freeBytes(work) < total * 1.2) throw new Error(`disk nearly full before ${system.name} ${size.label} ×${concurrency}`);
            const cpuUp = system.server.cpuMs();
            const clientUp = process.cpuUsage();
            let upMs = 0;
            for (let round = 0; round < size.rounds; round++) {
              upMs += await timed(concurrency, async (i) => {
                ids.push(await system.upload(bytes, `${size.bytes}-${rep}-${round}-${i}`));
              });
            }
            measurements.push(record(system.name, 'upload', size.label, concurrency, rep, total, upMs, system.server.cpuMs() - cpuUp, clientCpuMs(clientUp)));
            // Signing is not part of the download figure: an app holds the URL before it downloads.
            const urls = await Promise.all(ids.map((id) => system.url(id)));
            const cpuDown = system.server.cpuMs();
            const clientDown = process.cpuUsage();
            let downMs = 0;
            for (let round = 0; round < size.rounds; round++) {
              downMs += await timed(concurrency, (i) => downloadToNull(urls[round * concurrency + i] as string, size.bytes));
            }
            measurements.push(record(system.name, 'download', size.label, concurrency, rep, total, downMs, system.server.cpuMs() - cpuDown, clientCpuMs(clientDown)));
            await system.remove(ids);
            // Write back what this run left dirty in the page cache, so the next run (often the
            // other system) does not pay for it.
            execFileSync('sync');
          }
        }
      }
    }
  } finally {
    await plaza.close().catch(() => undefined);
    await Promise.all([plainServer.stop(), plazaServer.stop()]);
    rmSync(work, { recursive: true, force: true });
  }

  const context = { machine, seconds: (Date.now() - started) / 1000, loadEnd: load1(), sizes: SIZES.map((s) => ({ ...s, reps: repsOverride ?? s.reps })), concurrency: [...CONCURRENCY] };
  process.stdout.write(printFiles(measurements, median));
  if (write) {
    writeSection(DOC, 'files', filesSection(measurements, median, context));
    log(`wrote the files section of ${DOC}`);
  }
}

/** CPU time (user + system, ms) this process used since `since`. */
function clientCpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

function record(system: SystemName, direction: Direction, size: string, concurrency: number, rep: number, bytes: number, ms: number, cpuMs: number, clientMs: number): Measurement {
  const mbps = bytes / 1e6 / (ms / 1000);
  log(
    `${system.padEnd(5)} ${direction.padEnd(8)} ${size.padStart(7)} ×${concurrency} rep ${rep + 1}: ${mbps.toFixed(0)} MB/s (${ms.toFixed(0)} ms, server CPU ${cpuMs} ms, client CPU ${clientMs.toFixed(0)} ms, load ${load1().toFixed(1)})`,
  );
  return { system, direction, size, concurrency, rep, bytes, ms, mbps, cpuMs, clientCpuMs: clientMs };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:files failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
