const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A random URL-safe id (22 characters, 132 bits) for a message's `clientId`. Uses
 * `globalThis.crypto.getRandomValues`, present in browsers (also outside secure contexts) and Node.
 */
export function newClientId(): string {
  const bytes = new Uint8Array(22);
  const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (crypto?.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  let id = '';
  for (const b of bytes) id += ALPHABET[b & 63];
  return id;
}
