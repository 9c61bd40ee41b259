import type { UploadSource } from './input.js';

interface SubtleLike {
  digest(algorithm: string, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer>;
}

/** WebCrypto's `subtle`, when the host has it (browsers only in secure contexts; Node ≥ 19). */
function subtle(): SubtleLike | null {
  const c = (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto;
  return c?.subtle && typeof c.subtle.digest === 'function' ? c.subtle : null;
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let hex = '';
  for (const b of view) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/**
 * Largest `Blob` hashed before uploading: WebCrypto has no incremental digest, so the whole blob
 * is read into memory once (bytes given as `Uint8Array` are in memory already and always hashed).
 */
export const MAX_HASHED_BLOB_BYTES = 256 * 1024 * 1024;

/**
 * SHA-256 of an upload's content as lowercase hex, computed with WebCrypto, for inputs held in
 * memory (bytes, and `Blob`s up to {@link MAX_HASHED_BLOB_BYTES}). Returns `null` for streams (they
 * are read once, while uploading), for larger blobs, and when the host has no WebCrypto (a browser
 * page served over plain HTTP); the server still computes its own checksum, the client's only lets
 * it detect corruption on the way.
 *
 * @internal
 */
export async function sha256Of(source: UploadSource): Promise<string | null> {
  const s = subtle();
  if (!s) return null;
  if (source.kind === 'bytes') return toHex(await s.digest('SHA-256', source.bytes));
  if (source.kind === 'blob' && source.size <= MAX_HASHED_BLOB_BYTES) return toHex(await s.digest('SHA-256', await source.blob.arrayBuffer()));
  return null;
}
