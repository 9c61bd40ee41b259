import { ErrorCode } from '@plaza/protocol';
import type { CitizenRequest, QueueItem, RequestChange, RequestChangeKind } from '@plaza/protocol';
import { describe, expect, it } from 'vitest';
import { PlazaError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { LiveQueue } from './LiveQueue.js';
import type { QueueView } from './LiveQueue.js';

const DEPT = 'public-lighting';
const AGENT = 'agent-1';

let stamp = 0;
/** A strictly increasing ISO time, like the server's `updatedAt` after each change. */
function nextStamp(): string {
  stamp += 1;
  return new Date(Date.UTC(2030, 0, 1, 8, 0, 0, stamp)).toISOString();
}

function request(id: string, patch: Partial<CitizenRequest> = {}): CitizenRequest {
  return {
    conversationId: id,
    topicId: 'street-light',
    departmentId: DEPT,
    citizenId: `citizen-of-${id}`,
    status: 'queued',
    assigneeId: null,
    description: `report ${id}`,
    location: null,
    externalRef: null,
    transferNote: null,
    resolution: null,
    createdAt: '2030-01-01T07:00:00.000Z',
    updatedAt: nextStamp(),
    firstResponseAt: null,
    slaDueAt: null,
    slaMissed: false,
    resolvedAt: null,
    ...patch,
  };
}

function item(r: CitizenRequest, waitingMs: number, citizenName = `Name of ${r.citizenId}`): QueueItem {
  return { ...r, citizenName, waitingMs };
}

function change(kind: RequestChangeKind, r: CitizenRequest, extra: Partial<RequestChange> = {}): RequestChange {
  return { change: kind, request: r, actorId: null, at: r.updatedAt, ...extra };
}

/** A queue over a list the test controls and a clock the test moves. */
function setup(view: QueueView = 'waiting', initial: QueueItem[] = []) {
  const state = {
    now: 1_000_000,
    /** What the next `queue:list` answers. */
    list: initial,
    lists: 0,
    /** When set, the next list waits until `release()` is called. */
    hold: false,
    release: () => {},
    failWith: null as PlazaError | null,
    closedCalls: 0,
  };
  const queue = new LiveQueue(DEPT, view, {
    list: () => {
      state.lists += 1;
      if (state.failWith) return Promise.reject(state.failWith);
      if (!state.hold) return Promise.resolve(structuredClone(state.list));
      return new Promise<QueueItem[]>((resolve) => {
        state.release = () => {
          state.hold = false;
          resolve(structuredClone(state.list));
        };
      });
    },
    selfId: () => AGENT,
    now: () => state.now,
    logger: () => silentLogger,
    closed: () => {
      state.closedCalls += 1;
    },
  });
  const changes: QueueItem[][] = [];
  queue.on('changed', (items) => changes.push(items));
  return { queue, state, changes };
}

const ids = (items: QueueItem[]) => items.map((i) => i.conversationId);

describe('LiveQueue', () => {
  it('lists oldest first and recomputes waitingMs from the time of the answer as the clock moves', async () => {
    const a = request('c_a');
    const b = request('c_b');
    const c = request('c_c');
    // The server answers oldest first; the queue sorts by when each entered, whatever the order given.
    const { queue, state, changes } = setup('waiting', [item(b, 5_000), item(a, 60_000), item(c, 1_000)]);
    await queue.refresh();
    expect(ids(queue.items)).toEqual(['c_a', 'c_b', 'c_c']);
    expect(queue.items.map((i) => i.waitingMs)).toEqual([60_000, 5_000, 1_000]);
    expect(changes).toHaveLength(1);

    state.now += 30_000;
    expect(queue.items.map((i) => i.waitingMs)).toEqual([90_000, 35_000, 31_000]);
    expect(queue.items[0]?.citizenName).toBe('Name of citizen-of-c_a');
  });

  it('a request opened by a citizen the queue knows enters at the end at once, waiting from its arrival', async () => {
    const known = request('c_known', { citizenId: 'ana' });
    const { queue, state, changes } = setup('waiting', [item(known, 10_000, 'Ana')]);
    await queue.refresh();
    state.now += 2_000;
    const fresh = request('c_new', { citizenId: 'ana' });
    queue._onRequestUpdated(change('opened', fresh));
    expect(state.lists).toBe(1); // no second list: the name is known
    expect(ids(queue.items)).toEqual(['c_known', 'c_new']);
    expect(queue.items[1]).toMatchObject({ citizenName: 'Ana', waitingMs: 0, description: 'report c_new' });
    state.now += 4_000;
    expect(queue.items.map((i) => i.waitingMs)).toEqual([16_000, 4_000]);
    expect(changes).toHaveLength(2);
  });

  it("a request of a citizen the queue does not know makes it ask for the list (for the citizen's name)", async () => {
    const { queue, state, changes } = setup('waiting', []);
    await queue.refresh();
    const fresh = request('c_new', { citizenId: 'bo' });
    state.list = [item(fresh, 300, 'Bo')];
    queue._onRequestUpdated(change('opened', fresh));
    await expect.poll(() => ids(queue.items)).toEqual(['c_new']);
    expect(queue.items[0]?.citizenName).toBe('Bo');
    expect(state.lists).toBe(2);
    expect(changes.at(-1)?.map((i) => i.citizenName)).toEqual(['Bo']);
  });

  it('claimed, transferred away and resolved requests leave a waiting queue; other departments are ignored', async () => {
    const a = request('c_a');
    const b = request('c_b');
    const c = request('c_c');
    const { queue, changes } = setup('waiting', [item(a, 3_000), item(b, 2_000), item(c, 1_000)]);
    await queue.refresh();

    queue._onRequestUpdated(change('claimed', { ...a, status: 'claimed', assigneeId: AGENT, updatedAt: nextStamp() }, { actorId: AGENT }));
    expect(ids(queue.items)).toEqual(['c_b', 'c_c']);
    queue._onRequestUpdated(
      change('transferred', { ...b, departmentId: 'roads', transferNote: 'pothole, not a lamp', updatedAt: nextStamp() }, { fromDepartmentId: DEPT }),
    );
    expect(ids(queue.items)).toEqual(['c_c']);
    queue._onRequestUpdated(change('resolved', { ...c, status: 'resolved', resolution: 'fixed', updatedAt: nextStamp() }));
    expect(queue.items).toEqual([]);
    expect(changes).toHaveLength(4);

    // Something in another department's queue changes nothing here.
    queue._onRequestUpdated(change('opened', request('c_other', { departmentId: 'roads' })));
    expect(queue.items).toEqual([]);
    expect(changes).toHaveLength(4);
  });

  it('a request transferred in enters with its note; a reopened one enters again waiting from now', async () => {
    const a = request('c_a', { citizenId: 'ana' });
    const { queue, state } = setup('waiting', [item(a, 1_000, 'Ana')]);
    await queue.refresh();
    const moved = request('c_moved', { citizenId: 'ana', departmentId: 'roads' });
    state.now += 500;
    queue._onRequestUpdated(change('transferred', { ...moved, departmentId: DEPT, transferNote: 'a lamp after all', updatedAt: nextStamp() }, { fromDepartmentId: 'roads' }));
    expect(queue.items.map((i) => [i.conversationId, i.transferNote, i.waitingMs])).toEqual([
      ['c_a', null, 1_500],
      ['c_moved', 'a lamp after all', 0],
    ]);

    queue._onRequestUpdated(change('resolved', { ...a, status: 'resolved', updatedAt: nextStamp() }));
    state.now += 700;
    queue._onRequestUpdated(change('reopened', { ...a, status: 'queued', updatedAt: nextStamp() }));
    // Reopened later than c_moved entered: it is now the newer one.
    expect(queue.items.map((i) => [i.conversationId, i.waitingMs])).toEqual([
      ['c_moved', 700],
      ['c_a', 0],
    ]);
  });

  it('other changes update a request in place without moving it', async () => {
    const a = request('c_a');
    const b = request('c_b');
    const { queue, changes } = setup('waiting', [item(a, 2_000), item(b, 1_000)]);
    await queue.refresh();
    queue._onRequestUpdated(change('sla_missed', { ...a, slaMissed: true, updatedAt: nextStamp() }));
    expect(ids(queue.items)).toEqual(['c_a', 'c_b']);
    expect(queue.items[0]).toMatchObject({ slaMissed: true, waitingMs: 2_000, citizenName: 'Name of citizen-of-c_a' });
    expect(changes).toHaveLength(2);
  });

  it("the 'mine' view holds the user's claimed and on-hold requests and drops them once resolved or transferred", async () => {
    const mineHeld = request('c_held', { status: 'on_hold', assigneeId: AGENT });
    const { queue, state } = setup('mine', [item(mineHeld, 9_000)]);
    await queue.refresh();
    // Someone else's claim is not the user's.
    queue._onRequestUpdated(change('claimed', request('c_theirs', { status: 'claimed', assigneeId: 'agent-2' })));
    expect(ids(queue.items)).toEqual(['c_held']);
    expect(state.lists).toBe(1);
    // The user's own claim: its queued time is unknown here, so the list is asked for.
    const claimed = request('c_claimed', { status: 'claimed', assigneeId: AGENT });
    state.list = [item(mineHeld, 9_100), item(claimed, 4_000)];
    queue._onRequestUpdated(change('claimed', claimed, { actorId: AGENT }));
    await expect.poll(() => ids(queue.items)).toEqual(['c_held', 'c_claimed']);
    queue._onRequestUpdated(change('resumed', { ...mineHeld, status: 'claimed', updatedAt: nextStamp() }));
    expect(queue.items[0]?.status).toBe('claimed');
    queue._onRequestUpdated(change('resolved', { ...mineHeld, status: 'resolved', updatedAt: nextStamp() }));
    queue._onRequestUpdated(change('transferred', { ...claimed, status: 'queued', assigneeId: null, departmentId: 'roads', updatedAt: nextStamp() }));
    expect(queue.items).toEqual([]);
  });

  it("the 'all' view keeps a claimed request where it was and drops it when resolved", async () => {
    const a = request('c_a');
    const b = request('c_b');
    const { queue } = setup('all', [item(a, 2_000), item(b, 1_000)]);
    await queue.refresh();
    queue._onRequestUpdated(change('claimed', { ...a, status: 'claimed', assigneeId: 'agent-2', updatedAt: nextStamp() }));
    expect(queue.items.map((i) => [i.conversationId, i.status, i.waitingMs])).toEqual([
      ['c_a', 'claimed', 2_000],
      ['c_b', 'queued', 1_000],
    ]);
    queue._onRequestUpdated(change('resolved', { ...a, status: 'resolved', updatedAt: nextStamp() }));
    expect(ids(queue.items)).toEqual(['c_b']);
  });

  it('news older than what the queue shows is ignored', async () => {
    const opened = request('c_a');
    const claimed = { ...opened, status: 'claimed' as const, assigneeId: 'agent-2', updatedAt: nextStamp() };
    const { queue, changes } = setup('waiting', [item(opened, 1_000)]);
    await queue.refresh();
    queue._onRequestUpdated(change('claimed', claimed));
    expect(queue.items).toEqual([]);
    // The opening, delivered late, must not bring it back.
    queue._onRequestUpdated(change('opened', opened));
    expect(queue.items).toEqual([]);
    expect(changes).toHaveLength(2);
  });

  it('changes that arrive while the list is on its way are applied on top of it', async () => {
    const a = request('c_a');
    const b = request('c_b');
    const { queue, state, changes } = setup('waiting', [item(a, 2_000), item(b, 1_000)]);
    state.hold = true;
    const loading = queue.refresh();
    // Claimed after the server read the list, told before its answer arrived.
    queue._onRequestUpdated(change('claimed', { ...a, status: 'claimed', assigneeId: 'agent-2', updatedAt: nextStamp() }));
    // The list's own state, told again as an event: must not restart b's wait.
    queue._onRequestUpdated(change('opened', b));
    expect(changes).toHaveLength(0);
    state.release();
    await loading;
    expect(queue.items.map((i) => [i.conversationId, i.waitingMs])).toEqual([['c_b', 1_000]]);
    expect(changes).toHaveLength(1);
    expect(state.lists).toBe(1);
  });

  it('refresh() calls made while a list is on its way share it and one more list follows', async () => {
    const { queue, state } = setup('waiting', []);
    state.hold = true;
    const first = queue.refresh();
    const second = queue.refresh();
    expect(second).toBe(first);
    state.list = [item(request('c_late'), 10)];
    state.release();
    await first;
    expect(state.lists).toBe(2);
    expect(ids(queue.items)).toEqual(['c_late']);
  });

  it('after a reconnect it fetches the queue again; a failed fetch emits syncFailed and keeps the items', async () => {
    const a = request('c_a');
    const { queue, state } = setup('waiting', [item(a, 1_000)]);
    await queue.refresh();
    const errors: PlazaError[] = [];
    queue.on('syncFailed', (e) => errors.push(e));

    const missed = request('c_missed');
    state.list = [item(a, 5_000), item(missed, 100)];
    queue._onConnected();
    await expect.poll(() => ids(queue.items)).toEqual(['c_a', 'c_missed']);

    state.failWith = new PlazaError(ErrorCode.PERMISSION_DENIED, 'not an agent of public-lighting');
    queue._onConnected();
    await expect.poll(() => errors.map((e) => e.code)).toEqual([ErrorCode.PERMISSION_DENIED]);
    expect(ids(queue.items)).toEqual(['c_a', 'c_missed']);
    await expect(queue.refresh()).rejects.toMatchObject({ code: ErrorCode.PERMISSION_DENIED });
  });

  it('close() stops it: no more changes, the owner is told once', async () => {
    const a = request('c_a', { citizenId: 'ana' });
    const { queue, state, changes } = setup('waiting', [item(a, 1_000, 'Ana')]);
    await queue.refresh();
    queue.close();
    queue.close();
    expect(queue.closed).toBe(true);
    expect(state.closedCalls).toBe(1);
    queue._onRequestUpdated(change('opened', request('c_b', { citizenId: 'ana' })));
    queue._onConnected();
    await queue.refresh();
    expect(ids(queue.items)).toEqual(['c_a']);
    expect(changes).toHaveLength(1);
    expect(state.lists).toBe(1);
  });
});
