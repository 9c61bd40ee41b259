import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { grantDefaults } from '@plaza/protocol';
import { AccessToken } from './AccessToken.js';
import { TokenError, verifyAccessToken } from './verifyAccessToken.js';

const KEY = 'PKtest';
const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const KEYS = { [KEY]: SECRET };

/** Signs arbitrary claims the way a hand-written integrator backend might. */
async function signRaw(claims: Record<string, unknown>, options: { kid?: string; secret?: string; iss?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: options.iss ?? KEY, sub: 'ana', iat: now, exp: now + 600, ...claims })
    .setProtectedHeader({ alg: 'HS256', kid: options.kid ?? KEY })
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

/** Asserts that verifying `token` fails with a TokenError of `code`. */
async function expectRefused(token: unknown, code: TokenError['code'], keys: Parameters<typeof verifyAccessToken>[1] = KEYS): Promise<TokenError> {
  const error = await verifyAccessToken(token as string, keys).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenError);
  expect((error as TokenError).code).toBe(code);
  return error as TokenError;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('verifyAccessToken() accepts', () => {
  it('a token from AccessToken and fills in the default grants', async () => {
    const jwt = await new AccessToken(KEY, SECRET, { identity: 'resident-42', name: 'Ana' }).toJwt();
    const verified = await verifyAccessToken(jwt, KEYS);
    const claims = decodeJwt(jwt);
    expect(verified).toEqual({
      identity: 'resident-42',
      name: 'Ana',
      metadata: null,
      grants: grantDefaults,
      apiKey: KEY,
      tokenId: claims.jti,
      issuedAt: new Date((claims.iat ?? 0) * 1000),
      expiresAt: new Date((claims.exp ?? 0) * 1000),
    });
  });

  it('the grants and metadata given, with defaults only for the grants left out', async () => {
    const jwt = await new AccessToken(KEY, SECRET, { identity: 'agent-7', metadata: { department: 'roads' } })
      .grant({ canPublish: ['microphone'], canJoin: ['*'], admin: true })
      .toJwt();
    const verified = await verifyAccessToken(jwt, KEYS);
    expect(verified.name).toBe('agent-7');
    expect(verified.metadata).toEqual({ department: 'roads' });
    expect(verified.grants).toEqual({ ...grantDefaults, canPublish: ['microphone'], canJoin: ['*'], admin: true });
  });

  it('a token whose key is found by an async resolver function', async () => {
    const jwt = await new AccessToken('PKother', SECRET, { identity: 'ana' }).toJwt();
    const seen: string[] = [];
    const verified = await verifyAccessToken(jwt, async (apiKey) => {
      seen.push(apiKey);
      return apiKey === 'PKother' ? SECRET : undefined;
    });
    expect(seen).toEqual(['PKother']);
    expect(verified.apiKey).toBe('PKother');
  });

  it('a hand-signed token with only the required claims', async () => {
    const verified = await verifyAccessToken(await signRaw({}), KEYS);
    expect(verified.identity).toBe('ana');
    expect(verified.name).toBe('ana');
    expect(verified.tokenId).toBeNull();
    expect(verified.grants).toEqual(grantDefaults);
  });

  it('a token that expired within the clock tolerance', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 65_000);
    const jwt = await new AccessToken(KEY, SECRET, { identity: 'ana', ttl: 60 }).toJwt();
    vi.useRealTimers();
    await expect(verifyAccessToken(jwt, KEYS)).resolves.toMatchObject({ identity: 'ana' });
  });
});

