import { errors, jwtVerify, decodeProtectedHeader } from 'jose';
import { resolveGrants } from '@plaza/protocol';
import type { ResolvedGrants } from '@plaza/protocol';
import { MAX_TOKEN_LENGTH, claimsSchema, describeIssue } from './tokenFormat.js';

/** Why a token was refused: `TOKEN_EXPIRED` for an expired one, `UNAUTHENTICATED` for anything else. */
export class TokenError extends Error {
  /** Stable code, one of `@plaza/protocol`'s `ErrorCode` values. */
  readonly code: 'UNAUTHENTICATED' | 'TOKEN_EXPIRED';

  /** @internal */
  constructor(code: 'UNAUTHENTICATED' | 'TOKEN_EXPIRED', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenError';
    this.code = code;
  }
}

/** A verified access token. */
export interface VerifiedToken {
  /** The user id (`sub`). */
  identity: string;
  /** Display name. */
  name: string;
  /** Metadata from the token, or `null`. */
  metadata: Record<string, unknown> | null;
  /** Grants with defaults filled in. */
  grants: ResolvedGrants;
  /** The API key that signed it (`iss`). */
  apiKey: string;
  /** Token id (`jti`), if present. */
  tokenId: string | null;
  /** When it was issued. */
  issuedAt: Date;
  /** When it expires. */
  expiresAt: Date;
}

/** Looks up the secret of an API key; `undefined` when the key is unknown. */
export type SecretResolver = (apiKey: string) => string | undefined | Promise<string | undefined>;

/** Options of {@link verifyAccessToken}. */
export interface VerifyOptions {
  /** Seconds of clock skew tolerated on `exp` and `nbf`. @default 10 */
  clockToleranceSec?: number;
  /**
   * Longest lifetime (`exp - iat`) accepted, in seconds; a token minted for longer is refused with
   * `UNAUTHENTICATED`. @default no limit
   */
  maxTtlSec?: number;
}

/**
 * Verifies a Plaza access token: HS256 signature with the secret of the API key named in its
 * header, expiry, not-before, and the shape of its claims. Throws a {@link TokenError}.
 *
 * @param token - the JWT
 * @param resolveSecret - maps an API key to its secret, or a fixed `{ key: secret }` record
 */
export async function verifyAccessToken(
  token: string,
  resolveSecret: SecretResolver | Readonly<Record<string, string>>,
  options: VerifyOptions = {},
): Promise<VerifiedToken> {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    throw new TokenError('UNAUTHENTICATED', 'missing or malformed token');
  }
  let apiKey: string;
  try {
    const header = decodeProtectedHeader(token);
    if (header.alg !== 'HS256' || typeof header.kid !== 'string') throw new Error('unexpected header');
    apiKey = header.kid;
  } catch (cause) {
    throw new TokenError('UNAUTHENTICATED', 'malformed token', { cause });
  }
  const resolver: SecretResolver =
    typeof resolveSecret === 'function' ? resolveSecret : (key) => (Object.hasOwn(resolveSecret, key) ? resolveSecret[key] : undefined);
  const secret = await resolver(apiKey);
  if (!secret) throw new TokenError('UNAUTHENTICATED', 'token signed with an unknown API key');
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      issuer: apiKey,
      clockTolerance: options.clockToleranceSec ?? 10,
      requiredClaims: ['sub', 'exp', 'iat'],
    }));
  } catch (cause) {
    if (cause instanceof errors.JWTExpired) throw new TokenError('TOKEN_EXPIRED', 'token has expired', { cause });
    if (cause instanceof errors.JWTClaimValidationFailed && cause.claim === 'nbf') {
      throw new TokenError('UNAUTHENTICATED', 'token is not valid yet — check the clock of the server that minted it', { cause });
    }
    throw new TokenError('UNAUTHENTICATED', 'token signature or claims are invalid', { cause });
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) {
    throw new TokenError('UNAUTHENTICATED', `token claims do not match the Plaza token format (${describeIssue(claims.error)})`);
  }
  const c = claims.data;
  if (options.maxTtlSec !== undefined && c.exp - c.iat > options.maxTtlSec) {
    throw new TokenError('UNAUTHENTICATED', `token lifetime exceeds the server maximum of ${options.maxTtlSec} seconds`);
  }
  return {
    identity: c.sub,
    name: c.name ?? c.sub,
    metadata: c.metadata ?? null,
    grants: resolveGrants(c.grants),
    apiKey: c.iss,
    tokenId: c.jti ?? null,
    issuedAt: new Date(c.iat * 1000),
    expiresAt: new Date(c.exp * 1000),
  };
}
