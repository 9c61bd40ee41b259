import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile, SampleBuffer } from '../lib/stats.js';
import type { ServerProcess } from '../lib/ServerProcess.js';

/** An HTTP answer. */
export interface Answer {
  status: number;
  body: string;
}

/**
 * A keep-alive HTTP/1.1 client for one server (`node:http` with a pooled agent; the same client for
 * both systems, so both pay the same client cost). Sends Basic credentials with every request.
 */
export class ApiClient {
  readonly #agent: Agent;
  readonly #host: string;
  readonly #port: number;
  readonly #auth: string;

  /**
   * @param server - where to send
   * @param credentials - the API key and secret
   * @param sockets - connections kept open at most (one per concurrent request)
   */
  constructor(server: ServerProcess, credentials: { apiKey: string; apiSecret: string }, sockets = 16) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: sockets });
    this.#host = '127.0.0.1';
    this.#port = server.port;
    this.#auth = `Basic ${Buffer.from(`${credentials.apiKey}:${credentials.apiSecret}`).toString('base64')}`;
  }

  /** Sends one request; `body` is sent as JSON. Rejects only on network errors. */
  send(method: string, path: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          agent: this.#agent,
          host: this.#host,
          port: this.#port,
          method,
          path,
          headers: {
            authorization: this.#auth,
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }
}

/** One request of a run: resolves whether the answer had the expected status. */
export type Call = (k: number) => Promise<boolean>;

/** What a run of requests measured. */
export interface LoadResult {
  requests: number;
  errors: number;
  elapsedMs: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Server CPU (ms) per 1,000 requests. */
  serverCpuPer1k: number;
  /** Server CPU time ÷ wall time (share of one core). */
  serverCpuShare: number;
  /** The bench process's CPU time ÷ wall time. */
  clientCpuShare: number;
}

/**
 * Runs `call` with `concurrency` requests in flight (each worker sends its next request as soon as
 * its previous one is answered) until `count` requests are done or `durationMs` passed, whichever
 * is first; every latency is recorded.
 */
export async function runLoad(server: ServerProcess, call: Call, options: { concurrency: number; durationMs?: number; count?: number }): Promise<LoadResult> {
  const samples = new SampleBuffer();
  let next = 0;
  let errors = 0;
  const count = options.count ?? Number.POSITIVE_INFINITY;
  const cpu0 = server.cpuMs();
  const client0 = process.cpuUsage();
  const start = performance.now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : start + options.durationMs;
  const worker = async () => {
    while (next < count && performance.now() < deadline) {
      const k = next++;
      const t = performance.now();
      let ok = false;
      try {
        ok = await call(k);
      } catch {
        ok = false;
      }
      samples.push(performance.now() - t);
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - start;
  const serverCpu = server.cpuMs() - cpu0;
  const client = process.cpuUsage(client0);
  const values = samples.values();
  return {
    requests: values.length,
    errors,
    elapsedMs,
    requestsPerSecond: (values.length * 1000) / elapsedMs,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    serverCpuPer1k: (serverCpu * 1000) / Math.max(1, values.length),
    serverCpuShare: serverCpu / elapsedMs,
    clientCpuShare: (client.user + client.system) / 1000 / elapsedMs,
  };
}
