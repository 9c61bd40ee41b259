import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { bytesUnder, filesUnder, sha256Hex, tusCreate, tusHead, tusMetadata, tusPatch, uploadBytes } from './testing.js';
import { UPLOAD_PATH } from './uploadRoutes.js';

const LIMIT = 64 * 1024;
const QUOTA = 200 * 1024;

describe('tus uploads', () => {
  let t: TestServer;
  let ana: RawSocket;
  let anaToken: string;
  let conv: string;
  let filesDir: string;

  beforeAll(async () => {
    t = await startTestServer({ maxFileBytes: LIMIT, userQuotaBytes: QUOTA });
    filesDir = join(t.server.config.dataDir, 'files');
    ana = await t.connect('u-ana');
    anaToken = await t.token('u-ana');
    conv = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Uploads', memberIds: ['u-ben'] })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('a text file uploads, gets a Plaza-File-Id and is described by file:get', async () => {
    const bytes = Buffer.from('The street light on Elm St is out.\n');
    const up = await uploadBytes(t.url, anaToken, bytes, { conversationId: conv, filename: 'report.txt', sha256: sha256Hex(bytes) });
    expect(up.created.status).toBe(201);
    expect(up.created.headers.get('location')).toMatch(/^\/files\/uploads\/f_[A-Za-z0-9]{20}$/);
    expect(up.patched?.status).toBe(204);
    expect(up.fileId).toMatch(/^f_/);
    const info = await ok(ana, 'file:get', { fileId: up.fileId as string });
    expect(info).toMatchObject({
      fileId: up.fileId,
      name: 'report.txt',
      size: bytes.length,
      mimeType: 'text/plain',
      sha256: sha256Hex(bytes),
      image: null,
      conversationId: conv,
      uploaderId: 'u-ana',
    });
  });

  it('text named report.html is stored and described as report.html.txt (the name agrees with the sniffed type)', async () => {
    const bytes = Buffer.from('just words, no markup\n');
    const up = await uploadBytes(t.url, anaToken, bytes, { conversationId: conv, filename: 'report.html' });
    const info = await ok(ana, 'file:get', { fileId: up.fileId as string });
    expect(info).toMatchObject({ name: 'report.html.txt', mimeType: 'text/plain' });
  });

  it('an HTML page padded past the sniffed window is refused at completion with 415 and not stored', async () => {
    const bytes = Buffer.from(`${' '.repeat(4200)}<img src=x onerror=alert(1)>`);
    const up = await uploadBytes(t.url, anaToken, bytes, { conversationId: conv, filename: 'padded.txt' });
    expect(up.fileId).toBeNull();
    expect(up.patched?.status).toBe(415);
  });

  it('creation-with-upload: one POST carrying the whole file stores it and answers its Plaza-File-Id', async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(20_000)]);
    const res = await fetch(`${t.url}${UPLOAD_PATH}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${anaToken}`,
        'Tus-Resumable': '1.0.0',
        'Upload-Length': String(bytes.length),
        'Upload-Metadata': tusMetadata({ conversationId: conv, filename: 'one-shot.pdf', sha256: sha256Hex(bytes) }),
        'Content-Type': 'application/offset+octet-stream',
      },
      body: bytes,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('upload-offset')).toBe(String(bytes.length));
    const fileId = res.headers.get('plaza-file-id');
    expect(fileId).toMatch(/^f_/);
    expect(await ok(ana, 'file:get', { fileId: fileId as string })).toMatchObject({ size: bytes.length, mimeType: 'application/pdf', sha256: sha256Hex(bytes) });
    // The finished upload is no longer anyone's to continue.
    const head = await tusHead(new URL(res.headers.get('location') as string, t.url).toString(), anaToken);
    expect(head.status).toBe(404);
  });

  it('creation-with-upload of a refused type stores nothing', async () => {
    const before = filesUnder(filesDir).length;
    const res = await fetch(`${t.url}${UPLOAD_PATH}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${anaToken}`,
        'Tus-Resumable': '1.0.0',
        'Upload-Length': '40',
        'Upload-Metadata': tusMetadata({ conversationId: conv, filename: 'page.txt' }),
        'Content-Type': 'application/offset+octet-stream',
      },
      body: Buffer.from('<html><script>alert(1)</script></html>\n\n'),
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ error: { code: 'UNSUPPORTED_FILE_TYPE' } });
    expect(filesUnder(filesDir).length).toBe(before);
  });

  it('an upload sent in several PATCH requests (smaller than the sniff window) hashes and types correctly', async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(10_000)]);
    const up = await uploadBytes(t.url, anaToken, bytes, { conversationId: conv, filename: 'scan.pdf', sha256: sha256Hex(bytes) }, 7);
    expect(up.patched?.status).toBe(204);
    const info = await ok(ana, 'file:get', { fileId: up.fileId as string });
    expect(info.mimeType).toBe('application/pdf');
    expect(info.sha256).toBe(sha256Hex(bytes));
  });

  it('without a token creation is 401 UNAUTHENTICATED with a JSON error body', async () => {
    const res = await tusCreate(t.url, null, 10, { conversationId: conv, filename: 'a.txt' });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it('without the canUploadFiles grant creation is 403 PERMISSION_DENIED', async () => {
    const token = await t.token('u-ana', { canUploadFiles: false });
    const res = await tusCreate(t.url, token, 10, { conversationId: conv, filename: 'a.txt' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'PERMISSION_DENIED' } });
  });

  it('a non-member cannot upload into the conversation (403 NOT_A_MEMBER) nor see a file of it', async () => {
    const eve = await t.connect('u-eve');
    const res = await tusCreate(t.url, await t.token('u-eve'), 10, { conversationId: conv, filename: 'a.txt' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'NOT_A_MEMBER' } });
    const bytes = Buffer.from('members only');
    const up = await uploadBytes(t.url, anaToken, bytes, { conversationId: conv, filename: 'secret.txt' });
    const fileId = up.fileId as string;
    expect((await eve.timeout(5000).emitWithAck('file:url', { fileId })).error.code).toBe('FILE_NOT_FOUND');
    expect((await eve.timeout(5000).emitWithAck('file:get', { fileId })).error.code).toBe('FILE_NOT_FOUND');
  });

  it('Upload-Length above maxFileBytes is 413 PAYLOAD_TOO_LARGE and leaves no byte under files/', async () => {
    const before = filesUnder(filesDir);
    const res = await tusCreate(t.url, anaToken, LIMIT + 1, { conversationId: conv, filename: 'big.bin' });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', details: { limit: LIMIT } } });
    expect(filesUnder(filesDir)).toEqual(before);
  });

  it('HTML and SVG disguised as .png are refused with 415 and nothing of them is stored', async () => {
    const disguises = [
      '<!DOCTYPE html><html><body><script>alert(1)</script></body></html>',
      '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
      '\ufeff  <SVG xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></SVG>',
      '<div>hi</div><script src="https://evil.example/x.js"></script>',
    ];
    for (const text of disguises) {
      const bytes = Buffer.from(text);
      const up = await uploadBytes(t.url, anaToken, bytes, { conversationId: conv, filename: 'cat.png', filetype: 'image/png' });
      expect(up.created.status).toBe(201);
      expect(up.patched?.status).toBe(415);
      expect(await up.patched?.json()).toMatchObject({ error: { code: 'UNSUPPORTED_FILE_TYPE' } });
      const id = (up.uploadUrl as string).split('/').pop() as string;
      expect(filesUnder(filesDir).filter((f) => f.includes(id))).toEqual([]);
      expect((await tusHead(up.uploadUrl as string, anaToken)).status).toBe(404);
    }
  });

  it('a type not on the allow-list is refused before a byte is written', async () => {
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), randomBytes(6000)]);
    const up = await uploadBytes(t.url, anaToken, elf, { conversationId: conv, filename: 'tool.pdf' });
    expect(up.patched?.status).toBe(415);
    expect(bytesUnder(join(filesDir, 'uploads'))).toBe(0);
  });

  it('only the uploader may continue or inspect an upload', async () => {
    const bytes = Buffer.from('half of it, then the rest');
    const created = await tusCreate(t.url, anaToken, bytes.length, { conversationId: conv, filename: 'half.txt' });
    const url = new URL(created.headers.get('location') as string, t.url).toString();
    const benToken = await t.token('u-ben');
    expect((await tusPatch(url, benToken, 0, bytes)).status).toBe(404);
    expect((await tusHead(url, benToken)).status).toBe(404);
    const mine = await tusHead(url, anaToken);
    expect(mine.status).toBe(200);
    expect(mine.headers.get('upload-offset')).toBe('0');
  });

  it('a wrong declared sha256 is CHECKSUM_MISMATCH and the upload is discarded', async () => {
    const bytes = Buffer.from('these bytes do not hash to zeros');
    const up = await uploadBytes(t.url, anaToken, bytes, { conversationId: conv, filename: 'x.txt', sha256: '0'.repeat(64) });
    expect(up.patched?.status).toBe(460);
    expect(await up.patched?.json()).toMatchObject({ error: { code: 'CHECKSUM_MISMATCH' } });
    expect((await tusHead(up.uploadUrl as string, anaToken)).status).toBe(404);
  });

  it('images get dimensions and a metadata-free thumbnail of at most 320 px', async () => {
    const png = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#3366cc' } })
      .png()
      .withMetadata({ exif: { IFD0: { Copyright: 'secret-gps-here' } } })
      .toBuffer();
    expect(png.length).toBeLessThan(LIMIT);
    const up = await uploadBytes(t.url, anaToken, png, { conversationId: conv, filename: 'photo.png' });
    const info = await ok(ana, 'file:get', { fileId: up.fileId as string });
    expect(info.mimeType).toBe('image/png');
    expect(info.image).toEqual({ width: 1200, height: 800, hasThumbnail: true });
    const { url } = await ok(ana, 'file:url', { fileId: info.fileId, variant: 'thumbnail' });
    const res = await fetch(new URL(url, t.url));
    expect(res.status).toBe(200);
    const thumb = Buffer.from(await res.arrayBuffer());
    const meta = await sharp(thumb).metadata();
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(320);
    expect(meta.exif).toBeUndefined();
    expect(thumb.includes('secret-gps-here')).toBe(false);
  });

  it('quota counts stored files and uploads in progress: the next one is 413 QUOTA_EXCEEDED', async () => {
    const user = 'u-quota';
    const sock = await t.connect(user);
    const token = await t.token(user);
    const room = (await ok(sock, 'conversation:create', { kind: 'group', title: 'Quota' })).id;
    const bytes = Buffer.alloc(60 * 1024, 'a');
    const first = await uploadBytes(t.url, token, bytes, { conversationId: room, filename: 'one.txt' });
    expect(first.fileId).toBeTruthy();
    const second = await uploadBytes(t.url, token, bytes, { conversationId: room, filename: 'two.txt' });
    expect(second.fileId).toBeTruthy();
    // 120 KiB stored; a 60 KiB upload in progress takes the total to 180 KiB.
    const pending = await tusCreate(t.url, token, bytes.length, { conversationId: room, filename: 'three.txt' });
    expect(pending.status).toBe(201);
    const refused = await tusCreate(t.url, token, 30 * 1024, { conversationId: room, filename: 'four.txt' });
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ error: { code: 'QUOTA_EXCEEDED' } });
    // Cancelling the pending upload frees its reservation.
    const url = new URL(pending.headers.get('location') as string, t.url).toString();
    const del = await fetch(url, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${token}` } });
    expect(del.status).toBe(204);
    expect((await tusCreate(t.url, token, 30 * 1024, { conversationId: room, filename: 'four.txt' })).status).toBe(201);
  });

  it('an empty file is refused at creation with 400 INVALID_REQUEST (not stored, not FILE_NOT_FOUND later)', async () => {
    const res = await tusCreate(t.url, anaToken, 0, { conversationId: conv, filename: 'empty.txt' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'INVALID_REQUEST', message: 'empty files are not accepted' } });
  });

  it('OPTIONS does not advertise creation-defer-length (deferred lengths are refused)', async () => {
    const res = await fetch(`${t.url}${UPLOAD_PATH}`, { method: 'OPTIONS', headers: { 'Tus-Resumable': '1.0.0' } });
    const extensions = (res.headers.get('tus-extension') ?? '').split(',');
    expect(extensions).toContain('creation');
    expect(extensions).not.toContain('creation-defer-length');
  });

  it('missing metadata is 400 INVALID_REQUEST', async () => {
    const res = await tusCreate(t.url, anaToken, 10, { filename: 'x.txt' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
  });

  it('names are sanitised: no path, no control characters, no bidi overrides, at most 255 bytes', async () => {
    const cases: [string, string][] = [
      ['../../etc/passwd', 'passwd.txt'],
      ['C:\\Users\\ana\\..\\report.txt', 'report.txt'],
      ['evil\u202egnp.txt', 'evilgnp.txt'],
      ['bell\u0007\u0000name.txt', 'bellname.txt'],
      ['..hidden. . ', 'hidden.txt'],
    ];
    for (const [given, expected] of cases) {
      const up = await uploadBytes(t.url, anaToken, Buffer.from('x'), { conversationId: conv, filename: given });
      expect((await ok(ana, 'file:get', { fileId: up.fileId as string })).name).toBe(expected);
    }
    const long = `${'ü'.repeat(300)}.txt`;
    const up = await uploadBytes(t.url, anaToken, Buffer.from('x'), { conversationId: conv, filename: long });
    const name = (await ok(ana, 'file:get', { fileId: up.fileId as string })).name;
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name.endsWith('.txt')).toBe(true);
    // Stored under the server's id, never under the name.
    expect(filesUnder(filesDir).some((f) => f.includes('passwd') || f.includes('report'))).toBe(false);
  });

  it('session:hello tells the file limits', async () => {
    const hello = await ok(ana, 'session:hello', {});
    expect(hello.limits).toMatchObject({ maxFileBytes: LIMIT, userQuotaBytes: QUOTA, uploadPath: '/files/uploads' });
    expect(hello.limits.allowedFileTypes).toContain('image/png');
    expect(hello.limits.allowedFileTypes).not.toContain('text/html');
  });
});
