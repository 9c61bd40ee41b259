import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/**
 * Makes SQLite commits durable off the event loop: a transaction commits with
 * `synchronous = NORMAL` (its pages reach the write-ahead log without an fsync, see
 * `unsyncedTransaction`) and the caller then awaits {@link WalSync.sync}, an `fdatasync` of the
 * `-wal` file run by libuv beside the event loop. Once it resolved, every commit written before it
 * is on disk: the log is synced as a whole and replayed in order.
 *
 * A synchronous commit (`synchronous = FULL`) would do the same fsync inside better-sqlite3's
 * call, blocking the event loop for the length of a disk flush; here other requests run meanwhile,
 * and callers that arrive during one sync share the next one (group commit).
 *
 * The log file is opened once, at the first sync (SQLite keeps it for as long as the database is
 * open in WAL mode), and closed by {@link WalSync.close}.
 */
export class WalSync {
  readonly #path: string;
  #handle: Promise<FileHandle> | null = null;
  #current: Promise<void> | null = null;
  #next: Promise<void> | null = null;
  #syncs = 0;

  /** @param walPath - the database's write-ahead log (`<database>-wal`) */
  constructor(walPath: string) {
    this.#path = walPath;
  }

  /** Syncs run so far. */
  get syncs(): number {
    return this.#syncs;
  }

  /**
   * Resolves once everything written to the log before the call is on disk. Rejects when the
   * sync fails (the commit happened, but whether it survives a power cut is unknown).
   */
  sync(): Promise<void> {
    if (!this.#current) return this.#start();
    // One is running, and it may have started before the caller's commit: wait for the next one.
    this.#next ??= this.#current
      .catch(() => undefined)
      .then(() => {
        this.#next = null;
        return this.#current ?? this.#start();
      });
    return this.#next;
  }

  /** Closes the log file (after the last sync). */
  async close(): Promise<void> {
    await Promise.allSettled([this.#current, this.#next]);
    const handle = this.#handle;
    this.#handle = null;
    if (handle) await (await handle.catch(() => null))?.close();
  }

  #start(): Promise<void> {
    const running = this.#datasync().finally(() => {
      if (this.#current === running) this.#current = null;
    });
    this.#current = running;
    return running;
  }

  async #datasync(): Promise<void> {
    this.#handle ??= open(this.#path, 'r');
    let handle: FileHandle;
    try {
      handle = await this.#handle;
    } catch (error) {
      this.#handle = null;
      throw error;
    }
    await handle.datasync();
    this.#syncs++;
  }
}
