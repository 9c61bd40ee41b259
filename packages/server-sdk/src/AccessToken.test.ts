import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { AccessToken, accessTokenDefaults, ttlToSeconds } from './AccessToken.js';

const KEY = 'PKtest';
const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

describe('ttlToSeconds', () => {
  it('accepts a positive integer number of seconds as it is', () => {
    expect(ttlToSeconds(1)).toBe(1);
    expect(ttlToSeconds(3600)).toBe(3600);
  });

  it('turns s, m, h and d strings into seconds', () => {
    expect(ttlToSeconds('30s')).toBe(30);
    expect(ttlToSeconds('10m')).toBe(600);
    expect(ttlToSeconds('6h')).toBe(21_600);
    expect(ttlToSeconds('7d')).toBe(604_800);
    expect(ttlToSeconds(' 2 h ')).toBe(7200);
  });

  it('throws a TypeError for zero, negative, fractional and non-finite numbers', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => ttlToSeconds(bad)).toThrow(TypeError);
    }
  });

  it('throws a TypeError for strings without a known unit or with a zero amount', () => {
    for (const bad of ['', '10', '10x', '1w', '-5m', '1.5h', 'h', '0s', '0d', 'ten minutes']) {
      expect(() => ttlToSeconds(bad), bad).toThrow(TypeError);
    }
  });

  it('throws a TypeError for lifetimes of more than 366 days', () => {
    expect(ttlToSeconds('366d')).toBe(366 * 86_400);
    expect(() => ttlToSeconds('367d')).toThrow(TypeError);
    expect(() => ttlToSeconds(10 ** 20)).toThrow(TypeError);
  });

  it('throws a TypeError for values that are neither numbers nor strings', () => {
    for (const bad of [null, {}, [], true]) {
      expect(() => ttlToSeconds(bad as unknown as string)).toThrow(TypeError);
    }
  });
});

describe('new AccessToken()', () => {
  it('throws a TypeError for an API key the server could not be configured with', () => {
    for (const apiKey of ['', 'has space', 'PK.dot', 'x'.repeat(65), 42]) {
      expect(() => new AccessToken(apiKey as string, SECRET, { identity: 'ana' }), String(apiKey)).toThrow(TypeError);
    }
    expect(() => new AccessToken('PK_dev-1', SECRET, { identity: 'ana' })).not.toThrow();
  });

  it('throws a TypeError for a secret shorter than 32 characters', () => {
    expect(() => new AccessToken(KEY, 'x'.repeat(31), { identity: 'ana' })).toThrow(/at least 32/);
    expect(() => new AccessToken(KEY, 'x'.repeat(32), { identity: 'ana' })).not.toThrow();
  });

  it('throws a TypeError without options or with an invalid identity', () => {
    expect(() => new AccessToken(KEY, SECRET, undefined as unknown as { identity: string })).toThrow(TypeError);
    for (const identity of ['', 'has space', 'tab\there', 'nul\u0000', 'x'.repeat(129), 7]) {
      expect(() => new AccessToken(KEY, SECRET, { identity: identity as string }), String(identity)).toThrow(TypeError);
    }
  });

  it('accepts identities such as e-mail addresses and UUIDs', () => {
    for (const identity of ['ana@city.example', crypto.randomUUID(), 'resident-42', 'x'.repeat(128)]) {
      expect(new AccessToken(KEY, SECRET, { identity }).identity).toBe(identity);
    }
  });

  it('throws a TypeError for an empty, too long or control-character name', () => {
    for (const name of ['', 'x'.repeat(201), 'bell\u0007', 12]) {
      expect(() => new AccessToken(KEY, SECRET, { identity: 'ana', name: name as string }), String(name)).toThrow(TypeError);
    }
    expect(() => new AccessToken(KEY, SECRET, { identity: 'ana', name: 'Ana María Ñúñez 🌳' })).not.toThrow();
  });

  it('refuses to sign an identity or name with lone surrogates', () => {
    expect(() => new AccessToken(KEY, SECRET, { identity: 'a\uD800b' })).toThrow(TypeError);
    expect(() => new AccessToken(KEY, SECRET, { identity: 'ana', name: 'An\uDC00a' })).toThrow(TypeError);
  });

  it('refuses identities with invisible format characters and names with bidi controls', () => {
    for (const identity of ['ana\u200b', 'a\u200db', '\u202Eana', 'a\u2066b', '\uFEFFana', 'a\u00a0b']) {
      expect(() => new AccessToken(KEY, SECRET, { identity }), JSON.stringify(identity)).toThrow(TypeError);
    }
    for (const name of ['Ana\u202E', '\u202Aana', 'a\u2069b']) {
      expect(() => new AccessToken(KEY, SECRET, { identity: 'ana', name }), JSON.stringify(name)).toThrow(TypeError);
    }
    expect(() => new AccessToken(KEY, SECRET, { identity: 'ana', name: 'שלום Ana' })).not.toThrow();
  });

  it('throws a TypeError for metadata that is not a plain JSON object', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const metadata of [[], 'text', 5, null, cyclic, { big: 10n }]) {
      expect(() => new AccessToken(KEY, SECRET, { identity: 'ana', metadata: metadata as Record<string, unknown> })).toThrow(TypeError);
    }
  });

  it('throws a TypeError for an invalid ttl at construction, not later', () => {
    expect(() => new AccessToken(KEY, SECRET, { identity: 'ana', ttl: '5 fortnights' })).toThrow(TypeError);
    expect(() => new AccessToken(KEY, SECRET, { identity: 'ana', ttl: 0 })).toThrow(TypeError);
  });

  it('is not affected by later changes to the options object', async () => {
    const options = { identity: 'ana', name: 'Ana', metadata: { ward: 3 } as Record<string, unknown> };
    const token = new AccessToken(KEY, SECRET, options);
    options.identity = 'has space';
    options.name = '';
    options.metadata.ward = 4;
    const claims = decodeJwt(await token.toJwt());
    expect(claims.sub).toBe('ana');
    expect(claims.name).toBe('Ana');
    expect(claims.metadata).toEqual({ ward: 3 });
  });
});

