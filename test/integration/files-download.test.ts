import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@plaza/protocol';
import type { ConversationWithState, FileInfo, Message, SignedUrl } from '@plaza/protocol';
import { ServerProcess, stopAllServers } from '../helpers/ServerProcess.js';
import { closeRawSockets, openRawSocket, request, requestOk, type RawSocket } from '../helpers/rawSocket.js';
import { removeTempDirs } from '../helpers/tempDirs.js';
import { TEST_API_KEY, TEST_API_SECRET, mintToken } from '../helpers/tokens.js';
// The server's URL signing (internal, imported from source) to make an already-expired URL.
import { deriveUrlKey, signFileUrl } from '../../packages/server/src/files/signedUrl.js';
import { answer, flipChar, imageSize, makeImage, parseSignedUrl, sha256Hex, tamperSignedUrl, uploadWhole, walkFiles } from '../helpers/files.js';
import { waitFor } from '../helpers/waitFor.js';

/**
 * Downloads through signed URLs from a real server process: only an untouched, unexpired URL
 * works; the response is an attachment that a browser will not sniff or render in the
 * application's origin; byte ranges work; images get a thumbnail; attachments travel on messages.
 */

let server: ServerProcess;
let alice: RawSocket;
let bob: RawSocket;
let aliceToken: string;
let conversation: ConversationWithState;
const content = Buffer.concat([Buffer.from('Plaza download test\n'), Buffer.from(randomBytes(48 * 1024).toString('base64'))]);
let textFileId: string;
let pngFileId: string;
let png: Buffer;

async function connect(id: string, target = server): Promise<{ token: string; socket: RawSocket }> {
  const token = await mintToken(id);
  const socket = await openRawSocket(target.url, { token });
  await requestOk(socket, 'session:hello', {});
  return { token, socket };
}

