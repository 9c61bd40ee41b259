import { ErrorCode } from '@plaza/protocol';
import type { CallJoined } from '@plaza/protocol';
import { describe, expect, it } from 'vitest';
import { PlazaError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { CallRecovery, leftReasonOfRecoveryFailure, strongerStep } from './CallRecovery.js';
import type { RecoveryHost } from './CallRecovery.js';

/*
 * Recovery decides what to do from the answers of the signaling; these tests drive it with a host
 * that records what it is asked to do (no server or WebRTC needed: the media steps themselves are
 * covered by the smoke fixture against a real server).
 */

const joined = (resumed: boolean, participantId = 'p_1'): CallJoined =>
  ({ resumed, participantId, call: { id: 'k_1', conversationId: 'c_1', participants: [] } }) as unknown as CallJoined;

function fakeHost(overrides: Partial<RecoveryHost> = {}) {
  const log: string[] = [];
  let settle: (outcome: string) => void = () => undefined;
  const settled = new Promise<string>((resolve) => (settle = resolve));
  let over = false;
  const host: RecoveryHost = {
    rejoin: async () => (log.push('rejoin'), joined(true)),
    joinAnew: async () => (log.push('joinAnew'), joined(false, 'p_2')),
    restartIce: async () => void log.push('restartIce'),
    resume: async () => void log.push('resume'),
    rebuild: async (j) => void log.push(`rebuild ${j.participantId}`),
    hold: () => void log.push('hold'),
    release: () => void log.push('release'),
    interrupted: () => void log.push('interrupted'),
    recovered: () => {
      log.push('recovered');
      settle('recovered');
    },
    fail: (e) => {
      over = true;
      log.push(`fail ${e.code}`);
      settle('failed');
    },
    isConnected: () => true,
    isOver: () => over,
    logger: () => silentLogger,
    ...overrides,
  };
  return { host, log, settled };
}

describe('call recovery', () => {
  it('a resumed join catches up and restarts ICE on the same transports instead of rebuilding', async () => {
    const { host, log, settled } = fakeHost();
    new CallRecovery(host).trigger('rejoin');
    expect(await settled).toBe('recovered');
    expect(log).toEqual(['interrupted', 'hold', 'rejoin', 'resume', 'release', 'recovered']);
  });

  it('a join that is not resumed rebuilds transports, tracks and consumers', async () => {
    const { host, log, settled } = fakeHost({ rejoin: async () => (log.push('rejoin'), joined(false, 'p_9')) });
    new CallRecovery(host).trigger('rejoin');
    await settled;
    expect(log).toContain('rebuild p_9');
    expect(log).not.toContain('resume');
  });

  it('an ICE restart that fails while the Plaza connection is up leads to a rebuild as a new participant', async () => {
    const { host, log, settled } = fakeHost({
      restartIce: async () => {
        log.push('restartIce');
        throw new PlazaError(ErrorCode.MEDIA_NOT_FOUND, 'no such transport');
      },
    });
    new CallRecovery(host).trigger('ice');
    await settled;
    expect(log).toEqual(['interrupted', 'hold', 'restartIce', 'joinAnew', 'rebuild p_2', 'release', 'recovered']);
  });

  it('a join refused for good (NOT_A_MEMBER) ends the call without retrying', async () => {
    const { host, log, settled } = fakeHost({
      rejoin: async () => {
        log.push('rejoin');
        throw new PlazaError(ErrorCode.NOT_A_MEMBER, 'not a member');
      },
    });
    new CallRecovery(host).trigger('rejoin');
    expect(await settled).toBe('failed');
    expect(log.filter((l) => l === 'rejoin')).toHaveLength(1);
    expect(log).toContain('fail NOT_A_MEMBER');
  });

  it('without the Plaza connection nothing is tried: the call only shows it is interrupted', async () => {
    const { host, log } = fakeHost({ isConnected: () => false });
    const recovery = new CallRecovery(host);
    recovery.trigger('rejoin');
    await Promise.resolve();
    expect(log).toEqual(['interrupted']);
    recovery.dispose();
  });

  it('a trigger during a run asks for one more run, with the stronger of the two steps', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    const { host, log, settled } = fakeHost({
      restartIce: async () => {
        log.push('restartIce');
        runs += 1;
        if (runs === 1) await gate;
      },
    });
    const recovery = new CallRecovery(host);
    recovery.trigger('ice');
    await Promise.resolve();
    recovery.trigger('ice');
    recovery.trigger('rejoin');
    release();
    await settled;
    // First the ICE restart already running, then one rejoin (not two ICE restarts and a rejoin).
    expect(log.filter((l) => l === 'rejoin')).toHaveLength(1);
    expect(log.filter((l) => l === 'restartIce')).toHaveLength(1);
    expect(log.indexOf('rejoin')).toBeGreaterThan(log.indexOf('restartIce'));
    expect(strongerStep('rejoin', 'ice')).toBe('rejoin');
    expect(strongerStep(null, 'ice')).toBe('ice');
    expect(strongerStep('ice', 'anew')).toBe('anew');
  });

  it('a rejoin answered CALL_NOT_FOUND (the server restarted) stops at once, starts nothing, and means the call ended', async () => {
    const { host, log, settled } = fakeHost({
      rejoin: async () => {
        log.push('rejoin');
        throw new PlazaError(ErrorCode.CALL_NOT_FOUND, 'no such call');
      },
    });
    new CallRecovery(host).trigger('rejoin');
    expect(await settled).toBe('failed');
    expect(log).toEqual(['interrupted', 'hold', 'rejoin', 'fail CALL_NOT_FOUND', 'release']);
    expect(leftReasonOfRecoveryFailure(new PlazaError(ErrorCode.CALL_NOT_FOUND, 'no such call'))).toBe('ended');
    expect(leftReasonOfRecoveryFailure(new PlazaError(ErrorCode.NOT_A_MEMBER, 'not a member'))).toBe('error');
  });
});
