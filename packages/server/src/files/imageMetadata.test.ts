import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { sha256Hex, uploadBytes } from './testing.js';

const GPS_MARK = 'home-of-citizen-52.52N';
const exif = { IFD0: { Copyright: GPS_MARK, ImageDescription: GPS_MARK } };

describe('personal metadata is stripped from image originals', () => {
  let t: TestServer;
  let ana: RawSocket;
  let anaToken: string;
  let conv: string;

  beforeAll(async () => {
    t = await startTestServer();
    ana = await t.connect('u-ana');
    anaToken = await t.token('u-ana');
    conv = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Photos', memberIds: ['u-ben'] })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  async function storedOriginal(bytes: Buffer, filename: string) {
    // The client's sha256 describes the bytes it sent: it is accepted although the stored file differs.
    const up = await uploadBytes(t.url, anaToken, bytes, { conversationId: conv, filename, sha256: sha256Hex(bytes) });
    expect(up.fileId).toMatch(/^f_/);
    const info = await ok(ana, 'file:get', { fileId: up.fileId as string });
    const { url } = await ok(ana, 'file:url', { fileId: info.fileId });
    const stored = Buffer.from(await (await fetch(new URL(url, t.url))).arrayBuffer());
    expect(info.size).toBe(stored.length);
    expect(info.sha256).toBe(createHash('sha256').update(stored).digest('hex'));
    return { info, stored };
  }

  it('a JPEG loses its EXIF (location) but keeps its pixels and its orientation', async () => {
    const jpeg = await sharp({ create: { width: 64, height: 32, channels: 3, background: '#884422' } })
      .jpeg()
      .withMetadata({ orientation: 6, exif })
      .toBuffer();
    expect(jpeg.includes(GPS_MARK)).toBe(true);
    const { info, stored } = await storedOriginal(jpeg, 'street.jpg');
    expect(stored.includes(GPS_MARK)).toBe(false);
    expect((await sharp(stored).metadata()).orientation).toBe(6);
    expect(info.image).toMatchObject({ width: 32, height: 64 });
    // Lossless: the decoded pixels are the same.
    expect((await sharp(stored).raw().toBuffer()).equals(await sharp(jpeg).raw().toBuffer())).toBe(true);
  });

  it('a PNG loses its EXIF and text chunks', async () => {
    const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#123456' } }).png().withMetadata({ exif }).toBuffer();
    expect(png.includes(GPS_MARK)).toBe(true);
    const { stored } = await storedOriginal(png, 'map.png');
    expect(stored.includes(GPS_MARK)).toBe(false);
    expect((await sharp(stored).raw().toBuffer()).equals(await sharp(png).raw().toBuffer())).toBe(true);
  });

  it('a WebP loses its EXIF chunk', async () => {
    const webp = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#654321' } }).webp({ lossless: true }).withMetadata({ exif }).toBuffer();
    expect(webp.includes(GPS_MARK)).toBe(true);
    const { stored } = await storedOriginal(webp, 'pic.webp');
    expect(stored.includes(GPS_MARK)).toBe(false);
    expect((await sharp(stored).metadata()).exif).toBeUndefined();
  });

  it('with stripImageMetadata: false the original is stored as uploaded', async () => {
    const keep = await startTestServer({ stripImageMetadata: false });
    try {
      const socket = await keep.connect('u-ana');
      const token = await keep.token('u-ana');
      const id = (await ok(socket, 'conversation:create', { kind: 'group', title: 'Keep', memberIds: ['u-ben'] })).id;
      const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000000' } }).jpeg().withMetadata({ exif }).toBuffer();
      const up = await uploadBytes(keep.url, token, jpeg, { conversationId: id, filename: 'raw.jpg' });
      expect((await ok(socket, 'file:get', { fileId: up.fileId as string })).sha256).toBe(sha256Hex(jpeg));
    } finally {
      await keep.close();
    }
  });
});
