import { describe, expect, it } from 'vitest';
import { sanitizeFileName } from './sanitizeFileName.js';

describe('sanitizeFileName', () => {
  it('keeps only the last segment of / and \\ paths', () => {
    expect(sanitizeFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFileName('..\\..\\windows\\system.ini')).toBe('system.ini');
    expect(sanitizeFileName('dir/')).toBe('file');
  });

  it('removes control characters, bidi overrides and characters Windows forbids', () => {
    expect(sanitizeFileName('a\u0000b\u001fc\u007f\u0085.txt')).toBe('abc.txt');
    expect(sanitizeFileName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(sanitizeFileName('\u2066x\u2069y\u200f.txt')).toBe('xy.txt');
    expect(sanitizeFileName('what?<is>:this|*".txt')).toBe('what__is__this___.txt');
  });

  it('drops leading dots and trailing dots and spaces', () => {
    expect(sanitizeFileName('.htaccess')).toBe('htaccess');
    expect(sanitizeFileName('report.pdf. . .')).toBe('report.pdf');
    expect(sanitizeFileName('...')).toBe('file');
    expect(sanitizeFileName('   ')).toBe('file');
  });

  it('defuses reserved Windows device names', () => {
    expect(sanitizeFileName('CON')).toBe('_CON');
    expect(sanitizeFileName('nul.txt')).toBe('_nul.txt');
    expect(sanitizeFileName('lpt1.log')).toBe('_lpt1.log');
    expect(sanitizeFileName('console.txt')).toBe('console.txt');
  });

  it('truncates to 255 UTF-8 bytes without splitting characters and keeps the extension', () => {
    const name = sanitizeFileName(`${'€'.repeat(200)}.docx`);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name.endsWith('.docx')).toBe(true);
    expect(name).not.toContain('\ufffd');
    const emoji = sanitizeFileName('😀'.repeat(100));
    expect(Buffer.byteLength(emoji)).toBe(252);
  });
});