describe('verifyAccessToken() refuses', () => {
  it('an expired token with TOKEN_EXPIRED', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 7 * 3600 * 1000);
    const jwt = await new AccessToken(KEY, SECRET, { identity: 'ana' }).toJwt();
    vi.useRealTimers();
    const error = await expectRefused(jwt, 'TOKEN_EXPIRED');
    expect(error.name).toBe('TokenError');
  });

  it('a token past expiry with TOKEN_EXPIRED once the tolerance is zero', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 65_000);
    const jwt = await new AccessToken(KEY, SECRET, { identity: 'ana', ttl: 60 }).toJwt();
    vi.useRealTimers();
    const error = await verifyAccessToken(jwt, KEYS, { clockToleranceSec: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect((error as TokenError).code).toBe('TOKEN_EXPIRED');
  });

  it('a token that is not valid yet with UNAUTHENTICATED', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 3600 * 1000);
    const jwt = await new AccessToken(KEY, SECRET, { identity: 'ana' }).toJwt();
    vi.useRealTimers();
    const error = await expectRefused(jwt, 'UNAUTHENTICATED');
    expect(error.message).toBe('token is not valid yet — check the clock of the server that minted it');
  });

  it('a token whose lifetime exceeds maxTtlSec with UNAUTHENTICATED, and accepts one within it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const long = await signRaw({ iat: now, exp: now + 8 * 86400 });
    const error = await verifyAccessToken(long, KEYS, { maxTtlSec: 7 * 86400 }).then(
      () => null,
      (e: unknown) => e as TokenError,
    );
    expect(error?.code).toBe('UNAUTHENTICATED');
    expect(error?.message).toMatch(/token lifetime exceeds the server maximum/);
    const ok = await signRaw({ iat: now, exp: now + 7 * 86400 });
    await expect(verifyAccessToken(ok, KEYS, { maxTtlSec: 7 * 86400 })).resolves.toMatchObject({ identity: 'ana' });
    await expect(verifyAccessToken(long, KEYS)).resolves.toMatchObject({ identity: 'ana' });
  });

  it('a token signed with the wrong secret with UNAUTHENTICATED', async () => {
    const jwt = await new AccessToken(KEY, 'another-secret-that-is-long-enough-9876543210', { identity: 'ana' }).toJwt();
    await expectRefused(jwt, 'UNAUTHENTICATED');
  });

  it('an expired token signed with the wrong secret with UNAUTHENTICATED, not TOKEN_EXPIRED', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 7 * 3600 * 1000);
    const jwt = await new AccessToken(KEY, 'another-secret-that-is-long-enough-9876543210', { identity: 'ana' }).toJwt();
    vi.useRealTimers();
    await expectRefused(jwt, 'UNAUTHENTICATED');
  });

  it('a token of an unknown API key with UNAUTHENTICATED', async () => {
    const jwt = await new AccessToken('PKunknown', SECRET, { identity: 'ana' }).toJwt();
    const error = await expectRefused(jwt, 'UNAUTHENTICATED');
    expect(error.message).toMatch(/unknown API key/);
    await expectRefused(jwt, 'UNAUTHENTICATED', () => undefined);
    await expectRefused(jwt, 'UNAUTHENTICATED', async () => '');
  });

  it('a kid that names an inherited property of the key record with UNAUTHENTICATED', async () => {
    for (const kid of ['__proto__', 'toString', 'constructor']) {
      await expectRefused(await signRaw({ iss: kid }, { kid }), 'UNAUTHENTICATED');
    }
  });

  it('an unsigned token (alg none) with UNAUTHENTICATED', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsecured = new UnsecuredJWT({ iss: KEY, sub: 'ana', iat: now, exp: now + 600 }).encode();
    await expectRefused(unsecured, 'UNAUTHENTICATED');
    // The same with a kid in the header, so that only the algorithm is wrong.
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: KEY })).toString('base64url');
    const [, payload] = unsecured.split('.');
    await expectRefused(`${header}.${payload}.`, 'UNAUTHENTICATED');
  });

  it('a token with another algorithm in its header with UNAUTHENTICATED', async () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ iss: KEY, sub: 'ana', iat: now, exp: now + 600 })
      .setProtectedHeader({ alg: 'HS512', kid: KEY })
      .sign(new TextEncoder().encode(SECRET.repeat(2)));
    await expectRefused(jwt, 'UNAUTHENTICATED', { [KEY]: SECRET.repeat(2) });
  });

  it('a token without a kid with UNAUTHENTICATED', async () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ iss: KEY, sub: 'ana', iat: now, exp: now + 600 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(SECRET));
    await expectRefused(jwt, 'UNAUTHENTICATED');
  });

  it('a token whose payload was changed after signing with UNAUTHENTICATED', async () => {
    const jwt = await new AccessToken(KEY, SECRET, { identity: 'ana' }).toJwt();
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'mayor', grants: { admin: true } })).toString('base64url');
    await expectRefused(`${header}.${forged}.${signature}`, 'UNAUTHENTICATED');
  });

  it('a token whose issuer differs from its kid with UNAUTHENTICATED', async () => {
    await expectRefused(await signRaw({ iss: 'PKelse' }), 'UNAUTHENTICATED');
  });

  it('garbage, empty, oversized and non-string tokens with UNAUTHENTICATED', async () => {
    const garbage: unknown[] = ['', 'not-a-jwt', 'a.b.c', '...', 'x'.repeat(9000), undefined, null, 42, {}, ['a.b.c']];
    for (const token of garbage) await expectRefused(token, 'UNAUTHENTICATED');
  });

  it('tokens without sub, exp or iat with UNAUTHENTICATED', async () => {
    for (const missing of ['sub', 'exp', 'iat']) {
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = { iss: KEY, sub: 'ana', iat: now, exp: now + 600 };
      delete claims[missing];
      const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: KEY }).sign(new TextEncoder().encode(SECRET));
      await expectRefused(jwt, 'UNAUTHENTICATED');
    }
  });

  it('claims of the wrong shape with UNAUTHENTICATED and a message naming the claim', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ sub: 'has space' }, /sub/],
      [{ sub: 'x'.repeat(129) }, /sub/],
      [{ sub: 'a\uD800b' }, /sub/],
      [{ sub: 'ana\u200b' }, /sub/],
      [{ sub: '\u202Eana' }, /sub/],
      [{ name: 'An\uDC00a' }, /name/],
      [{ name: 'Ana\u2067' }, /name/],
      [{ name: 42 }, /name/],
      [{ name: '' }, /name/],
      [{ name: 'x'.repeat(201) }, /name/],
      [{ metadata: ['a'] }, /metadata/],
      [{ metadata: 'text' }, /metadata/],
      [{ grants: { superuser: true } }, /grants/],
      [{ grants: { canPublish: ['hologram'] } }, /grants/],
      [{ grants: { admin: 'yes' } }, /grants/],
      [{ grants: [] }, /grants/],
    ];
    for (const [claims, mentions] of cases) {
      const error = await expectRefused(await signRaw(claims), 'UNAUTHENTICATED');
      expect(error.message, JSON.stringify(claims)).toMatch(mentions);
    }
  });
});
