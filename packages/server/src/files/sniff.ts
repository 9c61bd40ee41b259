import { fileTypeFromBuffer } from 'file-type';

/** How many leading bytes decide a file's type. */
export const SNIFF_BYTES = 4100;

/** Types never served, whatever the configuration says: a browser would run their scripts. */
export const FORBIDDEN_FILE_TYPES: readonly string[] = ['text/html', 'image/svg+xml', 'application/xhtml+xml'];

/** The media types a server accepts unless configured otherwise. */
export const defaultAllowedFileTypes: readonly string[] = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'audio/*',
  'video/mp4',
  'video/webm',
  'application/zip',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/x-cfb',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
];

// Markup a browser would render as a page or an active image (checked case-insensitively).
const MARKUP = /<svg|<html|<!doctype html|<script|<iframe|<object|<embed|<\?xml-stylesheet|<body|<head/i;

/**
 * Decides a file's media type from its first bytes (at least {@link SNIFF_BYTES} when the file is
 * that long), never from its name or the uploader's claim. Binary formats are recognised by their
 * signatures (file-type); content without one is `text/plain` when it is text without markup,
 * `text/html` when it contains HTML or SVG markup (SVG under XML included) — always refused — and
 * `application/octet-stream` otherwise.
 *
 * @param head - the first bytes of the file
 */
export async function sniffContentType(head: Uint8Array): Promise<string> {
  const detected = await fileTypeFromBuffer(head);
  if (detected && detected.mime !== 'application/xml') return detected.mime;
  if (!looksLikeText(head)) return detected?.mime ?? 'application/octet-stream';
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
  if (MARKUP.test(text)) return /<svg/i.test(text) ? 'image/svg+xml' : 'text/html';
  return detected?.mime ?? 'text/plain';
}

/** Whether `head` reads as text: no NUL and no control characters besides tab, newlines, form feed and escape. */
function looksLikeText(head: Uint8Array): boolean {
  for (const byte of head) {
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20 && byte !== 0x1b) || byte === 0x7f) return false;
  }
  return true;
}

/**
 * Whether `mimeType` is allowed by `allowed` (exact types or `type/*` patterns, case-insensitive).
 * {@link FORBIDDEN_FILE_TYPES} are never allowed.
 */
export function isFileTypeAllowed(mimeType: string, allowed: readonly string[]): boolean {
  const type = mimeType.toLowerCase();
  if (FORBIDDEN_FILE_TYPES.includes(type)) return false;
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === '*' || p === '*/*') return true;
    if (p.endsWith('/*')) return type.startsWith(p.slice(0, -1));
    return p === type;
  });
}

/** Image types the server measures and makes thumbnails of. */
export const THUMBNAILED_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
