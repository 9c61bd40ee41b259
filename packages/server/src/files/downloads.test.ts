import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fails, nextEvent, ok, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { filesUnder, uploadBytes } from './testing.js';
import sharp from 'sharp';
import { join } from 'node:path';

describe('signed downloads and attachments', () => {
  let t: TestServer;
  let ana: RawSocket;
  let ben: RawSocket;
  let anaToken: string;
  let conv: string;
  let other: string;

  beforeAll(async () => {
    t = await startTestServer();
    ana = await t.connect('d-ana');
    ben = await t.connect('d-ben');
    anaToken = await t.token('d-ana');
    conv = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Downloads', memberIds: ['d-ben'] })).id;
    other = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Elsewhere' })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  async function upload(bytes: Uint8Array, filename: string, conversationId = conv): Promise<string> {
    const up = await uploadBytes(t.url, anaToken, bytes, { conversationId, filename });
    if (!up.fileId) throw new Error(`upload failed: ${up.patched?.status ?? up.created.status}`);
    return up.fileId;
  }

  it('a signed URL returns the same bytes with the safety headers', async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(20_000)]);
    const fileId = await upload(bytes, 'Bericht für Straße.pdf');
    const signed = await ok(ben, 'file:url', { fileId });
    expect(signed.url).toMatch(new RegExp(`^/files/${fileId}\\?variant=original&exp=\\d+&uid=d-ben&sig=[A-Za-z0-9_-]+$`));
    expect(Date.parse(signed.expiresAt) - Date.now()).toBeGreaterThan(200_000);
    const res = await fetch(new URL(signed.url, t.url));
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="Bericht f_r Stra_e.pdf"; filename*=UTF-8''Bericht%20f%C3%BCr%20Stra%C3%9Fe.pdf`,
    );
  });

  it('Range requests answer 206 with the slice and 416 past the end', async () => {
    const bytes = Buffer.from('0123456789abcdefghij');
    const fileId = await upload(bytes, 'range.txt');
    const url = new URL((await ok(ana, 'file:url', { fileId })).url, t.url);
    const part = await fetch(url, { headers: { Range: 'bytes=5-9' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 5-9/20');
    expect(await part.text()).toBe('56789');
    const tail = await fetch(url, { headers: { Range: 'bytes=-3' } });
    expect(tail.status).toBe(206);
    expect(await tail.text()).toBe('hij');
    const open = await fetch(url, { headers: { Range: 'bytes=15-' } });
    expect(await open.text()).toBe('fghij');
    const past = await fetch(url, { headers: { Range: 'bytes=20-30' } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */20');
  });

  it('If-None-Match with the ETag answers 304 without a body; another tag gets the file', async () => {
    const bytes = Buffer.from('conditional bytes\n');
    const fileId = await upload(bytes, 'cond.txt');
    const url = new URL((await ok(ben, 'file:url', { fileId })).url, t.url);
    const first = await fetch(url);
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(first.headers.get('last-modified')).toBeTruthy();
    for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await fetch(url, { headers: { 'If-None-Match': tag } });
      expect(again.status).toBe(304);
      expect(again.headers.get('etag')).toBe(etag);
      expect(again.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
      expect((await again.arrayBuffer()).byteLength).toBe(0);
    }
    const changed = await fetch(url, { headers: { 'If-None-Match': '"0123456789abcdef0123456789abcdef"' } });
    expect(changed.status).toBe(200);
    expect(Buffer.from(await changed.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('a matching If-None-Match on a tampered URL or for a former member is still refused, never 304', async () => {
    const fileId = await upload(Buffer.from('still guarded\n'), 'guarded-etag.txt');
    const { url } = await ok(ana, 'file:url', { fileId });
    const etag = (await fetch(new URL(url, t.url))).headers.get('etag') as string;
    const tampered = new URL(url, t.url);
    tampered.searchParams.set('uid', 'd-eve');
    const res = await fetch(tampered, { headers: { 'If-None-Match': etag } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('URL_EXPIRED_OR_INVALID');
  });

  it('If-Range: a matching ETag or Last-Modified keeps the 206; any other validator gets the whole file as 200', async () => {
    const bytes = Buffer.from('0123456789abcdefghij');
    const fileId = await upload(bytes, 'if-range.txt');
    const url = new URL((await ok(ana, 'file:url', { fileId })).url, t.url);
    const full = await fetch(url);
    const etag = full.headers.get('etag') as string;
    const lastModified = full.headers.get('last-modified') as string;
    await full.arrayBuffer();
    const matching = await fetch(url, { headers: { Range: 'bytes=5-9', 'If-Range': etag } });
    expect(matching.status).toBe(206);
    expect(await matching.text()).toBe('56789');
    const byDate = await fetch(url, { headers: { Range: 'bytes=5-9', 'If-Range': lastModified } });
    expect(byDate.status).toBe(206);
    expect(await byDate.text()).toBe('56789');
    for (const validator of ['"0123456789abcdef0123456789abcdef"', `W/${etag}`, 'Tue, 01 Jan 2030 00:00:00 GMT']) {
      const stale = await fetch(url, { headers: { Range: 'bytes=5-9', 'If-Range': validator } });
      expect(stale.status).toBe(200);
      expect(stale.headers.get('content-range')).toBeNull();
      expect(stale.headers.get('content-length')).toBe(String(bytes.length));
      expect(await stale.text()).toBe(bytes.toString());
    }
  });

  it('a tampered or expired URL is 403 URL_EXPIRED_OR_INVALID', async () => {
    const fileId = await upload(Buffer.from('guarded'), 'guarded.txt');
    const { url } = await ok(ana, 'file:url', { fileId });
    const u = new URL(url, t.url);
    const tampered = [
      (() => { const x = new URL(u); x.searchParams.set('exp', String(Number(x.searchParams.get('exp')) + 3600)); return x; })(),
      (() => { const x = new URL(u); x.searchParams.set('uid', 'd-eve'); return x; })(),
      (() => { const x = new URL(u); x.searchParams.set('variant', 'thumbnail'); return x; })(),
      (() => { const x = new URL(u); x.pathname = x.pathname.replace(fileId, `${fileId.slice(0, -1)}X`); return x; })(),
      (() => { const x = new URL(u); x.searchParams.delete('sig'); return x; })(),
    ];
    for (const bad of tampered) {
      const res = await fetch(bad);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'URL_EXPIRED_OR_INVALID' } });
    }
    // A URL signed in the past (its expiry already gone) is refused the same way. (Waiting out a
    // short real TTL would take up to two seconds: expiries are whole seconds and the second of
    // expiry itself is still valid.)
    const stored = await t.server.store.getFile(fileId);
    const expired = t.server.files.signUrl(stored!, 'original', 'd-ana', Date.now() - 10 * 60 * 1000);
    const res = await fetch(new URL(expired.url, t.url));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'URL_EXPIRED_OR_INVALID' } });
  });

  it('a URL stops working once the user it was signed for leaves the conversation', async () => {
    const fileId = await upload(Buffer.from('for members'), 'members.txt');
    const carol = await t.connect('d-carol');
    await ok(ana, 'conversation:addMembers', { conversationId: conv, userIds: ['d-carol'] });
    const { url } = await ok(carol, 'file:url', { fileId });
    expect((await fetch(new URL(url, t.url))).status).toBe(200);
    await ok(ana, 'conversation:removeMember', { conversationId: conv, userId: 'd-carol' });
    const after = await fetch(new URL(url, t.url));
    expect(after.status).toBe(403);
    expect(await after.json()).toMatchObject({ error: { code: 'NOT_A_MEMBER' } });
    expect((await fails(carol, 'file:url', { fileId })).code).toBe('FILE_NOT_FOUND');
  });

  it('send with attachments: the message carries them in history, sync and the broadcast; text may be empty', async () => {
    const a = await upload(Buffer.from('first'), 'a.txt');
    const b = await upload(Buffer.from('second'), 'b.txt');
    const broadcast = nextEvent(ben, 'message:new', (m) => m.clientId === 'att-1');
    const sent = await ok(ana, 'message:send', { conversationId: conv, clientId: 'att-1', text: '', attachments: [b, a] });
    expect(sent.attachments.map((x) => x.fileId)).toEqual([b, a]);
    expect(sent.attachments[0]).toMatchObject({ name: 'b.txt', size: 6, mimeType: 'text/plain', image: null });
    expect((await broadcast).attachments.map((x) => x.fileId)).toEqual([b, a]);
    const page = await ok(ben, 'message:history', { conversationId: conv, limit: 1 });
    expect(page.messages[0]?.attachments.map((x) => x.fileId)).toEqual([b, a]);
    const sync = await ok(ben, 'message:sync', { conversationId: conv, afterRev: sent.rev - 1 });
    expect(sync.messages.find((m) => m.id === sent.id)?.attachments).toHaveLength(2);
    // The same clientId again answers the first message, attachments included.
    const again = await ok(ana, 'message:send', { conversationId: conv, clientId: 'att-1', text: '', attachments: [b, a] });
    expect(again.id).toBe(sent.id);
    expect(again.attachments.map((x) => x.fileId)).toEqual([b, a]);
  });

  it('the same fileId twice in one message is INVALID_REQUEST', async () => {
    const a = await upload(Buffer.from('twice'), 'twice.txt');
    expect((await fails(ana, 'message:send', { conversationId: conv, clientId: 'dup-1', text: 'x', attachments: [a, a] })).code).toBe('INVALID_REQUEST');
  });

  it('a file of another conversation, of another uploader or unknown cannot be attached, and no seq is used', async () => {
    const elsewhere = await upload(Buffer.from('elsewhere'), 'e.txt', other);
    const before = (await ok(ana, 'conversation:get', { conversationId: conv })).lastSeq;
    expect((await fails(ana, 'message:send', { conversationId: conv, clientId: 'bad-1', text: 'x', attachments: [elsewhere] })).code).toBe(
      'FILE_NOT_FOUND',
    );
    const anas = await upload(Buffer.from('ana only'), 'mine.txt');
    expect((await fails(ben, 'message:send', { conversationId: conv, clientId: 'bad-2', text: 'x', attachments: [anas] })).code).toBe(
      'FILE_NOT_FOUND',
    );
    expect((await fails(ana, 'message:send', { conversationId: conv, clientId: 'bad-3', text: 'x', attachments: ['f_nope'] })).code).toBe(
      'FILE_NOT_FOUND',
    );
    expect((await fails(ana, 'message:send', { conversationId: conv, clientId: 'bad-4', text: '' })).code).toBe('INVALID_REQUEST');
    const after = await ok(ana, 'message:send', { conversationId: conv, clientId: 'good', text: 'fine' });
    expect(after.seq).toBe(before + 1);
  });

  it('deleting the last message that references a file deletes the file and its thumbnail', async () => {
    const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#0a0' } }).png().toBuffer();
    const photo = await upload(png, 'photo.png');
    const text = await upload(Buffer.from('note'), 'note.txt');
    const objects = join(t.server.config.dataDir, 'files', 'objects');
    expect(filesUnder(objects)).toEqual(expect.arrayContaining([photo, `${photo}.thumb`, text]));
    const first = await ok(ana, 'message:send', { conversationId: conv, clientId: 'del-1', text: 'look', attachments: [photo] });
    const second = await ok(ana, 'message:send', { conversationId: conv, clientId: 'del-2', text: 'again', attachments: [photo, text] });
    const url = (await ok(ana, 'file:url', { fileId: photo, variant: 'thumbnail' })).url;

    await ok(ana, 'message:delete', { conversationId: conv, messageId: first.id });
    expect(filesUnder(objects)).toEqual(expect.arrayContaining([photo, `${photo}.thumb`])); // still referenced by the second
    const deleted = await ok(ana, 'message:delete', { conversationId: conv, messageId: second.id });
    expect(deleted.attachments).toEqual([]);
    expect(filesUnder(objects).filter((f) => f.startsWith(photo) || f.startsWith(text))).toEqual([]);
    expect((await fails(ana, 'file:get', { fileId: photo })).code).toBe('FILE_NOT_FOUND');
    expect((await fetch(new URL(url, t.url))).status).toBe(404);
  });
});

describe('signed URL lifetime', () => {
  it('URLs expire after the configured signedUrlTtlSec, also in their Cache-Control', async () => {
    const t = await startTestServer({ signedUrlTtlSec: 42 });
    try {
      const ana = await t.connect('ttl-ana');
      const conv = (await ok(ana, 'conversation:create', { kind: 'group', title: 'TTL' })).id;
      const up = await uploadBytes(t.url, await t.token('ttl-ana'), Buffer.from('short-lived'), { conversationId: conv, filename: 'ttl.txt' });
      const before = Math.floor(Date.now() / 1000);
      const signed = await ok(ana, 'file:url', { fileId: up.fileId as string });
      const after = Math.floor(Date.now() / 1000);
      const exp = Number(new URL(signed.url, t.url).searchParams.get('exp'));
      expect(exp).toBeGreaterThanOrEqual(before + 42);
      expect(exp).toBeLessThanOrEqual(after + 42);
      expect(Date.parse(signed.expiresAt)).toBe(exp * 1000);
      const res = await fetch(new URL(signed.url, t.url));
      expect(res.status).toBe(200);
      expect(Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1])).toBeLessThanOrEqual(42);
    } finally {
      await t.close();
    }
  });
});
