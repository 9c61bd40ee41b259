import { ErrorCode } from '@plaza/protocol';
import type { RequestName, RequestOf, ResponseOf } from '@plaza/protocol';
import { describe, expect, it } from 'vitest';
import { InvalidStateError, PlazaError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { CallManager } from './CallManager.js';
import type { IncomingRing } from './IncomingRing.js';

/*
 * The manager's own bookkeeping (rings, refusing a second join) with a signaling function that
 * records requests. Joining for real needs WebRTC, which cannot run in the test worker: that is
 * covered by the smoke fixture and the media tests against a real server.
 */

function manager(options: { hasSession?: boolean; answer?: (name: RequestName) => Promise<unknown> } = {}) {
  const sent: { name: RequestName; payload: unknown }[] = [];
  const calls = new CallManager({
    request: <K extends RequestName>(name: K, payload: RequestOf<K>) => {
      sent.push({ name, payload });
      return (options.answer?.(name) ?? Promise.resolve({})) as Promise<ResponseOf<K>>;
    },
    webrtc: undefined,
    isConnected: () => true,
    hasSession: () => options.hasSession ?? true,
    logger: () => silentLogger,
  });
  return { calls, sent };
}

const ringEvent = { callId: 'k_1', conversationId: 'c_1', callerId: 'ana', callerName: 'Ana', expiresAt: '2026-01-01T00:00:30.000Z' };

describe('call manager', () => {
  it("call:ringing becomes a 'ringing' IncomingRing whose decline() declines that call", async () => {
    const { calls, sent } = manager();
    const rings: IncomingRing[] = [];
    calls.on('ringing', (ring) => rings.push(ring));
    calls._onServerEvent('call:ringing', ringEvent);
    expect(rings).toHaveLength(1);
    expect(rings[0]).toMatchObject({ callId: 'k_1', conversationId: 'c_1', callerId: 'ana', callerName: 'Ana', expiresAt: ringEvent.expiresAt });
    await rings[0]!.decline();
    expect(sent).toEqual([{ name: 'call:decline', payload: { callId: 'k_1' } }]);
  });

  it("call:ringEnded is passed on as 'ringEnded' with the protocol payload", () => {
    const { calls } = manager();
    const ended: unknown[] = [];
    calls.on('ringEnded', (e) => ended.push(e));
    const event = { callId: 'k_1', conversationId: 'c_1', userId: 'ben', reason: 'timeout' as const };
    calls._onServerEvent('call:ringEnded', event);
    expect(ended).toEqual([event]);
  });

  it('a second join of the same conversation while the first is under way fails with CONFLICT', async () => {
    const { calls, sent } = manager({ answer: (name) => (name === 'call:join' ? new Promise(() => undefined) : Promise.resolve({})) });
    void calls._join('c_1');
    const second = await calls._join('c_1').catch((e: unknown) => e);
    expect(second).toBeInstanceOf(PlazaError);
    expect((second as PlazaError).code).toBe(ErrorCode.CONFLICT);
    expect(sent.filter((r) => r.name === 'call:join')).toHaveLength(1);
  });

  it('a join the server refuses can be tried again (the conversation is not left marked as joined)', async () => {
    let refuse = true;
    const { calls } = manager({
      answer: (name) => (name === 'call:join' && refuse ? Promise.reject(new PlazaError(ErrorCode.MEDIA_UNAVAILABLE, 'no workers')) : new Promise(() => undefined)),
    });
    const first = await calls._join('c_1').catch((e: unknown) => e);
    expect((first as PlazaError).code).toBe(ErrorCode.MEDIA_UNAVAILABLE);
    refuse = false;
    const again = calls._join('c_1');
    const third = await calls._join('c_1').catch((e: unknown) => e);
    expect((third as PlazaError).code).toBe(ErrorCode.CONFLICT);
    void again;
  });

  it('joining before connect() throws InvalidStateError; bad arguments throw TypeError', () => {
    expect(() => manager({ hasSession: false }).calls._join('c_1')).toThrow(InvalidStateError);
    const { calls } = manager();
    expect(() => calls._join('not an id!')).toThrow(TypeError);
    expect(() => calls._join('c_1', { autoSubscribe: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => calls.get('')).toThrow(TypeError);
  });

  it('get() asks the server for the live call of a conversation', async () => {
    const { calls, sent } = manager({ answer: () => Promise.resolve(null) });
    expect(await calls.get('c_1')).toBeNull();
    expect(sent).toEqual([{ name: 'call:get', payload: { conversationId: 'c_1' } }]);
  });
});
