import { SignJWT } from 'jose';
import { userIdSchema } from '@plaza/protocol';
import type { Grants } from '@plaza/protocol';
import { MAX_TOKEN_LENGTH, describeIssue, grantsSchema, metadataSchema, nameSchema } from './tokenFormat.js';

/** Options of an {@link AccessToken}. */
export interface AccessTokenOptions {
  /** The user's identity, unique in your system; becomes the token's `sub` and the Plaza user id. */
  identity: string;
  /** Display name shown to other users. @default the identity */
  name?: string;
  /** Free-form metadata shown to other users (never used for access control). */
  metadata?: Record<string, unknown>;
  /**
   * Lifetime: seconds as a number, or a string such as `'10m'`, `'6h'`, `'7d'`.
   * @default '6h'
   */
  ttl?: number | string;
}

/** Defaults of {@link AccessTokenOptions}. */
export const accessTokenDefaults = { ttl: '6h' } as const;

const API_KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const TTL_PATTERN = /^(\d+)\s*(s|m|h|d)$/;
const TTL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Longest lifetime a token may have: 366 days. */
const MAX_TTL_SECONDS = 366 * 86400;

/**
 * Turns a ttl option into seconds: a positive integer number of seconds, or a string of digits
 * followed by `s`, `m`, `h` or `d`. Throws a `TypeError` on anything else, and on lifetimes of
 * more than 366 days.
 */
export function ttlToSeconds(ttl: number | string): number {
  let seconds: number;
  if (typeof ttl === 'number') {
    if (!Number.isInteger(ttl) || ttl <= 0) throw new TypeError(`ttl must be a positive integer of seconds, got ${ttl}`);
    seconds = ttl;
  } else if (typeof ttl === 'string') {
    const match = TTL_PATTERN.exec(ttl.trim());
    if (!match) throw new TypeError(`ttl must look like '30s', '10m', '6h' or '7d', got '${ttl}'`);
    seconds = Number(match[1]) * (TTL_UNITS[match[2] as string] as number);
    if (seconds <= 0) throw new TypeError(`ttl must be positive, got '${ttl}'`);
  } else {
    throw new TypeError(`ttl must be a number of seconds or a string such as '6h', got ${typeof ttl}`);
  }
  if (seconds > MAX_TTL_SECONDS) throw new TypeError(`ttl must be at most 366 days, got ${seconds} seconds`);
  return seconds;
}

/**
 * A Plaza access token: a JWT signed with HS256 by one of your API key/secret pairs, carrying a
 * user's identity, display name, lifetime and grants. Mint it in your backend and hand it to the
 * client, which passes it to `PlazaClient.connect()`.
 *
 * @example
 * ```ts
 * const token = await new AccessToken(apiKey, apiSecret, { identity: 'resident-42', name: 'Ana' })
 *   .grant({ canPublish: ['microphone', 'camera'], canUploadFiles: true })
 *   .toJwt();
 * ```
 */
export class AccessToken {
  readonly #apiKey: string;
  readonly #apiSecret: string;
  readonly #options: AccessTokenOptions;
  #grants: Grants = {};

  /**
   * @param apiKey - the public half of an API key pair; becomes the token's `iss` and `kid`
   * @param apiSecret - the secret half, at least 32 characters
   * @param options - identity, name, metadata and lifetime
   */
  constructor(apiKey: string, apiSecret: string, options: AccessTokenOptions) {
    if (typeof apiKey !== 'string' || !API_KEY_PATTERN.test(apiKey)) {
      throw new TypeError('apiKey must be 1-64 letters, digits, "_" or "-" (as the server accepts in apiKeys)');
    }
    if (typeof apiSecret !== 'string' || apiSecret.length < 32) {
      throw new TypeError('apiSecret must be a string of at least 32 characters');
    }
    if (!options || !userIdSchema.safeParse(options.identity).success) {
      throw new TypeError('options.identity must be 1-128 well-formed characters without spaces, control or invisible format characters');
    }
    if (options.name !== undefined && !nameSchema.safeParse(options.name).success) {
      throw new TypeError('options.name must be 1-200 well-formed characters without control or bidi control characters');
    }
    let metadata: Record<string, unknown> | undefined;
    if (options.metadata !== undefined) {
      let json: string | undefined;
      try {
        json = JSON.stringify(options.metadata);
      } catch (cause) {
        throw new TypeError('options.metadata must be JSON-serialisable', { cause });
      }
      const parsed = json === undefined ? undefined : metadataSchema.safeParse(JSON.parse(json));
      if (!parsed?.success || Array.isArray(options.metadata)) throw new TypeError('options.metadata must be a plain object');
      metadata = parsed.data;
    }
    ttlToSeconds(options.ttl ?? accessTokenDefaults.ttl);
    this.#apiKey = apiKey;
    this.#apiSecret = apiSecret;
    // A copy, so later changes to the caller's object cannot bypass the checks above.
    this.#options = { identity: options.identity, name: options.name, metadata, ttl: options.ttl };
  }

  /** The identity this token is for. */
  get identity(): string {
    return this.#options.identity;
  }

  /**
   * Adds grants; later calls override the fields they set. Returns `this` for chaining.
   * Throws a `TypeError` for unknown grant names or values of the wrong kind.
   */
  grant(grants: Grants): this {
    const parsed = grantsSchema.safeParse(grants);
    if (!parsed.success) throw new TypeError(`invalid grants: ${describeIssue(parsed.error)}`);
    const defined = Object.entries(parsed.data).filter(([, value]) => value !== undefined);
    this.#grants = { ...this.#grants, ...(Object.fromEntries(defined) as Grants) };
    return this;
  }

  /**
   * Signs the token. Throws a `TypeError` when the token would be longer than the server accepts
   * (8192 characters), which only very large metadata can cause.
   */
  async toJwt(): Promise<string> {
    const ttl = ttlToSeconds(this.#options.ttl ?? accessTokenDefaults.ttl);
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { name: this.#options.name ?? this.#options.identity, grants: this.#grants };
    if (this.#options.metadata !== undefined) claims.metadata = this.#options.metadata;
    const jwt = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: this.#apiKey })
      .setIssuer(this.#apiKey)
      .setSubject(this.#options.identity)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + ttl)
      .setJti(crypto.randomUUID())
      .sign(new TextEncoder().encode(this.#apiSecret));
    if (jwt.length > MAX_TOKEN_LENGTH) {
      throw new TypeError(`the token is ${jwt.length} characters long, more than the ${MAX_TOKEN_LENGTH} a server accepts; use less metadata`);
    }
    return jwt;
  }
}
