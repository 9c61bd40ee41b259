import type { HistoryPage, Message, RequestName, RequestOf, ResponseOf, SyncPage } from '@plaza/protocol';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { TimelineSync } from './TimelineSync.js';

function msg(seq: number, rev: number, text = `text ${seq}`): Message {
  return {
    id: `m_${seq}`,
    conversationId: 'c_1',
    seq,
    rev,
    clientId: null,
    senderId: 'u1',
    kind: 'user',
    text,
    replyTo: null,
    mentions: [],
    reactions: [],
    createdAt: '2025-01-01T00:00:00.000Z',
    editedAt: null,
    deletedAt: null,
    attachments: [],
  };
}

/**
 * An in-memory stand-in for the server's message store, answering `message:sync` and
 * `message:history` the way the protocol specifies (pages of `pageSize`). A real server cannot be
 * made to deliver broadcasts out of order on demand, which is what these tests need.
 */
function fakeStore(pageSize = 2) {
  const rows = new Map<number, Message>();
  let rev = 0;
  const calls: string[] = [];
  const store = {
    calls,
    /** Hide a message from sync answers (to force the history fallback). */
    hiddenFromSync: new Set<number>(),
    add(text?: string) {
      const m = msg(rows.size + 1, ++rev, text);
      rows.set(m.seq, m);
      return m;
    },
    edit(seq: number, text: string) {
      const m = { ...(rows.get(seq) as Message), text, rev: ++rev };
      rows.set(seq, m);
      return m;
    },
    request<K extends RequestName>(name: K, payload: RequestOf<K>): Promise<ResponseOf<K>> {
      calls.push(name);
      const all = [...rows.values()];
      const lastSeq = rows.size;
      if (name === 'message:sync') {
        const { afterRev } = payload as RequestOf<'message:sync'>;
        const changed = all.filter((m) => m.rev > afterRev && !store.hiddenFromSync.has(m.seq)).sort((a, b) => a.rev - b.rev);
        const page: SyncPage = { messages: changed.slice(0, pageSize), lastSeq, lastRev: rev, hasMore: changed.length > pageSize };
        return Promise.resolve(page as ResponseOf<K>);
      }
      if (name === 'message:history') {
        const { afterSeq = 0 } = payload as RequestOf<'message:history'>;
        const after = all.filter((m) => m.seq > afterSeq).sort((a, b) => a.seq - b.seq);
        const page: HistoryPage = { messages: after.slice(0, pageSize), hasMore: after.length > pageSize };
        return Promise.resolve(page as ResponseOf<K>);
      }
      return Promise.reject(new Error(`unexpected ${name}`));
    },
  };
  return store;
}

function setup(store: ReturnType<typeof fakeStore>, lastSeq = 0, lastRev = 0) {
  const delivered: number[] = [];
  const updated: string[] = [];
  let gapSynced: () => void = () => {};
  const sync = new TimelineSync(lastSeq, lastRev, {
    conversationId: 'c_1',
    request: (name, payload) => store.request(name, payload),
    deliver: (out) => {
      delivered.push(...out.messages.map((m) => m.seq));
      updated.push(...out.updated.map((m) => m.text));
      if (!out.gap) gapSynced();
    },
    isActive: () => true,
    logger: () => silentLogger,
    gapDelayMs: 0,
  });
  const gapClosed = () => new Promise<void>((resolve) => (gapSynced = resolve));
  return { sync, delivered, updated, gapClosed };
}

describe('TimelineSync', () => {
  it('a live message after a gap is held and the sync it triggers fills the gap in order', async () => {
    const store = fakeStore();
    const [m1, m2, m3] = [store.add(), store.add(), store.add()];
    const { sync, delivered, gapClosed } = setup(store);
    sync.apply([m1!]);
    const closed = gapClosed();
    sync.apply([m3!]); // m2's broadcast was lost
    expect(delivered).toEqual([1]);
    await closed;
    expect(delivered).toEqual([1, 2, 3]);
    expect(store.calls).toContain('message:sync');
    sync.apply([m2!, m3!]); // late duplicates change nothing
    expect(delivered).toEqual([1, 2, 3]);
  });

  it('sync delivers missed messages in seq order although pages come in rev order', async () => {
    const store = fakeStore(2);
    const { sync, delivered, updated } = setup(store);
    store.add('a');
    store.add('b');
    store.add('c');
    store.edit(1, 'a edited'); // seq 1 now has the highest rev
    store.add('d');
    await sync.sync();
    expect(delivered).toEqual([1, 2, 3, 4]);
    expect(updated).toEqual([]);
    expect(sync.timeline.syncedRev).toBe(5);
    expect(sync.needsSync()).toBe(false);
  });

  it('changes to delivered messages come out as updates, once', async () => {
    const store = fakeStore(2);
    const { sync, delivered, updated } = setup(store);
    store.add('a');
    store.add('b');
    await sync.sync();
    store.edit(2, 'b edited');
    store.add('c');
    await sync.sync();
    await sync.sync();
    expect(delivered).toEqual([1, 2, 3]);
    expect(updated).toEqual(['b edited']);
  });

  it('a conversation learned at seq N starts there: sync delivers only later messages', async () => {
    const store = fakeStore();
    store.add();
    store.add();
    const { sync, delivered } = setup(store, 2, 2);
    store.add();
    await sync.sync();
    expect(delivered).toEqual([3]);
  });

  it('falls back to history when a sync leaves a gap', async () => {
    const store = fakeStore(2);
    const { sync, delivered } = setup(store);
    const [m1, , m3] = [store.add(), store.add(), store.add()];
    store.hiddenFromSync.add(2);
    sync.apply([m1!, m3!]);
    await sync.sync();
    expect(delivered).toEqual([1, 2, 3]);
    expect(store.calls).toContain('message:history');
  });
});
