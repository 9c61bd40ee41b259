import { describe, expect, it } from 'vitest';
import { parseRange } from './downloadRoute.js';
import { isFileTypeAllowed, sniffContentType } from './sniff.js';

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
