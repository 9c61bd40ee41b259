/**
 * `pnpm bench:api` — the REST API and webhook delivery, each next to a plain baseline measured in
 * the same run:
 *  (a) REST: `postMessage` (stored and committed), `getConversation` and `listMessages` on Plaza vs a
 *      plain fastify + better-sqlite3 server doing the equivalent work behind the same Basic auth;
 *      sequential (latency) and 16 in flight (requests/s), keep-alive;
 *  (b) webhooks: messages posted through REST at a fixed rate and in a burst, delivered from Plaza's
 *      outbox to a local receiver (commit → arrival latency, events/s, every event once, every
 *      signature verified) vs a plain Node script signing and POSTing the same events with fetch.
 * Prints tables and rewrites its section of docs/benchmarks.md.
 *
 * Flags: `--no-write` (do not touch docs/benchmarks.md), `--quick` (one repetition, shorter runs;
 * prints, never writes the docs).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Conversation } from '@plaza/protocol';
import { serverConfigDefaults } from '@plaza/server';
import { load1, machineInfo } from './lib/machine.js';
import { writeSection } from './lib/report.js';
import { ServerProcess } from './lib/ServerProcess.js';
import { sleep } from './lib/stats.js';
import { ApiClient, runLoad, type Answer, type Call, type LoadResult } from './api/http.js';
import { WebhookReceiver } from './api/receiver.js';
import { apiSection, printApi, type RestCase, type RestMode, type RestOp, type WebhookCase } from './api/render.js';
import { eventsOf, runPlainWebhooks, runPlazaWebhooks, type WebhookMode, type WebhookRun } from './api/webhookRuns.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const quick = process.argv.includes('--quick');
const write = !process.argv.includes('--no-write') && !quick;

/** Benchmark parameters; documented in the generated section. */
const P = {
  reps: quick ? 1 : 3,
  sequential: { durationMs: quick ? 500 : 1000, warmup: 30 },
  concurrent: { concurrency: 16, durationMs: quick ? 1500 : 4000 },
  listLimit: 20,
  textLength: 100,
  webhooks: {
    paced: { rate: 200, durationMs: quick ? 2000 : 5000 },
    burst: quick ? 300 : 1000,
    warmup: 200,
    concurrency: 8,
  },
};

const log = (line: string) => process.stderr.write(`${line}\n`);

// Every rate limit the server has (the REST API's per key among them) raised, so that the benchmark
// measures the server, not the limiter (which still runs).
const BENCH_CONFIG = {
  logLevel: 'info',
  rateLimits: Object.fromEntries(Object.keys(serverConfigDefaults.rateLimits).map((name) => [name, { perSecond: 1_000_000, burst: 1_000_000 }])),
};

/** Waits until `server` has used less than `busyMs` CPU over 250 ms (the previous run's work drained). */
async function settle(server: ServerProcess, busyMs = 30, maxMs = 3000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const before = server.cpuMs();
    await sleep(250);
    if (server.cpuMs() - before < busyMs) return;
  }
}

/** The three operations as calls; both servers serve the same paths. */
function calls(client: ApiClient, conversationId: string, tag: string, text: string): Record<RestOp, Call> {
  const base = `/v1/conversations/${conversationId}`;
  const expect = (status: number) => (answer: Answer) => {
    if (answer.status === status) return true;
    if (failures++ < 3) log(`unexpected answer ${answer.status}: ${answer.body.slice(0, 300)}`);
    return false;
  };
  return {
    postMessage: async (k) => expect(201)(await client.send('POST', `${base}/messages`, { text, clientId: `${tag}-${k}` })),
    getConversation: async () => expect(200)(await client.send('GET', base)),
    listMessages: async () => expect(200)(await client.send('GET', `${base}/messages?limit=${P.listLimit}`)),
  };
}
/** Unexpected answers so far (the first few are logged). */
let failures = 0;

