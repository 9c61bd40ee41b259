import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ok, startTestServer } from '../testing/harness.js';
import { UPLOAD_PATH } from './uploadRoutes.js';
import { sha256Hex, tusCreate, tusHead, tusMetadata, tusPatch } from './testing.js';

describe('uploads across a server restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'plaza-files-restart-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('an upload resumed on a restarted server completes with the SHA-256 rebuilt from the stored prefix', async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.5\n'), randomBytes(300_000)]);
    let t = await startTestServer({ dataDir });
    const ana = await t.connect('r-ana');
    const token = await t.token('r-ana');
    const conv = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Restart' })).id;
    const created = await tusCreate(t.url, token, bytes.length, { conversationId: conv, filename: 'big.pdf', sha256: sha256Hex(bytes) });
    const path = created.headers.get('location') as string;
    const half = 123_457;
    expect((await tusPatch(new URL(path, t.url).toString(), token, 0, bytes.subarray(0, half))).status).toBe(204);
    await t.close();

    t = await startTestServer({ dataDir });
    try {
      const url = new URL(path, t.url).toString();
      const head = await tusHead(url, token);
      expect(head.headers.get('upload-offset')).toBe(String(half));
      const done = await tusPatch(url, token, half, bytes.subarray(half));
      expect(done.status).toBe(204);
      const fileId = done.headers.get('plaza-file-id') as string;
      const socket = await t.connect('r-ana');
      const info = await ok(socket, 'file:get', { fileId });
      expect(info.sha256).toBe(sha256Hex(bytes));
      expect(info.size).toBe(bytes.length);
      const res = await fetch(new URL((await ok(socket, 'file:url', { fileId })).url, t.url));
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    } finally {
      await t.close();
    }
  }, 30_000);

  it('a restarted server still counts unfinished uploads against the quota', async () => {
    let t = await startTestServer({ dataDir, userQuotaBytes: 100_000 });
    const ana = await t.connect('q-ana');
    const token = await t.token('q-ana');
    const conv = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Quota restart' })).id;
    expect((await tusCreate(t.url, token, 80_000, { conversationId: conv, filename: 'a.txt' })).status).toBe(201);
    await t.close();
    t = await startTestServer({ dataDir, userQuotaBytes: 100_000 });
    try {
      const refused = await tusCreate(t.url, token, 30_000, { conversationId: conv, filename: 'b.txt' });
      expect(refused.status).toBe(413);
      expect(await refused.json()).toMatchObject({ error: { code: 'QUOTA_EXCEEDED' } });
    } finally {
      await t.close();
    }
  }, 30_000);
  it('a creation with upload that ends early writes its record, so the upload resumes after a restart', async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(200_000)]);
    let t = await startTestServer({ dataDir });
    const ana = await t.connect('c-ana');
    const token = await t.token('c-ana');
    const conv = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Creation with upload' })).id;
    const first = 70_001;
    const created = await fetch(`${t.url}${UPLOAD_PATH}`, {
      method: 'POST',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Length': String(bytes.length),
        'Upload-Metadata': tusMetadata({ conversationId: conv, filename: 'early.pdf', sha256: sha256Hex(bytes) }),
        'Content-Type': 'application/offset+octet-stream',
        Authorization: `Bearer ${token}`,
      },
      body: bytes.subarray(0, first),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('upload-offset')).toBe(String(first));
    const path = created.headers.get('location') as string;
    expect(existsSync(join(dataDir, 'files', 'uploads', `${path.split('/').pop()}.json`))).toBe(true);
    await t.close();

    t = await startTestServer({ dataDir });
    try {
      const url = new URL(path, t.url).toString();
      expect((await tusHead(url, token)).headers.get('upload-offset')).toBe(String(first));
      const done = await tusPatch(url, token, first, bytes.subarray(first));
      expect(done.status).toBe(204);
      const socket = await t.connect('c-ana');
      const info = await ok(socket, 'file:get', { fileId: done.headers.get('plaza-file-id') as string });
      expect(info.sha256).toBe(sha256Hex(bytes));
    } finally {
      await t.close();
    }
  }, 30_000);

  it('at start, removes the bytes of a creation with upload a crash cut short, and moves again a stored file whose move a crash undid', async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(50_000)]);
    let t = await startTestServer({ dataDir });
    const ana = await t.connect('m-ana');
    const token = await t.token('m-ana');
    const conv = (await ok(ana, 'conversation:create', { kind: 'group', title: 'Moves' })).id;
    const created = await tusCreate(t.url, token, bytes.length, { conversationId: conv, filename: 'moved.pdf' });
    const done = await tusPatch(new URL(created.headers.get('location') as string, t.url).toString(), token, 0, bytes);
    const fileId = done.headers.get('plaza-file-id') as string;
    expect(fileId).toMatch(/^f_/);
    await t.close();
    // What a crash can leave: the stored file back at its upload path (the rename was not yet on
    // disk) and the bytes of a creation whose request never completed (no record).
    const uploads = join(dataDir, 'files', 'uploads');
    renameSync(join(dataDir, 'files', 'objects', fileId), join(uploads, fileId));
    writeFileSync(join(uploads, 'f_interruptedCreation01'), bytes.subarray(0, 1000));

    t = await startTestServer({ dataDir });
    try {
      expect(existsSync(join(uploads, 'f_interruptedCreation01'))).toBe(false);
      expect(existsSync(join(uploads, fileId))).toBe(false);
      const socket = await t.connect('m-ana');
      const res = await fetch(new URL((await ok(socket, 'file:url', { fileId })).url, t.url));
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    } finally {
      await t.close();
    }
  }, 30_000);
});
