import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewConversation } from './ChatStore.js';
import { createSqliteChatStore } from './SqliteChatStore.js';
import type { SqliteChatStore } from './SqliteChatStore.js';

let dir: string;
let store: SqliteChatStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plaza-store-'));
  store = createSqliteChatStore({ filename: join(dir, 'plaza.db'), synchronous: 'normal' });
  await store.migrate();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const groupOf = (createdBy: string, ...others: string[]): NewConversation => ({
  kind: 'group',
  title: 'Street lights',
  topic: 'lights',
  externalRef: 'CRM-1',
  createdBy,
  members: [{ userId: createdBy, role: 'owner' }, ...others.map((userId) => ({ userId, role: 'member' as const }))],
});

const outbox = async () =>
  (await store.kysely.selectFrom('outbox').select(['type', 'payload']).orderBy('id').execute()).map((r) => ({
    type: r.type,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
  }));

describe('lifecycle', () => {
  it('migrate() is idempotent and ping() answers until close()', async () => {
    await store.migrate();
    expect(await store.ping()).toBe(true);
    await store.close();
    await store.close();
    expect(await store.ping()).toBe(false);
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    store = createSqliteChatStore({ filename: join(dir, 'plaza.db'), logger });
    await store.migrate();
    expect(await store.ping()).toBe(true);
    expect(lines.some((l) => JSON.parse(l).component === 'storage')).toBe(true);
  });

  it('uses WAL, foreign keys and the configured synchronous mode', async () => {
    const { sql } = await import('kysely');
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.kysely);
    const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.kysely);
    const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(store.kysely);
    expect(mode.rows[0]?.journal_mode).toBe('wal');
    expect(fk.rows[0]?.foreign_keys).toBe(1);
    expect(sync.rows[0]?.synchronous).toBe(1); // NORMAL
  });
});

describe('users', () => {
  it('upsertUser inserts then updates name and metadata; getUsers leaves out unknown ids', async () => {
    await store.upsertUser({ id: 'ana', name: 'Ana', metadata: { dept: 'roads' } });
    await store.upsertUser({ id: 'ana', name: 'Ana M.', metadata: null });
    expect(await store.getUsers(['ana', 'nobody'])).toEqual([{ id: 'ana', name: 'Ana M.', metadata: null }]);
    expect(await store.getUsers([])).toEqual([]);
  });
});

