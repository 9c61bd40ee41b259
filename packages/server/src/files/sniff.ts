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

// Markup a browser would render as a page or an active image, also with a namespace prefix
// (`<h:script>`, `<s:svg>`), checked case-insensitively anywhere in the text.
const MARKUP_TAGS = 'html|head|body|script|svg|iframe|object|embed|img|a|meta|link|style|form|frame|frameset|base|math';
const MARKUP = new RegExp(`<(?:[a-z0-9_.-]+:)?(?:${MARKUP_TAGS})(?=[\\s/>])|<!doctype|<\\?xml`, 'i');
const SVG = /<(?:[a-z0-9_.-]+:)?svg(?=[\s/>])/i;

/** Whether `text` holds markup a browser would render (see {@link sniffContentType}). */
export function containsMarkup(text: string): boolean {
  return MARKUP.test(text);
}

/**
 * Decides a file's media type from its first bytes (at least `SNIFF_BYTES` (4,100) when the file is
 * that long), never from its name or the uploader's claim. Text behind a byte order mark (UTF-8,
 * UTF-16) is decoded first. Binary formats are recognised by their signatures (file-type; MP3 only
 * with an ID3 tag or a valid frame header, not on two bytes that happen to look like a sync);
 * content without one is `text/plain` when it is text without markup, `text/html` (or
 * `image/svg+xml`) when it contains HTML, SVG or XML markup anywhere in the window — always refused —
 * and `application/octet-stream` otherwise. Text longer than the window is scanned in full at
 * completion (`scanForMarkup`).
 *
 * @param head - the first bytes of the file
 */
export async function sniffContentType(head: Uint8Array): Promise<string> {
  const buffer = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const bom = bomOf(buffer);
  if (bom !== null) {
    const text = decodeText(buffer, bom);
    if (containsMarkup(text)) return SVG.test(text) ? 'image/svg+xml' : 'text/html';
    if (bom !== 'utf8' && looksLikeDecodedText(text)) return 'text/plain';
    if (bom === 'utf8') return looksLikeText(buffer.subarray(3)) ? 'text/plain' : 'application/octet-stream';
  }
  const detected = await fileTypeFromBuffer(head);
  if (detected && detected.mime === 'audio/mpeg' && !isMpegAudio(buffer)) return 'application/octet-stream';
  if (detected && detected.mime !== 'application/xml') return detected.mime;
  if (!looksLikeText(head)) return detected?.mime ?? 'application/octet-stream';
  const text = buffer.toString('latin1');
  if (containsMarkup(text)) return SVG.test(text) ? 'image/svg+xml' : 'text/html';
  return detected?.mime ?? 'text/plain';
}

type Bom = 'utf8' | 'utf16le' | 'utf16be';

function bomOf(b: Buffer): Bom | null {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf8';
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf16le';
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf16be';
  return null;
}

function decodeText(b: Buffer, bom: Bom): string {
  if (bom === 'utf8') return b.subarray(3).toString('utf8');
  const body = b.subarray(2, 2 + ((b.length - 2) & ~1));
  if (bom === 'utf16le') return body.toString('utf16le');
  return Buffer.from(body).swap16().toString('utf16le');
}

/** Whether decoded text has no control characters besides whitespace (and no unpaired or replacement characters). */
function looksLikeDecodedText(text: string): boolean {
  return !/[\u0000-\u0008\u000e-\u001a\u001c-\u001f\u007f\ufffd]/.test(text);
}

/** Whether `b` starts with an ID3 tag or a plausible MPEG audio frame header (not just FF Fx). */
function isMpegAudio(b: Buffer): boolean {
  if (b.toString('latin1', 0, 3) === 'ID3') return true;
  if (b.length < 4 || b[0] !== 0xff || ((b[1] as number) & 0xe0) !== 0xe0) return false;
  const version = ((b[1] as number) >> 3) & 3;
  const layer = ((b[1] as number) >> 1) & 3;
  const bitrate = (b[2] as number) >> 4;
  const rate = ((b[2] as number) >> 2) & 3;
  return version !== 1 && layer !== 0 && bitrate !== 0 && bitrate !== 15 && rate !== 3;
}

/**
 * Scans a whole text file for markup (chunk by chunk, with an overlap so that a tag split between
 * chunks is seen); UTF-16 text is scanned without its zero bytes. Used at completion for files
 * sniffed as `text/plain`, whose markup could sit after the sniffed window.
 */
export async function scanForMarkup(chunks: AsyncIterable<Buffer>): Promise<boolean> {
  let carry = '';
  let first = true;
  let utf16 = false;
  for await (const chunk of chunks) {
    if (first) {
      utf16 = (chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff);
      first = false;
    }
    const text = carry + (utf16 ? Buffer.from(chunk.filter((byte) => byte !== 0)) : chunk).toString('latin1');
    if (containsMarkup(text)) return true;
    carry = text.slice(-64);
  }
  return false;
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
