import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Auditor } from './Auditor.js';
import { createSqliteChatStore } from './storage/SqliteChatStore.js';
import type { SqliteChatStore } from './storage/SqliteChatStore.js';

const silent = pino({ level: 'silent' });

describe('Auditor', () => {
  let dir: string;
  let store: SqliteChatStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-audit-'));
    store = createSqliteChatStore({ filename: join(dir, 'plaza.db'), synchronous: 'normal' });
    await store.migrate();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the entries recorded within one window together, once the window closes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const auditor = new Auditor(store, silent, { batchWindowMs: 25 });
    auditor.record({ action: 'connection.accepted', actorId: 'ana' });
    auditor.record({ action: 'connection.accepted', actorId: 'ben' });
    auditor.record({ action: 'connection.refused', outcome: 'denied', reason: 'UNAUTHENTICATED', ip: '10.0.0.1' });
    expect(await store.listAudit({ limit: 10 })).toEqual([]);
    await vi.advanceTimersByTimeAsync(25);
    await auditor.flush();
    const records = await store.listAudit({ limit: 10 });
    expect(records.map((r) => r.actorId)).toEqual([null, 'ben', 'ana']);
    expect(records[0]).toMatchObject({ outcome: 'denied', reason: 'UNAUTHENTICATED', ip: '10.0.0.1', target: null, details: null });
  });

  it('stores the time each entry was recorded, not the time its batch was written', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T10:00:00.000Z'));
    const auditor = new Auditor(store, silent, { batchWindowMs: 60_000 });
    auditor.record({ action: 'member.added', actorId: 'ana' });
    vi.setSystemTime(new Date('2026-03-01T10:00:00.050Z'));
    auditor.record({ action: 'member.removed', actorId: 'ana' });
    vi.setSystemTime(new Date('2026-03-01T10:00:05.000Z'));
    await auditor.flush();
    const records = await store.listAudit({ limit: 10 });
    expect(records.map((r) => [r.action, r.at])).toEqual([
      ['member.removed', '2026-03-01T10:00:00.050Z'],
      ['member.added', '2026-03-01T10:00:00.000Z'],
    ]);
  });

  it('flush writes what is queued without waiting for the window', async () => {
    const auditor = new Auditor(store, silent, { batchWindowMs: 60_000 });
    auditor.record({ action: 'member.added', actorId: 'ana', target: 'c1', details: { userId: 'ben' } });
    await auditor.flush();
    expect(await store.listAudit({ limit: 10 })).toMatchObject([{ action: 'member.added', details: { userId: 'ben' } }]);
  });

  it('writes a full batch at once', async () => {
    const auditor = new Auditor(store, silent, { batchWindowMs: 60_000, maxBatchSize: 2 });
    auditor.record({ action: 'a' });
    auditor.record({ action: 'b' });
    auditor.record({ action: 'c' });
    await vi.waitFor(async () => expect((await store.listAudit({ limit: 10 })).map((r) => r.action)).toEqual(['b', 'a']));
    await auditor.flush();
    expect(await store.listAudit({ limit: 10 })).toHaveLength(3);
  });

  it('logs a failed write instead of throwing', async () => {
    const auditor = new Auditor(store, silent, { batchWindowMs: 0 });
    await store.close();
    auditor.record({ action: 'late' });
    await expect(auditor.flush()).resolves.toBeUndefined();
  });
});
