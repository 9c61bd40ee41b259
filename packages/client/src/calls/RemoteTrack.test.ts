import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RemoteTrack } from './RemoteTrack.js';
import type { RemoteTrackControl } from './RemoteTrack.js';

/*
 * Elements, ResizeObserver, MediaStream and the mediasoup consumer are browser objects that do not
 * exist in the Node test worker: minimal stand-ins record what the track does with them.
 */

class FakeElement {
  srcObject: unknown = null;
  muted = false;
  autoplay = false;
  playsInline = false;
  removed = false;
  constructor(readonly tagName = 'video') {}
  remove(): void {
    this.removed = true;
  }
  play(): Promise<void> {
    return Promise.resolve();
  }
}

let observers: FakeResizeObserver[] = [];
class FakeResizeObserver {
  readonly targets = new Set<unknown>();
  constructor(readonly callback: (entries: { target: unknown; contentRect: { width: number } }[]) => void) {
    observers.push(this);
  }
  observe(el: unknown): void {
    this.targets.add(el);
  }
  unobserve(el: unknown): void {
    this.targets.delete(el);
  }
  disconnect(): void {
    this.targets.clear();
  }
  resize(el: unknown, width: number): void {
    this.callback([{ target: el, contentRect: { width } }]);
  }
}

function fakeConsumer(id: string) {
  return { id, closed: false, paused: false, track: { id: `${id}-track` }, pause() { this.paused = true; }, resume() { this.paused = false; }, close() { this.closed = true; } };
}

function control() {
  const calls: string[] = [];
  const ctl: RemoteTrackControl = {
    setLayers: async (consumerId, spatial) => void calls.push(`layers ${consumerId} ${spatial}`),
    setPaused: async (consumerId, paused) => void calls.push(`paused ${consumerId} ${paused}`),
    report: (what) => void calls.push(`failed ${what}`),
  };
  return { ctl, calls };
}

const g = globalThis as Record<string, unknown>;
beforeEach(() => {
  observers = [];
  g['ResizeObserver'] = FakeResizeObserver;
  g['document'] = { createElement: (tag: string) => new FakeElement(tag) };
  g['MediaStream'] = class {
    constructor(readonly tracks: unknown[]) {}
    getTracks() {
      return this.tracks;
    }
  };
});
afterEach(() => {
  delete g['ResizeObserver'];
  delete g['document'];
  delete g['MediaStream'];
});

const video = { id: 't1', source: 'camera' as const, kind: 'video' as const, muted: false, layers: 3 };

describe('remote track elements and layers', () => {
  it('asks for the layer that fits the element size, only when the layer changes', () => {
    const { ctl, calls } = control();
    const track = new RemoteTrack(video, ctl);
    track._bind(fakeConsumer('c1') as never);
    const el = new FakeElement();
    track.attach(el as never);
    const ro = observers[0]!;
    ro.resize(el, 300);
    ro.resize(el, 310);
    ro.resize(el, 600);
    ro.resize(el, 1280);
    ro.resize(el, 1000);
    expect(calls).toEqual(['layers c1 0', 'layers c1 1', 'layers c1 2']);
  });

  it('pauses the consumer when every attached element is detached, and resumes on the next attach', () => {
    const { ctl, calls } = control();
    const track = new RemoteTrack(video, ctl);
    const consumer = fakeConsumer('c1');
    track._bind(consumer as never);
    const a = new FakeElement();
    const b = new FakeElement();
    track.attach(a as never);
    track.attach(b as never);
    track.detach(a as never);
    expect(calls).toEqual([]);
    track.detach(b as never);
    expect(consumer.paused).toBe(true);
    expect(b.srcObject).toBeNull();
    track.attach(a as never);
    expect(consumer.paused).toBe(false);
    expect(calls).toEqual(['paused c1 true', 'paused c1 false']);
  });

  it('a track never attached to an element is not paused (Node apps read mediaStreamTrack directly)', () => {
    const { ctl, calls } = control();
    const track = new RemoteTrack(video, ctl);
    track._bind(fakeConsumer('c1') as never);
    track.detach();
    expect(calls).toEqual([]);
    expect(track.isSubscribed).toBe(true);
    expect(track.mediaStreamTrack).toEqual({ id: 'c1-track' });
  });

  it('setPreferredLayer() wins over sizes and is asked again of a new consumer after a rebuild', async () => {
    const { ctl, calls } = control();
    const track = new RemoteTrack(video, ctl);
    track._bind(fakeConsumer('c1') as never);
    const el = new FakeElement();
    track.attach(el as never);
    await track.setPreferredLayer(1);
    observers[0]!.resize(el, 1280);
    track._unbind();
    track._bind(fakeConsumer('c2') as never);
    expect(calls).toEqual(['layers c1 1', 'layers c2 1']);
    await expect(track.setPreferredLayer(7)).rejects.toThrow(TypeError);
  });

  it('setPreferredLayer(null) hands the choice back to the element size (the top layer without one)', async () => {
    const { ctl, calls } = control();
    const track = new RemoteTrack(video, ctl);
    track._bind(fakeConsumer('c1') as never);
    const el = new FakeElement();
    track.attach(el as never);
    observers[0]!.resize(el, 300);
    await track.setPreferredLayer(2);
    await track.setPreferredLayer(null);
    observers[0]!.resize(el, 600);
    await track.setPreferredLayer(null); // nothing to undo
    expect(calls).toEqual(['layers c1 0', 'layers c1 2', 'layers c1 0', 'layers c1 1']);

    const bare = new RemoteTrack(video, ctl);
    bare._bind(fakeConsumer('c2') as never);
    await bare.setPreferredLayer(0);
    await bare.setPreferredLayer(null);
    expect(calls.slice(4)).toEqual(['layers c2 0', 'layers c2 2']);
    await expect(bare.setPreferredLayer(null, 1)).rejects.toThrow(TypeError);
  });

  it('detach() removes the elements attach() created from the page; elements the app passed stay, emptied', () => {
    const { ctl } = control();
    const track = new RemoteTrack(video, ctl);
    track._bind(fakeConsumer('c1') as never);
    const created = track.attach() as unknown as FakeElement;
    const own = new FakeElement();
    track.attach(own as never);
    expect(created.srcObject).not.toBeNull();
    track.detach();
    expect(created.removed).toBe(true);
    expect(own.removed).toBe(false);
    expect(own.srcObject).toBeNull();
  });

  it('published again under a new id (a recovery), the same object swaps the new track into the attached elements', () => {
    const { ctl } = control();
    const track = new RemoteTrack(video, ctl);
    track._bind(fakeConsumer('c1') as never);
    const el = track.attach() as unknown as FakeElement & { srcObject: { getTracks(): unknown[] } };
    track._rekey({ ...video, id: 't2', layers: 1 });
    expect(track.id).toBe('t2');
    expect(track.layers).toBe(1);
    expect(el.srcObject.getTracks()).toEqual([{ id: 'c1-track' }]); // the last picture stays until the new track
    track._bind(fakeConsumer('c2') as never);
    expect(el.srcObject.getTracks()).toEqual([{ id: 'c2-track' }]);
    expect(el.removed).toBe(false);
  });
});
