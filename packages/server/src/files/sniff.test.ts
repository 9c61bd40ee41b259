import { describe, expect, it } from 'vitest';
import { parseRange } from './downloadRoute.js';
import { isFileTypeAllowed, scanForMarkup, sniffContentType } from './sniff.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('sniffContentType', () => {
  it('recognises binary formats by signature, whatever the name says', async () => {
    expect(await sniffContentType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]))).toBe('image/png');
    expect(await sniffContentType(bytes('%PDF-1.7\n%âãÏÓ'))).toBe('application/pdf');
  });

  it('calls HTML and SVG markup what it is, in any case and after whitespace or an XML prolog', async () => {
    expect(await sniffContentType(bytes('<!doctype HTML><p>x'))).toBe('text/html');
    expect(await sniffContentType(bytes('  \n<HtMl>'))).toBe('text/html');
    expect(await sniffContentType(bytes('hello <script>alert(1)</script>'))).toBe('text/html');
    expect(await sniffContentType(bytes('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe('image/svg+xml');
    expect(await sniffContentType(bytes('<svg onload=alert(1)>'))).toBe('image/svg+xml');
  });

  it('plain text is text/plain and unknown binary is application/octet-stream', async () => {
    expect(await sniffContentType(bytes('Grüße aus der Stadt\r\n\tZeile 2'))).toBe('text/plain');
    expect(await sniffContentType(Buffer.from([1, 2, 3, 0, 255, 254]))).toBe('application/octet-stream');
  });
});

describe('isFileTypeAllowed', () => {
  it('matches exact types and type/* patterns, and never HTML or SVG', () => {
    expect(isFileTypeAllowed('audio/ogg', ['audio/*'])).toBe(true);
    expect(isFileTypeAllowed('video/ogg', ['audio/*'])).toBe(false);
    expect(isFileTypeAllowed('IMAGE/PNG', ['image/png'])).toBe(true);
    expect(isFileTypeAllowed('text/html', ['*/*', 'text/html'])).toBe(false);
    expect(isFileTypeAllowed('image/svg+xml', ['image/*'])).toBe(false);
  });
});

describe('parseRange', () => {
  it('parses one range, clamps the end, and knows unsatisfiable from ignorable', () => {
    expect(parseRange('bytes=0-0', 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=5-100', 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange('bytes=-4', 10)).toEqual({ start: 6, end: 9 });
    expect(parseRange('bytes=-40', 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,3-4', 10)).toBeNull();
    expect(parseRange('items=0-1', 10)).toBeNull();
    expect(parseRange(undefined, 10)).toBeNull();
  });
});

describe('sniffing holes found in the security trial', () => {
  it('HTML behind a UTF-16 byte order mark is text/html, not audio/mpeg', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<html><script>alert(1)</script>', 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('<html><script>alert(1)</script>', 'utf16le').swap16()]);
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<p>hi<script>x</script>')]);
    expect(await sniffContentType(le)).toBe('text/html');
    expect(await sniffContentType(be)).toBe('text/html');
    expect(await sniffContentType(utf8)).toBe('text/html');
    expect(await sniffContentType(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('plain words', 'utf16le')]))).toBe('text/plain');
  });

  it('two bytes that look like an MPEG frame sync are not audio; an ID3 tag or a valid frame header is', async () => {
    expect(await sniffContentType(Buffer.from([0xff, 0xfe, 0x3c, 0x00, 0x01, 0x02]))).not.toMatch(/^audio\//);
    const frame = Buffer.alloc(2000);
    // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: 417-byte frames.
    for (let at = 0; at + 4 <= frame.length; at += 417) frame.set([0xff, 0xfb, 0x90, 0x00], at);
    expect(await sniffContentType(frame)).toBe('audio/mpeg');
  });

  it('HTML without html/body/script tags, and prefixed XHTML or SVG, is refused as markup', async () => {
    expect(await sniffContentType(bytes('hello <img src=x onerror=alert(1)>'))).toBe('text/html');
    expect(await sniffContentType(bytes('<a href="javascript:alert(1)">click</a>'))).toBe('text/html');
    expect(await sniffContentType(bytes('<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>'))).toBe('text/html');
    expect(await sniffContentType(bytes('<s:svg xmlns:s="http://www.w3.org/2000/svg" onload="alert(1)"/>'))).toBe('image/svg+xml');
    expect(await sniffContentType(bytes('<?xml version="1.0"?><root/>'))).toBe('text/html');
    // Words that merely start like a tag are text.
    expect(await sniffContentType(bytes('a <about> b, x<y, <abbr'))).toBe('text/plain');
  });

  it('scanForMarkup finds markup after the sniffed window, also split between chunks and in UTF-16', async () => {
    const padding = 'x'.repeat(4200);
    async function* chunks(text: Buffer, size: number) {
      for (let at = 0; at < text.length; at += size) yield text.subarray(at, at + size);
    }
    expect(await scanForMarkup(chunks(bytes(`${padding}<script>alert(1)</script>`), 4097))).toBe(true);
    expect(await scanForMarkup(chunks(bytes(`${padding}<scr`), 4202))).toBe(false);
    expect(await scanForMarkup(chunks(bytes(`${'y'.repeat(4198)}<script>x`), 4200))).toBe(true);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${padding}<iframe src=x>`, 'utf16le')]);
    expect(await scanForMarkup(chunks(utf16, 1000))).toBe(true);
    expect(await scanForMarkup(chunks(bytes(`${padding} just text`), 1000))).toBe(false);
  });
});
