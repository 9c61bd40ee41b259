import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';
import { tusCreate, uploadBytes } from './testing.js';

const QUOTA = 100 * 1024;

describe('upload quota against the stored-bytes count', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({ userQuotaBytes: QUOTA });
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts each stored upload exactly; a message delete that releases a file gives its bytes back to the quota', async () => {
    const sock = await t.connect('u-usage');
    const token = await t.token('u-usage');
    const room = (await ok(sock, 'conversation:create', { kind: 'group', title: 'Usage' })).id;
    const first = Buffer.alloc(40 * 1024 + 3, 'a');
    const second = Buffer.alloc(50 * 1024 + 7, 'b');
    const one = await uploadBytes(t.url, token, first, { conversationId: room, filename: 'one.txt' });
    const two = await uploadBytes(t.url, token, second, { conversationId: room, filename: 'two.txt' });
    expect(one.fileId).toBeTruthy();
    expect(two.fileId).toBeTruthy();
    expect(await t.server.store.storedBytesOf('u-usage')).toBe(first.length + second.length);

    // 90 KiB stored: 20 KiB more would pass the 100 KiB quota.
    const refused = await tusCreate(t.url, token, 20 * 1024, { conversationId: room, filename: 'three.txt' });
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ error: { code: 'QUOTA_EXCEEDED' } });
    expect(await t.server.store.storedBytesOf('u-usage')).toBe(first.length + second.length);

    const sent = await ok(sock, 'message:send', { conversationId: room, clientId: 'usage-1', text: '', attachments: [two.fileId as string] });
    await ok(sock, 'message:delete', { conversationId: room, messageId: sent.id });
    expect(await t.server.store.storedBytesOf('u-usage')).toBe(first.length);
    expect((await tusCreate(t.url, token, 20 * 1024, { conversationId: room, filename: 'three.txt' })).status).toBe(201);
  });

  it('creation into an unknown conversation is 404 CONVERSATION_NOT_FOUND and reserves nothing', async () => {
    const token = await t.token('u-lost');
    const refused = await tusCreate(t.url, token, 1024, { conversationId: 'c_nowhere', filename: 'x.txt' });
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ error: { code: 'CONVERSATION_NOT_FOUND' } });
    expect(t.server.files.ledger.reservedBy('u-lost')).toBe(0);
  });
});
