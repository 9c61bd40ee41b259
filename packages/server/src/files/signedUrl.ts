import { createHmac, timingSafeEqual } from 'node:crypto';

/** Variants of a stored file that can be downloaded. */
export type FileVariant = 'original' | 'thumbnail';

/** What a signed download URL grants. */
export interface SignedFileRequest {
  fileId: string;
  variant: FileVariant;
  /** Expiry, unix seconds. */
  exp: number;
  /** The user it was signed for. */
  uid: string;
  /**
   * `export`: signed for a data export of `uid`, valid for the files `uid` uploaded whether or not
   * they are still a member. Absent: an ordinary member's URL.
   */
  scope?: 'export';
}

/**
 * Derives the key that signs download URLs from the server's API secrets, so every node of a
 * cluster with the same keys accepts the same URLs and no extra secret has to be managed.
 */
export function deriveUrlKey(apiKeys: Readonly<Record<string, string>>): Buffer {
  const [first] = Object.keys(apiKeys).sort();
  if (first === undefined) throw new TypeError('at least one API key is needed to sign file URLs');
  return createHmac('sha256', apiKeys[first] as string).update('plaza file download urls v1').digest();
}

function signature(key: Buffer, r: SignedFileRequest): string {
  // The scope is signed only when present, so ordinary URLs keep their signatures.
  const scope = r.scope ? `\n${r.scope}` : '';
  return createHmac('sha256', key).update(`${r.fileId}\n${r.variant}\n${r.exp}\n${r.uid}${scope}`).digest('base64url');
}

/** The path and query of a signed download URL (`/files/<id>?variant=…&exp=…&uid=…[&scope=export]&sig=…`). */
export function signFileUrl(key: Buffer, r: SignedFileRequest): string {
  const query = new URLSearchParams({ variant: r.variant, exp: String(r.exp), uid: r.uid, ...(r.scope ? { scope: r.scope } : {}), sig: signature(key, r) });
  return `/files/${encodeURIComponent(r.fileId)}?${query.toString()}`;
}

/**
 * Checks a download request's query: a known variant, a signature over exactly these values, and
 * an expiry not in the past. Returns what it grants, or `null` when expired or tampered with.
 */
export function verifyFileUrl(key: Buffer, fileId: string, query: Record<string, unknown>, nowSec: number): SignedFileRequest | null {
  const { variant, exp, uid, sig, scope } = query;
  if (variant !== 'original' && variant !== 'thumbnail') return null;
  if (scope !== undefined && scope !== 'export') return null;
  if (typeof exp !== 'string' || !/^\d{1,12}$/.test(exp)) return null;
  if (typeof uid !== 'string' || uid.length === 0 || typeof sig !== 'string') return null;
  const request: SignedFileRequest = { fileId, variant, exp: Number(exp), uid, ...(scope === 'export' ? { scope } : {}) };
  const expected = Buffer.from(signature(key, request));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (request.exp < nowSec) return null;
  return request;
}
