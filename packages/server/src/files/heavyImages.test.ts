import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { tusCreate, tusMetadata, uploadBytes } from './testing.js';

describe('costly uploads are bounded', () => {
  let t: TestServer;
  let ana: RawSocket;
  let anaToken: string;
  let conv: string;

  beforeAll(async () => {
    t = await startTestServer({ maxThumbnailPixels: 100_000, maxConcurrentUploadsPerUser: 1 });
    ana = await t.connect('u-ana');
    anaToken = await t.token('u-ana');
    conv = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Heavy', memberIds: ['u-ben'] })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('an image above maxThumbnailPixels gets its dimensions but no thumbnail (it is never decoded)', async () => {
    const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#3366cc' } }).png().toBuffer();
    const up = await uploadBytes(t.url, anaToken, png, { conversationId: conv, filename: 'big.png' });
    const info = await ok(ana, 'file:get', { fileId: up.fileId as string });
    expect(info.image).toEqual({ width: 400, height: 300, hasThumbnail: false });
  });

  it('a GIF gets a quarter of the pixel limit: one above it gets no thumbnail, a smaller one does', async () => {
    const big = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#ff0000' } }).gif().toBuffer();
    const small = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#ff0000' } }).gif().toBuffer();
    const bigUp = await uploadBytes(t.url, anaToken, big, { conversationId: conv, filename: 'big.gif' });
    const smallUp = await uploadBytes(t.url, anaToken, small, { conversationId: conv, filename: 'small.gif' });
    expect((await ok(ana, 'file:get', { fileId: bigUp.fileId as string })).image).toEqual({ width: 200, height: 200, hasThumbnail: false });
    expect((await ok(ana, 'file:get', { fileId: smallUp.fileId as string })).image).toEqual({ width: 100, height: 100, hasThumbnail: true });
  });

  it('a user over maxConcurrentUploadsPerUser upload requests at once is refused with 429 RATE_LIMITED', async () => {
    // A creation-with-upload whose body stays open holds the one slot.
    let release: () => void = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('first words of a long text '));
        release = () => controller.close();
      },
    });
    const holding = fetch(`${t.url}/files/uploads`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${anaToken}`,
        'Tus-Resumable': '1.0.0',
        'Upload-Length': '1000',
        'Upload-Metadata': tusMetadata({ conversationId: conv, filename: 'slow.txt' }),
        'Content-Type': 'application/offset+octet-stream',
      },
      body,
      duplex: 'half',
    } as RequestInit);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await tusCreate(t.url, anaToken, 10, { conversationId: conv, filename: 'second.txt' });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    // Another user is not affected.
    const benToken = await t.token('u-ben');
    expect((await tusCreate(t.url, benToken, 10, { conversationId: conv, filename: 'ben.txt' })).status).toBe(201);
    release();
    expect((await holding).status).toBe(201);
    // The slot is free again.
    expect((await tusCreate(t.url, anaToken, 10, { conversationId: conv, filename: 'third.txt' })).status).toBe(201);
  });
});
