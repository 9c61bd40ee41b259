import { describe, expect, it } from 'vitest';
import type { ChunkReader, UploadSource } from './input.js';
import { MemoryUrlStorage } from './MemoryUrlStorage.js';
import { sha256Of } from './sha256.js';
import { TusFileReader, UploadSourceError } from './TusFileReader.js';
import { idFromUrl } from './TusTransfer.js';

function chunks(...parts: number[][]): ChunkReader & { cancelled: boolean } {
  const queue = parts.map((p) => new Uint8Array(p));
  return {
    cancelled: false,
    read: () => Promise.resolve(queue.shift() ?? null),
    cancel() {
      this.cancelled = true;
    },
  };
}

const stream = (reader: ChunkReader, size: number | null): UploadSource => ({ kind: 'stream', reader, size, name: 'f', type: '' });
const bytesOf = (value: unknown) => [...(value as Uint8Array)];

describe('TusFileReader', () => {
  it('slices bytes as views with a size and says done at the end', async () => {
    const source = await new TusFileReader(false).openFile({ kind: 'bytes', bytes: new Uint8Array([1, 2, 3, 4, 5]), size: 5, name: 'f', type: '' }, 2);
    expect(source.size).toBe(5);
    const a = await source.slice(0, 2);
    expect(bytesOf(a.value)).toEqual([1, 2]);
    expect((a.value as { size: number }).size).toBe(2);
    expect(a.done).toBe(false);
    const b = await source.slice(4, 6);
    expect(bytesOf(b.value)).toEqual([5]);
    expect(b.done).toBe(true);
  });

  it('slices a Blob into bytes for Node and into Blobs for browsers', async () => {
    const blob = new Blob([new Uint8Array([9, 8, 7])]);
    const forNode = await new TusFileReader(false).openFile({ kind: 'blob', blob, size: 3, name: 'f', type: '', lastModified: null }, 2);
    const n = await forNode.slice(1, 3);
    expect(bytesOf(n.value)).toEqual([8, 7]);
    expect(n.done).toBe(true);
    const forBrowser = await new TusFileReader(true).openFile({ kind: 'blob', blob, size: 3, name: 'f', type: '', lastModified: null }, 2);
    const b = await forBrowser.slice(0, 2);
    expect(b.value).toBeInstanceOf(Blob);
    expect((b.value as Blob).size).toBe(2);
  });

  it('a stream of known size gives the same slice again after a failed request, then moves on', async () => {
    const source = await new TusFileReader(false).openFile(stream(chunks([1, 2, 3], [4], [5, 6]), 6), 4);
    expect(bytesOf((await source.slice(0, 4)).value)).toEqual([1, 2, 3, 4]);
    // A retry asks for the same range, or for a later start inside it (the server kept a part).
    expect(bytesOf((await source.slice(0, 4)).value)).toEqual([1, 2, 3, 4]);
    expect(bytesOf((await source.slice(2, 6)).value)).toEqual([3, 4, 5, 6]);
    const last = await source.slice(4, 6);
    expect(bytesOf(last.value)).toEqual([5, 6]);
    expect(last.done).toBe(true);
    await expect(source.slice(0, 2)).rejects.toBeInstanceOf(UploadSourceError);
  });

  it('a stream shorter or longer than options.size fails with UploadSourceError', async () => {
    const short = await new TusFileReader(false).openFile(stream(chunks([1, 2]), 4), 4);
    await expect(short.slice(0, 4)).rejects.toThrow(/ended after 2 bytes/);
    const long = await new TusFileReader(false).openFile(stream(chunks([1, 2], [3]), 2), 4);
    await expect(long.slice(0, 2)).rejects.toThrow(/longer than options.size/);
  });

  it('a stream of unknown size says done only with its last bytes (or an empty last slice)', async () => {
    const source = await new TusFileReader(false).openFile(stream(chunks([1, 2], [3]), null), 2);
    const a = await source.slice(0, 2);
    expect([bytesOf(a.value), a.done]).toEqual([[1, 2], false]);
    const b = await source.slice(2, 4);
    expect([bytesOf(b.value), b.done]).toEqual([[3], true]);
    const exact = await new TusFileReader(false).openFile(stream(chunks([1, 2]), null), 2);
    expect((await exact.slice(0, 2)).done).toBe(false);
    const end = await exact.slice(2, 4);
    expect([bytesOf(end.value), end.done]).toEqual([[], true]);
  });

  it('closing a stream source cancels the stream', async () => {
    const reader = chunks([1]);
    const source = await new TusFileReader(false).openFile(stream(reader, null), 2);
    source.close();
    expect(reader.cancelled).toBe(true);
  });
});

describe('upload helpers', () => {
  it('sha256Of hashes bytes and blobs with WebCrypto and skips streams', async () => {
    const abc = new TextEncoder().encode('abc');
    const hex = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(await sha256Of({ kind: 'bytes', bytes: abc, size: 3, name: 'f', type: '' })).toBe(hex);
    expect(await sha256Of({ kind: 'blob', blob: new Blob([abc]), size: 3, name: 'f', type: '', lastModified: null })).toBe(hex);
    expect(await sha256Of(stream(chunks([1]), 1))).toBeNull();
  });

  it('idFromUrl takes the upload id from the last path segment', () => {
    expect(idFromUrl('http://127.0.0.1:7700/files/uploads/f_abc123')).toBe('f_abc123');
    expect(idFromUrl('http://127.0.0.1:7700/files/uploads/f_abc123/')).toBe('f_abc123');
    expect(idFromUrl(null)).toBeNull();
    expect(idFromUrl('not a url')).toBeNull();
  });

  it('MemoryUrlStorage finds uploads by fingerprint and forgets removed ones', async () => {
    const storage = new MemoryUrlStorage();
    const entry = { size: 3, metadata: {}, creationTime: 'now', uploadUrl: 'http://x/files/uploads/f_1', parallelUploadUrls: null, urlStorageKey: '' };
    const key = await storage.addUpload('fp-a', entry);
    await storage.addUpload('fp-b', { ...entry, uploadUrl: 'http://x/files/uploads/f_2' });
    expect((await storage.findUploadsByFingerprint('fp-a')).map((u) => [u.uploadUrl, u.urlStorageKey])).toEqual([['http://x/files/uploads/f_1', key]]);
    expect(await storage.findAllUploads()).toHaveLength(2);
    await storage.removeUpload(key);
    expect(await storage.findUploadsByFingerprint('fp-a')).toEqual([]);
  });
});
