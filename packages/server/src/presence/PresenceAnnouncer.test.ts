import type { Presence } from '@plaza/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryPresenceStore } from './MemoryPresenceStore.js';
import { PresenceAnnouncer } from './PresenceAnnouncer.js';

const GRACE_MS = 5000;
const COALESCE_MS = 250;

describe('PresenceAnnouncer', () => {
  let store: MemoryPresenceStore;
  let broadcasts: Presence[][];
  let errors: unknown[];
  let announcer: PresenceAnnouncer;

  /** Every announced change as `user:status`, in order. */
  const announced = () => broadcasts.flat().map((p) => `${p.userId}:${p.status}`);

  beforeEach(() => {
    vi.useFakeTimers();
    store = new MemoryPresenceStore();
    broadcasts = [];
    errors = [];
    announcer = new PresenceAnnouncer({
      presence: store,
      offlineGraceMs: GRACE_MS,
      coalesceMs: COALESCE_MS,
      broadcast: (presences) => {
        broadcasts.push([...presences]);
      },
      onError: (error) => errors.push(error),
    });
  });

  afterEach(() => {
    announcer.close();
    vi.useRealTimers();
  });

  it('announces a user who comes online once the coalescing window closes', async () => {
    await announcer.connected('ana', 'phone');
    expect(announced()).toEqual([]);
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect(announced()).toEqual(['ana:online']);
    expect(broadcasts[0]?.[0]).toMatchObject({ userId: 'ana', status: 'online', devices: 1 });
  });

  it('announces offline only after the grace period when no device came back', async () => {
    await announcer.connected('ana', 'phone');
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    await announcer.disconnected('ana', 'phone');
    expect(announcer.graceCount).toBe(1);
    await vi.advanceTimersByTimeAsync(GRACE_MS - 1);
    expect(announced()).toEqual(['ana:online']);
    await vi.advanceTimersByTimeAsync(1 + COALESCE_MS);
    expect(announced()).toEqual(['ana:online', 'ana:offline']);
    const offline = broadcasts[1]?.[0];
    expect(offline).toMatchObject({ status: 'offline', devices: 0 });
    expect(offline?.lastSeenAt).not.toBeNull();
    expect(announcer.graceCount).toBe(0);
  });

  it('announces nothing when the user reconnects within the grace period', async () => {
    await announcer.connected('ana', 'phone');
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    await announcer.disconnected('ana', 'phone');
    await vi.advanceTimersByTimeAsync(GRACE_MS / 2);
    await announcer.connected('ana', 'phone-again');
    expect(announcer.graceCount).toBe(0);
    await vi.advanceTimersByTimeAsync(GRACE_MS * 2);
    expect(announced()).toEqual(['ana:online']);
  });

  it('turns a burst of connects, drops and reconnects into at most one broadcast per user', async () => {
    const users = Array.from({ length: 1000 }, (_, i) => `u${i}`);
    for (const id of users) await announcer.connected(id, 'a');
    for (const id of users) await announcer.disconnected(id, 'a');
    for (const id of users) await announcer.connected(id, 'b');
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect(broadcasts).toHaveLength(1);
    expect(announced()).toEqual(users.map((id) => `${id}:online`));

    // The whole group drops, then comes back within the grace period: nothing more is sent.
    for (const id of users) await announcer.disconnected(id, 'b');
    await vi.advanceTimersByTimeAsync(1000);
    for (const id of users) await announcer.connected(id, 'c');
    await vi.advanceTimersByTimeAsync(GRACE_MS * 2);
    expect(broadcasts).toHaveLength(1);
  });

  it('announces the status a user chose, and only the last of several within one window', async () => {
    await announcer.connected('ben', 'a');
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    await store.set('ben', 'away', null);
    announcer.statusChosen('ben');
    await store.set('ben', 'busy', 'in a meeting');
    announcer.statusChosen('ben');
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect(broadcasts.slice(1)).toEqual([[expect.objectContaining({ userId: 'ben', status: 'busy', statusText: 'in a meeting' })]]);

    // Choosing the same status and text again changes nothing others see.
    await store.set('ben', 'busy', 'in a meeting');
    announcer.statusChosen('ben');
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect(broadcasts).toHaveLength(2);
  });

  it('keeps a user online while another device stays connected', async () => {
    await announcer.connected('cy', 'phone');
    await announcer.connected('cy', 'laptop');
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    await announcer.disconnected('cy', 'phone');
    expect(announcer.graceCount).toBe(0);
    await vi.advanceTimersByTimeAsync(GRACE_MS * 2);
    expect(announced()).toEqual(['cy:online']);
  });

  it('announces nothing after close, even when a grace period was running', async () => {
    await announcer.connected('dee', 'a');
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    await announcer.disconnected('dee', 'a');
    announcer.close();
    await announcer.connected('eve', 'a');
    await vi.advanceTimersByTimeAsync(GRACE_MS * 2);
    expect(announced()).toEqual(['dee:online']);
  });

  it('announces offline in the next window when the grace period is zero', async () => {
    const quick = new PresenceAnnouncer({
      presence: store,
      offlineGraceMs: 0,
      coalesceMs: COALESCE_MS,
      broadcast: (presences) => {
        broadcasts.push([...presences]);
      },
      onError: (error) => errors.push(error),
    });
    await quick.connected('fay', 'a');
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    await quick.disconnected('fay', 'a');
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect(announced()).toEqual(['fay:online', 'fay:offline']);
    quick.close();
  });

  it('reports a failing broadcast and keeps announcing later changes', async () => {
    let fail = true;
    const flaky = new PresenceAnnouncer({
      presence: store,
      offlineGraceMs: GRACE_MS,
      coalesceMs: COALESCE_MS,
      broadcast: (presences) => {
        if (fail) throw new Error('adapter down');
        broadcasts.push([...presences]);
      },
      onError: (error) => errors.push(error),
    });
    await flaky.connected('gus', 'a');
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect(errors).toHaveLength(1);
    fail = false;
    await flaky.connected('hal', 'a');
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect(announced()).toEqual(['hal:online']);
    flaky.close();
  });
});
