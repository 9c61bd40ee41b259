import { Worker } from 'node:worker_threads';

/**
 * The worker thread's code. It is evaluated from this string (CommonJS, Node built-ins only) so
 * that it runs the same from the TypeScript sources and from the built package, with no file of
 * its own to locate.
 *
 * Each session is a SHA-256 and, while a request writes, the upload's open data file. Messages
 * in, handled in order: `open {id, path, flags, position}` (later chunks are written there),
 * `update {id, buffers, length}` (transferred ArrayBuffers: written to the open file if any, one
 * write per buffer, then hashed; answered by `ack`), `drain {id, req}` (answers once everything before it was written,
 * with the first write error), `sync {id, req}` (fdatasync, then close; beside the thread),
 * `closefile {id, req}`, `load {id, path, bytes, req}` (hashes the first `bytes` of a file as the
 * session's start), `digest {id, req}` (hex of what the session has seen; it continues), `drop {id}`.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync, writeSync, fdatasync, close } = require('node:fs');
const sessions = new Map();
const session = (id) => {
  let s = sessions.get(id);
  if (!s) { s = { hash: createHash('sha256'), fd: -1, position: 0, error: null }; sessions.set(id, s); }
  return s;
};
const text = (error) => String((error && error.message) || error);
const closeFile = (s) => {
  if (s.fd < 0) return;
  try { closeSync(s.fd); } catch {}
  s.fd = -1;
};
// One write(2) per chunk (about 64 KiB each), not one writev of the whole batch: measured on a
// 2-core virtual machine, copying a 1 MiB batch into the page cache in one call cost about three
// times as much CPU as the same bytes in 64 KiB writes.
const write = (s, buffers) => {
  for (const buffer of buffers) {
    const view = new Uint8Array(buffer);
    let done = 0;
    while (done < view.length) {
      const n = writeSync(s.fd, view, done, view.length - done, s.position);
      s.position += n;
      done += n;
    }
  }
};
const reply = (m, error, hex) => parentPort.postMessage({ op: 'reply', req: m.req, error: error == null ? undefined : error, hex });
parentPort.on('message', (m) => {
  // Only these start a session; the others act on one that exists.
  const s = m.op === 'update' || m.op === 'open' || m.op === 'digest' ? session(m.id) : sessions.get(m.id);
  switch (m.op) {
    case 'update':
      if (s.fd >= 0 && s.error === null) {
        try { write(s, m.buffers); } catch (error) { s.error = text(error); closeFile(s); }
      }
      for (const buffer of m.buffers) s.hash.update(new Uint8Array(buffer));
      parentPort.postMessage({ op: 'ack', length: m.length });
      return;
    case 'open':
      closeFile(s);
      s.error = null;
      try { s.fd = openSync(m.path, m.flags); s.position = m.position; } catch (error) { s.error = text(error); }
      return;
    case 'drain':
      reply(m, s ? s.error : 'no such session');
      return;
    case 'sync': {
      if (!s) { reply(m, 'no such session'); return; }
      const fd = s.fd;
      s.fd = -1;
      if (s.error !== null || fd < 0) { if (fd >= 0) close(fd, () => {}); reply(m, s.error ?? 'no file is open'); return; }
      fdatasync(fd, (error) => close(fd, () => reply(m, error ? text(error) : null)));
      return;
    }
    case 'closefile':
      if (s) closeFile(s);
      reply(m, null);
      return;
    case 'drop':
      if (s) closeFile(s);
      sessions.delete(m.id);
      return;
    case 'digest':
      reply(m, null, s.hash.copy().digest('hex'));
      return;
    case 'load':
      try {
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
        session(m.id).hash = hash;
        reply(m, null);
      } catch (error) {
        reply(m, text(error));
      }
  }
});
`;

/** Bytes handed to the worker and not yet written and hashed, at most, before {@link UploadWorker.capacity} waits. */
const IN_FLIGHT_LIMIT_BYTES = 16 * 1024 * 1024;

type WorkerReply = { op: 'ack'; length: number } | { op: 'reply'; req: number; hex?: string; error?: string };

interface Pending {
  resolve(hex: string | undefined): void;
  reject(error: Error): void;
}

