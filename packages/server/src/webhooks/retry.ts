/** Longest wait between two attempts of a delivery, whatever the base and the attempt. */
export const MAX_RETRY_DELAY_MS = 6 * 3_600_000;

/**
 * How long to wait after the `attempts`-th failed attempt: `baseMs × 2^(attempts-1)`, times a
 * random factor in [0.75, 1.25) so that deliveries that failed together (a receiver that was down)
 * do not all come back at the same instant; at most {@link MAX_RETRY_DELAY_MS}.
 *
 * @param attempts - failed attempts so far (1 after the first failure)
 * @param baseMs - the wait after the first failure
 * @param random - a number in [0, 1) (for tests)
 */
export function retryDelayMs(attempts: number, baseMs: number, random: number = Math.random()): number {
  const exponential = baseMs * 2 ** Math.max(0, attempts - 1);
  return Math.min(MAX_RETRY_DELAY_MS, Math.round(exponential * (0.75 + random * 0.5)));
}
