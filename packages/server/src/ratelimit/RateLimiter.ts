/** The answer of a {@link RateLimiter}. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Token-bucket parameters. */
export interface BucketOptions {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: the most that may be spent at once after a quiet period. */
  burst: number;
}

/**
 * Decides whether a key (a user id) may act now. One limiter per kind of action; the in-memory
 * one serves one node, a Redis one with the same interface serves many (hence the promise).
 */
export interface RateLimiter {
  /** Takes `cost` tokens (default 1) from `key`'s bucket if it has them. */
  consume(key: string, cost?: number): RateDecision | Promise<RateDecision>;
  /** Releases timers and memory. Idempotent. */
  close(): void;
}
