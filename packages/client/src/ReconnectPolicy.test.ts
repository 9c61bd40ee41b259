import { describe, expect, it } from 'vitest';
import { ExponentialBackoff } from './ReconnectPolicy.js';

describe('ExponentialBackoff', () => {
  it('grows by the multiplier up to maxDelayMs without jitter', () => {
    const b = new ExponentialBackoff({ initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, jitter: 0 });
    expect([0, 1, 2, 3, 4, 5].map((a) => b.nextDelayMs(a))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('keeps every jittered delay within [base * (1 - jitter), base]', () => {
    for (const r of [0, 0.25, 0.5, 0.999]) {
      const b = new ExponentialBackoff({ initialDelayMs: 1000, maxDelayMs: 8000, jitter: 0.5, random: () => r });
      for (let attempt = 0; attempt < 10; attempt++) {
        const base = Math.min(8000, 1000 * 2 ** attempt);
        const d = b.nextDelayMs(attempt) as number;
        expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.5));
        expect(d).toBeLessThanOrEqual(base);
      }
    }
  });

  it('never exceeds maxDelayMs with the real random source', () => {
    const b = new ExponentialBackoff({ initialDelayMs: 10, maxDelayMs: 50 });
    for (let attempt = 0; attempt < 100; attempt++) {
      const d = b.nextDelayMs(attempt) as number;
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(50);
    }
  });

  it('gives up with null after maxAttempts', () => {
    const b = new ExponentialBackoff({ maxAttempts: 2, jitter: 0 });
    expect(b.nextDelayMs(0)).not.toBeNull();
    expect(b.nextDelayMs(1)).not.toBeNull();
    expect(b.nextDelayMs(2)).toBeNull();
  });

  it('does not overflow for very large attempt numbers', () => {
    expect(new ExponentialBackoff({ jitter: 0 }).nextDelayMs(5000)).toBe(30_000);
  });

  it('refuses invalid options with TypeError', () => {
    expect(() => new ExponentialBackoff({ initialDelayMs: -1 })).toThrow(TypeError);
    expect(() => new ExponentialBackoff({ jitter: 2 })).toThrow(TypeError);
    expect(() => new ExponentialBackoff({ multiplier: 0.5 })).toThrow(TypeError);
    expect(() => new ExponentialBackoff({ initialDelayMs: 10, maxDelayMs: 5 })).toThrow(TypeError);
    expect(() => new ExponentialBackoff().nextDelayMs(-1)).toThrow(TypeError);
  });
});
