export { AccessToken, accessTokenDefaults, ttlToSeconds } from './AccessToken.js';
export type { AccessTokenOptions } from './AccessToken.js';
export { TokenError, verifyAccessToken } from './verifyAccessToken.js';
export type { SecretResolver, VerifiedToken, VerifyOptions } from './verifyAccessToken.js';
export type { Grants, ResolvedGrants } from '@plaza/protocol';
