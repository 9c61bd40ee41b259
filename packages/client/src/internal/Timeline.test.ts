import type { Message } from '@plaza/protocol';
import { describe, expect, it } from 'vitest';
import { Timeline } from './Timeline.js';

function msg(seq: number, rev = seq, patch: Partial<Message> = {}): Message {
  return {
    id: `m_${seq}`,
    conversationId: 'c_1',
    seq,
    rev,
    clientId: null,
    senderId: 'u1',
    kind: 'user',
    text: `text ${seq}`,
    replyTo: null,
    mentions: [],
    reactions: [],
    createdAt: '2025-01-01T00:00:00.000Z',
    editedAt: null,
    deletedAt: null,
    attachments: [],
    ...patch,
  };
}
const seqs = (ms: Message[]) => ms.map((m) => m.seq);

describe('Timeline', () => {
  it('delivers messages in seq order and starts after the seq it was created at', () => {
    const t = new Timeline(3, 3);
    expect(seqs(t.apply([msg(4)]).messages)).toEqual([4]);
    expect(seqs(t.apply([msg(5)]).messages)).toEqual([5]);
    expect(t.lastSeq).toBe(5);
  });

  it('drops messages at or below the starting seq (no backfill)', () => {
    const t = new Timeline(3, 3);
    const out = t.apply([msg(2), msg(3)]);
    expect(out.messages).toEqual([]);
    expect(out.updated).toEqual([]);
  });

  it('holds messages behind a gap and releases them in order when the gap fills', () => {
    const t = new Timeline(0, 0);
    const first = t.apply([msg(3), msg(2)]);
    expect(first.messages).toEqual([]);
    expect(first.gap).toBe(true);
    const second = t.apply([msg(1)]);
    expect(seqs(second.messages)).toEqual([1, 2, 3]);
    expect(second.gap).toBe(false);
  });

  it('delivers each seq once when the same message arrives twice (ack and broadcast)', () => {
    const t = new Timeline(0, 0);
    expect(seqs(t.apply([msg(1)]).messages)).toEqual([1]);
    const again = t.apply([msg(1)]);
    expect(again.messages).toEqual([]);
    expect(again.updated).toEqual([]);
    // also when the duplicate is still waiting behind a gap
    t.apply([msg(3)]);
    t.apply([msg(3)]);
    expect(seqs(t.apply([msg(2)]).messages)).toEqual([2, 3]);
  });

  it('reports a change to a delivered message once as updated', () => {
    const t = new Timeline(0, 0);
    t.apply([msg(1, 1)]);
    const edited = msg(1, 2, { text: 'edited', editedAt: '2025-01-01T00:01:00.000Z' });
    expect(t.apply([edited]).updated).toEqual([edited]);
    expect(t.apply([edited]).updated).toEqual([]);
    expect(t.apply([msg(1, 1)]).updated).toEqual([]);
  });

  it('delivers the latest state of a message that changed before it was delivered', () => {
    const t = new Timeline(0, 0);
    t.apply([msg(2, 2)]);
    t.apply([msg(2, 5, { text: 'edited' })]);
    t.apply([msg(2, 3, { text: 'older' })]);
    const out = t.apply([msg(1, 1)]);
    expect(out.messages.map((m) => m.text)).toEqual(['text 1', 'edited']);
    expect(out.updated).toEqual([]);
  });

  it('advances syncedRev over consecutive revisions only', () => {
    const t = new Timeline(0, 0);
    t.apply([msg(1, 1), msg(3, 3)]);
    expect(t.syncedRev).toBe(1);
    t.apply([msg(2, 2)]);
    expect(t.syncedRev).toBe(3);
  });

  it('markSynced never moves syncedRev backwards and ignores changes it covers', () => {
    const t = new Timeline(5, 10);
    t.markSynced(8);
    expect(t.syncedRev).toBe(10);
    t.markSynced(12);
    expect(t.syncedRev).toBe(12);
    // a change to an old message at or below syncedRev was already seen
    expect(t.apply([msg(2, 11)]).updated).toEqual([]);
    expect(t.apply([msg(2, 13)]).updated).toHaveLength(1);
  });

  it('needsSync when the server has newer revisions or a gap is open', () => {
    const t = new Timeline(2, 2);
    expect(t.needsSync(2)).toBe(false);
    expect(t.needsSync(3)).toBe(true);
    t.apply([msg(4, 4)]);
    expect(t.needsSync(2)).toBe(true);
  });

  it('delivers a shuffled run of 200 messages exactly once each, in order', () => {
    const t = new Timeline(0, 0);
    const all = Array.from({ length: 200 }, (_, i) => msg(i + 1));
    // deterministic shuffle with duplicates
    const shuffled = [...all, ...all.slice(50, 80)].sort((a, b) => ((a.seq * 7919) % 211) - ((b.seq * 7919) % 211));
    const delivered: number[] = [];
    for (const m of shuffled) delivered.push(...seqs(t.apply([m]).messages));
    expect(delivered).toEqual(all.map((m) => m.seq));
  });
});
