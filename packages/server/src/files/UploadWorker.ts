import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * The worker thread's code. It is evaluated from this string (CommonJS, Node built-ins only) so
 * that it runs the same from the TypeScript sources and from the built package, with no file of
 * its own to locate.
 *
 * Each session is a SHA-256 and, while a request writes, the upload's open data file. Messages
 * are handled in order; any of them may carry `open {path, flags, position}`, which first opens
 * the file that later chunks are written to (from `position` on):
 * - `update {id, buffers, length, hashed}`: transferred ArrayBuffers, each written to the open
 *   file (if any) with one write(2), then hashed unless `hashed` (the caller hashes them);
 *   answered by `ack`;
 * - `drain {id, req}`: answers once everything before it was written, with the first error;
 * - `sync {id, req, syncReq}`: answers `req` with the digest and ends the session, then syncs
 *   the file (fdatasync, beside the thread), closes it and answers `syncReq`;
 * - `closefile {id, req}`, `drop {id}`;
 * - `load {id, path, bytes, req}`: hashes the first `bytes` of a file as the session's start;
 * - `digest {id, req}`: hex of what the session has hashed; it continues.
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
const open = (s, o) => {
  closeFile(s);
  s.error = null;
  try { s.fd = openSync(o.path, o.flags); s.position = o.position; } catch (error) { s.error = text(error); }
};
parentPort.on('message', (m) => {
  // Only these start a session; the others act on one that exists.
  const s = m.op === 'update' || m.op === 'digest' || m.open ? session(m.id) : sessions.get(m.id);
  if (m.open) open(s, m.open);
  switch (m.op) {
    case 'update':
      if (s.fd >= 0 && s.error === null) {
        try { write(s, m.buffers); } catch (error) { s.error = text(error); closeFile(s); }
      }
      if (!m.hashed) for (const buffer of m.buffers) s.hash.update(new Uint8Array(buffer));
      parentPort.postMessage({ op: 'ack', length: m.length });
      return;
    case 'drain':
      reply(m, s ? s.error : 'no such session');
      return;
    case 'sync': {
      if (!s) { reply(m, 'no such session'); reply({ req: m.syncReq }, 'no such session'); return; }
      sessions.delete(m.id);
      const fd = s.fd;
      s.fd = -1;
      if (s.error !== null || fd < 0) {
        if (fd >= 0) close(fd, () => {});
        reply(m, s.error ?? 'no file is open');
        reply({ req: m.syncReq }, s.error ?? 'no file is open');
        return;
      }
      // The digest now (everything before was written), the sync's outcome when it is done.
      reply(m, null, s.hash.digest('hex'));
      fdatasync(fd, (error) => close(fd, () => reply({ req: m.syncReq }, error ? text(error) : null)));
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
 * Worker threads that write uploads' bytes to their data files and compute their SHA-256 as
 * they stream in, so neither the copy into the page cache nor the hashing (together about 1.2 s
 * of CPU per GiB on a 2-core virtual machine, and several times that when the page cache needs
 * memory the host has to hand back first) runs on the event loop.
 *
 * Each upload is an {@link UploadSession} on one of the threads (two, more on machines with many
 * cores; a new session goes to the thread with the fewest bytes queued), whose chunks are written
 * and hashed in the order they were handed over. Chunks are handed over without a copy when they
 * own their memory (request body chunks do): copying 1 MiB into fresh memory costs about what
 * hashing it does. Writing on the thread that hashes reads each chunk once from memory and hashes
 * it from the cache, and it replaces a thread-pool round trip per batch with the message the hash
 * needed anyway: measured with 1 MiB uploads 8 at a time, the server's CPU per upload fell from
 * about 6 to 4.5 ms (event loop 2.9 to 2.1 ms; the thread pool's 1 MiB `writev` copies cost more
 * than these threads' writes and hashing together). Memory is bounded: a session's
 * {@link UploadSession.capacity} waits while more than 16 MiB are queued for its thread. The data
 * sync runs beside the threads (in the thread pool), so one upload's sync never holds up
 * another's bytes.
 *
 * Uploads small enough to be hashed on the event loop as their chunks arrive (while they are
 * still in the cache) use sessions that hash there (`hashHere`); the thread then only writes.
 *
 * When a thread dies, every session it held is broken: its writes and digest fail, and the
 * caller hashes the stored bytes again (see `UploadStore`); the next session on that slot starts
 * a new thread. A file the lost thread had open stays open until the process ends.
 */
export class UploadWorker {
  readonly #lanes: Lane[];
  #nextId = 0;

  /** @param threads - how many threads (started when first needed) @default 2, or a quarter of the cores if more */
  constructor(threads = Math.max(2, Math.min(8, Math.floor(availableParallelism() / 4)))) {
    this.#lanes = Array.from({ length: threads }, () => new Lane());
  }

  /**
   * A new session, on the thread with the fewest bytes queued (started if not running).
   *
   * @param options - `hashHere`: the session hashes the chunks on the calling thread, as they are
   * handed over, and the worker thread only writes them (for small uploads: see `UploadStore`)
   */
  session(options: { hashHere?: boolean } = {}): UploadSession {
    let lane = this.#lanes[0] as Lane;
    for (const other of this.#lanes) if (other.inFlight < lane.inFlight) lane = other;
    return new UploadSession(lane, this.#nextId++, lane.ensure(), options.hashHere ? createHash('sha256') : null);
  }

  /** Stops the threads; sessions still open are broken. */
  async close(): Promise<void> {
    await Promise.all(this.#lanes.map((lane) => lane.close()));
  }
}

/** One worker thread of an {@link UploadWorker}, restarted (a new generation) after it was lost. */
class Lane {
  #worker: Worker | null = null;
  #generation = 0;
  #nextReq = 0;
  readonly #pending = new Map<number, Pending>();
  /** Bytes handed over and not yet written and hashed. */
  inFlight = 0;
  #waiters: (() => void)[] = [];
  #closed = false;

  /** Resolves once the bytes waiting for the thread are below the limit. */
  capacity(): Promise<void> {
    if (this.inFlight < IN_FLIGHT_LIMIT_BYTES || !this.#worker) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = null;
    this.#fail(new Error('the upload worker was closed'));
    await worker?.terminate();
  }

  /** Whether `generation`'s thread still runs. */
  alive(generation: number): boolean {
    return this.#worker !== null && generation === this.#generation;
  }

  /** Hands `buffers` (transferred: unusable afterwards) to session `id`. */
  update(id: number, buffers: ArrayBuffer[], length: number, open: FileToOpen | undefined, hashed: boolean): void {
    this.inFlight += length;
    this.#worker?.postMessage({ op: 'update', id, buffers, length, open, hashed }, buffers);
  }

  /** Sends a message that is not answered, if `generation`'s thread still runs. */
  post(generation: number, message: Record<string, unknown>): void {
    if (this.alive(generation)) this.#worker?.postMessage(message);
  }

  /** Sends a request that is answered; rejects unless `generation`'s thread still runs. */
  request(generation: number, message: Record<string, unknown>): Promise<string | undefined> {
    const [answer] = this.#send(generation, message, ['req']);
    return answer as Promise<string | undefined>;
  }

  /** Sends a request answered twice (as `req`, then as `syncReq`); both reject unless `generation`'s thread still runs. */
  requestTwice(generation: number, message: Record<string, unknown>): [Promise<string | undefined>, Promise<string | undefined>] {
    const [first, second] = this.#send(generation, message, ['req', 'syncReq']);
    return [first as Promise<string | undefined>, second as Promise<string | undefined>];
  }

  /** Posts `message` with a fresh request id in each of `fields`; one promise per answer. */
  #send(generation: number, message: Record<string, unknown>, fields: readonly string[]): Promise<string | undefined>[] {
    const worker = this.#worker;
    if (!worker || generation !== this.#generation) {
      return fields.map(() => Promise.reject(new Error('the upload worker that held this session is gone')));
    }
    const ids: Record<string, number> = {};
    const answers = fields.map((field) => {
      const id = (ids[field] = this.#nextReq++);
      return new Promise<string | undefined>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    });
    worker.postMessage({ ...message, ...ids });
    return answers;
  }

  /** Starts the thread unless it runs; returns its generation. */
  ensure(): number {
    if (this.#worker || this.#closed) return this.#generation;
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'plaza-uploads' });
    // Never what keeps the process alive: a stopping server terminates it through close().
    worker.unref();
    this.#generation++;
    this.#worker = worker;
    worker.on('message', (reply: WorkerReply) => {
      if (reply.op === 'ack') {
        this.inFlight -= reply.length;
        if (this.inFlight < IN_FLIGHT_LIMIT_BYTES) this.#release();
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
    return this.#generation;
  }

  #fail(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.inFlight = 0;
    this.#release();
  }

  #release(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** A file for the thread to open before it handles a message (see {@link UploadSession.openFile}). */
interface FileToOpen {
  path: string;
  flags: 'r+' | 'w';
  position: number;
}

/**
 * One upload on the {@link UploadWorker} thread: its SHA-256, kept across requests, and while a
 * request writes ({@link UploadSession.openFile} until {@link UploadSession.finishFile} or
 * {@link UploadSession.closeFile}), its open data file.
 */
export class UploadSession {
  readonly #lane: Lane;
  readonly #id: number;
  readonly #generation: number;
  /** Bytes handed over so far (those of {@link UploadSession.load} included). */
  bytes = 0;
  /** The file to open, sent along with the next message (saves one). */
  #open: FileToOpen | undefined;
  /** The digest {@link UploadSession.finishFile} brought back; the session on the thread is gone then. */
  #final: string | undefined;
  /** The hash, when this session hashes on the calling thread (`hashHere`). */
  readonly #local: Hash | null;

  /** @internal Use {@link UploadWorker.session}. */
  constructor(lane: Lane, id: number, generation: number, local: Hash | null) {
    this.#lane = lane;
    this.#id = id;
    this.#generation = generation;
    this.#local = local;
  }

  /** Whether the thread that holds this session's state is gone (its digest would be wrong). */
  get broken(): boolean {
    return this.#final === undefined && this.#local === null && !this.#lane.alive(this.#generation);
  }

  /** Starts the session with the first `bytes` of the file at `path` (read and hashed on the thread). */
  async load(path: string, bytes: number): Promise<void> {
    if (this.#local) throw new Error('a session that hashes here starts empty');
    await this.#request('load', { path, bytes });
    this.bytes = bytes;
  }

  /**
   * Opens the file at `path` (`flags` as for `fs.open`: `'w'` creates it, `'r+'` continues it) on
   * the thread, when the session's next message gets there: the chunks handed over next are
   * written there from `position` on, before they are hashed. An error opening or writing shows
   * in {@link UploadSession.drain} and {@link UploadSession.finishFile}.
   */
  openFile(path: string, flags: 'r+' | 'w', position: number): void {
    this.#open = { path, flags, position };
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
      // Hashed here while the chunk is still in this thread's cache (before its memory goes).
      this.#local?.update(chunk);
      if (!this.#lane.alive(this.#generation)) continue;
      const whole = chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.length && chunk.buffer instanceof ArrayBuffer;
      // A slice of a larger (possibly pooled) block is copied into memory of its own.
      buffers.push(whole ? (chunk.buffer as ArrayBuffer) : (Uint8Array.prototype.slice.call(chunk).buffer as ArrayBuffer));
    }
    this.bytes += length;
    if (buffers.length === 0) return;
    this.#lane.update(this.#id, buffers, length, this.#open, this.#local !== null);
    this.#open = undefined;
  }

  /** Resolves once the bytes queued for this session's thread are below the limit (wait before handing over more). */
  capacity(): Promise<void> {
    return this.#lane.capacity();
  }

  /** Resolves once every chunk handed over so far is written to the open file; rejects with the first error opening or writing it. */
  async drain(): Promise<void> {
    await this.#request('drain');
  }

  /**
   * Ends the session's writing: once every chunk handed over is written, `digest` resolves with
   * the digest of all the session's bytes, and the file's data is synced (`fdatasync`, beside the
   * thread) and closed, which `synced` tells. That ends the session on the thread;
   * {@link UploadSession.digest} answers from here afterwards. Both reject on an error opening or
   * writing the file; `synced` also on one syncing it.
   */
  finishFile(): { digest: Promise<string>; synced: Promise<void> } {
    const bytes = this.bytes;
    const open = this.#open;
    this.#open = undefined;
    const [digest, synced] = this.#lane.requestTwice(this.#generation, { op: 'sync', id: this.#id, open });
    return {
      digest: digest.then((answer) => {
        const hex = this.#local ? this.#local.digest('hex') : answer;
        if (hex === undefined) throw new Error('the upload worker answered without a digest');
        if (this.bytes === bytes) this.#final = hex;
        return hex;
      }),
      synced: synced.then(() => undefined),
    };
  }

  /** Closes the open file, if any; resolves once it is closed (everything handed over before was written or failed). */
  async closeFile(): Promise<void> {
    // Not opened yet (nothing was sent since openFile): nothing to close, and no file is created.
    if (this.#open !== undefined) {
      this.#open = undefined;
      return;
    }
    await this.#request('closefile');
  }

  /** Lowercase hex SHA-256 of the bytes so far; the session goes on. Rejects when it is broken. */
  async digest(): Promise<string> {
    if (this.#final !== undefined) return this.#final;
    if (this.#local) return this.#local.copy().digest('hex');
    if (this.broken) throw new Error('the upload worker that held this hash is gone');
    const hex = await this.#request('digest');
    if (hex === undefined) throw new Error('the upload worker answered without a digest');
    return hex;
  }

  /** Frees the session on the thread (closing its file, if open). */
  dispose(): void {
    if (this.#final !== undefined) return;
    this.#lane.post(this.#generation, { op: 'drop', id: this.#id });
  }

  #request(op: string, fields: Record<string, unknown> = {}): Promise<string | undefined> {
    const open = this.#open;
    this.#open = undefined;
    return this.#lane.request(this.#generation, { op, id: this.#id, open, ...fields });
  }
}
