import { describe, expect, it } from 'vitest';
import { DANGEROUS_EXTENSIONS, EXTENSIONS_BY_TYPE, safeFileName } from './safeFileName.js';

describe('safeFileName: the stored name agrees with the sniffed type', () => {
  it('text named like a page, a script or a program gets .txt appended', () => {
    for (const name of ['report.html', 'run.bat', 'x.hta', 'a.HTM', 'b.svg', 'c.js', 'd.mjs', 'e.exe', 'f.ps1', 'g.vbs', 'h.lnk', 'i.jar', 'j.msi']) {
      expect(safeFileName(name, 'text/plain')).toBe(`${name}.txt`);
    }
  });

  it('a name whose extension is one of the type’s extensions is kept (any case)', () => {
    expect(safeFileName('notes.txt', 'text/plain')).toBe('notes.txt');
    expect(safeFileName('data.CSV', 'text/plain')).toBe('data.CSV');
    expect(safeFileName('photo.jpeg', 'image/jpeg')).toBe('photo.jpeg');
    expect(safeFileName('form.pdf', 'application/pdf')).toBe('form.pdf');
  });

  it('a name with another type’s extension or none gets the canonical extension', () => {
    expect(safeFileName('notes.txt', 'image/png')).toBe('notes.txt.png');
    expect(safeFileName('photo', 'image/jpeg')).toBe('photo.jpg');
    expect(safeFileName('memo.pdf', 'audio/mpeg')).toBe('memo.pdf.mp3');
  });

  it('a type without known extensions keeps a harmless name and neutralises a dangerous one', () => {
    expect(safeFileName('tune.xyz', 'audio/x-unknown')).toBe('tune.xyz');
    expect(safeFileName('tune.exe', 'audio/x-unknown')).toBe('tune.exe.bin');
  });

  it('the appended extension survives truncation to 255 bytes', () => {
    const name = safeFileName(`${'a'.repeat(260)}.html`, 'text/plain');
    expect(name.endsWith('.txt')).toBe(true);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
  });

  it('no type lists a dangerous extension as its own', () => {
    for (const exts of Object.values(EXTENSIONS_BY_TYPE)) for (const ext of exts) expect(DANGEROUS_EXTENSIONS.has(ext)).toBe(false);
  });
});
