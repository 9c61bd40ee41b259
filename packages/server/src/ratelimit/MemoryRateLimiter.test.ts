import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from './MemoryRateLimiter.js';

function limiterAt(perSecond: number, burst: number) {
  let now = 1_000_000;
  const limiter = new MemoryRateLimiter({ perSecond, burst }, { now: () => now, sweepMs: 0 });
  return { limiter, advance: (ms: number) => (now += ms) };
}

describe('MemoryRateLimiter', () => {
  it('allows a burst, then refuses with the time until the next token', () => {
    const { limiter } = limiterAt(2, 3);
    for (let i = 0; i < 3; i++) expect(limiter.consume('ana')).toEqual({ allowed: true });
    expect(limiter.consume('ana')).toEqual({ allowed: false, retryAfterMs: 500 });
  });

  it('refills at the configured rate up to the burst', () => {
    const { limiter, advance } = limiterAt(2, 3);
    for (let i = 0; i < 3; i++) limiter.consume('ana');
    advance(500);
    expect(limiter.consume('ana').allowed).toBe(true);
    expect(limiter.consume('ana').allowed).toBe(false);
    advance(60_000);
    for (let i = 0; i < 3; i++) expect(limiter.consume('ana').allowed).toBe(true);
    expect(limiter.consume('ana').allowed).toBe(false);
  });

  it('keeps one bucket per key', () => {
    const { limiter } = limiterAt(1, 1);
    expect(limiter.consume('ana').allowed).toBe(true);
    expect(limiter.consume('ana').allowed).toBe(false);
    expect(limiter.consume('ben').allowed).toBe(true);
  });

  it('sweep drops buckets that have refilled, which behave like new ones', () => {
    const { limiter, advance } = limiterAt(1, 2);
    limiter.consume('ana');
    limiter.consume('ben');
    limiter.consume('ben');
    advance(1000);
    limiter.sweep();
    expect(limiter.size).toBe(1);
    advance(1000);
    limiter.sweep();
    expect(limiter.size).toBe(0);
    limiter.close();
  });

  it('refuses nonsensical options', () => {
    expect(() => new MemoryRateLimiter({ perSecond: 0, burst: 1 })).toThrow(TypeError);
    expect(() => new MemoryRateLimiter({ perSecond: 1, burst: 0 })).toThrow(TypeError);
  });
});
