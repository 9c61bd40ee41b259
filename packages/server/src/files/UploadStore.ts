import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type http from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import type { Readable, TransformCallback } from 'node:stream';
import { FileStore } from '@tus/file-store';
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

interface HashState {
  hash: Hash;
  /** How many leading bytes of the upload `hash` has seen. */
  bytes: number;
}

/**
 * The tus data store: @tus/file-store's `FileStore` (one file plus a `.json` record per upload),
 * wrapped so that every write
 * - holds back the upload's first {@link SNIFF_BYTES} bytes until `inspect` accepted them, so a
 *   refused type never reaches the disk (when a request ends before that many bytes arrived, they
 *   are written and the decision is made when the rest arrives, on the stored prefix plus the new
 *   bytes);
 * - feeds a SHA-256 while streaming; the hash is kept in memory per upload and rebuilt from the
 *   stored prefix when it does not match the write's offset (after a restart or a failed write).
 */
export class UploadStore extends FileStore {
  readonly #options: UploadStoreOptions;
  readonly #hashes = new Map<string, HashState>();

  /** @param options - see {@link UploadStoreOptions} */
  constructor(options: UploadStoreOptions) {
    super({ directory: options.directory, expirationPeriodInMilliseconds: options.expirationPeriodInMilliseconds ?? 0 });
    this.#options = options;
  }

  /** Path of an upload's bytes. */
  pathOf(uploadId: string): string {
    return join(this.directory, uploadId);
  }

  override async write(readable: http.IncomingMessage | Readable, uploadId: string, offset: number): Promise<number> {
    const upload = await this.getUpload(uploadId);
    const sniffTarget = Math.min(SNIFF_BYTES, upload.size ?? SNIFF_BYTES);
    let state = this.#hashes.get(uploadId);
    this.#hashes.delete(uploadId);
    if (!state || state.bytes !== offset) state = await this.#rebuild(uploadId, offset);
    const prefix = offset > 0 && offset < sniffTarget ? await this.#readPrefix(uploadId, offset) : Buffer.alloc(0);
    let refusal: unknown;
    const gate = new SniffingHasher(state, offset, sniffTarget, prefix, async (head) => {
      try {
        await this.#options.inspect(uploadId, head);
      } catch (error) {
        refusal = error;
        throw error;
      }
    });
    readable.on('error', (error) => gate.destroy(error));
    readable.pipe(gate);
    let written: number;
    try {
      written = await super.write(gate, uploadId, offset);
    } catch (error) {
      if (refusal !== undefined) {
        await this.remove(uploadId).catch(() => undefined);
        throw refusal;
      }
      throw error;
    }
    if (state.bytes === written) this.#hashes.set(uploadId, state);
    return written;
  }

  /** SHA-256 (lowercase hex) of the first `size` bytes of an upload, from memory or from disk. */
  async sha256(uploadId: string, size: number): Promise<string> {
    let state = this.#hashes.get(uploadId);
    if (!state || state.bytes !== size) state = await this.#rebuild(uploadId, size);
    return state.hash.copy().digest('hex');
  }

  /** The first `length` bytes of an upload (fewer when it is shorter). */
  async head(uploadId: string, length: number): Promise<Buffer> {
    return this.#readPrefix(uploadId, length);
  }

  /** Forgets an upload's hash state without touching its bytes (after it moved to file storage). */
  forget(uploadId: string): void {
    this.#hashes.delete(uploadId);
  }

  override async remove(uploadId: string): Promise<void> {
    this.#hashes.delete(uploadId);
    try {
      await super.remove(uploadId);
    } finally {
      this.#options.onRemoved(uploadId);
    }
  }

  async #rebuild(uploadId: string, bytes: number): Promise<HashState> {
    const hash = createHash('sha256');
    if (bytes > 0) {
      const stream = createReadStream(this.pathOf(uploadId), { start: 0, end: bytes - 1 });
      let seen = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk);
        seen += chunk.length;
      }
      if (seen !== bytes) throw new Error(`upload ${uploadId} holds ${seen} bytes, expected ${bytes}`);
    }
    return { hash, bytes };
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

/**
 * Passes bytes through, hashing them; bytes before `sniffTarget` are held back until the decision
 * on the head (stored prefix + held bytes) was made.
 */
class SniffingHasher extends Transform {
  #position: number;
  #held: Buffer[] = [];
  #heldBytes = 0;
  #decided: boolean;

  constructor(
    private readonly state: HashState,
    offset: number,
    private readonly sniffTarget: number,
    private readonly prefix: Buffer,
    private readonly decide: (head: Buffer) => Promise<void>,
  ) {
    super();
    this.#position = offset;
    this.#decided = offset >= sniffTarget;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#decided) {
      this.#pass(chunk);
      callback();
      return;
    }
    this.#held.push(chunk);
    this.#heldBytes += chunk.length;
    if (this.#position + this.#heldBytes < this.sniffTarget) {
      callback();
      return;
    }
    const head = Buffer.concat([this.prefix, ...this.#held]).subarray(0, this.sniffTarget);
    this.decide(head).then(
      () => {
        this.#decided = true;
        this.#release();
        callback();
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error('upload refused')),
    );
  }

  override _flush(callback: TransformCallback): void {
    // The request ended before the head was complete: store what came, decide with the rest.
    this.#release();
    callback();
  }

  #release(): void {
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    for (const chunk of held) this.#pass(chunk);
  }

  #pass(chunk: Buffer): void {
    this.state.hash.update(chunk);
    this.state.bytes += chunk.length;
    this.#position += chunk.length;
    this.push(chunk);
  }
}