describe('AccessToken.grant()', () => {
  it('returns the token itself for chaining', () => {
    const token = new AccessToken(KEY, SECRET, { identity: 'ana' });
    expect(token.grant({ admin: true })).toBe(token);
  });

  it('throws a TypeError for unknown grant names and wrong values', () => {
    const token = new AccessToken(KEY, SECRET, { identity: 'ana' });
    const bad: unknown[] = [
      { superuser: true },
      { canPublish: ['hologram'] },
      { canCreate: ['direct', 'broadcast'] },
      { canSubscribe: 'yes' },
      { canJoin: [''] },
      null,
    ];
    for (const grants of bad) {
      expect(() => token.grant(grants as never), JSON.stringify(grants)).toThrow(TypeError);
    }
  });

  it('lets later calls override only the fields they set', async () => {
    const jwt = await new AccessToken(KEY, SECRET, { identity: 'ana' })
      .grant({ canPublish: ['microphone'], canUploadFiles: false })
      .grant({ canPublish: ['camera', 'screen'], canUploadFiles: undefined })
      .toJwt();
    expect(decodeJwt(jwt).grants).toEqual({ canPublish: ['camera', 'screen'], canUploadFiles: false });
  });
});

describe('AccessToken.toJwt()', () => {
  it('signs HS256 with the API key as kid and issuer and the identity as subject', async () => {
    const jwt = await new AccessToken(KEY, SECRET, { identity: 'resident-42', name: 'Ana' }).toJwt();
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'HS256', typ: 'JWT', kid: KEY });
    const claims = decodeJwt(jwt);
    expect(claims.iss).toBe(KEY);
    expect(claims.sub).toBe('resident-42');
    expect(claims.name).toBe('Ana');
    expect(claims.grants).toEqual({});
    expect(claims).not.toHaveProperty('metadata');
    expect(typeof claims.jti).toBe('string');
  });

  it('uses the identity as name when no name is given', async () => {
    const claims = decodeJwt(await new AccessToken(KEY, SECRET, { identity: 'resident-42' }).toJwt());
    expect(claims.name).toBe('resident-42');
  });

  it('expires after the default ttl of 6 hours, or after the given ttl', async () => {
    expect(accessTokenDefaults.ttl).toBe('6h');
    const byDefault = decodeJwt(await new AccessToken(KEY, SECRET, { identity: 'ana' }).toJwt());
    expect((byDefault.exp ?? 0) - (byDefault.iat ?? 0)).toBe(6 * 3600);
    expect(byDefault.nbf).toBe(byDefault.iat);
    const short = decodeJwt(await new AccessToken(KEY, SECRET, { identity: 'ana', ttl: '90s' }).toJwt());
    expect((short.exp ?? 0) - (short.iat ?? 0)).toBe(90);
    const numeric = decodeJwt(await new AccessToken(KEY, SECRET, { identity: 'ana', ttl: 45 }).toJwt());
    expect((numeric.exp ?? 0) - (numeric.iat ?? 0)).toBe(45);
  });

  it('gives every token a different jti', async () => {
    const token = new AccessToken(KEY, SECRET, { identity: 'ana' });
    const ids = new Set<unknown>();
    for (let i = 0; i < 5; i++) ids.add(decodeJwt(await token.toJwt()).jti);
    expect(ids.size).toBe(5);
  });

  it('throws a TypeError instead of signing a token longer than a server accepts', async () => {
    const token = new AccessToken(KEY, SECRET, { identity: 'ana', metadata: { note: 'x'.repeat(9000) } });
    await expect(token.toJwt()).rejects.toThrow(TypeError);
  });
});
