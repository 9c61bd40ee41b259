import { machineLine, type MachineInfo } from '../lib/machine.js';
import { table } from '../lib/report.js';
import { fmt, fmtRatio, median } from '../lib/stats.js';
import type { LoadResult } from './http.js';
import type { WebhookMode, WebhookRun } from './webhookRuns.js';

/** The REST operations measured. */
export type RestOp = 'postMessage' | 'getConversation' | 'listMessages';
/** Sequential (one request at a time) or concurrent (a fixed number in flight). */
export type RestMode = 'sequential' | 'concurrent';

/** One REST configuration with the runs of both systems. */
export interface RestCase {
  op: RestOp;
  mode: RestMode;
  plain: LoadResult[];
  plaza: LoadResult[];
}

/** One webhook configuration with the runs of both systems. */
export interface WebhookCase {
  mode: WebhookMode;
  plain: WebhookRun[];
  plaza: WebhookRun[];
}

/** Facts about the run. */
export interface RunMeta {
  machine: MachineInfo;
  params: {
    reps: number;
    sequential: { durationMs: number; warmup: number };
    concurrent: { concurrency: number; durationMs: number };
    listLimit: number;
    textLength: number;
    webhooks: { paced: { rate: number; durationMs: number }; burst: number; warmup: number; concurrency: number };
  };
  durationS: number;
  loadEnd: number;
  plazaRssMiB: number;
  plainRssMiB: number;
  /** JSON bytes of one event body. */
  eventBytes: number;
}

const med = <T>(runs: readonly T[], pick: (r: T) => number) => median(runs.map(pick));
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : 'n/a');
const sum = <T>(runs: readonly T[], pick: (r: T) => number) => runs.reduce((s, r) => s + pick(r), 0);

const OP_LABEL: Record<RestOp, string> = {
  postMessage: '`postMessage` (write)',
  getConversation: '`getConversation` (read)',
  listMessages: '`listMessages` (read)',
};

function modeLabel(mode: RestMode, concurrency: number): string {
  return mode === 'sequential' ? 'sequential' : `${concurrency} in flight`;
}

const REST_HEAD = [
  'operation',
  'load',
  'system',
  'requests/s',
  'p50 ms',
  'p99 ms',
  'server CPU ms / 1k requests',
  'requests per server CPU-second',
  'server CPU',
  'load-client CPU',
  'errors',
];
const REST_RATIO_HEAD = ['operation', 'load', 'requests/s Plaza/plain', 'p50 Plaza/plain', 'p99 Plaza/plain', 'requests per CPU-second Plaza/plain'];

function restRows(cases: readonly RestCase[], concurrency: number): string[][] {
  const rows: string[][] = [];
  for (const c of cases) {
    for (const [name, runs] of [['plain fastify', c.plain], ['Plaza', c.plaza]] as const) {
      rows.push([
        OP_LABEL[c.op],
        modeLabel(c.mode, concurrency),
        name,
        fmt(med(runs, (r) => r.requestsPerSecond)),
        ms(med(runs, (r) => r.p50)),
        ms(med(runs, (r) => r.p99)),
        fmt(med(runs, (r) => r.serverCpuPer1k)),
        fmt(1_000_000 / med(runs, (r) => r.serverCpuPer1k)),
        `${Math.round(med(runs, (r) => r.serverCpuShare) * 100)}%`,
        `${Math.round(med(runs, (r) => r.clientCpuShare) * 100)}%`,
        String(sum(runs, (r) => r.errors)),
      ]);
    }
  }
  return rows;
}

function restRatios(cases: readonly RestCase[], concurrency: number): string[][] {
  return cases.map((c) => [
    OP_LABEL[c.op],
    modeLabel(c.mode, concurrency),
    fmtRatio(med(c.plaza, (r) => r.requestsPerSecond) / med(c.plain, (r) => r.requestsPerSecond)),
    fmtRatio(med(c.plaza, (r) => r.p50) / med(c.plain, (r) => r.p50)),
    fmtRatio(med(c.plaza, (r) => r.p99) / med(c.plain, (r) => r.p99)),
    fmtRatio(med(c.plain, (r) => r.serverCpuPer1k) / med(c.plaza, (r) => r.serverCpuPer1k)),
  ]);
}

function hookLabel(mode: WebhookMode): string {
  return mode.kind === 'paced' ? `paced ${mode.rate}/s for ${mode.durationMs / 1000} s` : `burst of ${fmt(mode.count)}`;
}

const HOOK_HEAD = [
  'load',
  'system',
  'events/s delivered',
  'commit → arrival p50 ms',
  'p99 ms',
  'first commit → last arrival ms',
  'posting (REST) took ms',
  'delivered / events (all runs)',
  'duplicates',
  'bad signatures',
  'errors',
];
const HOOK_RATIO_HEAD = ['load', 'events/s Plaza/plain', 'p50 Plaza/plain', 'p99 Plaza/plain', 'first commit → last arrival Plaza/plain'];

