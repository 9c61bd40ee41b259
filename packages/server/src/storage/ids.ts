const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Bytes at or above this would bias `% 62`; they are drawn again. */
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);
const ID_LENGTH = 20;

/** Random bytes drawn 4 KiB at a time: one `getRandomValues` call serves ~150 ids. */
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

function randomByte(): number {
  if (poolOffset >= pool.length) {
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++] as number;
}

/** `length` random base62 characters from `crypto.getRandomValues` (no modulo bias). */
export function randomBase62(length: number = ID_LENGTH): string {
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < UNBIASED_LIMIT) out += ALPHABET[byte % ALPHABET.length];
  }
  return out;
}

/** A new conversation id: `c_` and 20 random base62 characters. */
export function newConversationId(): string {
  return `c_${randomBase62()}`;
}

/** A new message id: `m_` and 20 random base62 characters. */
export function newMessageId(): string {
  return `m_${randomBase62()}`;
}

/** The current time as an ISO 8601 UTC string. */
export function nowIso(): string {
  return new Date().toISOString();
}
