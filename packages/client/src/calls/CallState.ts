/** States of a {@link Call}. */
export const CallState = {
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
  left: 'left',
} as const;
/** One of the {@link CallState} values. */
export type CallState = (typeof CallState)[keyof typeof CallState];

/** What happens to a call: its media is ready, interrupted, recovered, or the call is over for the user. */
export type CallStateInput = 'ready' | 'interrupted' | 'recovered' | 'ended';

/**
 * The state after `input` in `state`, or `null` when nothing changes. `left` is final; an
 * interruption while connecting or connected leads to `reconnecting`, recovery back to `connected`.
 */
export function nextCallState(state: CallState, input: CallStateInput): CallState | null {
  if (state === 'left') return null;
  switch (input) {
    case 'ended':
      return 'left';
    case 'ready':
      return state === 'connecting' ? 'connected' : null;
    case 'interrupted':
      return state === 'reconnecting' ? null : 'reconnecting';
    case 'recovered':
      return state === 'reconnecting' ? 'connected' : null;
  }
}