function hookRows(cases: readonly WebhookCase[]): string[][] {
  const rows: string[][] = [];
  for (const c of cases) {
    for (const [name, runs] of [['plain fetch + HMAC', c.plain], ['Plaza', c.plaza]] as const) {
      rows.push([
        hookLabel(c.mode),
        name,
        fmt(med(runs, (r) => r.eventsPerSecond)),
        ms(med(runs, (r) => r.p50)),
        ms(med(runs, (r) => r.p99)),
        fmt(med(runs, (r) => r.spanMs)),
        name === 'Plaza' ? fmt(med(runs, (r) => r.produceMs)) : '',
        `${fmt(sum(runs, (r) => r.delivered))} / ${fmt(sum(runs, (r) => r.events))}`,
        String(sum(runs, (r) => r.duplicates)),
        String(sum(runs, (r) => r.badSignatures)),
        String(sum(runs, (r) => r.produceErrors + r.strays)),
      ]);
    }
  }
  return rows;
}

function hookRatios(cases: readonly WebhookCase[]): string[][] {
  return cases.map((c) => [
    hookLabel(c.mode),
    fmtRatio(med(c.plaza, (r) => r.eventsPerSecond) / med(c.plain, (r) => r.eventsPerSecond)),
    fmtRatio(med(c.plaza, (r) => r.p50) / med(c.plain, (r) => r.p50)),
    fmtRatio(med(c.plaza, (r) => r.p99) / med(c.plain, (r) => r.p99)),
    fmtRatio(med(c.plaza, (r) => r.spanMs) / med(c.plain, (r) => r.spanMs)),
  ]);
}

/** One line on whether every event arrived once with a good signature. */
function completeness(cases: readonly WebhookCase[]): string {
  const parts = (['plain', 'plaza'] as const).map((side) => {
    const runs = cases.flatMap((c) => c[side]);
    const events = sum(runs, (r) => r.events);
    const delivered = sum(runs, (r) => r.delivered);
    const bad = sum(runs, (r) => r.badSignatures);
    const dup = sum(runs, (r) => r.duplicates);
    const ok = delivered === events && bad === 0;
    return `${side === 'plain' ? 'plain' : 'Plaza'}: ${fmt(delivered)} of ${fmt(events)} events arrived, ${dup} duplicates, ${bad} signatures that did not verify — **${ok ? 'complete' : 'INCOMPLETE'}**`;
  });
  return `Every event, checked with \`verifyWebhook\` from \`@plaza/server-sdk\`: ${parts.join('; ')}.`;
}

/** Prints the tables to stdout. */
export function printApi(rest: readonly RestCase[], hooks: readonly WebhookCase[], concurrency = 16): void {
  process.stdout.write(
    `\n## REST (medians)\n\n${table(REST_HEAD, restRows(rest, concurrency))}\n\n${table(REST_RATIO_HEAD, restRatios(rest, concurrency))}\n` +
      `\n## Webhooks (medians)\n\n${table(HOOK_HEAD, hookRows(hooks))}\n\n${table(HOOK_RATIO_HEAD, hookRatios(hooks))}\n\n${completeness(hooks)}\n`,
  );
}

