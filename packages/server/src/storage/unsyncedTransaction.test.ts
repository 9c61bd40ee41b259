import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteChatStore } from './SqliteChatStore.js';
import type { SqliteChatStore } from './SqliteChatStore.js';
import { unsyncedTransaction } from './unsyncedTransaction.js';

/** The dispatcher's bookkeeping commits without its own sync, and the store's level comes back. */

const dirs: string[] = [];
const stores: SqliteChatStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(synchronous: 'full' | 'normal'): Promise<SqliteChatStore> {
  const dir = mkdtempSync(join(tmpdir(), 'plaza-unsynced-'));
  dirs.push(dir);
  const store = createSqliteChatStore({ filename: join(dir, 'plaza.db'), synchronous });
  stores.push(store);
  await store.migrate();
  return store;
}

const level = async (store: SqliteChatStore) => Number((await sql<{ synchronous: number }>`pragma synchronous`.execute(store.kysely)).rows[0]?.synchronous);

describe('unsyncedTransaction', () => {
  it('commits at synchronous NORMAL and puts the store back to FULL, also when the transaction fails (and rolls back)', async () => {
    const store = await open('full');
    expect(await level(store)).toBe(2);
    const seen = await unsyncedTransaction(store.kysely, async (trx) => {
      await trx.insertInto('server_state').values({ key: 'a', value: '1' }).execute();
      return Number((await sql<{ synchronous: number }>`pragma synchronous`.execute(trx)).rows[0]?.synchronous);
    });
    expect(seen).toBe(1);
    expect(await level(store)).toBe(2);
    await expect(
      unsyncedTransaction(store.kysely, async (trx) => {
        await trx.insertInto('server_state').values({ key: 'b', value: '2' }).execute();
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await level(store)).toBe(2);
    const keys = await store.kysely.selectFrom('server_state').select('key').where('key', 'in', ['a', 'b']).execute();
    expect(keys).toEqual([{ key: 'a' }]);
  });

  it('leaves a store that runs at NORMAL at NORMAL', async () => {
    const store = await open('normal');
    await unsyncedTransaction(store.kysely, async (trx) => trx.insertInto('server_state').values({ key: 'a', value: '1' }).execute());
    expect(await level(store)).toBe(1);
  });
});
