import type { Readable, Writable } from 'node:stream';

/** Facts about a stored object. */
export interface StoredObjectStat {
  /** Size in bytes. */
  size: number;
}

/** An inclusive byte range. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Stored bytes ready to be sent (see {@link FileStorage.sender}). */
export interface StoredBytesSender {
  /** Writes the bytes into `out` (without ending it); rejects when reading or writing fails. */
  sendTo(out: Writable): Promise<void>;
  /** Releases what was opened, when the bytes are not sent after all. */
  close(): Promise<void>;
}

/**
 * Where file bytes live, by server-generated key (never a user-given name). Shaped so that an
 * S3-compatible store can implement it: whole-object puts, ranged gets, deletes.
 */
export interface FileStorage {
  /** Stores `body` under `key`, replacing what was there; resolves once it is durable. */
  put(key: string, body: Readable | Uint8Array): Promise<void>;
  /**
   * Moves a finished local file into the storage under `key` (a rename on local disk, an upload
   * elsewhere). The local file is gone afterwards. `synced`: its bytes were already fsynced.
   * `recoverable`: the caller moves the file again if a crash undid the move (it looks for it at
   * `localPath` when it starts), so the move itself need not be durable when this resolves — the
   * bytes still must be.
   */
  adopt(key: string, localPath: string, options?: { synced?: boolean; recoverable?: boolean }): Promise<void>;
  /** The bytes of `key` (of `range` only, when given). Rejects with code `ENOENT` when missing. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /**
   * Optional, for storages that can send bytes more cheaply than through a stream of fresh
   * buffers (local disk: see `FileRangeSender`): like {@link FileStorage.get}, as a sender.
   * Rejects with code `ENOENT` when missing.
   */
  sender?(key: string, range?: ByteRange): Promise<StoredBytesSender>;
  /** Size of `key`, or `null` when missing. */
  stat(key: string): Promise<StoredObjectStat | null>;
  /** Deletes `key`; missing keys are fine. */
  delete(key: string): Promise<void>;
  /** Every key stored (for garbage collection). */
  list(): Promise<string[]>;
}
