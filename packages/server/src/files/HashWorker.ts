import { Worker } from 'node:worker_threads';

/**
 * The worker thread's code. It is evaluated from this string (CommonJS, Node built-ins only) so
 * that it runs the same from the TypeScript sources and from the built package, with no file of
 * its own to locate.
 *
 * Messages in: `update {id, buffers, length}` (transferred ArrayBuffers, answered by `ack`),
 * `load {id, path, bytes, req}` (hashes the first `bytes` of a file as the session's start),
 * `digest {id, req}` (hex of what the session has seen, the session continues), `drop {id}`.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const hashes = new Map();
const session = (id) => {
  let hash = hashes.get(id);
  if (!hash) { hash = createHash('sha256'); hashes.set(id, hash); }
  return hash;
};
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    const hash = session(m.id);
    for (const buffer of m.buffers) hash.update(new Uint8Array(buffer));
    parentPort.postMessage({ op: 'ack', length: m.length });
    return;
  }
  if (m.op === 'drop') { hashes.delete(m.id); return; }
  try {
    if (m.op === 'load') {
      const hash = createHash('sha256');
      const fd = openSync(m.path, 'r');
      try {
        const buffer = Buffer.allocUnsafe(Math.min(m.bytes, 1048576) || 1);
        let seen = 0;
        while (seen < m.bytes) {
          const n = readSync(fd, buffer, 0, Math.min(buffer.length, m.bytes - seen), seen);
          if (n === 0) break;
          hash.update(buffer.subarray(0, n));
          seen += n;
        }
        if (seen !== m.bytes) throw new Error('the file holds ' + seen + ' bytes, expected ' + m.bytes);
      } finally {
        closeSync(fd);
      }
      hashes.set(m.id, hash);
      parentPort.postMessage({ op: 'reply', req: m.req });
    } else if (m.op === 'digest') {
      parentPort.postMessage({ op: 'reply', req: m.req, hex: session(m.id).copy().digest('hex') });
    }
  } catch (error) {
    parentPort.postMessage({ op: 'reply', req: m.req, error: String(error && error.message || error) });
  }
});
`;

/** Bytes handed to the worker and not yet hashed, at most, before {@link HashWorker.capacity} waits. */
const IN_FLIGHT_LIMIT_BYTES = 16 * 1024 * 1024;

type WorkerReply = { op: 'ack'; length: number } | { op: 'reply'; req: number; hex?: string; error?: string };

interface Pending {
  resolve(hex: string | undefined): void;
  reject(error: Error): void;
}

/**
 * SHA-256 of uploads computed on a worker thread while they stream in, so the hashing (about
 * 0.6 s of CPU per GiB) runs beside the request handling instead of on the event loop.
 *
 * One thread serves every upload (OpenSSL hashes faster than the disk takes writes). Each
 * upload is a {@link RemoteHash} session; a session's bytes are hashed in the order they were
 * handed over. Chunks are handed over without a copy when they own their memory (the request
 * body chunks do): measured on a 2-core machine, copying 1 MiB into fresh memory for the thread
 * cost most of what moving the hash off the event loop saved, while transferring costs nearly
 * nothing (100 MiB uploads, 8 at once: about 430 MB/s against 310 MB/s hashing inline). Memory is bounded: {@link HashWorker.capacity} waits while more than 16 MiB are
 * queued. When the thread dies, every session alive then is broken (its digest fails, and the
 * caller hashes the stored bytes again, see `UploadStore`) and the next session starts a new
 * thread.
 */
export class HashWorker {
  #worker: Worker | null = null;
  #generation = 0;
  #nextId = 0;
  #nextReq = 0;
  readonly #pending = new Map<number, Pending>();
  #inFlight = 0;
  #waiters: (() => void)[] = [];
  #closed = false;

