import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64 } from './base64url.js';

describe('decodeBase64Url', () => {
  it('decodes what Node encodes as base64url and base64, with and without padding, for every length', () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 251) & 0xff);
    for (let n = 0; n <= bytes.length; n++) {
      const part = Buffer.from(bytes.subarray(0, n));
      expect(decodeBase64Url(part.toString('base64url'))).toEqual(new Uint8Array(part));
      expect(decodeBase64Url(part.toString('base64'))).toEqual(new Uint8Array(part));
    }
  });

  it('decodes UTF-8 text that TextDecoder reads back unchanged', () => {
    const text = JSON.stringify({ name: 'Straßenlaterne – défaut 🚦.pdf' });
    const decoded = decodeBase64Url(Buffer.from(text).toString('base64url'));
    expect(decoded && new TextDecoder().decode(decoded)).toBe(text);
  });

  it('returns null for text that is not base64 (bad characters, impossible length, misplaced padding)', () => {
    expect(decodeBase64Url('%%%')).toBeNull();
    expect(decodeBase64Url('abc def')).toBeNull();
    expect(decodeBase64Url('é')).toBeNull();
    expect(decodeBase64Url('abcde')).toBeNull();
    expect(decodeBase64Url('ab===')).toBeNull();
    expect(decodeBase64Url('a=bc')).toBeNull();
  });
});

describe('encodeBase64', () => {
  it('writes standard padded base64, as Node and tus Upload-Metadata do, for every length', () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 53 + 7) & 0xff);
    for (let n = 0; n <= bytes.length; n++) {
      expect(encodeBase64(bytes.subarray(0, n))).toBe(Buffer.from(bytes.subarray(0, n)).toString('base64'));
    }
  });
});
