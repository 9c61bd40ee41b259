/**
 * Base64 for header values, the same in browsers and Node. Decoding reads the string in one
 * pass into bytes: `atob` followed by a per-character copy into a `Uint8Array` cost about ten
 * times as much, once per upload.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Character code → 6-bit value; -1 for characters outside base64url and base64 (`+`, `/`). */
const VALUES = /* @__PURE__ */ (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  table[0x2b] = 62; // '+'
  table[0x2f] = 63; // '/'
  return table;
})();

/**
 * The bytes that `value` encodes in base64url (standard base64 is accepted too; `=` padding is
 * optional).
 *
 * @param value - the encoded text
 * @returns the bytes, or `null` when `value` is not base64
 * @internal
 */
export function decodeBase64Url(value: string): Uint8Array | null {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 0x3d) end--; // '=' padding
  if (value.length - end > 2 || end % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < end; i++) {
    const code = value.charCodeAt(i);
    const v = code < 128 ? VALUES[code]! : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** Standard base64 alphabet (`+`, `/`), for {@link encodeBase64}. */
const STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Standard base64 with `=` padding, as tus `Upload-Metadata` values are written.
 *
 * @param bytes - what to encode
 * @returns the encoded text
 * @internal
 */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += STANDARD[n >> 18]! + STANDARD[(n >> 12) & 63]! + STANDARD[(n >> 6) & 63]! + STANDARD[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${STANDARD[n >> 18]!}${STANDARD[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${STANDARD[n >> 18]!}${STANDARD[(n >> 12) & 63]!}${STANDARD[(n >> 6) & 63]!}=`;
  }
  return out;
}
