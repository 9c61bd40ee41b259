import { describe, expect, it } from 'vitest';
import { nextCallState } from './CallState.js';

describe('call state transitions', () => {
  it('connecting becomes connected when the media path is ready', () => {
    expect(nextCallState('connecting', 'ready')).toBe('connected');
    expect(nextCallState('connected', 'ready')).toBeNull();
  });

  it('an interruption leads to reconnecting once, and recovery back to connected', () => {
    expect(nextCallState('connected', 'interrupted')).toBe('reconnecting');
    expect(nextCallState('reconnecting', 'interrupted')).toBeNull();
    expect(nextCallState('reconnecting', 'recovered')).toBe('connected');
    expect(nextCallState('connected', 'recovered')).toBeNull();
  });

  it('left is final: nothing changes it', () => {
    for (const state of ['connecting', 'connected', 'reconnecting'] as const) expect(nextCallState(state, 'ended')).toBe('left');
    for (const input of ['ready', 'interrupted', 'recovered', 'ended'] as const) expect(nextCallState('left', input)).toBeNull();
  });
});
