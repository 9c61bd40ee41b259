import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pathName, toBytes, toUploadSource } from './input.js';
import type { ChunkReader } from './input.js';

async function drain(reader: ChunkReader): Promise<number[]> {
  const out: number[] = [];
  for (let chunk = await reader.read(); chunk !== null; chunk = await reader.read()) out.push(...chunk);
  return out;
}

describe('toUploadSource', () => {
  it('a File keeps its name, type, size and lastModified', () => {
    const file = new File([new Uint8Array([1, 2, 3])], 'photo.png', { type: 'image/png', lastModified: 1234 });
    expect(toUploadSource(file)).toMatchObject({ kind: 'blob', name: 'photo.png', type: 'image/png', size: 3, lastModified: 1234 });
  });

  it('a Blob without a name is called "file" unless options.name says otherwise', () => {
    const blob = new Blob(['hello'], { type: 'text/plain' });
    expect(toUploadSource(blob)).toMatchObject({ kind: 'blob', name: 'file', type: 'text/plain', size: 5, lastModified: null });
    expect(toUploadSource(blob, { name: 'notes.txt', type: 'text/markdown' })).toMatchObject({ name: 'notes.txt', type: 'text/markdown' });
  });

  it('a Buffer, a Uint8Array and an ArrayBuffer become bytes of the right size without copying', () => {
    const buffer = Buffer.from('abcdef');
    const fromBuffer = toUploadSource(buffer);
    expect(fromBuffer).toMatchObject({ kind: 'bytes', size: 6, name: 'file', type: '' });
    expect(fromBuffer.kind === 'bytes' && fromBuffer.bytes).toBe(buffer);
    const view = new Uint8Array(new ArrayBuffer(16), 4, 8);
    expect(toUploadSource(view)).toMatchObject({ kind: 'bytes', size: 8 });
    expect(toUploadSource(new ArrayBuffer(10))).toMatchObject({ kind: 'bytes', size: 10 });
  });

  it('a web ReadableStream is read chunk by chunk; its size comes from options.size or stays unknown', async () => {
    const stream = () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new Uint8Array([1, 2]));
          c.enqueue(new Uint8Array([]));
          c.enqueue(new Uint8Array([3]));
          c.close();
        },
      });
    const unknown = toUploadSource(stream());
    expect(unknown).toMatchObject({ kind: 'stream', size: null, name: 'file' });
    const known = toUploadSource(stream(), { size: 3, name: 'x.bin' });
    expect(known).toMatchObject({ kind: 'stream', size: 3, name: 'x.bin' });
    expect(known.kind === 'stream' && (await drain(known.reader))).toEqual([1, 2, 3]);
  });

  it('a Node Readable is read through its async iterator, strings included, and an fs stream lends its file name', async () => {
    const readable = Readable.from([Buffer.from([1, 2]), 'A']);
    const source = toUploadSource(readable);
    expect(source).toMatchObject({ kind: 'stream', size: null, name: 'file' });
    expect(source.kind === 'stream' && (await drain(source.reader))).toEqual([1, 2, 65]);
    const withPath = Object.assign(Readable.from([]), { path: '/var/data/report.pdf' });
    expect(toUploadSource(withPath)).toMatchObject({ name: 'report.pdf' });
  });

  it('anything else, or a bad hint, throws TypeError at once', () => {
    for (const bad of [null, undefined, 'text', 42, {}, [1, 2], { getReader: 1 }]) {
      expect(() => toUploadSource(bad)).toThrow(TypeError);
    }
    const bytes = new Uint8Array(1);
    expect(() => toUploadSource(bytes, { name: '' })).toThrow(TypeError);
    expect(() => toUploadSource(bytes, { name: 'x'.repeat(256) })).toThrow(TypeError);
    expect(() => toUploadSource(bytes, { size: -1 })).toThrow(TypeError);
    expect(() => toUploadSource(bytes, { size: 1.5 })).toThrow(TypeError);
    expect(() => toUploadSource(bytes, { type: 5 as unknown as string })).toThrow(TypeError);
  });
});

describe('helpers', () => {
  it('pathName takes the last segment of POSIX and Windows paths', () => {
    expect(pathName('/a/b/c.txt')).toBe('c.txt');
    expect(pathName('C:\\docs\\plan.pdf')).toBe('plan.pdf');
    expect(pathName('/a/b/')).toBeNull();
    expect(pathName(7)).toBeNull();
  });

  it('toBytes accepts bytes, array buffers, other views and strings, and refuses the rest', () => {
    expect([...toBytes(new Uint16Array([0x0201]))]).toEqual([1, 2]);
    expect([...toBytes(new ArrayBuffer(2))]).toEqual([0, 0]);
    expect([...toBytes('é')]).toEqual([0xc3, 0xa9]);
    expect(() => toBytes({})).toThrow(TypeError);
  });
});
