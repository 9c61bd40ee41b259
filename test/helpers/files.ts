import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Helpers for the file-sharing tests: the tus 1.0.0 upload protocol spoken by hand over `fetch`
 * (so tests can send exactly the bytes and headers they mean), signed-URL surgery, disk walks of
 * `<dataDir>/files`, hashes and small real images.
 */

/** The tus protocol version every request carries. */
export const TUS_VERSION = '1.0.0';
/** Default path of the upload endpoint (the server also announces it as `limits.uploadPath`). */
export const UPLOAD_PATH = '/files/uploads';

/** Lowercase hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A tus `Upload-Metadata` header value: `key base64,key base64` (values are UTF-8 strings). */
export function uploadMetadata(meta: Record<string, string | undefined>): string {
  return Object.entries(meta)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key} ${Buffer.from(value, 'utf8').toString('base64')}`)
    .join(',');
}

/** What a server answered, with the JSON error body parsed when there is one. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The raw body. */
  body: Buffer;
  /** `error.code` of a JSON error body, if any. */
  errorCode: string | undefined;
  /** `error.message` of a JSON error body, if any. */
  errorMessage: string | undefined;
}

/** Wraps a `fetch` response, reading its whole body. */
export async function answer(response: Response): Promise<HttpAnswer> {
  const body = Buffer.from(await response.arrayBuffer());
  let errorCode: string | undefined;
  let errorMessage: string | undefined;
  if (body.length > 0 && body.length < 64 * 1024) {
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { error?: { code?: unknown; message?: unknown } };
      if (typeof parsed.error?.code === 'string') errorCode = parsed.error.code;
      if (typeof parsed.error?.message === 'string') errorMessage = parsed.error.message;
    } catch {
      // not JSON
    }
  }
  return { status: response.status, headers: response.headers, body, errorCode, errorMessage };
}

/** Options of {@link tusCreate}. */
export interface TusCreateOptions {
  /** Bearer token; `undefined` sends no `Authorization` header. */
  token: string | undefined;
  /** Declared `Upload-Length`. */
  length: number;
  /** Upload metadata (conversationId, filename, sha256, filetype …). */
  metadata: Record<string, string | undefined>;
  /** Replace the `Authorization` header value entirely. */
  authorization?: string;
}

/** `POST /files/uploads`: creates an upload. On 201, `location` is the absolute upload URL. */
export async function tusCreate(baseUrl: string, options: TusCreateOptions): Promise<HttpAnswer & { location: string | undefined }> {
  const headers: Record<string, string> = {
    'Tus-Resumable': TUS_VERSION,
    'Upload-Length': String(options.length),
    'Upload-Metadata': uploadMetadata(options.metadata),
  };
  const authorization = options.authorization ?? (options.token === undefined ? undefined : `Bearer ${options.token}`);
  if (authorization !== undefined) headers.Authorization = authorization;
  const result = await answer(await fetch(new URL(UPLOAD_PATH, baseUrl), { method: 'POST', headers }));
  const location = result.headers.get('location');
  return { ...result, location: location ? new URL(location, baseUrl).toString() : undefined };
}

/** `PATCH <upload>`: sends `bytes` at `offset`. */
export async function tusPatch(uploadUrl: string, token: string | undefined, offset: number, bytes: Uint8Array): Promise<HttpAnswer> {
  const headers: Record<string, string> = {
    'Tus-Resumable': TUS_VERSION,
    'Upload-Offset': String(offset),
    'Content-Type': 'application/offset+octet-stream',
  };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  return answer(await fetch(uploadUrl, { method: 'PATCH', headers, body: bytes }));
}

/** `HEAD <upload>`: the server's offset for an upload. */
export async function tusHead(uploadUrl: string, token: string | undefined): Promise<HttpAnswer> {
  const headers: Record<string, string> = { 'Tus-Resumable': TUS_VERSION };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  return answer(await fetch(uploadUrl, { method: 'HEAD', headers }));
}

/** The result of {@link uploadWhole}. */
export interface UploadResult {
  create: HttpAnswer & { location: string | undefined };
  patch: HttpAnswer | undefined;
  /** The `Plaza-File-Id` header of the final PATCH, when the upload completed. */
  fileId: string | undefined;
}

/** Creates an upload and sends all of `bytes` in one PATCH. */
export async function uploadWhole(
  baseUrl: string,
  token: string | undefined,
  bytes: Uint8Array,
  metadata: Record<string, string | undefined>,
): Promise<UploadResult> {
  const create = await tusCreate(baseUrl, { token, length: bytes.length, metadata });
  if (create.status !== 201 || !create.location) return { create, patch: undefined, fileId: undefined };
  const patch = await tusPatch(create.location, token, 0, bytes);
  return { create, patch, fileId: patch.headers.get('plaza-file-id') ?? undefined };
}

/** Every regular file under `dir` (relative paths) with its size; empty when `dir` does not exist. */
export function walkFiles(dir: string): Map<string, number> {
  const found = new Map<string, number>();
  if (!existsSync(dir)) return found;
  const visit = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile()) found.set(relative(dir, path), statSync(path).size);
    }
  };
  visit(dir);
  return found;
}

/** Total bytes of the regular files under `dir`. */
export function bytesUnder(dir: string): number {
  let total = 0;
  for (const size of walkFiles(dir).values()) total += size;
  return total;
}

/** Files (and their sizes) in `after` that are new or changed since `before`. */
export function newFiles(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const added = new Map<string, number>();
  for (const [path, size] of after) if (before.get(path) !== size) added.set(path, size);
  return added;
}

/** The parts of a signed download URL (`/files/:fileId?variant&exp&uid&sig`). */
export interface SignedUrlParts {
  fileId: string;
  variant: string | null;
  exp: string | null;
  uid: string | null;
  sig: string | null;
}

/** Splits a signed URL into its parts. */
export function parseSignedUrl(url: string): SignedUrlParts {
  const parsed = new URL(url, 'http://placeholder.invalid');
  return {
    fileId: decodeURIComponent(parsed.pathname.split('/').pop() ?? ''),
    variant: parsed.searchParams.get('variant'),
    exp: parsed.searchParams.get('exp'),
    uid: parsed.searchParams.get('uid'),
    sig: parsed.searchParams.get('sig'),
  };
}

/**
 * Returns `url` (absolute) with one part replaced: `fileId` rewrites the path, any other key the
 * query parameter of that name.
 */
export function tamperSignedUrl(url: string, baseUrl: string, part: keyof SignedUrlParts, value: string): string {
  const parsed = new URL(url, baseUrl);
  if (part === 'fileId') {
    const segments = parsed.pathname.split('/');
    segments[segments.length - 1] = encodeURIComponent(value);
    parsed.pathname = segments.join('/');
  } else {
    parsed.searchParams.set(part, value);
  }
  return parsed.toString();
}

/** Flips one character of a base64url string (keeps its length and alphabet). */
export function flipChar(value: string, index = 0): string {
  const at = Math.min(Math.max(index, 0), value.length - 1);
  const char = value[at] ?? 'A';
  const replacement = char === 'A' ? 'B' : 'A';
  return value.slice(0, at) + replacement + value.slice(at + 1);
}

type SharpFactory = (options: { create: { width: number; height: number; channels: 3 | 4; background: Record<string, number> } }) => {
  png(): { toBuffer(): Promise<Buffer> };
  jpeg(): { toBuffer(): Promise<Buffer> };
};
// sharp is the server's dependency, not the repository root's: load it from there.
const requireFromServer = createRequire(new URL('../../packages/server/package.json', import.meta.url));

/** A real PNG (or JPEG) of `width`×`height` in one colour, made with sharp. */
export async function makeImage(width: number, height: number, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const sharp = requireFromServer('sharp') as SharpFactory;
  const image = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 90 } } });
  return format === 'png' ? image.png().toBuffer() : image.jpeg().toBuffer();
}

/** Image dimensions as sharp reads them from `bytes`. */
export async function imageSize(bytes: Uint8Array): Promise<{ width: number; height: number; format: string }> {
  const sharp = requireFromServer('sharp') as (input: Uint8Array) => { metadata(): Promise<{ width?: number; height?: number; format?: string }> };
  const meta = await sharp(bytes).metadata();
  return { width: meta.width ?? 0, height: meta.height ?? 0, format: meta.format ?? '' };
}
