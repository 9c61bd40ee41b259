import { open, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ErrorCode } from '@plaza/protocol';
import { FileStore } from '@tus/file-store';
import { ERRORS, Upload } from '@tus/server';
import { DirectBody } from './DirectBody.js';
import { UploadWorker } from './UploadWorker.js';
import type { UploadSession } from './UploadWorker.js';
import { refusal } from './httpErrors.js';
import { SNIFF_BYTES } from './sniff.js';

/** A refusal thrown inside a write: tus answers it with its status and body. */
export interface HttpRefusal {
  status_code: number;
  body: string;
}

/** Options of {@link UploadStore}. */
export interface UploadStoreOptions {
  /** Where uploads in progress live (`<dataDir>/files/uploads`). */
  directory: string;
  /** Unfinished uploads older than this are removed by `deleteExpired()`. @default 0 (never) */
  expirationPeriodInMilliseconds?: number;
  /**
   * Decides on the first bytes of an upload (at most {@link SNIFF_BYTES}, all of them for smaller
   * files) before any of them is written. Throw an {@link HttpRefusal} to refuse the upload: it is
   * then removed.
   */
  inspect(uploadId: string, head: Buffer): Promise<void>;
  /** Called after an upload was removed (refused, terminated, expired or finished). */
  onRemoved(uploadId: string): void;
}

/** What an upload's `.json` record holds (everything but the offset, which is the data file's size). */
interface UploadRecord {
  size: number | undefined;
  metadata: Upload['metadata'];
  creation_date: string | undefined;
}

/**
 * The tus data store: @tus/file-store's `FileStore` (one file plus a `.json` record per upload),
 * with its own write path: one pass over the request body that
 * - holds back the upload's first {@link SNIFF_BYTES} bytes until `inspect` accepted them, so a
 *   refused type never reaches the disk (when a request ends before that many bytes arrived, they
 *   are written and the decision is made when the rest arrives, on the stored prefix plus the new
 *   bytes);
 * - hands the bytes over in batches of about 256 KiB to a worker thread ({@link UploadWorker}) that
 *   writes them to the upload's data file and feeds them to a SHA-256 beside the request
 *   handling (uploads up to 8 MiB are hashed on the event loop as their chunks arrive, which
 *   answers them sooner); the hash is kept per upload and rebuilt from the stored prefix when it does not
 *   match the write's offset (after a restart, a failed write or a lost worker);
 * - answers a write only once its bytes are written; only the write that completes the upload
 *   syncs them, once, and `FileService.finish` waits for that sync ({@link UploadStore.whenSynced})
 *   before it records the file and answers.
 *
 * Upload records (`.json`, for resuming after a restart) are written once at creation and then
 * kept in memory, so continuing an upload reads no record from disk; the offset is always the
 * data file's size on disk.
 */
export class UploadStore extends FileStore {
  readonly #options: UploadStoreOptions;
  readonly #hashes = new Map<string, UploadSession>();
  readonly #worker = new UploadWorker();
  readonly #sizes = new Map<string, number>();
  readonly #finished = new Map<string, number>();
  readonly #records = new Map<string, UploadRecord>();
  /** Data syncs started by the writes that completed uploads (see {@link UploadStore.whenSynced}). */
  readonly #synced = new Map<string, Promise<void>>();
  readonly #bodies = new Map<string, DirectBody>();
  /** Uploads whose record is in memory only (see {@link UploadStore.create}). */
  readonly #unrecorded = new Set<string>();

  /** @param options - see {@link UploadStoreOptions} */
  constructor(options: UploadStoreOptions) {
    super({ directory: options.directory, expirationPeriodInMilliseconds: options.expirationPeriodInMilliseconds ?? 0 });
    this.#options = options;
  }

  /** Path of an upload's bytes. */
  pathOf(uploadId: string): string {
    return join(this.directory, uploadId);
  }

