const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Characters per id. */
const ID_LENGTH = 22;

/**
 * Random bytes for the next ids, fetched 32 ids at a time: a `getRandomValues` call costs several
 * microseconds in Node whatever its size, and every upload and message takes an id. Each byte is
 * used once.
 */
const pool = new Uint8Array(ID_LENGTH * 32);
let poolAt = pool.length;

/**
 * A random URL-safe id (22 characters, 132 bits) for a message's `clientId`. Uses
 * `globalThis.crypto.getRandomValues`, present in browsers (also outside secure contexts) and Node.
 */
export function newClientId(): string {
  if (poolAt + ID_LENGTH > pool.length) {
    const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
    if (crypto?.getRandomValues) crypto.getRandomValues(pool);
    else for (let i = 0; i < pool.length; i++) pool[i] = Math.floor(Math.random() * 256);
    poolAt = 0;
  }
  let id = '';
  for (let i = poolAt; i < poolAt + ID_LENGTH; i++) id += ALPHABET[pool[i]! & 63];
  poolAt += ID_LENGTH;
  return id;
}
