import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, retryDelayMs } from './retry.js';

describe('retryDelayMs', () => {
  it('doubles from the base after each failed attempt, within ±25 % jitter', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 5000, 0.5))).toEqual([5000, 10_000, 20_000, 40_000]);
    expect(retryDelayMs(3, 5000, 0)).toBe(15_000);
    expect(retryDelayMs(3, 5000, 0.999_999)).toBe(25_000);
    expect(retryDelayMs(3, 5000, 0.25)).toBe(17_500);
  });

  it('never waits longer than the cap', () => {
    expect(retryDelayMs(40, 5000, 0.9)).toBe(MAX_RETRY_DELAY_MS);
  });
});
