import { timingSafeEqual } from 'node:crypto';

/** The realm named in `WWW-Authenticate` when credentials are missing or wrong. */
export const API_AUTH_REALM = 'plaza';

/**
 * Checks `Authorization: Basic base64(apiKey:apiSecret)` against the server's key pairs, in time
 * that does not depend on how much of the secret matched. Returns the API key, or `null` when the
 * header is missing, malformed or wrong.
 *
 * @param header - the request's `Authorization` header
 * @param apiKeys - the server's API key → secret map
 */
export function checkApiCredentials(header: string | undefined, apiKeys: Readonly<Record<string, string>>): string | null {
  if (typeof header !== 'string' || header.length > 4096) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  const key = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  if (!Object.hasOwn(apiKeys, key)) {
    // Spend the same time as a comparison would, so unknown keys are not told apart by timing.
    timingSafeEqual(Buffer.from(secret), Buffer.from(secret));
    return null;
  }
  const expected = Buffer.from(apiKeys[key] as string, 'utf8');
  const given = Buffer.from(secret, 'utf8');
  if (given.length !== expected.length) {
    timingSafeEqual(expected, expected);
    return null;
  }
  return timingSafeEqual(given, expected) ? key : null;
}