function describeLoad(system: string, op: string, mode: string, r: LoadResult): string {
  return (
    `${system.padEnd(5)} ${op.padEnd(15)} ${mode.padEnd(10)} ${r.requests} requests in ${Math.round(r.elapsedMs)} ms = ${Math.round(r.requestsPerSecond)}/s ` +
    `p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} ms, server CPU ${r.serverCpuPer1k.toFixed(0)} ms/1k (${Math.round(r.serverCpuShare * 100)}% core), ` +
    `client ${Math.round(r.clientCpuShare * 100)}%${r.errors ? ` ERRORS ${r.errors}` : ''}`
  );
}

function describeWebhooks(system: string, mode: WebhookMode, r: WebhookRun): string {
  return (
    `${system.padEnd(5)} webhooks ${mode.kind.padEnd(6)} ${r.delivered}/${r.events} delivered in ${Math.round(r.spanMs)} ms = ${Math.round(r.eventsPerSecond)}/s, ` +
    `p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} ms` +
    (r.produceMs ? `, posting took ${Math.round(r.produceMs)} ms` : '') +
    `, sender CPU ${Math.round(r.senderCpuShare * 100)}% core; missing ${r.missing}, duplicates ${r.duplicates}, strays ${r.strays}, bad signatures ${r.badSignatures}, errors ${r.produceErrors}`
  );
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'plaza-bench-api-'));
  const plainDir = join(work, 'plain');
  mkdirSync(plainDir);
  const dataDir = join(work, 'plaza');
  const configFile = join(work, 'plaza-config.json');
  writeFileSync(configFile, JSON.stringify(BENCH_CONFIG));
  const credentials = { apiKey: 'PKbench', apiSecret: randomBytes(32).toString('base64url') };
  if (!existsSync(join(ROOT, 'packages/server/src/cli.ts'))) throw new Error('packages/server/src/cli.ts is missing');
  const plainConversation = 'conv_plain_bench';

  const [plain, plaza, sender] = await Promise.all([
    ServerProcess.start({
      name: 'plain fastify',
      cwd: ROOT,
      args: ['--import', 'tsx', 'bench/api/plain-api-server.ts', plainDir, plainConversation],
      env: { PLAIN_API_KEY: credentials.apiKey, PLAIN_API_SECRET: credentials.apiSecret },
    }),
    ServerProcess.start({
      name: 'Plaza',
      cwd: ROOT,
      args: ['--import', 'tsx', 'packages/server/src/cli.ts', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--config', configFile],
      env: { PLAZA_API_KEY: credentials.apiKey, PLAZA_API_SECRET: credentials.apiSecret },
    }),
    ServerProcess.start({ name: 'plain webhook sender', cwd: ROOT, args: ['--import', 'tsx', 'bench/api/plain-webhook-sender.ts'] }),
  ]);
  const plainClient = new ApiClient(plain, credentials);
  const plazaClient = new ApiClient(plaza, credentials);
  const receiver = await WebhookReceiver.start();
  try {
    log(`servers: plain pid ${plain.pid} port ${plain.port}; Plaza pid ${plaza.pid} port ${plaza.port}; plain sender pid ${sender.pid}`);
    const created = await plazaClient.send('POST', '/v1/conversations', { kind: 'group', title: 'bench api', createdBy: 'bench-owner' });
    if (created.status !== 201) throw new Error(`createConversation: HTTP ${created.status} ${created.body}`);
    const plazaConversation = (JSON.parse(created.body) as Conversation).id;
    const text = 'z'.repeat(P.textLength);

    // (a) REST
    const ops: RestOp[] = ['postMessage', 'getConversation', 'listMessages'];
    const modes: RestMode[] = ['sequential', 'concurrent'];
    const systems = [
      { name: 'plain', server: plain, client: plainClient, conversation: plainConversation },
      { name: 'Plaza', server: plaza, client: plazaClient, conversation: plazaConversation },
    ] as const;
    const run = (s: (typeof systems)[number], op: RestOp, mode: RestMode, tag: string, warm = false) => {
      const call = calls(s.client, s.conversation, tag, text)[op];
      if (mode === 'sequential') return runLoad(s.server, call, { concurrency: 1, ...(warm ? { count: P.sequential.warmup * 3 } : { durationMs: P.sequential.durationMs }) });
      return runLoad(s.server, call, { concurrency: P.concurrent.concurrency, durationMs: warm ? 1000 : P.concurrent.durationMs });
    };
    // Warm-up (JIT, connections, pages of the databases; also gives listMessages a full page), not recorded.
    for (const s of systems) for (const op of ops) for (const mode of modes) await run(s, op, mode, `warm-${mode}`, true);
    const rest: RestCase[] = ops.flatMap((op) => modes.map((mode) => ({ op, mode, plain: [], plaza: [] })));
    for (let rep = 0; rep < P.reps; rep++) {
      for (const c of rest) {
        for (const s of systems) {
          await settle(s.server);
          // Before each counted sequential run, a short untimed one: the first requests after a pause pay for it.
          if (c.mode === 'sequential') await runLoad(s.server, calls(s.client, s.conversation, `pre${rep}`, text)[c.op], { concurrency: 1, count: P.sequential.warmup });
          const r = await run(s, c.op, c.mode, `r${rep}-${c.mode}`);
          (s.name === 'plain' ? c.plain : c.plaza).push(r);
          log(describeLoad(s.name, c.op, c.mode, r));
        }
      }
    }

    // (b) webhooks
    const hook = await plazaClient.send('POST', '/v1/webhooks', { url: receiver.url, events: ['message.created'], description: 'bench' });
    if (hook.status !== 201) throw new Error(`createWebhook: HTTP ${hook.status} ${hook.body}`);
    const plazaSecret = (JSON.parse(hook.body) as { secret: string }).secret;
    const plainSecret = `whsec_${randomBytes(32).toString('base64')}`;
    // The baseline delivers the same `data` as Plaza: a message.created payload as Plaza sends it.
    const sample = await plazaClient.send('POST', `/v1/conversations/${plazaConversation}/messages`, { text, clientId: 'sample' });
    const data = { conversationId: plazaConversation, message: JSON.parse(sample.body) as unknown };
    await settle(plaza);
    const hooks: WebhookCase[] = [
      { mode: { kind: 'paced', ...P.webhooks.paced }, plain: [], plaza: [] },
      { mode: { kind: 'burst', count: P.webhooks.burst }, plain: [], plaza: [] },
    ];
    let firstId = 1;
    const plainRun = async (mode: WebhookMode) => {
      const r = await runPlainWebhooks(sender, receiver, { secret: plainSecret, mode, firstId, data, concurrency: P.webhooks.concurrency });
      firstId += eventsOf(mode);
      return r;
    };
    const plazaRun = (mode: WebhookMode, tag: string) =>
      runPlazaWebhooks(plaza, plazaClient, receiver, { conversationId: plazaConversation, secret: plazaSecret, mode, tag, text });
    const warm: WebhookMode = { kind: 'burst', count: P.webhooks.warmup };
    log(describeWebhooks('Plaza', warm, await plazaRun(warm, 'hook-warm')) + ' (warm-up)');
    log(describeWebhooks('plain', warm, await plainRun(warm)) + ' (warm-up)');
    for (let rep = 0; rep < P.reps; rep++) {
      for (const c of hooks) {
        await settle(sender);
        const p = await plainRun(c.mode);
        c.plain.push(p);
        log(describeWebhooks('plain', c.mode, p));
        await settle(plaza);
        const z = await plazaRun(c.mode, `hook${rep}-${c.mode.kind}`);
        c.plaza.push(z);
        log(describeWebhooks('Plaza', c.mode, z));
      }
    }

    const meta = {
      machine,
      params: P,
      durationS: Math.round((Date.now() - started) / 1000),
      loadEnd: load1(),
      plazaRssMiB: plaza.rssMiB(),
      plainRssMiB: plain.rssMiB(),
      eventBytes: Buffer.byteLength(JSON.stringify({ id: 'evt_1000', type: 'message.created', createdAt: new Date().toISOString(), data })),
    };
    printApi(rest, hooks, P.concurrent.concurrency);
    if (write) {
      writeSection(DOC, 'api', apiSection(rest, hooks, meta));
      log(`wrote ${DOC}`);
    }
    log(`total ${meta.durationS} s`);
  } finally {
    plainClient.close();
    plazaClient.close();
    await receiver.close();
    await Promise.all([plain.stop(), plaza.stop(30_000), sender.stop()]);
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
