/**
 * The webhook baseline: a plain Node script with no Plaza code that delivers events the way the
 * wire format asks — body `{ id, type, createdAt, data }`, `webhook-id` / `webhook-timestamp` /
 * `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` — each POSTed with
 * the global `fetch` (undici, keep-alive), at most `concurrency` in flight, to a receiver. No
 * database, no outbox, no retries: the floor of signed HTTP delivery on this machine.
 *
 * It is told what to do over HTTP (so it can run as a child process with its CPU read like the
 * servers'): `POST /run` with a {@link RunCommand}; it answers with a {@link RunAnswer} once every
 * event got an answer. An event is "committed" (its `createdAt` set) when it is queued: at its
 * scheduled instant in a paced run, all at once in a burst.
 *
 * Run by `api.ts`: `node --import tsx bench/api/plain-webhook-sender.ts`. Listens on 127.0.0.1 on a
 * free port and prints `{"msg":"listening","port":N}`.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';

/** What to deliver. */
export interface RunCommand {
  /** Receiver URL. */
  url: string;
  /** `whsec_<base64>`. */
  secret: string;
  /** `data` of every event (a `message.created` payload captured from Plaza). */
  data: unknown;
  /** Event ids are `evt_<firstId + i>`. */
  firstId: number;
  count: number;
  /** Events per second; absent: all at once (a burst). */
  rate?: number;
  concurrency: number;
}

/** What a run came to. */
export interface RunAnswer {
  sent: number;
  failed: number;
  elapsedMs: number;
}

interface Pending {
  id: string;
  createdAt: string;
}

async function run(cmd: RunCommand): Promise<RunAnswer> {
  const key = Buffer.from(cmd.secret.replace(/^whsec_/, ''), 'base64');
  const queue: Pending[] = [];
  let inflight = 0;
  let sent = 0;
  let failed = 0;
  let queued = 0;
  const started = Date.now();
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });

  const deliver = async (event: Pending) => {
    const body = JSON.stringify({ id: event.id, type: 'message.created', createdAt: event.createdAt, data: cmd.data });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', key).update(`${event.id}.${timestamp}.${body}`).digest('base64');
    try {
      const response = await fetch(cmd.url, {
        method: 'POST',
        headers: {
          'webhook-id': event.id,
          'webhook-timestamp': timestamp,
          'webhook-signature': `v1,${signature}`,
          'content-type': 'application/json',
          'user-agent': 'plain-webhooks/1',
        },
        body,
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) sent++;
      else failed++;
    } catch {
      failed++;
    }
  };
  const pump = () => {
    while (inflight < cmd.concurrency && queue.length > 0) {
      const event = queue.shift() as Pending;
      inflight++;
      void deliver(event).finally(() => {
        inflight--;
        if (sent + failed === cmd.count) done();
        else pump();
      });
    }
  };
  const enqueue = (i: number) => {
    queue.push({ id: `evt_${cmd.firstId + i}`, createdAt: new Date().toISOString() });
    queued++;
    pump();
  };

  if (cmd.rate === undefined) {
    for (let i = 0; i < cmd.count; i++) enqueue(i);
  } else {
    // Open loop: event i is due at start + i / rate, whatever the deliveries do.
    const gapMs = 1000 / cmd.rate;
    const tick = () => {
      const due = Math.min(cmd.count, Math.floor((Date.now() - started) / gapMs) + 1);
      while (queued < due) enqueue(queued);
      if (queued < cmd.count) setTimeout(tick, Math.max(0, started + queued * gapMs - Date.now()));
    };
    tick();
  }
  await finished;
  return { sent, failed, elapsedMs: Date.now() - started };
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== '/run') {
      res.writeHead(404).end();
      return;
    }
    run(JSON.parse(Buffer.concat(chunks).toString('utf8')) as RunCommand)
      .then((answer) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)))
      .catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