async function upload(target: ServerProcess, token: string, conversationId: string, bytes: Uint8Array, filename: string): Promise<string> {
  const result = await uploadWhole(target.url, token, bytes, { conversationId, filename });
  expect(result.patch?.status, `${result.create.status} ${result.create.body.toString()} ${result.patch?.body.toString()}\n${target.tail()}`).toBe(204);
  return result.fileId as string;
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(new URL(url, server.url), { headers }).then(answer);

beforeAll(async () => {
  server = await ServerProcess.start();
  const a = await connect('alice');
  alice = a.socket;
  aliceToken = a.token;
  bob = (await connect('bob')).socket;
  conversation = await requestOk<ConversationWithState>(alice, 'conversation:create', { kind: 'group', title: 'Downloads', memberIds: ['bob'] });
  textFileId = await upload(server, aliceToken, conversation.id, content, 'notes über alles.txt');
  png = await makeImage(1200, 800);
  pngFileId = await upload(server, aliceToken, conversation.id, png, 'photo.png');
});

afterAll(async () => {
  closeRawSockets();
  await stopAllServers();
  removeTempDirs();
});

describe('signed URLs', () => {
  it('serves the exact bytes with attachment, nosniff, sandbox CSP, private caching and the sniffed type', async () => {
    const signed = await requestOk<SignedUrl>(bob, 'file:url', { fileId: textFileId });
    expect(signed.url).toMatch(new RegExp(`^/files/${textFileId}\\?`));
    expect(Date.parse(signed.expiresAt)).toBeGreaterThan(Date.now());
    const response = await get(signed.url);
    expect(response.status).toBe(200);
    expect(sha256Hex(response.body)).toBe(sha256Hex(content));
    const h = response.headers;
    expect(h.get('content-type')).toMatch(/^text\/plain/);
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('content-disposition')).toMatch(/^attachment;/);
    expect(h.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('notes über alles.txt')}`);
    expect(h.get('content-security-policy')).toMatch(/sandbox/);
    expect(h.get('cache-control')).toMatch(/private/);
    expect(h.get('accept-ranges')).toBe('bytes');
    expect(h.get('content-length')).toBe(String(content.length));
  });

  it('refuses a URL with any part changed with 403 URL_EXPIRED_OR_INVALID', async () => {
    const signed = await requestOk<SignedUrl>(alice, 'file:url', { fileId: textFileId });
    const parts = parseSignedUrl(signed.url);
    expect(parts).toMatchObject({ fileId: textFileId, uid: 'alice' });
    expect(parts.sig && parts.exp).toBeTruthy();
    const tampered: [string, string][] = [
      ['sig flipped', tamperSignedUrl(signed.url, server.url, 'sig', flipChar(parts.sig as string, 5))],
      ['sig empty', tamperSignedUrl(signed.url, server.url, 'sig', '')],
      ['sig of another URL', tamperSignedUrl(signed.url, server.url, 'sig', parseSignedUrl((await requestOk<SignedUrl>(alice, 'file:url', { fileId: pngFileId })).url).sig as string)],
      ['other fileId', tamperSignedUrl(signed.url, server.url, 'fileId', pngFileId)],
      ['exp later', tamperSignedUrl(signed.url, server.url, 'exp', String(Number(parts.exp) + 3600))],
      ['exp not a number', tamperSignedUrl(signed.url, server.url, 'exp', 'soon')],
      ['uid changed', tamperSignedUrl(signed.url, server.url, 'uid', 'bob')],
      ['variant changed', tamperSignedUrl(signed.url, server.url, 'variant', parts.variant === 'thumbnail' ? 'original' : 'thumbnail')],
    ];
    for (const [what, url] of tampered) {
      const response = await get(url);
      expect(response.status, what).toBe(403);
      expect(response.errorCode, what).toBe(ErrorCode.URL_EXPIRED_OR_INVALID);
      expect(response.body.toString(), what).not.toContain('Plaza download test');
    }
    const bare = await get(`/files/${textFileId}`);
    expect(bare.status).toBe(403);
    // The untouched URL still works.
    expect((await get(signed.url)).status).toBe(200);
  });

  it('serves byte ranges (206), suffix ranges, and answers 416 to an unsatisfiable one', async () => {
    const { url } = await requestOk<SignedUrl>(alice, 'file:url', { fileId: textFileId });
    const first = await get(url, { Range: 'bytes=0-9' });
    expect(first.status).toBe(206);
    expect(first.body.toString()).toBe('Plaza down');
    expect(first.headers.get('content-range')).toBe(`bytes 0-9/${content.length}`);
    const middle = await get(url, { Range: 'bytes=1000-1999' });
    expect(middle.status).toBe(206);
    expect(middle.body.equals(content.subarray(1000, 2000))).toBe(true);
    const open = await get(url, { Range: `bytes=${content.length - 100}-` });
    expect(open.status).toBe(206);
    expect(open.body.equals(content.subarray(content.length - 100))).toBe(true);
    const suffix = await get(url, { Range: 'bytes=-5' });
    expect(suffix.status).toBe(206);
    expect(suffix.body.equals(content.subarray(content.length - 5))).toBe(true);
    const beyond = await get(url, { Range: `bytes=${content.length}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${content.length}`);
  });

  it('serves an image as image/png and its thumbnail (at most 320 px, no bigger than needed)', async () => {
    const info = await requestOk<FileInfo>(alice, 'file:get', { fileId: pngFileId });
    expect(info).toMatchObject({ mimeType: 'image/png', size: png.length, sha256: sha256Hex(png), image: { width: 1200, height: 800, hasThumbnail: true } });
    const original = await get((await requestOk<SignedUrl>(bob, 'file:url', { fileId: pngFileId })).url);
    expect(original.headers.get('content-type')).toBe('image/png');
    expect(original.body.equals(png)).toBe(true);
    const thumbUrl = await requestOk<SignedUrl>(bob, 'file:url', { fileId: pngFileId, variant: 'thumbnail' });
    expect(parseSignedUrl(thumbUrl.url).variant).toBe('thumbnail');
    const thumb = await get(thumbUrl.url);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toMatch(/^image\/(jpeg|webp|png)$/);
    expect(thumb.headers.get('x-content-type-options')).toBe('nosniff');
    const size = await imageSize(thumb.body);
    expect(Math.max(size.width, size.height)).toBeLessThanOrEqual(320);
    expect(size.width / size.height).toBeCloseTo(1.5, 1);
  });

  it('has no thumbnail for a non-image', async () => {
    const answerForText = await request<SignedUrl>(alice, 'file:url', { fileId: textFileId, variant: 'thumbnail' });
    if (answerForText.ok) expect((await get(answerForText.data.url)).status).toBe(404);
    else expect(answerForText.error.code).toBe(ErrorCode.FILE_NOT_FOUND);
  });

  it('answers FILE_NOT_FOUND for an unknown file id', async () => {
    const answerForUnknown = await request<SignedUrl>(alice, 'file:url', { fileId: 'f_doesnotexist' });
    expect(answerForUnknown.ok).toBe(false);
    if (!answerForUnknown.ok) expect(answerForUnknown.error.code).toBe(ErrorCode.FILE_NOT_FOUND);
  });

  it('stops a URL once its user is no longer a member, and gives them no new URL or file info', async () => {
    const carol = await connect('carol');
    await requestOk(alice, 'conversation:addMembers', { conversationId: conversation.id, userIds: ['carol'] });
    const signed = await requestOk<SignedUrl>(carol.socket, 'file:url', { fileId: textFileId });
    expect((await get(signed.url)).status).toBe(200);
    await requestOk(alice, 'conversation:removeMember', { conversationId: conversation.id, userId: 'carol' });
    const after = await get(signed.url);
    expect(after.status).toBe(403);
    expect(after.body.toString()).not.toContain('Plaza download test');
    const again = await request<SignedUrl>(carol.socket, 'file:url', { fileId: textFileId });
    expect(again.ok).toBe(false);
    if (!again.ok) expect([ErrorCode.NOT_A_MEMBER, ErrorCode.FILE_NOT_FOUND]).toContain(again.error.code);
    expect((await request<FileInfo>(carol.socket, 'file:get', { fileId: textFileId })).ok).toBe(false);
  });
});

describe('expiry', () => {
  it('refuses a correctly signed URL whose expiry has passed with 403 URL_EXPIRED_OR_INVALID', async () => {
    // Signed with the server's own signing code and key (derived from the test API secret), so
    // only the expiry is wrong: one second ago, and one hour ago.
    const key = deriveUrlKey({ [TEST_API_KEY]: TEST_API_SECRET });
    const now = Math.floor(Date.now() / 1000);
    const fresh = signFileUrl(key, { fileId: textFileId, variant: 'original', exp: now + 60, uid: 'alice' });
    expect((await get(fresh)).status, 'the same signing with a future expiry works').toBe(200);
    for (const exp of [now - 1, now - 3600]) {
      const response = await get(signFileUrl(key, { fileId: textFileId, variant: 'original', exp, uid: 'alice' }));
      expect(response.status).toBe(403);
      expect(response.errorCode).toBe(ErrorCode.URL_EXPIRED_OR_INVALID);
    }
  });
});

describe('attachments on messages', () => {
  it('carries attachments in the ack, the broadcast and history; refuses a file from another conversation or uploader', async () => {
    const received: Message[] = [];
    bob.on('message:new', (m: Message) => received.push(m));
    const sent = await requestOk<Message>(alice, 'message:send', { conversationId: conversation.id, clientId: 'files-msg-1', text: '', attachments: [textFileId, pngFileId] });
    expect(sent.attachments.map((a) => a.fileId)).toEqual([textFileId, pngFileId]);
    expect(sent.attachments[1]).toMatchObject({ name: 'photo.png', mimeType: 'image/png', size: png.length, image: { width: 1200, height: 800 } });
    const broadcast = await waitFor('bob to receive the message', () => received.find((m) => m.id === sent.id));
    expect(broadcast.attachments).toEqual(sent.attachments);
    const history = await requestOk<{ messages: Message[] }>(bob, 'message:history', { conversationId: conversation.id });
    expect(history.messages.find((m) => m.id === sent.id)?.attachments).toEqual(sent.attachments);

    // bob may not attach alice's upload; a file from another conversation is refused too.
    const byBob = await request<Message>(bob, 'message:send', { conversationId: conversation.id, clientId: 'files-msg-2', text: 'mine', attachments: [textFileId] });
    expect(byBob.ok).toBe(false);
    const other = await requestOk<ConversationWithState>(alice, 'conversation:create', { kind: 'group', title: 'Elsewhere' });
    const elsewhere = await request<Message>(alice, 'message:send', { conversationId: other.id, clientId: 'files-msg-3', text: 'moved', attachments: [textFileId] });
    expect(elsewhere.ok).toBe(false);
    const unknown = await request<Message>(alice, 'message:send', { conversationId: conversation.id, clientId: 'files-msg-4', text: 'x', attachments: ['f_nope'] });
    expect(unknown.ok).toBe(false);
  });

  it('deleting the only message that references a file deletes the file and its thumbnail from disk', async () => {
    const image = await makeImage(500, 500, 'jpeg');
    const before = walkFiles(join(server.dataDir, 'files'));
    const fileId = await upload(server, aliceToken, conversation.id, image, 'gone.jpg');
    const withFile = walkFiles(join(server.dataDir, 'files'));
    expect(withFile.size).toBeGreaterThan(before.size);
    const message = await requestOk<Message>(alice, 'message:send', { conversationId: conversation.id, clientId: 'files-del-1', text: 'to delete', attachments: [fileId] });
    await requestOk(alice, 'message:delete', { conversationId: conversation.id, messageId: message.id });
    await waitFor('the file and thumbnail to be removed from disk', () => [...walkFiles(join(server.dataDir, 'files')).keys()].every((path) => before.has(path)), {
      describe: () => [...walkFiles(join(server.dataDir, 'files')).keys()].join('\n'),
    });
    const url = await request<SignedUrl>(alice, 'file:url', { fileId });
    expect(url.ok).toBe(false);
  });
});
