import { ErrorCode } from '@plaza/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionState } from '../events.js';
import { KEY, SECRET, startHarness, waitFor } from './harness.js';
import type { Harness } from './harness.js';

/** Revokes `userId`'s sessions through the REST API; resolves with the revocation time. */
async function revoke(h: Harness, userId: string): Promise<string> {
  const res = await fetch(`${h.url}/v1/users/${userId}/sessions/revoke`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { revokedAt: string }).revokedAt;
}

/** Waits until the clock is in a later whole second than `iso` (a token's `iat` has whole seconds). */
async function nextSecondAfter(iso: string): Promise<void> {
  const second = Math.floor(Date.parse(iso) / 1000);
  while (Math.floor(Date.now() / 1000) <= second) await new Promise((r) => setTimeout(r, 50));
}

describe('PlazaClient when the user sessions are revoked', { timeout: 30_000 }, () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('with a fixed token it stops reconnecting with TOKEN_REVOKED and ends disconnected', async () => {
    const alice = h.newClient();
    const errors: [ErrorCode, boolean][] = [];
    alice.on('connectionError', (e, willRetry) => errors.push([e.code, willRetry]));
    await alice.connect(await h.token('alice'));
    await revoke(h, 'alice');
    await waitFor(() => alice.state === 'disconnected', 10_000, 'client gives up');
    expect(errors).toEqual([[ErrorCode.TOKEN_REVOKED, false]]);
  });

  it('with a token provider it asks again and reconnects with a token minted after the revocation', async () => {
    const stale = await h.token('alice');
    let revokedAt: string | null = null;
    let calls = 0;
    const alice = h.newClient();
    const errors: ErrorCode[] = [];
    alice.on('connectionError', (e) => errors.push(e.code));
    const states: ConnectionState[] = [];
    alice.on('connectionStateChanged', (s) => states.push(s));
    // The provider's cache still holds the old token once after the revocation, then it mints anew.
    await alice.connect(async () => {
      calls += 1;
      if (revokedAt === null || calls <= 2) return stale;
      await nextSecondAfter(revokedAt);
      return h.token('alice');
    });
    revokedAt = await revoke(h, 'alice');
    await waitFor(() => calls >= 3 && alice.state === 'connected', 15_000, 'reconnected with a fresh token');
    expect(errors).toEqual([ErrorCode.TOKEN_REVOKED]);
    expect(states).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
  });
});
