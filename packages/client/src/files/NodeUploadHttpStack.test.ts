import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeUploadHttpStack } from './NodeUploadHttpStack.js';
import { decodeFileInfo } from './TusTransfer.js';

describe('NodeUploadHttpStack', () => {
  let server: Server;
  let url: string;
  const received: { method: string; bytes: number; sha256: string; header: string | undefined }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      req.on('end', () => {
        received.push({ method: req.method ?? '', bytes, sha256: hash.digest('hex'), header: req.headers['upload-offset'] as string | undefined });
        res.writeHead(201, { 'Plaza-Test': 'yes', 'Content-Type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/uploads`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends a byte body whole with its headers and reads the answer', async () => {
    const stack = NodeUploadHttpStack.create();
    expect(stack).not.toBeNull();
    const body = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => i % 251);
    const request = stack!.createRequest('PATCH', url);
    request.setHeader('Upload-Offset', '7');
    const progress: number[] = [];
    request.setProgressHandler((sent) => progress.push(sent));
    const response = await request.send(body);
    expect(response.getStatus()).toBe(201);
    expect(response.getHeader('Plaza-Test')).toBe('yes');
    expect(response.getBody()).toBe('{"ok":true}');
    const seen = received.at(-1)!;
    expect(seen).toMatchObject({ method: 'PATCH', bytes: body.byteLength, header: '7' });
    expect(seen.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p, i) => p > 0 && p <= body.byteLength && (i === 0 || p > (progress[i - 1] as number)))).toBe(true);
  });

  it('sends requests without a body', async () => {
    const response = await NodeUploadHttpStack.create()!.createRequest('HEAD', url).send(null);
    expect(response.getStatus()).toBe(201);
  });
});

describe('decodeFileInfo', () => {
  const info = {
    fileId: 'f_abc',
    name: 'Straße 🚧.pdf',
    size: 10,
    mimeType: 'application/pdf',
    sha256: 'a'.repeat(64),
    image: null,
    conversationId: 'c_1',
    uploaderId: 'ana',
    createdAt: '2026-11-22T00:00:00.000Z',
  };

  it('reads the base64url JSON the server sends, non-ASCII names included', () => {
    expect(decodeFileInfo(Buffer.from(JSON.stringify(info)).toString('base64url'))).toEqual(info);
  });

  it('answers null for a missing, malformed or incomplete value', () => {
    expect(decodeFileInfo(undefined)).toBeNull();
    expect(decodeFileInfo('%%%')).toBeNull();
    expect(decodeFileInfo(Buffer.from('{"fileId":"f_abc"}').toString('base64url'))).toBeNull();
  });
});
