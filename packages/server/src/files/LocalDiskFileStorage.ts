import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileRangeSender } from './FileRangeSender.js';
import type { ByteRange, FileStorage, StoredBytesSender, StoredObjectStat } from './FileStorage.js';

/** Bytes per read when streaming a stored file out. */
const READ_CHUNK_BYTES = 1024 * 1024;

const KEY = /^[A-Za-z0-9_-]{1,64}(\.[a-z]{1,10})?$/;

function checkKey(key: string): void {
  if (!KEY.test(key)) throw new TypeError(`invalid storage key ${JSON.stringify(key)}`);
}

/**
 * {@link FileStorage} on the local disk: one file per key in `directory` (outside any web root;
 * `<dataDir>/files/objects` by default), written to a temp name, fsynced and renamed into place.
 */
export class LocalDiskFileStorage implements FileStorage {
  readonly #directory: string;
  #ready: Promise<unknown> | undefined;

  /** @param directory - where objects live (created if missing) */
  constructor(directory: string) {
    this.#directory = directory;
  }

  /** The directory objects live in. */
  get directory(): string {
    return this.#directory;
  }

  #path(key: string): string {
    checkKey(key);
    return join(this.#directory, key);
  }

  #ensure(): Promise<unknown> {
    this.#ready ??= mkdir(this.#directory, { recursive: true, mode: 0o700 });
    return this.#ready;
  }

  async put(key: string, body: Readable | Uint8Array): Promise<void> {
    const path = this.#path(key);
    await this.#ensure();
    const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
    try {
      await pipeline(body instanceof Uint8Array ? [body] : body, createWriteStream(temp, { mode: 0o600 }));
      await fsync(temp);
      await rename(temp, path);
      await fsyncDirectory(this.#directory);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async adopt(key: string, localPath: string, options?: { synced?: boolean; recoverable?: boolean }): Promise<void> {
    const path = this.#path(key);
    await this.#ensure();
    // The bytes must be on disk before the caller records the file (its row is durable).
    if (!options?.synced) await fsync(localPath);
    try {
      await rename(localPath, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await copyFile(localPath, path);
      await fsync(path);
      await unlink(localPath);
      await fsyncDirectory(this.#directory);
      return;
    }
    // A rename the caller redoes after a crash needs no directory sync of its own (one per file).
    if (!options?.recoverable) await fsyncDirectory(this.#directory);
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.#path(key);
    const handle = await open(path, 'r');
    // Large reads: fewer syscalls and fewer, larger socket writes than the 64 KiB default.
    const options = { fd: handle, highWaterMark: READ_CHUNK_BYTES };
    return createReadStream('', range ? { ...options, start: range.start, end: range.end } : options);
  }

  async sender(key: string, range?: ByteRange): Promise<StoredBytesSender> {
    const handle = await open(this.#path(key), 'r');
    try {
      const end = range ? range.end : (await handle.stat()).size - 1;
      return new FileRangeSender(handle, range?.start ?? 0, end);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async stat(key: string): Promise<StoredObjectStat | null> {
    try {
      const s = await stat(this.#path(key));
      return { size: s.size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  async list(): Promise<string[]> {
    try {
      return (await readdir(this.#directory)).filter((name) => KEY.test(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename in `directory` durable (a no-op where directories cannot be opened, e.g. Windows). */
async function fsyncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Not supported on this platform.
  } finally {
    await handle?.close();
  }
}
