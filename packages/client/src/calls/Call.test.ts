import type { CallJoined } from '@plaza/protocol';
import { describe, expect, it } from 'vitest';
import { InvalidStateError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { Call } from './Call.js';
import type { RequestFn } from './signaling.js';

/*
 * A call object without media: built from a join answer, never started (starting needs WebRTC,
 * which the Node test worker lacks; the media paths are covered by the integration and e2e tests).
 * Signaling answers every request with an empty success and records it.
 */

const joined = { participantId: 'p_me', call: { id: 'k_1', conversationId: 'c_1', participants: [] } } as unknown as CallJoined;

function leftCall() {
  const requests: string[] = [];
  const call = new Call(joined, { autoSubscribe: true }, {
    request: (async (name: string) => (requests.push(name), {})) as unknown as RequestFn,
    webrtc: undefined,
    isConnected: () => true,
    ended: () => undefined,
    logger: () => silentLogger,
  });
  return { call, requests };
}

describe('a call that is over', () => {
  it('every async method returns a rejected promise (InvalidStateError) instead of throwing', async () => {
    const { call, requests } = leftCall();
    await call.leave();
    expect(call.state).toBe('left');
    const fakeTrack = { kind: 'audio' } as unknown as MediaStreamTrack;
    const attempts: (() => Promise<unknown>)[] = [
      () => call.publishMicrophone(),
      () => call.publishCamera(),
      () => call.publishScreen(),
      () => call.publishTrack(fakeTrack, { source: 'microphone' }),
      () => call.setMuted('microphone', true),
      () => call.switchDevice('camera', 'cam-2'),
      () => call.muteParticipant('p_a', 'microphone'),
      () => call.removeParticipant('p_a'),
      () => call.ring(),
      () => call.cancelRing(),
    ];
    for (const attempt of attempts) {
      let result: Promise<unknown> | undefined;
      expect(() => (result = attempt())).not.toThrow();
      await expect(result).rejects.toBeInstanceOf(InvalidStateError);
    }
    // Idempotent ones still resolve.
    await expect(call.unpublish('camera')).resolves.toBeUndefined();
    await expect(call.leave()).resolves.toBeUndefined();
    expect(requests).toEqual(['call:leave']);
  });
});
