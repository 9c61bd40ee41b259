import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

/** Image types whose metadata {@link stripImageMetadata} removes. */
export const STRIPPED_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp'];

/** A piece of the output: bytes of the input (`[start, end)`) or literal bytes. */
type Part = { from: number; to: number } | Buffer;

/**
 * Copies a JPEG, PNG or WebP file without its location and other personal metadata, without
 * re-encoding a pixel: JPEG loses its APP1 (EXIF, XMP), APP13 (IPTC) and comment segments — an EXIF
 * orientation other than 1 is kept in a minimal EXIF segment holding nothing else; PNG loses its
 * `eXIf`, `tEXt`, `zTXt`, `iTXt` and `tIME` chunks; WebP its `EXIF` and `XMP ` chunks. Colour
 * profiles stay. Memory use is bounded: only segment headers are read, the rest is copied.
 *
 * @param path - the file (left as it is)
 * @param output - where the stripped copy is written
 * @param mimeType - its sniffed type; other types are left alone
 * @param orientation - its EXIF orientation (1–8), from the image's metadata
 * @returns the copy's size and SHA-256, or `null` when there was nothing to remove or the file is not
 *   laid out as expected (nothing is written then)
 */
export async function stripImageMetadata(path: string, output: string, mimeType: string, orientation: number | undefined): Promise<{ size: number; sha256: string } | null> {
  const handle = await open(path, 'r');
  let parts: Part[] | null;
  try {
    const { size } = await handle.stat();
    const read = async (at: number, length: number): Promise<Buffer> => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - at)));
      if (buffer.length > 0) await handle.read(buffer, 0, buffer.length, at);
      return buffer;
    };
    if (mimeType === 'image/jpeg') parts = await jpegParts(read, size, orientation);
    else if (mimeType === 'image/png') parts = await pngParts(read, size);
    else if (mimeType === 'image/webp') parts = await webpParts(read, size);
    else parts = null;
  } finally {
    await handle.close();
  }
  if (parts === null) return null;
  const hash = createHash('sha256');
  let written = 0;
  const out = createWriteStream(output, { mode: 0o600 });
  try {
    for (const part of parts) {
      const counting = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          written += chunk.length;
          done(null, chunk);
        },
      });
      const source = Buffer.isBuffer(part) ? [part] : part.to > part.from ? createReadStream(path, { start: part.from, end: part.to - 1 }) : [];
      await pipeline(source, counting, out, { end: false });
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  } catch (error) {
    out.destroy();
    await unlink(output).catch(() => undefined);
    throw error;
  }
  return { size: written, sha256: hash.digest('hex') };
}

type Reader = (at: number, length: number) => Promise<Buffer>;

/** A minimal EXIF APP1 segment that holds only the orientation. */
function orientationSegment(orientation: number): Buffer {
  const body = Buffer.from([
    ...Buffer.from('Exif\0\0', 'latin1'),
    0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF header, IFD0 at 8
    0x00, 0x01, // one entry
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, orientation, 0x00, 0x00, // Orientation, SHORT, 1
    0x00, 0x00, 0x00, 0x00, // no next IFD
  ]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([header, body]);
}

async function jpegParts(read: Reader, size: number, orientation: number | undefined): Promise<Part[] | null> {
  const soi = await read(0, 2);
  if (soi[0] !== 0xff || soi[1] !== 0xd8) return null;
  const parts: Part[] = [soi];
  let at = 2;
  let removed = false;
  for (;;) {
    const head = await read(at, 4);
    if (head.length < 2 || head[0] !== 0xff) return null;
    const marker = head[1] as number;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) {
      // Start of scan (or end of image): the rest is image data, copied as it is.
      parts.push({ from: at, to: size });
      break;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      parts.push({ from: at, to: at + 2 });
      at += 2;
      continue;
    }
    if (head.length < 4) return null;
    const length = head.readUInt16BE(2);
    const end = at + 2 + length;
    if (length < 2 || end > size) return null;
    const personal = marker === 0xe1 || marker === 0xed || marker === 0xfe;
    if (personal) {
      removed = true;
      if (marker === 0xe1 && orientation !== undefined && orientation > 1 && orientation <= 8 && !parts.some((p) => Buffer.isBuffer(p) && p[1] === 0xe1)) {
        parts.push(orientationSegment(orientation));
      }
    } else {
      parts.push({ from: at, to: end });
    }
    at = end;
  }
  return removed ? parts : null;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_PERSONAL = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

async function pngParts(read: Reader, size: number): Promise<Part[] | null> {
  if (!(await read(0, 8)).equals(PNG_SIGNATURE)) return null;
  const parts: Part[] = [{ from: 0, to: 8 }];
  let at = 8;
  let removed = false;
  while (at < size) {
    const head = await read(at, 8);
    if (head.length < 8) return null;
    const end = at + 12 + head.readUInt32BE(0);
    if (end > size) return null;
    const type = head.toString('latin1', 4, 8);
    if (PNG_PERSONAL.has(type)) removed = true;
    else parts.push({ from: at, to: end });
    at = end;
    if (type === 'IEND') break;
  }
  return removed ? parts : null;
}

async function webpParts(read: Reader, size: number): Promise<Part[] | null> {
  const riff = await read(0, 12);
  if (riff.toString('latin1', 0, 4) !== 'RIFF' || riff.toString('latin1', 8, 12) !== 'WEBP') return null;
  const chunks: Part[] = [];
  let at = 12;
  let removed = false;
  let length = 4;
  while (at + 8 <= size) {
    const head = await read(at, 8);
    const type = head.toString('latin1', 0, 4);
    const chunkSize = head.readUInt32LE(4);
    const end = at + 8 + chunkSize + (chunkSize % 2);
    if (end > size) return null;
    if (type === 'EXIF' || type === 'XMP ') {
      removed = true;
    } else if (type === 'VP8X') {
      const vp8x = await read(at, end - at);
      vp8x[8] = (vp8x[8] as number) & ~0x0c; // clear the EXIF and XMP flags
      chunks.push(vp8x);
      length += vp8x.length;
    } else {
      chunks.push({ from: at, to: end });
      length += end - at;
    }
    at = end;
  }
  if (!removed) return null;
  const header = Buffer.from(riff);
  header.writeUInt32LE(length, 4);
  return [header, ...chunks];
}
