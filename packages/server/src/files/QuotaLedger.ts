/** One upload in progress holding part of its uploader's quota. */
interface Reservation {
  userId: string;
  bytes: number;
}

/**
 * Bytes reserved by uploads in progress, per user. A user's quota is spent by stored files (in
 * the database) plus these reservations, so parallel uploads cannot together exceed it. Checks
 * and reservations for one user run one at a time (see {@link QuotaLedger.exclusive}).
 */
export class QuotaLedger {
  readonly #byUpload = new Map<string, Reservation>();
  readonly #locks = new Map<string, Promise<unknown>>();

  /** Bytes reserved by `userId`'s uploads in progress. */
  reservedBy(userId: string): number {
    let total = 0;
    for (const r of this.#byUpload.values()) if (r.userId === userId) total += r.bytes;
    return total;
  }

  /** Reserves `bytes` for an upload (replacing an earlier reservation of the same upload). */
  reserve(uploadId: string, userId: string, bytes: number): void {
    this.#byUpload.set(uploadId, { userId, bytes });
  }

  /** Whether an upload holds a reservation. */
  has(uploadId: string): boolean {
    return this.#byUpload.has(uploadId);
  }

  /** Releases an upload's reservation (finished, refused or removed). */
  release(uploadId: string): void {
    this.#byUpload.delete(uploadId);
  }

  /** Runs `fn` while no other `exclusive` call for the same user runs. */
  async exclusive<T>(userId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(userId) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#locks.set(userId, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(userId) === tail) this.#locks.delete(userId);
    }
  }
}
