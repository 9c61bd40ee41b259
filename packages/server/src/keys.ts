import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from './config.js';
import { announcer } from './logger.js';

/** Name of the development key file inside the data directory. */
export const KEYS_FILE = 'keys.json';

/** What `<dataDir>/keys.json` holds: one API key pair. */
export interface KeyFile {
  /** Public half; tokens name it in their `kid` and `iss`. */
  apiKey: string;
  /** Secret half (HS256). */
  apiSecret: string;
}

/** Generates a fresh API key pair: `PK…` key and a 43-character base64url secret. */
export function generateKeyPair(): KeyFile {
  return { apiKey: `PK${randomBytes(9).toString('base64url')}`, apiSecret: randomBytes(32).toString('base64url') };
}

/**
 * Reads the development key pair from `<dataDir>/keys.json`, generating it (mode 0600) on first
 * start and logging it once, so a developer can mint tokens. Throws {@link ConfigError} when the
 * file exists but is unreadable.
 */
export function loadOrCreateKeys(dataDir: string, logger: Logger): Record<string, string> {
  const file = join(dataDir, KEYS_FILE);
  if (existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (cause) {
      throw new ConfigError(`cannot read ${file}`, { cause });
    }
    const k = parsed as Partial<KeyFile> | null;
    if (!k || typeof k.apiKey !== 'string' || typeof k.apiSecret !== 'string' || k.apiSecret.length < 32) {
      throw new ConfigError(`${file} must hold {"apiKey": "...", "apiSecret": "<at least 32 characters>"}`);
    }
    return { [k.apiKey]: k.apiSecret };
  }
  const pair = generateKeyPair();
  writeFileSync(file, `${JSON.stringify(pair, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  announcer(logger).warn(
    { apiKey: pair.apiKey, apiSecret: pair.apiSecret, file },
    'generated a development API key pair (shown once; mint tokens with it or set PLAZA_API_KEY and PLAZA_API_SECRET)',
  );
  return { [pair.apiKey]: pair.apiSecret };
}