  /**
   * Hands the next write of `uploadId` the request body to read directly (see {@link DirectBody}).
   * Returns a function that forgets it again if no write took it.
   */
  attachBody(uploadId: string, body: DirectBody): () => void {
    this.#bodies.set(uploadId, body);
    return () => {
      if (this.#bodies.get(uploadId) === body) this.#bodies.delete(uploadId);
    };
  }

  /**
   * Registers a new upload: its record in memory, and on disk its empty data file and `.json`
   * record — except for a creation with upload, whose write creates the data file and which writes
   * its record only if it ends incomplete (the directory exists: see `FileService.start`).
   */
  override async create(file: Upload): Promise<Upload> {
    const path = this.pathOf(file.id);
    const record: UploadRecord = { size: file.size, metadata: file.metadata, creation_date: file.creation_date };
    if (this.#bodies.get(file.id)?.creation) {
      // Creation with upload: nobody can resume the upload before this request answers (only the
      // answer says where it lives), so its record is written only if the request ends without
      // completing it, and its data file is created by the write that follows. A crash before
      // then leaves bytes without a record: removed at start.
      this.#unrecorded.add(file.id);
    } else {
      await writeFile(path, '');
      await writeFile(this.#recordPath(file.id), JSON.stringify({ ...file, storage: undefined }));
    }
    this.#records.set(file.id, record);
    if (file.size !== undefined) this.#sizes.set(file.id, file.size);
    file.storage = { type: 'file', path };
    return file;
  }

  override async write(readable: http.IncomingMessage | Readable, uploadId: string, offset: number): Promise<number> {
    const size = await this.#sizeOf(uploadId);
    const sniffTarget = Math.min(SNIFF_BYTES, size ?? SNIFF_BYTES);
    let state = this.#hashes.get(uploadId);
    this.#hashes.delete(uploadId);
    if (state && (state.bytes !== offset || state.broken)) {
      state.dispose();
      state = undefined;
    }
    // A small upload is hashed here as its chunks arrive (still in this thread's cache), beside
    // the thread that writes them: at one upload at a time, the thread doing both finished about
    // 1 ms after the last byte of a 1 MiB upload came. Larger ones are hashed on the thread.
    state ??= offset === 0 ? this.#worker.session({ hashHere: size !== undefined && size <= HASH_HERE_MAX_BYTES }) : await this.#rebuild(uploadId, offset);
    const prefix = offset > 0 && offset < sniffTarget ? await this.#readPrefix(uploadId, offset) : Buffer.alloc(0);
    const hash = state;
    // The write of a creation with upload creates the data file (see `create`).
    const flags = offset === 0 && this.#unrecorded.has(uploadId) ? 'w' : 'r+';
    hash.openFile(this.pathOf(uploadId), flags, offset);
    const sink = new Batcher(hash);
    const pass = (chunk: Buffer) => sink.add(chunk);
    // Bytes before `sniffTarget` wait here until `inspect` accepted the head.
    let held: Buffer[] = [];
    let heldBytes = 0;
    let decided = offset >= sniffTarget;
    let refused: unknown;
    const direct = this.#bodies.get(uploadId);
    this.#bodies.delete(uploadId);
    direct?.watch(readable as Readable);
    const limit = size === undefined ? Number.POSITIVE_INFINITY : size - offset;
    let received = 0;
    try {
      for await (const chunk of direct ? direct.chunks() : (readable as AsyncIterable<Buffer>)) {
        received += chunk.length;
        if (received > limit) {
          refused = refusal(413, ErrorCode.PAYLOAD_TOO_LARGE, `the request body goes past Upload-Length (${size} bytes)`);
          throw refused;
        }
        if (decided) {
          pass(chunk);
        } else {
          held.push(chunk);
          heldBytes += chunk.length;
          if (offset + heldBytes >= sniffTarget) {
            const head = Buffer.concat([prefix, ...held]).subarray(0, sniffTarget);
            try {
              await this.#options.inspect(uploadId, head);
            } catch (error) {
              refused = error;
              throw error;
            }
            decided = true;
            for (const h of held) pass(h);
            held = [];
            heldBytes = 0;
          }
        }
        if (sink.full) {
          sink.flush();
          // The worker must keep up: wait (reading nothing more) while too much is queued for it.
          await hash.capacity();
        }
      }
      // The request ended before the head was complete: store what came, decide with the rest.
      for (const h of held) pass(h);
      sink.flush();
      if (size !== undefined && offset + sink.written === size) {
        // The write that completes the upload starts making its bytes durable (once per upload)
        // and learns their digest with the same message; the completion (`FileService.finish`)
        // waits for the sync before it records the file, so the answer still comes after it,
        // and what the completion does first (the move) runs meanwhile.
        const finished = hash.finishFile();
        finished.synced.catch(() => undefined);
        await finished.digest;
        this.#synced.set(uploadId, finished.synced);
      } else {
        await hash.drain();
      }
    } catch (error) {
      if (refused !== undefined && received > limit) {
        // Too long a body: keep what fits (the client may resume), refuse the rest.
        sink.flush();
        await this.#abandon(hash);
        await this.#persistRecord(uploadId);
        throw refused;
      }
      if (refused !== undefined) {
        await this.#abandon(hash);
        await this.remove(uploadId).catch(() => undefined);
        throw refused;
      }
      if (direct?.creation && direct.broken) {
        // The client went away before it learned where the upload lives: nobody can resume it.
        await this.#abandon(hash);
        await this.remove(uploadId).catch(() => undefined);
        throw ERRORS.ABORTED;
      }
      // Keep what was accepted before the failure, so that the client resumes after it.
      sink.flush();
      await this.#abandon(hash);
      await this.#persistRecord(uploadId).catch(() => undefined);
      throw ERRORS.FILE_WRITE_ERROR;
    }
    const written = offset + sink.written;
    // Everything was written (drained above); closing needs no wait. (A completed one is closed.)
    if (size === undefined || written < size) hash.closeFile().catch(() => undefined);
    if (state.bytes === written && !state.broken) this.#hashes.set(uploadId, state);
    else state.dispose();
    // Incomplete: the client continues with PATCH requests, also after a restart.
    if (size === undefined || written < size) await this.#persistRecord(uploadId);
    return written;
  }

  override async getUpload(id: string): Promise<Upload> {
    const record = this.#records.get(id);
    if (record) {
      let bytes: number;
      try {
        bytes = (await stat(this.pathOf(id))).size;
      } catch {
        // A creation with upload whose write has not created the data file yet.
        if (this.#unrecorded.has(id)) return new Upload({ id, ...record, offset: 0, storage: { type: 'file', path: this.pathOf(id) } });
        this.#records.delete(id);
        throw ERRORS.FILE_NO_LONGER_EXISTS;
      }
      return new Upload({ id, ...record, offset: bytes, storage: { type: 'file', path: this.pathOf(id) } });
    }
    const done = this.#finished.get(id);
    if (done !== undefined) return new Upload({ id, size: done, offset: done });
    let upload: Upload;
    try {
      upload = await super.getUpload(id);
    } catch (error) {
      // Finished and moved into file storage: complete, and nobody's to continue (no metadata).
      // (@tus/server looks the upload up again after a creation-with-upload that finished it.)
      const size = this.#finished.get(id);
      if (size === undefined) throw error;
      return new Upload({ id, size, offset: size });
    }
    if (upload.size !== undefined) this.#sizes.set(id, upload.size);
    this.#records.set(id, { size: upload.size, metadata: upload.metadata, creation_date: upload.creation_date });
    return upload;
  }

  /** Whether the write that completed the upload (in this process) syncs its bytes (await {@link UploadStore.whenSynced}). */
  isSynced(uploadId: string): boolean {
    return this.#synced.has(uploadId);
  }

  /** Resolves once the sync started by the completing write finished; rejects if it failed. */
  async whenSynced(uploadId: string): Promise<void> {
    await this.#synced.get(uploadId);
  }

  /** Deletes an upload's `.json` record (its bytes moved into file storage). */
  async dropRecord(uploadId: string): Promise<void> {
    this.#records.delete(uploadId);
    if (this.#unrecorded.delete(uploadId)) return;
    await unlink(this.#recordPath(uploadId)).catch(() => undefined);
  }

  /**
   * Ids of upload data files without a record: creations with upload that a crash interrupted
   * (nobody learned where they live), or completed ones whose move into file storage a crash cut
   * short. Only meaningful before the server takes requests.
   */
  async unrecordedIds(): Promise<string[]> {
    const names = new Set(await readdir(this.directory));
    return [...names].filter((name) => /^[A-Za-z0-9_-]+$/.test(name) && !names.has(`${name}.json`));
  }

  /** Writes the record of an upload that has only an in-memory one. */
  async #persistRecord(uploadId: string): Promise<void> {
    const record = this.#records.get(uploadId);
    if (!record || !this.#unrecorded.has(uploadId)) return;
    await writeFile(this.#recordPath(uploadId), JSON.stringify({ id: uploadId, ...record, offset: 0 }));
    this.#unrecorded.delete(uploadId);
  }

  #recordPath(uploadId: string): string {
    return join(this.directory, `${uploadId}.json`);
  }

  /** The declared length of an upload (fixed once known; remembered so writes need no extra read). */
  async #sizeOf(uploadId: string): Promise<number | undefined> {
    return this.#sizes.get(uploadId) ?? (await this.getUpload(uploadId)).size;
  }

  /** SHA-256 (lowercase hex) of the first `size` bytes of an upload, from memory or from disk. */
  async sha256(uploadId: string, size: number): Promise<string> {
    let state = this.#hashes.get(uploadId);
    if (state && state.bytes === size) {
      try {
        return await state.digest();
      } catch {
        // The thread that held it is gone: hash the stored bytes again.
      }
    }
    state?.dispose();
    state = await this.#rebuild(uploadId, size);
    this.#hashes.set(uploadId, state);
    return state.digest();
  }

  /** Stops the upload threads (uploads in progress then finish on rebuilt hashes, if ever). */
  async close(): Promise<void> {
    for (const state of this.#hashes.values()) state.dispose();
    this.#hashes.clear();
    await this.#worker.close();
  }

  /** The first `length` bytes of an upload (fewer when it is shorter). */
  async head(uploadId: string, length: number): Promise<Buffer> {
    return this.#readPrefix(uploadId, length);
  }

  /**
   * Forgets an upload's state without touching its bytes, after it moved to file storage as a
   * complete file of `size` bytes (remembered for the last {@link FINISHED_REMEMBERED} uploads;
   * `null` when it was not stored after all).
   */
  forget(uploadId: string, size: number | null): void {
    this.#dropHash(uploadId);
    this.#sizes.delete(uploadId);
    this.#records.delete(uploadId);
    this.#synced.delete(uploadId);
    if (size === null) return;
    this.#finished.set(uploadId, size);
    if (this.#finished.size > FINISHED_REMEMBERED) {
      const oldest = this.#finished.keys().next().value;
      if (oldest !== undefined) this.#finished.delete(oldest);
    }
  }

  override async remove(uploadId: string): Promise<void> {
    this.#dropHash(uploadId);
    this.#sizes.delete(uploadId);
    this.#records.delete(uploadId);
    this.#synced.delete(uploadId);
    try {
      if (this.#unrecorded.delete(uploadId)) {
        // Its data file exists once its write began.
        await unlink(this.pathOf(uploadId)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
      } else {
        await super.remove(uploadId);
      }
    } finally {
      this.#options.onRemoved(uploadId);
    }
  }

  /**
   * Ends a failed write's session: waits until what was handed over is written (or failed) and
   * the file is closed — the thread may not even have opened (created) it yet — and drops the
   * hash (the next write rebuilds it from what was stored).
   */
  async #abandon(session: UploadSession): Promise<void> {
    await session.closeFile().catch(() => undefined);
    session.dispose();
  }

  /** A hash of the upload's first `bytes` stored bytes (read and hashed on the worker thread). */
  async #rebuild(uploadId: string, bytes: number): Promise<UploadSession> {
    const hash = this.#worker.session();
    if (bytes === 0) return hash;
    try {
      await hash.load(this.pathOf(uploadId), bytes);
    } catch (error) {
      hash.dispose();
      throw new Error(`could not hash the first ${bytes} bytes of upload ${uploadId}`, { cause: error });
    }
    return hash;
  }

  #dropHash(uploadId: string): void {
    this.#hashes.get(uploadId)?.dispose();
    this.#hashes.delete(uploadId);
  }

  async #readPrefix(uploadId: string, length: number): Promise<Buffer> {
    const handle = await open(this.pathOf(uploadId), 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
}

/** How many finished uploads {@link UploadStore.getUpload} still answers as complete. */
const FINISHED_REMEMBERED = 10_000;

/**
 * Bytes gathered before they are handed to the worker thread (one message each): small enough
 * that the thread writes and hashes while the rest of a request arrives (the last batch is what
 * the answer waits for), large enough that a GiB takes only 4096 messages.
 */
const BATCH_BYTES = 256 * 1024;

/** Uploads up to this size are hashed on the event loop as they arrive (see `write`). */
const HASH_HERE_MAX_BYTES = 8 * 1024 * 1024;

/** Chunks gathered before they are handed over, at most. */
const BATCH_BUFFERS = 512;

/**
 * Gathers a write's chunks into batches of about {@link BATCH_BYTES} and hands each to the
 * upload's {@link UploadSession} (written to its file on the worker thread and hashed there or,
 * for a session that hashes here, as handed over; the chunks' memory goes to the thread). Counts
 * the bytes handed over.
 */
class Batcher {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #handed = 0;

  constructor(private readonly session: UploadSession) {}

  /** Bytes handed over so far (written once the session's `drain` resolved). */
  get written(): number {
    return this.#handed;
  }

  /** Whether a batch is ready to be handed over. */
  get full(): boolean {
    return this.#pendingBytes >= BATCH_BYTES || this.#pending.length >= BATCH_BUFFERS;
  }

  add(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
  }

  /** Hands the gathered chunks over (nothing reads them here afterwards). */
  flush(): void {
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#handed += this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.session.update(batch);
  }
}
