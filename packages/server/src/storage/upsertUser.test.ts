import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteChatStore } from './SqliteChatStore.js';
import type { SqliteChatStore } from './SqliteChatStore.js';

let dir: string;
let store: SqliteChatStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plaza-users-'));
  store = createSqliteChatStore({ filename: join(dir, 'plaza.db'), synchronous: 'normal' });
  await store.migrate();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const updatedAt = async (id: string) =>
  (await store.kysely.selectFrom('users').select('updated_at').where('id', '=', id).executeTakeFirstOrThrow()).updated_at;
const markOld = (id: string) => store.kysely.updateTable('users').set({ updated_at: 'old' }).where('id', '=', id).execute();

describe('upsertUser', () => {
  it('writes nothing when the name and metadata are unchanged', async () => {
    await store.upsertUser({ id: 'ana', name: 'Ana', metadata: { dept: 'roads' } });
    await markOld('ana');
    await store.upsertUser({ id: 'ana', name: 'Ana', metadata: { dept: 'roads' } });
    expect(await updatedAt('ana')).toBe('old');
  });

  it('updates a changed name or changed metadata', async () => {
    await store.upsertUser({ id: 'ben', name: 'Ben', metadata: null });
    await markOld('ben');
    await store.upsertUser({ id: 'ben', name: 'Benjamin', metadata: null });
    expect(await updatedAt('ben')).not.toBe('old');
    await markOld('ben');
    await store.upsertUser({ id: 'ben', name: 'Benjamin', metadata: { dept: 'parks' } });
    expect(await updatedAt('ben')).not.toBe('old');
    expect(await store.getUsers(['ben'])).toEqual([{ id: 'ben', name: 'Benjamin', metadata: { dept: 'parks' } }]);
  });

  it('names a user who was created as a member by id', async () => {
    const conv = await store.createConversation({
      kind: 'group',
      title: 'T',
      topic: null,
      externalRef: null,
      createdBy: 'ana',
      members: [
        { userId: 'ana', role: 'owner' },
        { userId: 'cy', role: 'member' },
      ],
    });
    await store.upsertUser({ id: 'cy', name: 'Cy', metadata: null });
    expect((await store.listMembers(conv.id)).find((m) => m.userId === 'cy')?.name).toBe('Cy');
  });
});