  /** A new hashing session (starts the thread when none runs). */
  session(): RemoteHash {
    this.#ensure();
    return new RemoteHash(this, this.#nextId++, this.#generation);
  }

  /** Resolves once the bytes waiting for the thread are below the limit. */
  capacity(): Promise<void> {
    if (this.#inFlight < IN_FLIGHT_LIMIT_BYTES || !this.#worker) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Stops the thread; sessions still open are broken. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = null;
    this.#fail(new Error('the hash worker was closed'));
    await worker?.terminate();
  }

  /** @internal Whether `generation`'s thread still runs. */
  _alive(generation: number): boolean {
    return this.#worker !== null && generation === this.#generation;
  }

  /** @internal Hands `buffers` (transferred: unusable afterwards) to session `id`. */
  _update(id: number, buffers: ArrayBuffer[], length: number): void {
    this.#inFlight += length;
    this.#worker?.postMessage({ op: 'update', id, buffers, length }, buffers);
  }

  /** @internal Sends a request that is answered. */
  _request(message: Record<string, unknown>): Promise<string | undefined> {
    const worker = this.#worker;
    if (!worker) return Promise.reject(new Error('the hash worker is not running'));
    const req = this.#nextReq++;
    return new Promise((resolve, reject) => {
      this.#pending.set(req, { resolve, reject });
      worker.postMessage({ ...message, req });
    });
  }

  /** @internal Forgets session `id`. */
  _drop(id: number, generation: number): void {
    if (this._alive(generation)) this.#worker?.postMessage({ op: 'drop', id });
  }

  #ensure(): void {
    if (this.#worker || this.#closed) return;
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'plaza-sha256' });
    // Never what keeps the process alive: a stopping server terminates it through close().
    worker.unref();
    this.#generation++;
    this.#worker = worker;
    worker.on('message', (reply: WorkerReply) => {
      if (reply.op === 'ack') {
        this.#inFlight -= reply.length;
        if (this.#inFlight < IN_FLIGHT_LIMIT_BYTES) this.#release();
        return;
      }
      const pending = this.#pending.get(reply.req);
      this.#pending.delete(reply.req);
      if (reply.error !== undefined) pending?.reject(new Error(reply.error));
      else pending?.resolve(reply.hex);
    });
    const lost = (error: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      this.#fail(error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the hash worker exited with code ${code}`)));
  }

  #fail(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.#inFlight = 0;
    this.#release();
  }

  #release(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** One upload's SHA-256 on the {@link HashWorker} thread. */
export class RemoteHash {
  readonly #pool: HashWorker;
  readonly #id: number;
  readonly #generation: number;
  /** Bytes handed over so far (those of {@link RemoteHash.load} included). */
  bytes = 0;

  /** @internal Use {@link HashWorker.session}. */
  constructor(pool: HashWorker, id: number, generation: number) {
    this.#pool = pool;
    this.#id = id;
    this.#generation = generation;
  }

  /** Whether the thread that holds this session's state is gone (its digest would be wrong). */
  get broken(): boolean {
    return !this.#pool._alive(this.#generation);
  }

  /** Starts the session with the first `bytes` of the file at `path` (read and hashed on the thread). */
  async load(path: string, bytes: number): Promise<void> {
    await this.#pool._request({ op: 'load', id: this.#id, path, bytes });
    this.bytes = bytes;
  }

  /**
   * Appends `chunks`, handing them over to the thread: a chunk that is the whole of its memory
   * (as the request body chunks Node's HTTP parser allocates are) is transferred, without a copy,
   * and is empty afterwards; any other chunk is copied. So pass only chunks nothing else will read.
   */
  update(chunks: readonly Buffer[]): void {
    let length = 0;
    const buffers: ArrayBuffer[] = [];
    for (const chunk of chunks) {
      if (chunk.length === 0) continue;
      length += chunk.length;
      if (this.broken) continue;
      const whole = chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.length && chunk.buffer instanceof ArrayBuffer;
      // A slice of a larger (possibly pooled) block is copied into memory of its own.
      buffers.push(whole ? (chunk.buffer as ArrayBuffer) : (Uint8Array.prototype.slice.call(chunk).buffer as ArrayBuffer));
    }
    this.bytes += length;
    if (buffers.length > 0) this.#pool._update(this.#id, buffers, length);
  }

  /** Lowercase hex SHA-256 of the bytes so far; the session goes on. Rejects when it is broken. */
  async digest(): Promise<string> {
    if (this.broken) throw new Error('the hash worker that held this hash is gone');
    const hex = await this.#pool._request({ op: 'digest', id: this.#id });
    if (hex === undefined) throw new Error('the hash worker answered without a digest');
    return hex;
  }

  /** Frees the session on the thread. */
  dispose(): void {
    this.#pool._drop(this.#id, this.#generation);
  }
}
