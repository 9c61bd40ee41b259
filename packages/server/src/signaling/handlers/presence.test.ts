import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, nextEvent, ok, settle, startTestServer } from '../../testing/harness.js';
import type { TestServer } from '../../testing/harness.js';

describe('presence requests', () => {
  let t: TestServer;
  beforeAll(async () => {
    // A short grace period so the last-device test does not wait the default 5 s; conversations of
    // 3 or more members count as large.
    t = await startTestServer({ presenceOfflineGraceMs: 100, presenceLargeConversationMembers: 3 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('reports contacts as they are and strangers as offline without details', async () => {
    const ana = await t.connect('p-ana');
    await t.connect('p-ben');
    const stranger = await t.connect('p-eve');
    await ok(stranger, 'presence:set', { status: 'busy', statusText: 'secret meeting' });
    await ok(ana, 'conversation:openDirect', { userId: 'p-ben' });
    const [ben, eve, nobody] = await ok(ana, 'presence:get', { userIds: ['p-ben', 'p-eve', 'p-nobody'] });
    expect(ben).toMatchObject({ userId: 'p-ben', status: 'online', devices: 1 });
    expect(eve).toEqual({ userId: 'p-eve', status: 'offline', statusText: null, lastSeenAt: null, devices: 0 });
    expect(nobody?.status).toBe('offline');
  });

  it('presence:set reaches contacts; the last device leaving makes the user offline', async () => {
    const ana = await t.connect('q-ana');
    const ben1 = await t.connect('q-ben');
    const ben2 = await t.connect('q-ben');
    await ok(ana, 'conversation:openDirect', { userId: 'q-ben' });
    const busy = nextEvent(ana, 'presence', (p) => p.userId === 'q-ben');
    const mine = await ok(ben1, 'presence:set', { status: 'busy', statusText: 'in a meeting' });
    expect(mine).toMatchObject({ status: 'busy', statusText: 'in a meeting', devices: 2 });
    expect(await busy).toMatchObject({ status: 'busy', statusText: 'in a meeting' });

    ben1.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [still] = await ok(ana, 'presence:get', { userIds: ['q-ben'] });
    expect(still).toMatchObject({ status: 'busy', devices: 1 });

    const offline = nextEvent(ana, 'presence', (p) => p.userId === 'q-ben' && p.status === 'offline');
    ben2.disconnect();
    const last = await offline;
    expect(last.devices).toBe(0);
    expect(last.lastSeenAt).not.toBeNull();
  });

  it('does not broadcast presence into large conversations; their members ask with presence:get', async () => {
    const ana = await t.connect('l-ana');
    const ben = await t.connect('l-ben');
    await t.connect('l-cy');
    const dee = await t.connect('l-dee');
    await ok(ana, 'conversation:create', { kind: 'group', title: 'Large', memberIds: ['l-ben', 'l-cy'] });
    await ok(ben, 'conversation:openDirect', { userId: 'l-dee' });
    const seenByAna = collect(ana, 'presence');
    const busy = nextEvent(dee, 'presence', (p) => p.userId === 'l-ben' && p.status === 'busy');
    await ok(ben, 'presence:set', { status: 'busy', statusText: null });
    await busy;
    await settle(ana);
    expect(seenByAna.filter((p) => p.userId === 'l-ben')).toEqual([]);
    const [asked] = await ok(ana, 'presence:get', { userIds: ['l-ben'] });
    expect(asked).toMatchObject({ userId: 'l-ben', status: 'busy' });
  });
});
