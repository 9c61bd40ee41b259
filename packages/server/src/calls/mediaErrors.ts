import { ErrorCode } from '@plaza/protocol';
import { PlazaError } from '../errors.js';

/**
 * Runs one mediasoup operation and turns what it throws into a client-safe error: a closed
 * channel or object (the worker died, the participant left meanwhile) becomes
 * `MEDIA_UNAVAILABLE`; anything else mediasoup refuses (bad RTP, DTLS or SCTP parameters,
 * `connect()` twice, an unsupported codec) becomes `MEDIA_INCOMPATIBLE` with mediasoup's short
 * message, except the server's own limits (no free RTC port, out of memory or file descriptors),
 * which are `MEDIA_UNAVAILABLE`. Never `INTERNAL`. Operations that take no client parameters use
 * {@link capacityOp}.
 */
export async function mediaOp<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw toMediaError(what, error);
  }
}

/**
 * Runs a mediasoup operation that takes nothing from the client (creating a router or a
 * transport): whatever it throws is the server's capacity or health (no free RTC port, a dying
 * worker), never the client's parameters, so it becomes `MEDIA_UNAVAILABLE` (retryable).
 */
export async function capacityOp<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    if (error instanceof PlazaError) throw error;
    throw new PlazaError(ErrorCode.MEDIA_UNAVAILABLE, `${what}: the media server has no room right now (${shortMessage(error) || 'refused'}); try again later`, { cause: error });
  }
}

/** The first line of a mediasoup error, without its "[method:…]" suffix. */
function shortMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').replace(/\s*\[method:[^\]]*\]\s*$/, '').trim().slice(0, 200);
}

/** See {@link mediaOp}. */
export function toMediaError(what: string, error: unknown): PlazaError {
  if (error instanceof PlazaError) return error;
  const short = shortMessage(error);
  const name = error instanceof Error ? error.name : '';
  if (/no more available ports|port.*in use|EADDRINUSE|ENOMEM|too many open files|EMFILE/i.test(short)) {
    return new PlazaError(ErrorCode.MEDIA_UNAVAILABLE, `${what}: the media server has no room right now (${short}); try again later`, { cause: error });
  }
  if (name === 'InvalidStateError' || /channel closed|closed/i.test(short)) {
    return new PlazaError(ErrorCode.MEDIA_UNAVAILABLE, `${what}: the media path is gone (${short}); rejoin the call`, { cause: error });
  }
  return new PlazaError(ErrorCode.MEDIA_INCOMPATIBLE, `${what}: ${short || 'refused by the media server'}`, { cause: error });
}
