import { describe, expect, it } from 'vitest';
import { dtlsParametersSchema } from './media.js';

function hex(bytes: number): string {
  return Array.from({ length: bytes }, (_, i) => (i % 256).toString(16).padStart(2, '0')).join(':');
}

describe('dtlsParametersSchema', () => {
  it('accepts a fingerprint whose length matches its algorithm', () => {
    for (const [algorithm, bytes] of [['sha-1', 20], ['sha-224', 28], ['sha-256', 32], ['sha-384', 48], ['sha-512', 64]] as const) {
      expect(dtlsParametersSchema.safeParse({ role: 'client', fingerprints: [{ algorithm, value: hex(bytes) }] }).success).toBe(true);
    }
  });

  it('refuses a fingerprint whose length does not match its algorithm', () => {
    const result = dtlsParametersSchema.safeParse({ fingerprints: [{ algorithm: 'sha-512', value: hex(32) }] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['fingerprints', 0, 'value']);
    expect(result.error?.issues[0]?.message).toMatch(/sha-512 64/);
    expect(dtlsParametersSchema.safeParse({ fingerprints: [{ algorithm: 'sha-1', value: hex(32) }] }).success).toBe(false);
    expect(dtlsParametersSchema.safeParse({ fingerprints: [{ algorithm: 'sha-256', value: hex(20) }] }).success).toBe(false);
  });
});
