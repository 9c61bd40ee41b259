/** Longest sanitised name, in UTF-8 bytes (what most file systems accept). */
export const MAX_FILE_NAME_BYTES = 255;

/** The name given to files whose name sanitises to nothing. */
export const FALLBACK_FILE_NAME = 'file';

// C0/C1 control characters, and the bidirectional overrides, embeddings, isolates and marks that
// can make `evil‮gnp.exe` display as `evilexe.png`.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// Characters Windows refuses in names (besides the path separators handled first).
const WINDOWS_FORBIDDEN = /[<>:"|?*]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * Makes an uploader's file name safe to show and to put in `Content-Disposition`: keeps only the
 * last path segment (for both `/` and `\`), removes control characters and bidi overrides and the
 * characters Windows forbids, leading dots, trailing dots and spaces, prefixes reserved Windows
 * device names with `_`, and truncates to 255 UTF-8 bytes keeping the extension (and never cutting
 * a character in half). Never used as a path on disk: stored files are named by server ids.
 *
 * @param raw - the name from the upload metadata (may be anything)
 * @returns a non-empty safe name (`file` when nothing is left)
 */
export function sanitizeFileName(raw: string): string {
  let name = raw.normalize('NFC');
  const lastSep = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  if (lastSep >= 0) name = name.slice(lastSep + 1);
  name = name.replace(CONTROL, '').replace(BIDI, '').replace(WINDOWS_FORBIDDEN, '_');
  name = name.trim().replace(/^\.+/, '').replace(/[. ]+$/, '').trim();
  if (name.length === 0) return FALLBACK_FILE_NAME;
  if (WINDOWS_RESERVED.test(name)) name = `_${name}`;
  return truncateUtf8KeepingExtension(name, MAX_FILE_NAME_BYTES);
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The longest prefix of `text` (whole code points) that fits in `maxBytes` UTF-8 bytes. */
function cutUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const size = utf8Length(ch);
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += ch;
  }
  return out;
}

function truncateUtf8KeepingExtension(name: string, maxBytes: number): string {
  if (utf8Length(name) <= maxBytes) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot) : '';
  // Keep an extension only when it is short enough to leave room for a stem.
  if (ext.length > 0 && utf8Length(ext) <= 32) {
    const stem = cutUtf8(name.slice(0, dot), maxBytes - utf8Length(ext)).replace(/[. ]+$/, '');
    return `${stem.length > 0 ? stem : FALLBACK_FILE_NAME}${ext}`;
  }
  return cutUtf8(name, maxBytes).replace(/[. ]+$/, '');
}
