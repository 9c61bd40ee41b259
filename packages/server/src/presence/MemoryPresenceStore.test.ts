import { describe, expect, it } from 'vitest';
import { MemoryPresenceStore } from './MemoryPresenceStore.js';

describe('MemoryPresenceStore', () => {
  it('aggregates devices: online with the first, offline only after the last', async () => {
    let clock = new Date('2030-01-01T10:00:00Z');
    const store = new MemoryPresenceStore({ now: () => clock });
    const first = await store.connect('ana', 'phone');
    expect(first.changed).toBe(true);
    expect(first.presence).toMatchObject({ status: 'online', devices: 1 });
    const second = await store.connect('ana', 'laptop');
    expect(second.changed).toBe(false);
    expect(second.presence.devices).toBe(2);
    const one = await store.disconnect('ana', 'phone');
    expect(one.changed).toBe(false);
    expect(one.presence).toMatchObject({ status: 'online', devices: 1 });
    clock = new Date('2030-01-01T11:00:00Z');
    const gone = await store.disconnect('ana', 'laptop');
    expect(gone.changed).toBe(true);
    expect(gone.presence).toEqual({ userId: 'ana', status: 'offline', statusText: null, lastSeenAt: '2030-01-01T11:00:00.000Z', devices: 0 });
  });

  it('keeps the chosen status across devices and hides it while offline', async () => {
    const store = new MemoryPresenceStore();
    await store.connect('ben', 'a');
    expect(await store.set('ben', 'busy', 'in a meeting')).toMatchObject({ status: 'busy', statusText: 'in a meeting' });
    await store.connect('ben', 'b');
    expect((await store.get(['ben']))[0]).toMatchObject({ status: 'busy', statusText: 'in a meeting', devices: 2 });
    expect((await store.set('ben', 'away', undefined)).statusText).toBe('in a meeting');
    await store.disconnect('ben', 'a');
    await store.disconnect('ben', 'b');
    expect((await store.get(['ben']))[0]).toMatchObject({ status: 'offline', statusText: null });
  });

  it('reports unknown users as offline, never seen, in the order asked', async () => {
    const store = new MemoryPresenceStore();
    await store.connect('ana', 'x');
    const list = await store.get(['nobody', 'ana']);
    expect(list.map((p) => [p.userId, p.status])).toEqual([
      ['nobody', 'offline'],
      ['ana', 'online'],
    ]);
    expect(list[0]?.lastSeenAt).toBeNull();
  });

  it('ignores a disconnect of a device it never saw', async () => {
    const store = new MemoryPresenceStore();
    await store.connect('ana', 'x');
    expect((await store.disconnect('ana', 'y')).changed).toBe(false);
    expect((await store.get(['ana']))[0]?.devices).toBe(1);
  });
});