/**
 * A worker thread that writes uploads' bytes to their data files and computes their SHA-256 as
 * they stream in, so neither the copy into the page cache nor the hashing (together about 1.5 s
 * of CPU per GiB on a 2-core virtual machine) runs on the event loop.
 *
 * One thread serves every upload; each is an {@link UploadSession}, whose chunks are written and
 * hashed in the order they were handed over. Chunks are handed over without a copy when they own
 * their memory (request body chunks do): copying 1 MiB into fresh memory costs about what hashing
 * it does. Writing on the thread that hashes reads each chunk once from memory and hashes it from
 * the cache, and it replaces a thread-pool round trip per batch with the message the hash needed
 * anyway: measured with 1 MiB uploads 8 at a time, the server's CPU per upload fell from about
 * 6 to 4.5 ms (event loop 2.9 to 2.1 ms; the thread pool's 1 MiB `writev` copies cost more than
 * this thread's writes and hashing together). Memory is bounded: {@link UploadWorker.capacity} waits while more than
 * 16 MiB are queued. The data sync runs beside the thread (in the thread pool), so one upload's
 * sync never holds up another's bytes.
 *
 * When the thread dies, every session alive then is broken: its writes and digest fail, and the
 * caller hashes the stored bytes again (see `UploadStore`); the next session starts a new thread.
 * A file the lost thread had open stays open until the process ends.
 */
export class UploadWorker {
  #worker: Worker | null = null;
  #generation = 0;
  #nextId = 0;
  #nextReq = 0;
  readonly #pending = new Map<number, Pending>();
  #inFlight = 0;
  #waiters: (() => void)[] = [];
  #closed = false;

  /** A new session (starts the thread when none runs). */
  session(): UploadSession {
    this.#ensure();
    return new UploadSession(this, this.#nextId++, this.#generation);
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
    this.#fail(new Error('the upload worker was closed'));
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

  /** @internal Sends a message that is not answered, if `generation`'s thread still runs. */
  _post(generation: number, message: Record<string, unknown>): void {
    if (this._alive(generation)) this.#worker?.postMessage(message);
  }

  /** @internal Sends a request that is answered; rejects unless `generation`'s thread still runs. */
  _request(generation: number, message: Record<string, unknown>): Promise<string | undefined> {
    const worker = this.#worker;
    if (!worker || generation !== this.#generation) return Promise.reject(new Error('the upload worker that held this session is gone'));
    const req = this.#nextReq++;
    return new Promise((resolve, reject) => {
      this.#pending.set(req, { resolve, reject });
      worker.postMessage({ ...message, req });
    });
  }

  #ensure(): void {
    if (this.#worker || this.#closed) return;
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'plaza-uploads' });
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
    worker.on('exit', (code) => lost(new Error(`the upload worker exited with code ${code}`)));
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

/**
 * One upload on the {@link UploadWorker} thread: its SHA-256, kept across requests, and while a
 * request writes ({@link UploadSession.openFile} until {@link UploadSession.syncFile} or
 * {@link UploadSession.closeFile}), its open data file.
 */
export class UploadSession {
  readonly #pool: UploadWorker;
  readonly #id: number;
  readonly #generation: number;
  /** Bytes handed over so far (those of {@link UploadSession.load} included). */
  bytes = 0;

  /** @internal Use {@link UploadWorker.session}. */
  constructor(pool: UploadWorker, id: number, generation: number) {
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
    await this.#pool._request(this.#generation, { op: 'load', id: this.#id, path, bytes });
    this.bytes = bytes;
  }

  /**
   * Opens the file at `path` (`flags` as for `fs.open`: `'w'` creates it, `'r+'` continues it) on
   * the thread: the chunks handed over next are written there from `position` on, before they are
   * hashed. An error opening or writing shows in {@link UploadSession.drain}.
   */
  openFile(path: string, flags: 'r+' | 'w', position: number): void {
    this.#pool._post(this.#generation, { op: 'open', id: this.#id, path, flags, position });
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

  /** Resolves once every chunk handed over so far is written to the open file; rejects with the first error opening or writing it. */
  async drain(): Promise<void> {
    await this.#pool._request(this.#generation, { op: 'drain', id: this.#id });
  }

  /** Syncs the open file's data (`fdatasync`, beside the thread) and closes it; rejects on any error opening, writing or syncing it. */
  async syncFile(): Promise<void> {
    await this.#pool._request(this.#generation, { op: 'sync', id: this.#id });
  }

  /** Closes the open file, if any; resolves once it is closed (everything handed over before was written or failed). */
  async closeFile(): Promise<void> {
    await this.#pool._request(this.#generation, { op: 'closefile', id: this.#id });
  }

  /** Lowercase hex SHA-256 of the bytes so far; the session goes on. Rejects when it is broken. */
  async digest(): Promise<string> {
    if (this.broken) throw new Error('the upload worker that held this hash is gone');
    const hex = await this.#pool._request(this.#generation, { op: 'digest', id: this.#id });
    if (hex === undefined) throw new Error('the upload worker answered without a digest');
    return hex;
  }

  /** Frees the session on the thread (closing its file, if open). */
  dispose(): void {
    this.#pool._post(this.#generation, { op: 'drop', id: this.#id });
  }
}
