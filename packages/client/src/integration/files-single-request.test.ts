import { createHash } from 'node:crypto';
import { ErrorCode } from '@plaza/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { PlazaClient } from '../PlazaClient.js';
import type { PlazaClientOptions } from '../PlazaClient.js';
import { startHarness, waitFor } from './harness.js';
import type { Harness } from './harness.js';
import { startPrefixProxy } from './proxy.js';

const CHUNK = 64 * 1024;
const options: PlazaClientOptions = { uploadChunkBytes: CHUNK, uploadRetryDelaysMs: [50, 50, 50], logger: createLogger('error') };

/** Plain text (an allowed type) of `size` bytes that differs from call to call. */
function textBytes(size: number): Buffer {
  const line = `pole ${Math.random().toString(36).slice(2)} lamp out, Elm St.\n`;
  return Buffer.from(line.repeat(Math.ceil(size / line.length))).subarray(0, size);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Node uploads of a file in memory that fits one chunk go out as one creation-with-upload request
 * without tus-js-client's machinery; what the app sees must not change.
 */
describe('uploads of a file that fits one request (Node)', { timeout: 60_000 }, () => {
  let h: Harness;
  let proxy: { url: string; close(): Promise<void> };
  /** Upload requests the proxy saw: `POST /files/uploads/`, `PATCH /files/uploads/f_…`, … */
  let seen: string[];
  /** How many of the next upload POSTs the proxy cuts off. */
  let resetPosts: number;
  let client: PlazaClient;

  beforeEach(async () => {
    h = await startHarness();
    seen = [];
    resetPosts = 0;
    proxy = await startPrefixProxy(h.url, '/plaza', (method, path) => {
      if (!path.startsWith('/files/uploads')) return 'forward';
      seen.push(`${method} ${path.replace(/f_[\w-]+/, 'f_…').replace(/\/$/, '')}`);
      if (method === 'POST' && resetPosts > 0) {
        resetPosts -= 1;
        return 'reset';
      }
      return 'forward';
    });
    client = new PlazaClient(`${proxy.url}/plaza`, options);
    await client.connect(await h.token('alice'));
  });

  afterEach(async () => {
    await client.disconnect();
    await proxy.close();
    await h.close();
  });

  async function download(fileId: string): Promise<Buffer> {
    const res = await fetch(await client.files.url(fileId));
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  }

  it('a file up to one chunk takes one POST, with or without the checksum; a larger one still goes POST then PATCH', async () => {
    const conv = await client.conversations.openDirect('bob');
    for (const sha of [true, false]) {
      seen = [];
      const bytes = textBytes(CHUNK);
      const progress: number[] = [];
      const handle = conv.uploadFile(bytes, { name: 'one.txt', sha256: sha, onProgress: (p) => progress.push(p.bytesSent) });
      const info = await handle.done;
      expect(info).toMatchObject({ fileId: handle.fileId, name: 'one.txt', size: bytes.length, sha256: sha256(bytes) });
      expect(handle.state).toBe('done');
      expect(progress.at(-1)).toBe(bytes.length);
      expect(seen).toEqual(['POST /files/uploads']);
      expect((await download(info.fileId)).equals(bytes)).toBe(true);
    }
    seen = [];
    const larger = textBytes(CHUNK + 1);
    const info = await conv.uploadFile(larger, { name: 'two.txt' }).done;
    expect(seen).toEqual(['POST /files/uploads', 'PATCH /files/uploads/f_…']);
    expect((await download(info.fileId)).equals(larger)).toBe(true);
  });

  it('a single request cut off on the network is retried after the first delay and the upload completes with the same bytes', async () => {
    const conv = await client.conversations.openDirect('bob');
    resetPosts = 1;
    const bytes = textBytes(10_000);
    const handle = conv.sendFile(bytes, { name: 'retried.txt', text: 'after a lost connection', sha256: false });
    const message = await handle.done;
    expect(seen).toEqual(['POST /files/uploads', 'POST /files/uploads']);
    expect(message.attachments[0]).toMatchObject({ fileId: handle.fileId, size: bytes.length, sha256: sha256(bytes) });
    expect((await download(handle.fileId as string)).equals(bytes)).toBe(true);
  });

  it('when every attempt is cut off, the upload fails with UNAVAILABLE after the configured retries (one POST each)', async () => {
    const conv = await client.conversations.openDirect('bob');
    resetPosts = 100;
    const handle = conv.uploadFile(textBytes(10_000), { name: 'lost.txt' });
    await expect(handle.done).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    expect(handle.state).toBe('failed');
    // The first attempt and one per retry delay, as tus-js-client alone would make.
    expect(seen).toEqual(Array.from({ length: 4 }, () => 'POST /files/uploads'));
  });

  it('content the server refuses fails with UNSUPPORTED_FILE_TYPE after its one request, not retried', async () => {
    const conv = await client.conversations.openDirect('bob');
    const html = Buffer.from(`<!doctype html><html><body><script>alert(1)</script>${'x'.repeat(5000)}</body></html>`);
    const handle = conv.uploadFile(html, { name: 'page.txt' });
    await expect(handle.done).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_FILE_TYPE });
    expect(seen).toEqual(['POST /files/uploads']);
    expect(handle.fileId).toBeNull();
  });

  it('paused before its request, it sends nothing until resume() and then completes', async () => {
    const conv = await client.conversations.openDirect('bob');
    const bytes = textBytes(20_000);
    const handle = conv.uploadFile(bytes, { name: 'later.txt' });
    handle.pause();
    await waitFor(() => handle.state === 'paused', 5_000, 'the upload to be paused');
    // A file:get round trip: anything the upload had sent would have reached the proxy before it.
    await expect(client.files.get('f_none')).rejects.toMatchObject({ code: ErrorCode.FILE_NOT_FOUND });
    expect(seen).toEqual([]);
    handle.resume();
    const info = await handle.done;
    expect(seen).toEqual(['POST /files/uploads']);
    expect((await download(info.fileId)).equals(bytes)).toBe(true);
  });

  it('bad input still fails before any request: a non-boolean sha256 option throws TypeError and nothing is sent', async () => {
    const conv = await client.conversations.openDirect('bob');
    expect(() => conv.uploadFile(textBytes(100), { sha256: 'yes' as unknown as boolean })).toThrow(TypeError);
    await expect(client.files.get('f_none')).rejects.toMatchObject({ code: ErrorCode.FILE_NOT_FOUND });
    expect(seen).toEqual([]);
  });
});
