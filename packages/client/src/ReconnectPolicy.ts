/**
 * Decides how long to wait before the next attempt, or to stop trying. Used for reconnecting and
 * for retrying queued messages.
 */
export interface ReconnectPolicy {
  /**
   * @param attempt - 0 for the first retry after a failure, 1 for the second, …
   * @returns the delay in milliseconds, or `null` to give up
   */
  nextDelayMs(attempt: number): number | null;
}

/** Options of {@link ExponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay before the first retry, in ms. @defaultValue 500 */
  initialDelayMs?: number;
  /** Largest delay, in ms. @defaultValue 30000 */
  maxDelayMs?: number;
  /** Factor between consecutive delays. @defaultValue 2 */
  multiplier?: number;
  /**
   * Fraction of each delay that is randomised, between 0 and 1: with 0.5 a 1000 ms delay becomes
   * anything from 500 to 1000 ms, so clients that lost the same server do not return all at once.
   * @defaultValue 0.5
   */
  jitter?: number;
  /** Attempts after which to give up. @defaultValue Infinity */
  maxAttempts?: number;
  /** Source of randomness in [0, 1). @defaultValue Math.random */
  random?: () => number;
}

/** Defaults of {@link ExponentialBackoffOptions}. */
export const exponentialBackoffDefaults = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.5,
  maxAttempts: Number.POSITIVE_INFINITY,
  random: Math.random,
} as const satisfies Required<ExponentialBackoffOptions>;

/**
 * Exponential backoff with jitter, the default {@link ReconnectPolicy}: delays grow from
 * `initialDelayMs` by `multiplier` up to `maxDelayMs`, each shortened by a random share of at most
 * `jitter`.
 */
export class ExponentialBackoff implements ReconnectPolicy {
  readonly #options: Required<ExponentialBackoffOptions>;

  /** @param options - see {@link ExponentialBackoffOptions}; invalid values throw `TypeError` */
  constructor(options: ExponentialBackoffOptions = {}) {
    const o = { ...exponentialBackoffDefaults, ...options };
    const nonNegative = (name: string, v: unknown) => {
      if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new TypeError(`${name} must be a number >= 0`);
    };
    nonNegative('initialDelayMs', o.initialDelayMs);
    nonNegative('maxDelayMs', o.maxDelayMs);
    nonNegative('maxAttempts', o.maxAttempts);
    if (typeof o.multiplier !== 'number' || !(o.multiplier >= 1)) throw new TypeError('multiplier must be a number >= 1');
    if (typeof o.jitter !== 'number' || !(o.jitter >= 0 && o.jitter <= 1)) throw new TypeError('jitter must be between 0 and 1');
    if (typeof o.random !== 'function') throw new TypeError('random must be a function');
    if (o.maxDelayMs < o.initialDelayMs) throw new TypeError('maxDelayMs must be >= initialDelayMs');
    this.#options = o;
  }

  /** @inheritDoc */
  nextDelayMs(attempt: number): number | null {
    const { initialDelayMs, maxDelayMs, multiplier, jitter, maxAttempts, random } = this.#options;
    if (!Number.isInteger(attempt) || attempt < 0) throw new TypeError('attempt must be an integer >= 0');
    if (attempt >= maxAttempts) return null;
    const base = Math.min(maxDelayMs, initialDelayMs * multiplier ** attempt);
    const r = Math.min(Math.max(random(), 0), 1);
    return Math.round(base * (1 - jitter * r));
  }
}
