import type { RateLimiter } from '../ratelimit/RateLimiter.js';

/** What {@link RefusalThrottle.check} decides about one refused request. */
export type RefusalDecision =
  /**
   * Audit it. `suppressed`: refusals from the same address that were counted, not audited, since
   * its previous record; `rateLimited`: this is the first refusal over the limit, the ones after it
   * are counted until the address's rate drops again.
   */
  | { audit: true; suppressed: number; rateLimited: boolean }
  /** Count it only. */
  | { audit: false };

/** Addresses whose suppressed refusals are counted at once; beyond, refusals are neither audited nor counted. */
export const REFUSAL_THROTTLE_MAX_TRACKED = 10_000;

/**
 * Decides which refused REST requests (wrong or missing credentials) are audited one by one, so a
 * flood of wrong secrets cannot flood the audit table: per client address, refusals within the
 * limiter's rate are audited; the first one over it is audited as rate-limited, the rest are only
 * counted, and the count goes into the address's next audited refusal (`details.suppressed`).
 */
export class RefusalThrottle {
  readonly #limiter: RateLimiter;
  readonly #maxTracked: number;
  readonly #suppressed = new Map<string, number>();

  /**
   * @param limiter - a token bucket per client address
   * @param maxTracked - addresses counted at once (memory bound)
   */
  constructor(limiter: RateLimiter, maxTracked = REFUSAL_THROTTLE_MAX_TRACKED) {
    this.#limiter = limiter;
    this.#maxTracked = maxTracked;
  }

  /** Spends one token of `ip`'s bucket and says whether this refusal is audited. */
  async check(ip: string | null): Promise<RefusalDecision> {
    const key = ip ?? 'unknown';
    const decision = await this.#limiter.consume(key);
    const counted = this.#suppressed.get(key);
    if (decision.allowed) {
      this.#suppressed.delete(key);
      return { audit: true, suppressed: counted ?? 0, rateLimited: false };
    }
    if (counted !== undefined) {
      this.#suppressed.set(key, counted + 1);
      return { audit: false };
    }
    // Past the bound, an attacker rotating addresses gets no records at all rather than one each.
    if (this.#suppressed.size >= this.#maxTracked) return { audit: false };
    this.#suppressed.set(key, 0);
    return { audit: true, suppressed: 0, rateLimited: true };
  }

  /** Releases the limiter. Idempotent. */
  close(): void {
    this.#limiter.close();
    this.#suppressed.clear();
  }
}
