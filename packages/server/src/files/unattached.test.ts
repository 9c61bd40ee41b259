import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fails, ok, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { uploadBytes } from './testing.js';

const HOUR_MS = 60 * 60 * 1000;

describe('files never attached to a message', () => {
  let t: TestServer;
  let ana: RawSocket;
  let anaToken: string;
  let conv: string;

  beforeAll(async () => {
    t = await startTestServer({ unattachedFileTtlHours: 24 });
    ana = await t.connect('u-ana');
    anaToken = await t.token('u-ana');
    conv = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Sweep', memberIds: ['u-ben'] })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('are deleted (row, bytes, quota) after unattachedFileTtlHours; attached files stay', async () => {
    const lonely = await uploadBytes(t.url, anaToken, Buffer.from('uploaded, never sent\n'), { conversationId: conv, filename: 'lonely.txt' });
    const sent = await uploadBytes(t.url, anaToken, Buffer.from('uploaded and sent\n'), { conversationId: conv, filename: 'sent.txt' });
    await ok(ana, 'message:send', { conversationId: conv, clientId: 'sweep-1', text: '', attachments: [sent.fileId as string] });
    const files = t.server.files;
    const before = await t.server.store.storedBytesOf('u-ana');

    // Not yet old enough.
    expect(await files.sweepUnattachedFiles(Date.now() + 23 * HOUR_MS)).toBe(0);
    expect((await ok(ana, 'file:get', { fileId: lonely.fileId as string })).name).toBe('lonely.txt');

    expect(await files.sweepUnattachedFiles(Date.now() + 25 * HOUR_MS)).toBe(1);
    expect((await fails(ana, 'file:get', { fileId: lonely.fileId as string })).code).toBe('FILE_NOT_FOUND');
    expect(await files.storage.stat(lonely.fileId as string)).toBeNull();
    expect((await ok(ana, 'file:get', { fileId: sent.fileId as string })).name).toBe('sent.txt');
    expect(await t.server.store.storedBytesOf('u-ana')).toBe(before - Buffer.byteLength('uploaded, never sent\n'));
  });
});
