import { describe, expect, it } from 'vitest';
import { newClientId } from './clientId.js';

describe('newClientId', () => {
  it('gives 22 URL-safe characters and no repeat over many ids (past each refill of its random bytes)', () => {
    const ids = Array.from({ length: 1000 }, () => newClientId());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
