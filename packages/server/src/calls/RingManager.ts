import type { RingEndReason } from '@plaza/protocol';
import type { PlazaIo } from '../signaling/context.js';
import { userRoom } from '../signaling/context.js';
import { callRoom } from './Call.js';

/** One ring of one callee. */
interface Ring {
  callId: string;
  conversationId: string;
  /** The callee. */
  userId: string;
  /** Who rang: user and participant. */
  callerId: string;
  callerParticipantId: string;
  timer: NodeJS.Timeout;
}

/**
 * Rings: `call:ringing` to every device of each callee, ended by a decline, an answer (the
 * callee joins), a cancel (or the caller leaving, or the call ending) or the timeout, each
 * announced with `call:ringEnded` to the callee's devices and the call's participants.
 */
export class RingManager {
  readonly #io: PlazaIo;
  readonly #timeoutMs: number;
  readonly #rings = new Map<string, Ring>();

  /**
   * @param io - the socket.io server
   * @param timeoutMs - how long a ring lasts
   */
  constructor(io: PlazaIo, timeoutMs: number) {
    this.#io = io;
    this.#timeoutMs = timeoutMs;
  }

  /** Starts (or restarts) ringing `userIds` for a call. */
  ring(call: { id: string; conversationId: string }, caller: { userId: string; name: string; participantId: string }, userIds: readonly string[]): void {
    const expiresAt = new Date(Date.now() + this.#timeoutMs).toISOString();
    for (const userId of userIds) {
      const key = `${call.id}\u0000${userId}`;
      const existing = this.#rings.get(key);
      if (existing) clearTimeout(existing.timer);
      const timer = setTimeout(() => this.#end(key, 'timeout'), this.#timeoutMs);
      timer.unref();
      this.#rings.set(key, { callId: call.id, conversationId: call.conversationId, userId, callerId: caller.userId, callerParticipantId: caller.participantId, timer });
      this.#io.to(userRoom(userId)).emit('call:ringing', { callId: call.id, conversationId: call.conversationId, callerId: caller.userId, callerName: caller.name, expiresAt });
    }
  }

  /** Ends the ring of `userId` in `callId`, if any. */
  end(callId: string, userId: string, reason: RingEndReason): boolean {
    return this.#end(`${callId}\u0000${userId}`, reason);
  }

  /** Ends every ring of a call that matches `filter` (all of them without one). */
  endAll(callId: string, reason: RingEndReason, filter: (ring: { callerId: string; callerParticipantId: string }) => boolean = () => true): void {
    for (const [key, ring] of this.#rings) if (ring.callId === callId && filter(ring)) this.#end(key, reason);
  }

  /** Stops every timer (shutdown). */
  close(): void {
    for (const ring of this.#rings.values()) clearTimeout(ring.timer);
    this.#rings.clear();
  }

  #end(key: string, reason: RingEndReason): boolean {
    const ring = this.#rings.get(key);
    if (!ring) return false;
    clearTimeout(ring.timer);
    this.#rings.delete(key);
    this.#io
      .to([userRoom(ring.userId), callRoom(ring.callId)])
      .emit('call:ringEnded', { callId: ring.callId, conversationId: ring.conversationId, userId: ring.userId, reason });
    return true;
  }
}
