import { ErrorCode } from '@plaza/protocol';
import { PlazaError } from '../errors.js';

/**
 * Runs one mediasoup operation and turns what it throws into a client-safe error: a closed
 * channel or object (the worker died, the participant left meanwhile) becomes
 * `MEDIA_UNAVAILABLE`; anything else mediasoup refuses (bad RTP, DTLS or SCTP parameters,
 * `connect()` twice, an unsupported codec) becomes `MEDIA_INCOMPATIBLE` with mediasoup's short
 * message. Never `INTERNAL`: these come from what the client sent.
 */
export async function mediaOp<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw toMediaError(what, error);
  }
}

/** See {@link mediaOp}. */
export function toMediaError(what: string, error: unknown): PlazaError {
  if (error instanceof PlazaError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // Keep the first line only, without mediasoup's "[method:…]" suffix.
  const short = (message.split('\n')[0] ?? '').replace(/\s*\[method:[^\]]*\]\s*$/, '').slice(0, 200);
  const name = error instanceof Error ? error.name : '';
  if (name === 'InvalidStateError' || /channel closed|closed/i.test(short)) {
    return new PlazaError(ErrorCode.MEDIA_UNAVAILABLE, `${what}: the media path is gone (${short}); rejoin the call`, { cause: error });
  }
  return new PlazaError(ErrorCode.MEDIA_INCOMPATIBLE, `${what}: ${short || 'refused by the media server'}`, { cause: error });
}
