import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { LocalParticipant } from './LocalParticipant.js';
import { LocalPublisher } from './LocalPublisher.js';
import type { MediaSession } from './MediaSession.js';
import type { RequestFn } from './signaling.js';

/*
 * Screen capture (getDisplayMedia), MediaStreamTracks and mediasoup producers need a browser and
 * WebRTC, which do not exist in the Node test worker: minimal stand-ins record what the publisher
 * does with them (the server side is the real protocol: `call:unpublish` per track).
 */

class FakeTrack {
  stopped = false;
  readonly #listeners = new Map<string, (() => void)[]>();
  constructor(readonly kind: 'audio' | 'video') {}
  stop(): void {
    this.stopped = true;
  }
  addEventListener(type: string, listener: () => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  fire(type: string): void {
    for (const l of this.#listeners.get(type) ?? []) l();
  }
}

const g = globalThis as Record<string, unknown>;
let savedNavigator: PropertyDescriptor | undefined;
let capture: { video: FakeTrack; audio: FakeTrack };

beforeEach(() => {
  capture = { video: new FakeTrack('video'), audio: new FakeTrack('audio') };
  savedNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    value: {
      mediaDevices: {
        getDisplayMedia: async (c: { audio: boolean }) => ({ getVideoTracks: () => [capture.video], getAudioTracks: () => (c.audio ? [capture.audio] : []) }),
      },
    },
  });
});
afterEach(() => {
  if (savedNavigator) Object.defineProperty(globalThis, 'navigator', savedNavigator);
  else delete g['navigator'];
});

function publisher() {
  const participant = new LocalParticipant('p_me', 'u_me', 'Me');
  const unpublished: string[] = [];
  let n = 0;
  const session = {
    produce: async (_track: unknown, options: { source: string }) => ({ id: `${options.source}-${(n += 1)}`, closed: false, paused: false, close() { this.closed = true; }, pause() {}, resume() {} }),
  } as unknown as MediaSession;
  const request = (async (name: string, payload: { trackId?: string }) => {
    if (name === 'call:unpublish') unpublished.push(payload.trackId ?? '');
    return {};
  }) as unknown as RequestFn;
  const pub = new LocalPublisher({
    participant,
    session: () => session,
    currentSession: () => session,
    whenConnected: async () => undefined,
    request,
    callId: () => 'k_1',
    isLeft: () => false,
    emitMuted: () => undefined,
    logger: () => silentLogger,
  });
  return { pub, participant, unpublished };
}

describe('screen sharing', () => {
  it("unpublish('screen') also unpublishes the screen's audio captured with it, and stops both", async () => {
    const { pub, participant, unpublished } = publisher();
    await pub.publishScreen({});
    expect([...participant.tracks.keys()]).toEqual(['screen', 'screen-audio']);
    await pub.unpublish('screen');
    expect([...participant.tracks.keys()]).toEqual([]);
    expect(unpublished.sort()).toEqual(['screen-1', 'screen-audio-2']);
    expect([capture.video.stopped, capture.audio.stopped]).toEqual([true, true]);
  });

  it('stopping the share from the browser unpublishes the screen and its audio', async () => {
    const { pub, participant, unpublished } = publisher();
    await pub.publishScreen({});
    capture.video.fire('ended');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect([...participant.tracks.keys()]).toEqual([]);
    expect(unpublished.sort()).toEqual(['screen-1', 'screen-audio-2']);
  });

  it("a 'screen-audio' track published on its own stays when the screen is unpublished", async () => {
    const { pub, participant } = publisher();
    await pub.publishScreen({ audio: false });
    const other = new FakeTrack('audio');
    await pub.publishTrack(other as unknown as MediaStreamTrack, { source: 'screen-audio' });
    await pub.unpublish('screen');
    expect([...participant.tracks.keys()]).toEqual(['screen-audio']);
    expect(other.stopped).toBe(false);
  });
});
