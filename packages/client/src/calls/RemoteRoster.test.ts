import type { CallInfo, CallParticipant, CallTrack } from '@plaza/protocol';
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger.js';
import { RETURNING_TRACK_GRACE_MS, RemoteRoster } from './RemoteRoster.js';

/*
 * Bookkeeping of the other participants from server events and join answers. Consumers are
 * mediasoup-client objects that need WebRTC, which cannot run in the test worker: `consume`
 * hands out stand-ins that record being closed.
 */

const track = (id: string, source: CallTrack['source'] = 'camera'): CallTrack => ({
  id,
  source,
  kind: source === 'camera' || source === 'screen' ? 'video' : 'audio',
  muted: false,
  layers: 1,
});
const participant = (id: string, tracks: CallTrack[] = []): CallParticipant => ({ id, userId: `u_${id}`, name: id, joinedAt: '2026-01-01T00:00:00.000Z', tracks });
const info = (participants: CallParticipant[]): CallInfo => ({ id: 'k_1', conversationId: 'c_1', startedBy: 'u', startedAt: '2026-01-01T00:00:00.000Z', participants });

const failNext = { value: false };

function roster(autoSubscribe = true) {
  const events: string[] = [];
  let generation = 1;
  const consumers: { id: string; closed: boolean }[] = [];
  const r = new RemoteRoster({
    emit: (event, ...args) => {
      const first = args[0] as { id?: string } | undefined;
      const second = args[1] as { id?: string } | string | undefined;
      events.push([event, first?.id, typeof second === 'string' ? second : second?.id].filter(Boolean).join(' '));
    },
    consume: async (trackId) => {
      if (failNext.value) {
        failNext.value = false;
        throw new Error('consume refused');
      }
      const consumer = { id: `con-${trackId}-${consumers.length}`, closed: false, track: {}, close() { this.closed = true; }, pause() {}, resume() {} };
      consumers.push(consumer);
      return { consumer: consumer as never, generation };
    },
    generation: () => generation,
    localId: () => 'p_me',
    trackControl: { setLayers: async () => undefined, setPaused: async () => undefined, report: () => undefined },
    autoSubscribe,
    canReceive: () => true,
    logger: () => silentLogger,
  });
  return { r, events, consumers, nextGeneration: () => (generation += 1) };
}

