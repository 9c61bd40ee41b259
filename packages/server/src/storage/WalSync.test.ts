import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteChatStore } from './SqliteChatStore.js';
import { WalSync } from './WalSync.js';

describe('WalSync', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'plaza-walsync-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('lets callers that arrive during a sync share the next one', async () => {
    const dir = tempDir();
    const store = createSqliteChatStore({ filename: join(dir, 'plaza.db') });
    await store.migrate();
    await store.upsertUser({ id: 'u1', name: 'One', metadata: null });
    const sync = new WalSync(join(dir, 'plaza.db-wal'));
    await Promise.all(Array.from({ length: 20 }, () => sync.sync()));
    // The first call starts one; the 19 that arrive while it runs share the one after it.
    expect(sync.syncs).toBe(2);
    await sync.sync();
    expect(sync.syncs).toBe(3);
    await sync.close();
    await store.close();
  });

  it('rejects when the log cannot be opened, and tries again on the next call', async () => {
    const sync = new WalSync(join(tempDir(), 'missing.db-wal'));
    await expect(sync.sync()).rejects.toThrow(/ENOENT/);
    await expect(sync.sync()).rejects.toThrow(/ENOENT/);
    expect(sync.syncs).toBe(0);
    await sync.close();
  });
});