/** The Markdown section. */
export function apiSection(rest: readonly RestCase[], hooks: readonly WebhookCase[], meta: RunMeta): string {
  const p = meta.params;
  const w = p.webhooks;
  const c = p.concurrent.concurrency;
  return `## REST API and webhook delivery

${machineLine(meta.machine)} At the end: ${meta.loadEnd.toFixed(2)}. Generated by \`pnpm bench:api\` (whole script: ${meta.durationS} s).

### REST requests

${table(REST_HEAD, restRows(rest, c))}

Ratios (medians of each side):

${table(REST_RATIO_HEAD, restRatios(rest, c))}

### Webhook delivery

${table(HOOK_HEAD, hookRows(hooks))}

Ratios (medians of each side):

${table(HOOK_RATIO_HEAD, hookRatios(hooks))}

${completeness(hooks)}

**What is compared (REST).** *Plaza* is \`plaza-server\` (\`packages/server/src/cli.ts\`, run from source with tsx, temp
data dir, port 0, every rate limit — the REST API's per API key among them — raised in its config file so that the limiter, which still runs, does not throttle the load). \`postMessage\` posts a system message of
${p.textLength} characters with a \`clientId\` into a group conversation (API key check, zod validation, conversation lookup,
idempotency lookup, the message and its \`message.created\` outbox event stored and committed in SQLite — WAL, synchronous
FULL — before the 201, the live fan-out to connected members (none here) and an audit record); \`getConversation\` reads the
conversation; \`listMessages\` reads its latest ${p.listLimit} messages (\`?limit=${p.listLimit}\`). *Plain fastify* is
\`bench/api/plain-api-server.ts\`: the same fastify version without Plaza code, serving the same three paths — the write
validates the JSON body with fastify's schema check and inserts one row into a better-sqlite3 table (WAL, synchronous FULL, its
own transaction, so one commit and one WAL fsync) before answering 201 with the row; \`getConversation\` selects one row by
primary key; \`listMessages\` selects the latest ${p.listLimit} rows by index — every request behind the same Basic auth
check (\`timingSafeEqual\`). The baseline does no conversation or idempotency lookups, no outbox, audit or fan-out.

**What is compared (webhooks).** Plaza: one endpoint (\`createWebhook\`, events \`message.created\`, the default delivery
concurrency of ${w.concurrency}) pointing at a receiver in the bench process (\`node:http\` on 127.0.0.1, answering 204 as soon as the body is in);
the bench posts messages through REST — *paced*: open loop, ${w.paced.rate} per second for ${w.paced.durationMs / 1000} s; *burst*: ${fmt(w.burst)}
messages with 16 requests in flight — and Plaza's dispatcher takes each event from the outbox, signs it and POSTs it. Baseline:
\`bench/api/plain-webhook-sender.ts\`, a plain Node process that creates the same number of events with the same \`data\` (a
\`message.created\` payload captured from Plaza, ${fmt(meta.eventBytes)} bytes of JSON per body) at the same pace (paced: one every
${1000 / w.paced.rate} ms; burst: all at once), signs each with HMAC-SHA256 in the wire format and POSTs it with \`fetch\`, ${w.concurrency} in flight, to
the same receiver — no database, no outbox, no retries: the floor of signed HTTP delivery on this machine. Latency is the
receiver's arrival time (wall clock to the µs) minus the event's \`createdAt\` (Plaza: set in the transaction that stores the
message; baseline: when the event is queued), one clock; \`createdAt\` has ms resolution, so latencies read up to 1 ms high on both sides. Events/s = distinct events delivered ÷ (first event's
\`createdAt\` → last arrival); in the burst that span includes, for Plaza, the time the REST posts took ("posting took").
Every request the receiver got is checked afterwards with \`verifyWebhook\` and counted by event (Plaza: by message id, so a
redelivery shows as a duplicate).

**Method.** All three processes (plain server, Plaza, plain sender) run at once as separate child processes on 127.0.0.1;
their CPU is read from \`/proc/<pid>/stat\` (10 ms resolution). The load comes from the bench process through one keep-alive
\`node:http\` agent per server (HTTP/1.1, one connection per request in flight), the same code for both systems. *Sequential*:
one request after the other for ${p.sequential.durationMs / 1000} s (after ${p.sequential.warmup} untimed ones), p50 / p99 by nearest rank. *${c} in flight*: ${c} workers,
each sending its next request when its previous one is answered, for ${p.concurrent.durationMs / 1000} s; requests/s = answered ÷ elapsed, and p50 / p99 of
those requests. After a warm-up of every configuration (not recorded), every configuration ran ${p.reps} times, alternating plain,
Plaza, plain, Plaza…, each run after the servers' CPU went quiet; the tables show medians (the delivered / duplicate / signature
counts are sums over all runs). Server memory at the end: Plaza ${fmt(meta.plazaRssMiB)} MiB RSS, plain fastify ${fmt(meta.plainRssMiB)} MiB.

**Reading the figures.** No targets are set for these: they show what Plaza's work costs over the plain floor. For REST, compare
"requests per server CPU-second" (the server's cost per request, which other load on the machine does not skew) and the
sequential p50: the difference is Plaza's own work per request listed above. Sequential write latency is mostly the fsync of the
commit on both sides (compare the chat ack benchmark's bare SQLite commit); with ${c} writes in flight Plaza commits the messages that
arrive together in one transaction (group commit), while the plain server commits each row on its own — there the plain server is
bound by the disk's fsync rate, and Plaza can be ahead. For webhooks, compare commit → arrival latency in the paced run (how long an
integration waits for an event: next to the bare HTTP round trip, Plaza's dispatcher, woken by the commit that wrote the outbox row,
fans it out into delivery rows in a transaction of its own, claims the due ones and sends them, and records the answers that arrive
within 5 ms of each other in one transaction — those two bookkeeping commits without an fsync of their own, see docs/server.md) and events/s in the burst (how fast a
backlog drains with ${w.concurrency} deliveries in flight, the next one starting as soon as one is answered; in Plaza's process the
dispatcher shares the CPU with the REST requests that are still posting the burst). Wall-clock figures move
between runs on a shared machine (load average above).
`;
}