describe('conversations', () => {
  it('createConversation stores members, counters and a conversation.created event', async () => {
    await store.upsertUser({ id: 'alice', name: 'Alice', metadata: null });
    const c = await store.createConversation(groupOf('alice', 'bob', 'carol'));
    expect(c).toMatchObject({ kind: 'group', title: 'Street lights', topic: 'lights', externalRef: 'CRM-1', createdBy: 'alice', lastSeq: 0, lastRev: 0, memberCount: 3 });
    const members = await store.listMembers(c.id);
    expect(members.map((m) => [m.userId, m.name, m.role])).toEqual([
      ['alice', 'Alice', 'owner'],
      ['bob', 'bob', 'member'],
      ['carol', 'carol', 'member'],
    ]);
    expect((await store.listMemberIds(c.id)).sort()).toEqual(['alice', 'bob', 'carol']);
    expect(await store.getConversation(c.id)).toEqual(c);
    const events = await outbox();
    expect(events.map((e) => e.type)).toEqual(['conversation.created']);
    expect(events[0]?.payload.conversationId).toBe(c.id);
  });

  it('getConversationWithState is null for non-members and unknown ids', async () => {
    const c = await store.createConversation(groupOf('alice', 'bob'));
    expect((await store.getConversationWithState(c.id, 'bob'))?.self).toMatchObject({ role: 'member', lastReadSeq: 0, unreadCount: 0 });
    expect(await store.getConversationWithState(c.id, 'mallory')).toBeNull();
    expect(await store.getConversationWithState('c_nope', 'bob')).toBeNull();
    expect(await store.getConversation('c_nope')).toBeNull();
  });

  it('listConversations orders by last activity, most recent first', async () => {
    const a = await store.createConversation(groupOf('alice', 'bob'));
    const b = await store.createConversation(groupOf('alice', 'carol'));
    await new Promise((r) => setTimeout(r, 5));
    await store.appendMessage({ conversationId: a.id, senderId: 'bob', clientId: null, kind: 'user', text: 'hi', replyTo: null, mentions: [] });
    const list = await store.listConversations('alice');
    expect(list.map((c) => c.id)).toEqual([a.id, b.id]);
    expect(list[0]?.self.unreadCount).toBe(1);
    expect(await store.conversationIdsOf('carol')).toEqual([b.id]);
  });

  it('updateConversation changes title and clears topic, with a conversation.updated event', async () => {
    const c = await store.createConversation(groupOf('alice'));
    const updated = await store.updateConversation(c.id, { title: 'Potholes', topic: null });
    expect(updated).toMatchObject({ title: 'Potholes', topic: null });
    expect((await outbox()).map((e) => e.type)).toEqual(['conversation.created', 'conversation.updated']);
    await expect(store.updateConversation('c_nope', { title: 'x' })).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
  });

  it('openDirect twice concurrently gives one conversation', async () => {
    const [x, y, z] = await Promise.all([store.openDirect('alice', 'bob'), store.openDirect('bob', 'alice'), store.openDirect('alice', 'bob')]);
    expect(new Set([x.conversation.id, y.conversation.id, z.conversation.id]).size).toBe(1);
    expect([x.created, y.created, z.created].filter(Boolean)).toHaveLength(1);
    expect(x.conversation).toMatchObject({ kind: 'direct', title: null, memberCount: 2 });
    const count = await store.kysely.selectFrom('conversations').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
    const other = await store.openDirect('alice', 'carol');
    expect(other.conversation.id).not.toBe(x.conversation.id);
    await expect(store.openDirect('alice', 'alice')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });
});

describe('members', () => {
  it('addMembers returns only new members and keeps member_count', async () => {
    const c = await store.createConversation(groupOf('alice', 'bob'));
    const added = await store.addMembers(c.id, [
      { userId: 'bob', role: 'member' },
      { userId: 'carol', role: 'moderator' },
      { userId: 'dave', role: 'member' },
    ]);
    expect(added.map((m) => [m.userId, m.role])).toEqual([
      ['carol', 'moderator'],
      ['dave', 'member'],
    ]);
    expect((await store.getConversation(c.id))?.memberCount).toBe(4);
    expect(await store.addMembers(c.id, [{ userId: 'carol', role: 'member' }])).toEqual([]);
    await expect(store.addMembers('c_nope', [{ userId: 'x', role: 'member' }])).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
    const events = (await outbox()).filter((e) => e.type === 'member.added');
    expect(events).toHaveLength(1);
    expect((events[0]?.payload.members as { userId: string }[]).map((m) => m.userId)).toEqual(['carol', 'dave']);
  });

  it('removeMember removes once and keeps member_count', async () => {
    const c = await store.createConversation(groupOf('alice', 'bob', 'carol'));
    expect(await store.removeMember(c.id, 'bob')).toMatchObject({ userId: 'bob', role: 'member' });
    expect(await store.removeMember(c.id, 'bob')).toBeNull();
    expect((await store.getConversation(c.id))?.memberCount).toBe(2);
    expect(await store.getMembership(c.id, 'bob')).toBeNull();
    expect((await outbox()).filter((e) => e.type === 'member.removed')).toHaveLength(1);
  });

  it('setRole changes the role, writes member.role_changed, and refuses non-members', async () => {
    const c = await store.createConversation(groupOf('alice', 'bob'));
    expect(await store.setRole(c.id, 'bob', 'moderator')).toMatchObject({ userId: 'bob', role: 'moderator' });
    expect((await store.getMembership(c.id, 'bob'))?.role).toBe('moderator');
    const events = (await outbox()).filter((e) => e.type === 'member.role_changed');
    expect(events.map((e) => e.payload.previousRole)).toEqual(['member']);
    await expect(store.setRole(c.id, 'mallory', 'owner')).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
  });

  it('contactsOf lists everyone sharing a conversation, without the user', async () => {
    await store.createConversation(groupOf('alice', 'bob', 'carol'));
    await store.openDirect('alice', 'dave');
    await store.openDirect('erin', 'frank');
    expect(await store.contactsOf('alice')).toEqual(['bob', 'carol', 'dave']);
    expect(await store.contactsOf('dave')).toEqual(['alice']);
    expect(await store.contactsOf('nobody')).toEqual([]);
  });
});

describe('audit', () => {
  it('records entries and lists them newest first with filters and paging', async () => {
    await store.audit({ action: 'connection.accepted', actorId: 'alice', target: null, outcome: 'allowed', reason: null, ip: '127.0.0.1', details: { transport: 'websocket' } });
    await store.audit({ action: 'connection.refused', actorId: null, target: null, outcome: 'denied', reason: 'UNAUTHENTICATED', ip: '10.0.0.1', details: null });
    await store.audit({ action: 'grant.denied', actorId: 'alice', target: 'c_1', outcome: 'denied', reason: 'PERMISSION_DENIED', ip: null, details: null });
    const all = await store.listAudit({ limit: 10 });
    expect(all.map((r) => r.action)).toEqual(['grant.denied', 'connection.refused', 'connection.accepted']);
    expect(all[2]).toMatchObject({ actorId: 'alice', outcome: 'allowed', ip: '127.0.0.1', details: { transport: 'websocket' } });
    expect(new Date(all[2]!.at).toISOString()).toBe(all[2]!.at);
    expect((await store.listAudit({ limit: 10, actorId: 'alice' })).map((r) => r.action)).toEqual(['grant.denied', 'connection.accepted']);
    expect((await store.listAudit({ limit: 10, action: 'connection.refused' })).map((r) => r.reason)).toEqual(['UNAUTHENTICATED']);
    const page = await store.listAudit({ limit: 1, beforeId: all[0]!.id });
    expect(page.map((r) => r.action)).toEqual(['connection.refused']);
  });
});