describe('remote roster bookkeeping', () => {
  it('a join answer adds the others (never the user) with their tracks, and subscribes with autoSubscribe', async () => {
    const { r, events } = roster();
    await r.reconcile(info([participant('p_me', [track('t0')]), participant('p_a', [track('t1'), track('t2', 'microphone')])]));
    expect([...r.participants.keys()]).toEqual(['p_a']);
    expect(events).toEqual(['participantJoined p_a', 'trackPublished t1 p_a', 'trackPublished t2 p_a', 'trackSubscribed t1 p_a', 'trackSubscribed t2 p_a']);
  });

  it('remote tracks are keyed by source, like the local participant\'s; unpublishing by id removes the source', async () => {
    const { r } = roster(false);
    await r.reconcile(info([participant('p_a', [track('t1'), track('t2', 'microphone'), track('t3', 'screen')])]));
    const p = r.participants.get('p_a')!;
    expect([...p.tracks.keys()]).toEqual(['camera', 'microphone', 'screen']);
    expect(p.tracks.get('microphone')?.id).toBe('t2');
    r.removeTrack('p_a', 't3');
    expect([...p.tracks.keys()]).toEqual(['camera', 'microphone']);
  });

  it('without autoSubscribe tracks are announced but received only on subscribe()', async () => {
    const { r, events } = roster(false);
    await r.reconcile(info([participant('p_a', [track('t1')])]));
    expect(events).toEqual(['participantJoined p_a', 'trackPublished t1 p_a']);
    const t = r.participants.get('p_a')!.tracks.get('camera')!;
    await r.subscribe(t);
    expect(t.isSubscribed).toBe(true);
    r.unsubscribe(t);
    expect(events.slice(2)).toEqual(['trackSubscribed t1 p_a', 'trackUnsubscribed t1 p_a']);
  });

  it('a participant leaving unsubscribes and unpublishes its tracks first, then leaves', async () => {
    const { r, events, consumers } = roster();
    await r.reconcile(info([participant('p_a', [track('t1')])]));
    events.length = 0;
    r.removeParticipant('p_a', 'disconnected');
    expect(events).toEqual(['trackUnsubscribed t1 p_a', 'trackUnpublished t1 p_a', 'participantLeft p_a disconnected']);
    expect(consumers.every((c) => c.closed)).toBe(true);
  });

  it('a newer track of the same source takes over the stale object: new id, received again, no events', async () => {
    const { r, events, consumers } = roster();
    await r.reconcile(info([participant('p_a', [track('t1')])]));
    const before = r.participants.get('p_a')!.tracks.get('camera')!;
    events.length = 0;
    r.addTrack('p_a', track('t9'));
    await r.subscribe(r.participants.get('p_a')!.tracks.get('camera')!);
    expect(events).toEqual([]);
    expect([...r.participants.get('p_a')!.tracks.keys()]).toEqual(['camera']);
    expect(r.participants.get('p_a')!.tracks.get('camera')).toBe(before);
    expect(before.id).toBe('t9');
    expect(before.isSubscribed).toBe(true);
    expect(consumers.map((c) => [c.id, c.closed])).toEqual([['con-t1-0', true], ['con-t9-1', false]]);
  });

  it('after a rebuild, kept tracks are received again without events, and participants missing from the answer leave', async () => {
    const { r, events, nextGeneration } = roster();
    await r.reconcile(info([participant('p_a', [track('t1')]), participant('p_b')]));
    const t1 = r.participants.get('p_a')!.tracks.get('camera')!;
    events.length = 0;
    r.dropConsumers();
    nextGeneration();
    await r.reconcile(info([participant('p_a', [track('t1')])]));
    expect(events).toEqual(['participantLeft p_b left']);
    expect(r.participants.get('p_a')!.tracks.get('camera')).toBe(t1);
    expect(t1.isSubscribed).toBe(true);
  });

  it('after an SFU restart, a track its publisher has not published again yet is kept and takes the new id when it comes back', async () => {
    vi.useFakeTimers();
    try {
      const { r, events, nextGeneration } = roster();
      await r.reconcile(info([participant('p_a', [track('t1'), track('t2', 'microphone')])]));
      const [camera, mic] = [r.participants.get('p_a')!.tracks.get('camera')!, r.participants.get('p_a')!.tracks.get('microphone')!];
      events.length = 0;
      r.dropConsumers();
      nextGeneration();
      await r.reconcile(info([participant('p_a', [])]));
      expect(events).toEqual([]);
      expect(camera.isSubscribed).toBe(false);
      r.addTrack('p_a', track('t5'));
      await r.subscribe(camera);
      expect(camera.id).toBe('t5');
      expect(camera.isSubscribed).toBe(true);
      expect(events).toEqual([]);
      // The microphone never comes back: unpublished (and unsubscribed) after the grace period.
      await vi.advanceTimersByTimeAsync(RETURNING_TRACK_GRACE_MS);
      expect(events).toEqual(['trackUnsubscribed t2 p_a', 'trackUnpublished t2 p_a']);
      expect([...r.participants.get('p_a')!.tracks.values()]).toEqual([camera]);
      expect(mic.isSubscribed).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a track whose new consumer cannot be created after a rebuild is announced unsubscribed', async () => {
    const { r, events, nextGeneration } = roster();
    await r.reconcile(info([participant('p_a', [track('t1')])]));
    events.length = 0;
    r.dropConsumers();
    nextGeneration();
    failNext.value = true;
    await r.reconcile(info([participant('p_a', [track('t1')])]));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(events).toEqual(['trackUnsubscribed t1 p_a']);
  });

  it('a consumer that arrives after its session was replaced is closed and not announced', async () => {
    const { r, events, consumers, nextGeneration } = roster(false);
    await r.reconcile(info([participant('p_a', [track('t1')])]));
    const t = r.participants.get('p_a')!.tracks.get('camera')!;
    const pending = r.subscribe(t);
    nextGeneration();
    await pending;
    expect(t.isSubscribed).toBe(false);
    expect(consumers[0]?.closed).toBe(true);
    expect(events).not.toContain('trackSubscribed t1 p_a');
  });

  it('duplicate events (a join answer and the event for the same change) change nothing twice', async () => {
    const { r, events } = roster(false);
    r.addParticipant(participant('p_a', [track('t1')]));
    await r.reconcile(info([participant('p_a', [track('t1')])]));
    r.addTrack('p_a', track('t1'));
    r.removeTrack('p_x', 't1');
    r.removeParticipant('p_x', 'left');
    expect(events).toEqual(['participantJoined p_a', 'trackPublished t1 p_a']);
  });
});
