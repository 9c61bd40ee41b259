import { PROTOCOL_VERSION } from '@plaza/protocol';
import { AccessToken } from '@plaza/server-sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { TEST_KEY, TEST_SECRET, ok, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';

async function refusal(promise: Promise<unknown>): Promise<{ code?: string; message?: string }> {
  try {
    await promise;
  } catch (error) {
    return ((error as { data?: { code?: string; message?: string } }).data ?? {}) as { code?: string };
  }
  throw new Error('the connection was accepted');
}

describe('handshake', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ allowedOrigins: ['https://portal.city.example'] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('accepts a valid token and says who the user is', async () => {
    const socket = await t.connect('ana');
    const session = await ok(socket, 'session:hello', {});
    expect(session.user).toEqual({ id: 'ana', name: 'Name of ana', metadata: null });
    expect(session.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(session.limits.maxTextBytes).toBe(16384);
    expect(session.grants.canCreate).toEqual(['direct', 'group']);
  });

  it('refuses a handshake without a token with UNAUTHENTICATED', async () => {
    expect((await refusal(t.connect('ana', { token: null }))).code).toBe('UNAUTHENTICATED');
  });

  it('refuses a token signed with another secret with UNAUTHENTICATED', async () => {
    const forged = await new AccessToken('PKtest', 'another-secret-that-is-long-enough-0123456789', { identity: 'ana' }).toJwt();
    expect((await refusal(t.connect('ana', { token: forged }))).code).toBe('UNAUTHENTICATED');
  });

  it('refuses a token of an unknown API key with UNAUTHENTICATED', async () => {
    const other = await new AccessToken('PKother', 'test-secret-that-is-long-enough-0123456789', { identity: 'ana' }).toJwt();
    expect((await refusal(t.connect('ana', { token: other }))).code).toBe('UNAUTHENTICATED');
  });

  it('refuses an expired token with TOKEN_EXPIRED', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { SignJWT } = await import('jose');
    const expired = await new SignJWT({ name: 'Ana', grants: {} })
      .setProtectedHeader({ alg: 'HS256', kid: 'PKtest' })
      .setIssuer('PKtest')
      .setSubject('ana')
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(new TextEncoder().encode('test-secret-that-is-long-enough-0123456789'));
    expect((await refusal(t.connect('ana', { token: expired }))).code).toBe('TOKEN_EXPIRED');
  });

  it('refuses user ids with lone surrogates or invisible characters with UNAUTHENTICATED', async () => {
    const raw = async (sub: string) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: TEST_KEY, sub, iat: now, exp: now + 600 })
        .setProtectedHeader({ alg: 'HS256', kid: TEST_KEY })
        .sign(new TextEncoder().encode(TEST_SECRET));
    };
    for (const sub of ['a\uD800b', 'ana\u200b', '\u202Eadmin']) {
      expect((await refusal(t.connect('x', { token: await raw(sub) }))).code, JSON.stringify(sub)).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses a token that is not valid yet with UNAUTHENTICATED and says to check the minting clock', async () => {
    const now = Math.floor(Date.now() / 1000);
    const early = await new SignJWT({ iss: TEST_KEY, sub: 'ana', iat: now, nbf: now + 3600, exp: now + 7200 })
      .setProtectedHeader({ alg: 'HS256', kid: TEST_KEY })
      .sign(new TextEncoder().encode(TEST_SECRET));
    const refused = await refusal(t.connect('ana', { token: early }));
    expect(refused.code).toBe('UNAUTHENTICATED');
    expect(refused.message).toBe('token is not valid yet — check the clock of the server that minted it');
  });

  it('refuses a token over 8192 characters with UNAUTHENTICATED, not PROTOCOL_MISMATCH', async () => {
    const refused = await refusal(t.connect('ana', { token: 'x'.repeat(8193) }));
    expect(refused.code).toBe('UNAUTHENTICATED');
    expect(refused.message).toMatch(/longer than 8192/);
  });

  it('refuses a string protocolVersion with PROTOCOL_MISMATCH saying it must be a number', async () => {
    const refused = await refusal(t.connect('ana', { protocolVersion: '1' }));
    expect(refused.code).toBe('PROTOCOL_MISMATCH');
    expect(refused.message).toMatch(/protocolVersion must be a number/);
  });

  it('refuses a token whose lifetime exceeds maxTokenTtlSec (default 7 days) with UNAUTHENTICATED', async () => {
    const long = await t.token('ana', {}, '8d');
    const refused = await refusal(t.connect('ana', { token: long }));
    expect(refused.code).toBe('UNAUTHENTICATED');
    expect(refused.message).toMatch(/token lifetime exceeds the server maximum/);
    await expect(t.connect('ana', { token: await t.token('ana', {}, '7d') })).resolves.toBeDefined();
  });

  it('refuses an unsupported protocol version with PROTOCOL_MISMATCH', async () => {
    expect((await refusal(t.connect('ana', { protocolVersion: 999 }))).code).toBe('PROTOCOL_MISMATCH');
    expect((await refusal(t.connect('ana', { protocolVersion: 'one' }))).code).toBe('PROTOCOL_MISMATCH');
  });

  it('refuses a browser Origin that is not on the allow-list with ORIGIN_NOT_ALLOWED', async () => {
    const error = await refusal(t.connect('ana', { headers: { origin: 'https://evil.example' } }));
    expect(error.code).toBe('ORIGIN_NOT_ALLOWED');
  });

  it('accepts an Origin on the allow-list and the server’s own origin', async () => {
    await t.connect('ana', { headers: { origin: 'https://portal.city.example' } });
    await t.connect('ana', { headers: { origin: t.url } });
  });

  it('answers the polling handshake of a listed origin with CORS headers and of others without', async () => {
    const poll = (origin: string) => fetch(`${t.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    const listed = await poll('https://portal.city.example');
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://portal.city.example');
    const other = await poll('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('audits accepted and refused connections without the token', async () => {
    const token = await t.token('audited');
    await t.connect('audited', { token });
    await refusal(t.connect('x', { headers: { origin: 'https://evil.example' } }));
    // Audit entries are group-committed a few milliseconds later.
    const records = await vi.waitFor(async () => {
      const list = await t.server.store.listAudit({ limit: 100 });
      expect(list.some((r) => r.action === 'connection.refused' && r.reason === 'ORIGIN_NOT_ALLOWED')).toBe(true);
      expect(list.some((r) => r.action === 'connection.accepted' && r.actorId === 'audited')).toBe(true);
      return list;
    });
    const accepted = records.find((r) => r.action === 'connection.accepted' && r.actorId === 'audited');
    expect(accepted?.outcome).toBe('allowed');
    expect(accepted?.ip).toBeTruthy();
    const refused = records.find((r) => r.action === 'connection.refused' && r.reason === 'ORIGIN_NOT_ALLOWED');
    expect(refused?.outcome).toBe('denied');
    expect(JSON.stringify(records)).not.toContain(token);
  });

  it('closes the connection when its token expires, so the client reconnects with a fresh one', async () => {
    const socket = await t.connect('short', { ttl: 2 });
    const reason = await new Promise<string>((resolve) => socket.once('disconnect', resolve));
    expect(reason).toBe('transport close');
  });

  it('refuses a token that expired within the clock tolerance with TOKEN_EXPIRED', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { SignJWT } = await import('jose');
    const justExpired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: 'PKtest' })
      .setIssuer('PKtest')
      .setSubject('ana')
      .setIssuedAt(now - 60)
      .setExpirationTime(now - 2)
      .sign(new TextEncoder().encode('test-secret-that-is-long-enough-0123456789'));
    expect((await refusal(t.connect('ana', { token: justExpired }))).code).toBe('TOKEN_EXPIRED');
  });
});
