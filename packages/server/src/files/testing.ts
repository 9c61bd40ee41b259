import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UPLOAD_PATH } from './uploadRoutes.js';

/** Upload-Metadata header value: `key base64(value)` pairs. */
export function tusMetadata(meta: Record<string, string>): string {
  return Object.entries(meta)
    .map(([k, v]) => `${k} ${Buffer.from(v, 'utf8').toString('base64')}`)
    .join(',');
}

/** Lowercase hex SHA-256. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A tus creation request (POST) without body. */
export function tusCreate(baseUrl: string, token: string | null, size: number, meta: Record<string, string>): Promise<Response> {
  const headers: Record<string, string> = { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(size), 'Upload-Metadata': tusMetadata(meta) };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  return fetch(`${baseUrl}${UPLOAD_PATH}`, { method: 'POST', headers });
}

/** A tus PATCH of `body` at `offset`. */
export function tusPatch(uploadUrl: string, token: string, offset: number, body: Uint8Array): Promise<Response> {
  return fetch(uploadUrl, {
    method: 'PATCH',
    headers: {
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
      Authorization: `Bearer ${token}`,
    },
    body,
  });
}

/** A tus HEAD. */
export function tusHead(uploadUrl: string, token: string): Promise<Response> {
  return fetch(uploadUrl, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${token}` } });
}

/** What {@link uploadBytes} did. */
export interface UploadOutcome {
  /** The creation response. */
  created: Response;
  /** The last PATCH response (undefined when creation failed). */
  patched?: Response;
  /** Absolute upload URL. */
  uploadUrl?: string;
  /** `Plaza-File-Id` of the final response. */
  fileId?: string | null;
}

/** Creates an upload and sends `bytes` in `chunks` PATCH requests (1 by default). */
export async function uploadBytes(
  baseUrl: string,
  token: string,
  bytes: Uint8Array,
  meta: Record<string, string>,
  chunks = 1,
): Promise<UploadOutcome> {
  const created = await tusCreate(baseUrl, token, bytes.length, meta);
  if (created.status !== 201) return { created };
  const uploadUrl = new URL(created.headers.get('location') ?? '', baseUrl).toString();
  const size = Math.ceil(bytes.length / chunks);
  let offset = 0;
  let patched: Response | undefined;
  do {
    const part = bytes.subarray(offset, offset + size);
    patched = await tusPatch(uploadUrl, token, offset, part);
    if (patched.status !== 204) break;
    offset += part.length;
  } while (offset < bytes.length);
  return { created, patched, uploadUrl, fileId: patched?.headers.get('plaza-file-id') ?? null };
}

/** Total bytes of every file under `dir` (0 when it does not exist). */
export function bytesUnder(dir: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const path = join(dir, name);
    const s = statSync(path);
    total += s.isDirectory() ? bytesUnder(path) : s.size;
  }
  return total;
}

/** Names of every file under `dir`, recursively (relative paths). */
export function filesUnder(dir: string, prefix = ''): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}
