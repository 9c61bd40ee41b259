import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from '@plaza/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor } from './harness.js';
import type { Harness } from './harness.js';

/** Copies the SQLite files (`plaza.db*`) of `from` into `to`, deleting `to`'s first. */
function copyDb(from: string, to: string): void {
  for (const f of readdirSync(to)) if (f.startsWith('plaza.db')) rmSync(join(to, f));
  for (const f of readdirSync(from)) if (f.startsWith('plaza.db')) copyFileSync(join(from, f), join(to, f));
}

describe('a server restored from a backup', { timeout: 60_000 }, () => {
  let h: Harness;
  let backupDir: string;
  beforeEach(async () => {
    h = await startHarness();
    backupDir = mkdtempSync(join(tmpdir(), 'plaza-client-backup-'));
  });
  afterEach(async () => {
    await h.close();
    rmSync(backupDir, { recursive: true, force: true });
  });

  it('restoring a backup resets the timeline (reset event) instead of dropping new messages whose seq the client already saw', async () => {
    const alice = await h.client('alice');
    const bob = await h.client('bob');
    const conv = await alice.conversations.openDirect('bob');
    const bobConv = await bob.conversations.get(conv.id);
    for (const t of ['one', 'two']) await conv.send(t);

    // Backup: a copy of the database files taken while the server is stopped.
    await h.stop();
    copyDb(h.dataDir, backupDir);
    await h.start();
    await waitFor(() => alice.state === 'connected' && bob.state === 'connected', 15_000, 'reconnected');
    for (const t of ['three', 'four']) await conv.send(t);
    await waitFor(() => bobConv.lastSeq === 4, 5000, 'bob has four');

    // Restore the backup: the server forgets seq 3 and 4.
    await h.stop();
    copyDb(backupDir, h.dataDir);
    const resets: string[] = [];
    conv.on('reset', () => resets.push('alice'));
    bobConv.on('reset', () => resets.push('bob'));
    const got: Message[] = [];
    bobConv.on('message', (m) => got.push(m));
    await h.start();
    await waitFor(() => alice.state === 'connected' && bob.state === 'connected', 15_000, 'reconnected after restore');

    const after = [await conv.send('after restore 1'), await conv.send('after restore 2')];
    expect(after.map((m) => m.seq)).toEqual([3, 4]);
    await waitFor(() => got.length === 2, 5000, 'bob receives the new messages');
    expect(got.map((m) => m.text)).toEqual(['after restore 1', 'after restore 2']);
    expect(resets.sort()).toEqual(['alice', 'bob']);
    expect(conv.lastSeq).toBe(4);
    expect(bobConv.lastSeq).toBe(4);
  });

  it('a live message with a seq already delivered under another id resets the timeline and is delivered', async () => {
    const alice = await h.client('alice');
    const conv = await alice.conversations.openDirect('bob');
    const first = await conv.send('one');
    const resets: number[] = [];
    conv.on('reset', () => resets.push(conv.lastSeq));
    const got: Message[] = [];
    conv.on('message', (m) => got.push(m));
    // What a restored server sends: seq 1 again, a different message.
    conv._onMessages([{ ...first, id: 'm_other', text: 'other one' }]);
    expect(resets).toHaveLength(1);
    expect(got.map((m) => m.text)).toEqual(['other one']);
  });
});
