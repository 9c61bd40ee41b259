import { createHmac } from 'node:crypto';
import { AccessToken } from '@plaza/server-sdk';
import type { Grants } from '@plaza/protocol';

/** The API key the test servers are started with (`PLAZA_API_KEY`). */
export const TEST_API_KEY = 'PKintegrationtests';
/** The secret of {@link TEST_API_KEY} (`PLAZA_API_SECRET`); test-only, never used elsewhere. */
export const TEST_API_SECRET = 'integration-test-secret-0123456789abcdef';

/** Options of {@link mintToken}. */
export interface MintOptions {
  /** Display name. @default the identity */
  name?: string;
  /** Grants. @default none (server defaults apply) */
  grants?: Grants;
  /** Lifetime. @default '1h' */
  ttl?: number | string;
  /** API key pair to sign with. @default the test pair */
  apiKey?: string;
  /** Secret to sign with. @default the test secret */
  apiSecret?: string;
}

/** Mints a real access token with `@plaza/server-sdk` for `identity`. */
export function mintToken(identity: string, options: MintOptions = {}): Promise<string> {
  const token = new AccessToken(options.apiKey ?? TEST_API_KEY, options.apiSecret ?? TEST_API_SECRET, {
    identity,
    name: options.name ?? identity,
    ttl: options.ttl ?? '1h',
  });
  if (options.grants) token.grant(options.grants);
  return token.toJwt();
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/**
 * Signs an HS256 JWT by hand, for tokens the SDK refuses to mint (already expired, odd claims).
 * `claims` is used as given; `kid` goes into the header.
 */
export function signRawJwt(claims: Record<string, unknown>, secret: string, kid: string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }));
  const payload = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** A token for `identity` that expired `agoSec` seconds ago (well beyond any clock tolerance). */
export function expiredToken(identity: string, agoSec = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  return signRawJwt(
    { iss: TEST_API_KEY, sub: identity, name: identity, grants: {}, iat: now - agoSec - 3600, nbf: now - agoSec - 3600, exp: now - agoSec, jti: `expired-${now}` },
    TEST_API_SECRET,
    TEST_API_KEY,
  );
}
