import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { Readable } from 'node:stream';
import { ErrorCode } from '@plaza/protocol';
import type { Message } from '@plaza/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlazaError } from '../errors.js';
import type { UploadProgress } from '../events.js';
import type { PlazaClientOptions } from '../PlazaClient.js';
import { startHarness, waitFor } from './harness.js';
import type { Harness } from './harness.js';

const MAX_FILE_BYTES = 2 * 1024 * 1024;
/** Small chunks, so that an upload of a few hundred KiB takes many requests. */
const uploadOptions: PlazaClientOptions = {
  uploadChunkBytes: 64 * 1024,
  uploadRetryDelaysMs: Array.from({ length: 40 }, () => 100),
};

/** Plain text (an allowed type) of `size` bytes that differs from call to call. */
function textBytes(size: number): Buffer {
  const seed = Math.random().toString(36).slice(2);
  const line = `street light report ${seed} — lamp out, pole 17, Elm St.\n`;
  return Buffer.from(line.repeat(Math.ceil(size / Buffer.byteLength(line)))).subarray(0, size);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** GET over a connection of its own that closes afterwards (no keep-alive socket holds up the server's close). */
function download(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      expect(res.statusCode).toBe(200);
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve(Buffer.concat(parts)));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('file sharing against a real server', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness({ maxFileBytes: MAX_FILE_BYTES });
  });

  afterEach(async () => {
    await h.close();
  });

  async function pair() {
    const alice = await h.client('alice', uploadOptions);
    const bob = await h.client('bob', uploadOptions);
    const conv = await alice.conversations.openDirect('bob');
    const bobConv = await bob.conversations.openDirect('alice');
    const received: Message[] = [];
    bobConv.on('message', (m) => received.push(m));
    return { alice, bob, conv, bobConv, received };
  }

  it('sendFile reports progress, the message with the attachment reaches the other member and the signed URL serves the same bytes', async () => {
    const { bob, conv, received } = await pair();
    const bytes = textBytes(300 * 1024);
    const progress: UploadProgress[] = [];
    const handle = conv.sendFile(bytes, { name: 'report.txt', text: 'see attached', onProgress: (p) => progress.push(p) });
    const events: UploadProgress[] = [];
    handle.on('progress', (p) => events.push(p));
    expect(handle.state).toBe('preparing');

    const message = await handle.done;
    expect(handle.state).toBe('done');
    expect(message.text).toBe('see attached');
    expect(message.clientId).toBe(handle.id);
    expect(message.attachments).toHaveLength(1);
    const [attachment] = message.attachments;
    expect(attachment).toMatchObject({ fileId: handle.fileId, name: 'report.txt', size: bytes.length, mimeType: 'text/plain', sha256: sha256(bytes), image: null });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual({ bytesSent: bytes.length, bytesTotal: bytes.length });
    expect(events).toEqual(progress);

    const got = await waitFor(() => received.some((m) => m.id === message.id), 10_000, 'bob to receive the file message').then(
      () => received.find((m) => m.id === message.id) as Message,
    );
    expect(got.attachments).toEqual(message.attachments);
    const url = await bob.files.url(attachment!.fileId);
    expect(url.startsWith(h.url)).toBe(true);
    expect(sha256(await download(url))).toBe(sha256(bytes));
  });

  it('a file may be sent without text, from a Blob, a web ReadableStream or a Node Readable', async () => {
    const { conv } = await pair();
    const bytes = textBytes(150 * 1024);
    const fromBlob = await conv.sendFile(new Blob([bytes], { type: 'text/plain' }), { name: 'blob.txt' }).done;
    expect(fromBlob.text).toBe('');
    expect(fromBlob.attachments[0]).toMatchObject({ name: 'blob.txt', size: bytes.length, sha256: sha256(bytes) });

    const web = new Blob([bytes]).stream();
    const fromWeb = await conv.sendFile(web, { name: 'web.txt', size: bytes.length }).done;
    expect(fromWeb.attachments[0]).toMatchObject({ name: 'web.txt', size: bytes.length, sha256: sha256(bytes) });

    const node = Readable.from([bytes.subarray(0, 100_000), bytes.subarray(100_000)]);
    const fromNode = await conv.sendFile(node, { name: 'node.txt', size: bytes.length }).done;
    expect(fromNode.attachments[0]).toMatchObject({ name: 'node.txt', size: bytes.length, sha256: sha256(bytes) });

    // Without options.size a stream is read into memory first (and hashed like bytes).
    const unsized = await conv.sendFile(Readable.from([bytes]), { name: 'unsized.txt' }).done;
    expect(unsized.attachments[0]).toMatchObject({ name: 'unsized.txt', size: bytes.length, sha256: sha256(bytes) });
  });

  it('a stream without options.size that grows past maxFileBytes fails with PAYLOAD_TOO_LARGE', async () => {
    const { conv } = await pair();
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(textBytes(256 * 1024));
      },
    });
    await expect(conv.sendFile(endless, { name: 'endless.txt' }).done).rejects.toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE });
  });

  it('uploadFile resolves with the FileInfo; files.get and attachmentUrl describe and serve it', async () => {
    const { alice, conv } = await pair();
    const bytes = textBytes(10_000);
    const handle = conv.uploadFile(bytes, { name: 'notes.txt' });
    const info = await handle.done;
    expect(info).toMatchObject({ fileId: handle.fileId, conversationId: conv.id, uploaderId: 'alice', name: 'notes.txt', size: bytes.length, sha256: sha256(bytes) });
    expect(await alice.files.get(info.fileId)).toEqual(info);
    expect(await download(await conv.attachmentUrl(info))).toEqual(bytes);
    // Nothing was sent: the conversation has no message with it.
    expect((await conv.history()).messages.some((m) => m.attachments.length > 0)).toBe(false);
  });

  it('pause() stops sending until resume(); the upload then completes from where it was', async () => {
    const { conv } = await pair();
    const bytes = textBytes(1024 * 1024);
    let paused = false;
    const handle = conv.sendFile(bytes, {
      name: 'big.txt',
      onProgress: (p) => {
        if (!paused && p.bytesSent >= 128 * 1024) {
          paused = true;
          handle.pause();
        }
      },
    });
    await waitFor(() => paused, 10_000, 'the first chunks');
    expect(handle.state).toBe('paused');
    const at = handle.progress.bytesSent;
    await new Promise((r) => setTimeout(r, 300));
    expect(handle.progress.bytesSent).toBe(at);
    expect(handle.state).toBe('paused');
    handle.resume();
    expect(handle.state).toBe('uploading');
    const message = await handle.done;
    expect(message.attachments[0]).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
  });

  it('cancel() stops the upload, rejects done, sends no message and the server forgets the partial file', async () => {
    const { alice, conv, received } = await pair();
    const bytes = textBytes(1024 * 1024);
    let cancelled: Promise<boolean> | null = null;
    const handle = conv.sendFile(bytes, {
      onProgress: (p) => {
        if (!cancelled && p.bytesSent >= 128 * 1024) cancelled = handle.cancel();
      },
    });
    const error = await handle.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlazaError);
    expect((error as PlazaError).code).toBe(ErrorCode.INVALID_REQUEST);
    expect(await cancelled).toBe(true);
    expect(handle.state).toBe('cancelled');
    expect(await handle.cancel()).toBe(false);
    const fileId = handle.fileId;
    expect(fileId).toMatch(/^f_/);
    await expect(alice.files.get(fileId as string)).rejects.toMatchObject({ code: ErrorCode.FILE_NOT_FOUND });
    const upload = new URL(`${(alice.session?.limits.uploadPath ?? '/files/uploads').replace(/\/$/, '')}/${fileId}`, h.url);
    const token = await h.token('alice');
    let status = 0;
    for (let i = 0; i < 50 && status !== 404 && status !== 410; i++) {
      status = (await fetch(upload, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${token}` } })).status;
      if (status !== 404 && status !== 410) await new Promise((r) => setTimeout(r, 50));
    }
    expect([404, 410]).toContain(status);
    expect(received).toEqual([]);
  });

  it('an empty file rejects with INVALID_REQUEST "empty files are not accepted" before anything is sent', async () => {
    const { conv } = await pair();
    for (const input of [new Uint8Array(0), new Blob([]), Readable.from([])]) {
      const handle = conv.sendFile(input, { name: 'empty.txt' });
      await expect(handle.done).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST, message: 'empty files are not accepted' });
      expect(handle.fileId).toBeNull();
    }
  });

  it('a file larger than the server accepts rejects with PAYLOAD_TOO_LARGE before any byte is read or sent', async () => {
    const { conv } = await pair();
    let reads = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        reads += 1;
        c.enqueue(new Uint8Array(1024));
      },
    });
    const handle = conv.sendFile(stream, { size: MAX_FILE_BYTES + 1 });
    await expect(handle.done).rejects.toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE });
    expect(handle.state).toBe('failed');
    expect(handle.fileId).toBeNull();
    // ReadableStream pulls once to fill its queue on construction; the upload itself read nothing more.
    expect(reads).toBeLessThanOrEqual(1);
    await expect(conv.sendFile(textBytes(MAX_FILE_BYTES + 1)).done).rejects.toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE });
  });

  it('content of a type the server refuses fails with UNSUPPORTED_FILE_TYPE without retrying', async () => {
    const { conv } = await pair();
    const html = Buffer.from(`<!doctype html><html><body><script>alert(1)</script>${'x'.repeat(5000)}</body></html>`);
    const handle = conv.sendFile(html, { name: 'page.txt' });
    await expect(handle.done).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_FILE_TYPE });
  });

  it('an upload survives a server stop and restart on the same port and data dir: it resumes from the stored offset', async () => {
    const { conv, received } = await pair();
    const bytes = textBytes(1024 * 1024);
    let paused = false;
    const progress: { p: UploadProgress; restarted: boolean }[] = [];
    let restarted = false;
    const handle = conv.sendFile(bytes, {
      name: 'survey.txt',
      text: 'after the restart',
      onProgress: (p) => {
        progress.push({ p, restarted });
        if (!paused && p.bytesSent >= 256 * 1024) {
          paused = true;
          handle.pause();
        }
      },
    });
    await waitFor(() => paused, 10_000, 'a quarter of the file');
    const fileId = handle.fileId;
    expect(fileId).toMatch(/^f_/);
    await h.stop();
    // Resume while the server is down: requests fail and are retried.
    handle.resume();
    await new Promise((r) => setTimeout(r, 300));
    expect(handle.state).toBe('uploading');
    restarted = true;
    await h.start();

    const message = await handle.done;
    expect(handle.fileId).toBe(fileId);
    expect(message.text).toBe('after the restart');
    expect(message.attachments[0]).toMatchObject({ fileId, size: bytes.length, sha256: sha256(bytes) });
    const after = progress.filter((e) => e.restarted).map((e) => e.p.bytesSent);
    expect(after.length).toBeGreaterThan(0);
    expect(Math.min(...after)).toBeGreaterThan(0);
    await waitFor(() => received.some((m) => m.id === message.id), 15_000, 'bob to receive the message after the restart');
  });

  it('an upload after the token expired renews it through the token provider', async () => {
    const alice = h.newClient(uploadOptions);
    let issued = 0;
    await alice.connect(() => {
      issued += 1;
      return h.token('alice', 2);
    });
    const conv = await alice.conversations.openDirect('bob');
    await new Promise((r) => setTimeout(r, 2600));
    const bytes = textBytes(20_000);
    const message = await conv.sendFile(bytes, { name: 'late.txt' }).done;
    expect(message.attachments[0]).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
    expect(issued).toBeGreaterThanOrEqual(2);
  });
});
