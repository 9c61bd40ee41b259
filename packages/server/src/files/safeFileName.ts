import { sanitizeFileName } from './sanitizeFileName.js';

/**
 * Extensions a file of each sniffed type may keep, the first being the one appended when the
 * name has none of them. Never lists an extension of {@link DANGEROUS_EXTENSIONS}.
 */
export const EXTENSIONS_BY_TYPE: Readonly<Record<string, readonly string[]>> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg', 'jpe', 'jfif'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'text/plain': ['txt', 'text', 'log', 'md', 'markdown', 'csv', 'tsv', 'json', 'yaml', 'yml', 'ini', 'cfg', 'conf', 'srt', 'vtt'],
  'audio/mpeg': ['mp3', 'mpga', 'mp2'],
  'audio/ogg': ['ogg', 'oga', 'opus'],
  'audio/opus': ['opus', 'ogg'],
  'audio/wav': ['wav'],
  'audio/x-wav': ['wav'],
  'audio/wave': ['wav'],
  'audio/vnd.wave': ['wav'],
  'audio/mp4': ['m4a', 'mp4', 'aac'],
  'audio/x-m4a': ['m4a', 'mp4', 'aac'],
  'audio/aac': ['aac', 'm4a'],
  'audio/flac': ['flac'],
  'audio/x-flac': ['flac'],
  'audio/webm': ['weba', 'webm'],
  'audio/amr': ['amr'],
  'audio/aiff': ['aiff', 'aif'],
  'audio/x-aiff': ['aiff', 'aif'],
  'audio/midi': ['mid', 'midi'],
  'video/mp4': ['mp4', 'm4v'],
  'video/webm': ['webm'],
  'application/zip': ['zip'],
  'application/msword': ['doc', 'dot'],
  'application/vnd.ms-excel': ['xls', 'xlt'],
  'application/vnd.ms-powerpoint': ['ppt', 'pps', 'pot'],
  'application/x-cfb': ['doc', 'xls', 'ppt', 'msg'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['pptx'],
  'application/vnd.oasis.opendocument.text': ['odt'],
  'application/vnd.oasis.opendocument.spreadsheet': ['ods'],
  'application/vnd.oasis.opendocument.presentation': ['odp'],
};

/**
 * Extensions an operating system or browser opens as a page, a script or a program. A file of a
 * type without known extensions that is named like this gets `.bin` appended.
 */
export const DANGEROUS_EXTENSIONS: ReadonlySet<string> = new Set([
  // markup and active images
  'html', 'htm', 'xhtml', 'xht', 'shtml', 'mht', 'mhtml', 'svg', 'svgz', 'xml', 'xsl', 'xslt', 'hta',
  // scripts
  'js', 'mjs', 'cjs', 'jse', 'vbs', 'vbe', 'vb', 'wsf', 'wsh', 'wsc', 'ws', 'ps1', 'psm1', 'psd1', 'ps1xml', 'bat', 'cmd',
  'sh', 'bash', 'zsh', 'csh', 'command', 'py', 'pyw', 'pl', 'rb', 'php', 'asp', 'aspx', 'jsp', 'cgi',
  // programs, installers, shortcuts
  'exe', 'com', 'scr', 'pif', 'cpl', 'dll', 'ocx', 'sys', 'msi', 'msp', 'mst', 'msc', 'lnk', 'url', 'scf', 'inf', 'reg',
  'jar', 'jnlp', 'app', 'dmg', 'pkg', 'deb', 'rpm', 'apk', 'appimage', 'desktop', 'gadget', 'application', 'appref-ms',
  'chm', 'hlp', 'iso', 'img', 'vhd', 'vhdx', 'swf', 'xbap', 'library-ms', 'settingcontent-ms', 'diagcab', 'website',
]);

/** The lower-case extension of `name` (without the dot), or `''`. */
function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/**
 * The name a file is stored and downloaded under: {@link sanitizeFileName}, then made to agree with
 * the sniffed type so that the recipient's system opens it as what it is. The name is kept when its
 * extension is one of the type's known extensions; otherwise the type's usual extension is appended
 * (`report.html` stored as `text/plain` → `report.html.txt`, `photo` → `photo.jpg`). For a type
 * without known extensions, a name ending in a {@link DANGEROUS_EXTENSIONS | dangerous extension}
 * gets `.bin` appended.
 *
 * @param raw - the uploader's file name
 * @param mimeType - the sniffed media type
 */
export function safeFileName(raw: string, mimeType: string): string {
  const name = sanitizeFileName(raw);
  const ext = extensionOf(name);
  const known = EXTENSIONS_BY_TYPE[mimeType.toLowerCase()];
  if (known) return known.includes(ext) ? name : sanitizeFileName(`${name}.${known[0] as string}`);
  return DANGEROUS_EXTENSIONS.has(ext) ? sanitizeFileName(`${name}.bin`) : name;
}
