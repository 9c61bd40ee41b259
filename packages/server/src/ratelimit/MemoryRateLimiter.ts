import type { BucketOptions, RateDecision, RateLimiter } from './RateLimiter.js';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * A token bucket per key in process memory. Buckets that have refilled completely are dropped
 * by a periodic sweep, so memory follows the number of recently active users.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;
  #sweepTimer: NodeJS.Timeout | null;

  /**
   * @param options - refill rate and burst
   * @param clock - `now` replaces `Date.now` (tests); `sweepMs` is how often full buckets are dropped (0 = never)
   */
  constructor(options: BucketOptions, clock: { now?: () => number; sweepMs?: number } = {}) {
    if (!(options.perSecond > 0) || !(options.burst >= 1)) throw new TypeError('perSecond must be > 0 and burst >= 1');
    this.#perMs = options.perSecond / 1000;
    this.#burst = options.burst;
    this.#now = clock.now ?? Date.now;
    const sweepMs = clock.sweepMs ?? 60_000;
    this.#sweepTimer = sweepMs > 0 ? setInterval(() => this.sweep(), sweepMs) : null;
    this.#sweepTimer?.unref();
  }

  #refill(bucket: Bucket, now: number): void {
    const elapsed = Math.max(0, now - bucket.updatedMs);
    bucket.tokens = Math.min(this.#burst, bucket.tokens + elapsed * this.#perMs);
    bucket.updatedMs = now;
  }

  /** @inheritDoc */
  consume(key: string, cost = 1): RateDecision {
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.#burst, updatedMs: now };
      this.#buckets.set(key, bucket);
    } else {
      this.#refill(bucket, now);
    }
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.max(1, Math.ceil((cost - bucket.tokens) / this.#perMs)) };
  }

  /** Drops buckets that are full again (they behave exactly like absent ones). */
  sweep(): void {
    const now = this.#now();
    for (const [key, bucket] of this.#buckets) {
      this.#refill(bucket, now);
      if (bucket.tokens >= this.#burst) this.#buckets.delete(key);
    }
  }

  /** Number of buckets held (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  /** @inheritDoc */
  close(): void {
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    this.#sweepTimer = null;
    this.#buckets.clear();
  }
}
