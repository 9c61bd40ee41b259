import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ok, startTestServer } from '../testing/harness.js';
import { sha256Hex, tusCreate, tusHead, tusPatch } from './testing.js';

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
});
