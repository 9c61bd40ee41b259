import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createPlazaServer } from '@plaza/server';
import { AccessToken } from '@plaza/server-sdk';
import { io } from 'socket.io-client';

const secret = 'x'.repeat(40);
const server = await createPlazaServer({ port: 0, host: '127.0.0.1', dataDir: mkdtempSync(join(tmpdir(), 'prof-')), apiKeys: { PK: secret }, logLevel: 'warn',
  rateLimits: { messages: { perSecond: 1e6, burst: 1e6 }, requests: { perSecond: 1e6, burst: 1e6 } } });
const { url } = await server.listen();
const N = Number(process.env.N ?? 1000);
const socks = [] as any[];
for (let i = 0; i < N; i++) {
  const token = await new AccessToken('PK', secret, { identity: `u${i}` }).toJwt();
  const s = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token, protocolVersion: 1 } });
  await new Promise((r, j) => { s.once('connect', r); s.once('connect_error', j); });
  socks.push(s);
}
const store = server.store as any;
// idle ack components
const own = (await socks[0].emitWithAck('conversation:create', { kind: 'group', title: 'x' })).data;
const lat: number[] = []; const app: number[] = [];
for (let k = 0; k < 400; k++) {
  const t = performance.now();
  const a = await socks[0].emitWithAck('message:send', { conversationId: own.id, clientId: `a${k}`, text: 'hello' });
  lat.push(performance.now() - t);
  const t2 = performance.now();
  await store.appendMessage({ conversationId: own.id, senderId: 'u0', clientId: `b${k}`, kind: 'user', text: 'hi', replyTo: null, mentions: [] });
  app.push(performance.now() - t2);
}
const pct = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.ceil(a.length * p / 100) - 1]!.toFixed(2);
console.log('idle ack p50', pct(lat, 50), 'p99', pct(lat, 99), '| store.appendMessage in-process p50', pct(app, 50), 'p99', pct(app, 99));
// ingest
const convs = await Promise.all(socks.map(async (s, i) => (await s.emitWithAck('conversation:openDirect', { userId: `u${(i + 1) % N}` })).data.id));
await new Promise((r) => setTimeout(r, 1000));
const before = store.appendStats;
const t0 = performance.now();
await Promise.all(socks.map(async (s, i) => { for (let r = 0; r < 10; r++) await s.emitWithAck('message:send', { conversationId: convs[i], clientId: `i${i}-${r}`, text: 'ingest' }); }));
const el = performance.now() - t0;
const after = store.appendStats;
const tx = after.transactions - before.transactions, msgs = after.messages - before.messages;
console.log(`ingest ${msgs} msgs in ${el.toFixed(0)} ms = ${(msgs * 1000 / el).toFixed(0)}/s; transactions ${tx}, avg batch ${(msgs / tx).toFixed(1)}, largest ${after.largestBatch}`);
for (const s of socks) s.close();
await server.close();
process.exit(0);
